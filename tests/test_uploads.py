"""Editors uploading images: only real images are kept, cleaned, under generated names."""

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from articles.models import Article, Person
from tests.factories import jpeg_file
from tests.test_editor_admin import ADD_URL, article_form

pytestmark = pytest.mark.django_db


def image_bytes(fmt, size=(64, 48), **save_args):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt, **save_args)
    return buffer.getvalue()


def upload(name, data, content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def jpeg_with_exif_and_rotation():
    image = Image.new("RGB", (80, 40), (10, 120, 200))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to display
    exif[0x010F] = "SecretCam"  # camera make
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def png_bomb(width=30000, height=30000):
    """A tiny file that claims 900 megapixels: a decompression bomb."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (width + 1) * 10)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def animated_gif(frames):
    # Every frame a different colour: Pillow merges identical consecutive frames.
    images = [Image.new("RGB", (8, 8), (n % 256, n * 7 % 256, n * 13 % 256)) for n in range(frames)]
    buffer = io.BytesIO()
    images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:])
    return buffer.getvalue()


def post_image(client, image, **extra):
    return client.post(ADD_URL, article_form(lead_image=image, lead_image_alt="A picture", **extra))


def stored_files(settings):
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_a_real_jpeg_is_stored_re_encoded_upright_without_metadata_under_a_new_name(
    editor_client, settings
):
    response = post_image(editor_client, upload("holiday-photo.jpg", jpeg_with_exif_and_rotation()))
    assert response.status_code == 302
    article = Article.objects.get()
    assert "holiday-photo" not in article.lead_image.name
    assert article.lead_image.name.endswith(".jpg")
    with Image.open(article.lead_image.path) as stored:
        assert stored.size == (40, 80)  # the orientation was applied
        assert not stored.getexif()  # no camera make, no orientation, no GPS


@pytest.mark.parametrize(
    "name, data",
    [
        ("diagram.png", image_bytes("PNG")),
        ("still.webp", image_bytes("WEBP")),
        ("anim.gif", animated_gif(5)),
    ],
)
def test_png_webp_and_gif_are_accepted(editor_client, name, data):
    assert post_image(editor_client, upload(name, data)).status_code == 302
    assert Article.objects.get().lead_image


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("photo.jpg", image_bytes("PNG"), "is a PNG image but its name ends in “.jpg”"),
        ("notes.png", b"Meeting notes, not a picture.", "not an image we can use"),
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "not an image we can use",
        ),
        ("page.jpg", b"<html><script>alert(1)</script></html>", "not an image we can use"),
        ("cut.jpg", image_bytes("JPEG", size=(400, 300))[:700], "damaged or incomplete"),
        ("bomb.png", png_bomb(), "not an image we can use"),
        ("big.png", png_bomb(9000, 9000), "the limit is 50 megapixels"),
        ("long.gif", animated_gif(201), "the limit is 200"),
        ("scan.bmp", image_bytes("BMP"), "BMP images are not accepted"),
    ],
    ids=[
        "disguised-png",
        "text",
        "svg",
        "html",
        "truncated",
        "bomb",
        "too-many-pixels",
        "too-many-frames",
        "bmp",
    ],
)
def test_a_bad_upload_is_a_form_error_and_nothing_is_saved(
    editor_client, settings, name, data, message
):
    response = post_image(editor_client, upload(name, data))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Article.objects.exists()
    assert stored_files(settings) == []


def test_an_over_large_file_is_refused_before_it_is_decoded(editor_client, settings):
    big = image_bytes("JPEG") + b"\0" * (15 * 1024 * 1024 + 1)
    response = post_image(editor_client, upload("huge.jpg", big))
    assert "images can be at most 15 MB" in response.content.decode()
    assert not Article.objects.exists()


def test_person_photos_are_checked_the_same_way(editor_client):
    url = reverse("admin:articles_person_add")
    data = {"name": "Ann Writer", "slug": "ann-writer", "description": "", "bio": "", "aliases": ""}
    refused = editor_client.post(url, {**data, "photo": upload("me.jpg", image_bytes("PNG"))})
    assert refused.status_code == 200 and not Person.objects.exists()
    accepted = editor_client.post(url, {**data, "photo": jpeg_file("me.jpg")})
    assert accepted.status_code == 302
    assert Person.objects.get().photo.name.endswith(".jpg")
    assert "me.jpg" not in Person.objects.get().photo.name
