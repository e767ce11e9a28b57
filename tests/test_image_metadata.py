"""Editors uploading images full of metadata: neither the stored original nor any rendition
keeps a byte of it (EXIF, XMP, IPTC, ICC profiles, JPEG comments, PNG text chunks, GIF comments
and application extensions). Orientation is applied and colours are converted to sRGB."""

import io
import struct
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import Image, ImageCms
from PIL.PngImagePlugin import PngInfo

from articles import media
from articles.models import Article
from tests.test_editor_admin import ADD_URL, article_form
from tests.test_uploads import upload

pytestmark = pytest.mark.django_db

SRGB_PROFILE = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def exif(text):
    data = Image.Exif()
    data[0x010F] = f"{text}-make"  # camera make
    data[0x010E] = f"{text}-description"
    data[0x0112] = 6  # turn a quarter clockwise
    return data.tobytes()


def xmp(text):
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-'
        f'rdf-syntax-ns#"><rdf:Description>{text}-xmp</rdf:Description></rdf:RDF></x:xmpmeta>'
    ).encode()


def profile(text):
    # A real profile with text after its declared end: readers of profiles ignore the tail.
    return SRGB_PROFILE + f"{text}-icc".encode()


def picture(size=(400, 300)):
    image = Image.new("RGB", size, (30, 120, 200))
    image.paste((230, 40, 40), (0, 0, size[0], size[1] // 2))
    return image


def jpeg_with_everything(text):
    buffer = io.BytesIO()
    picture().save(
        buffer,
        format="JPEG",
        exif=exif(text),
        comment=f"{text}-comment",
        xmp=xmp(text),
        icc_profile=profile(text),
    )
    data = buffer.getvalue()
    # IPTC lives in a Photoshop APP13 segment, which Pillow does not write: put one after SOI.
    iptc = b"Photoshop 3.0\0" + b"8BIM\x04\x04\0\0" + f"{text}-iptc".encode()
    return data[:2] + b"\xff\xed" + struct.pack(">H", len(iptc) + 2) + iptc + data[2:]


def png_with_everything(text):
    info = PngInfo()
    info.add_text("Comment", f"{text}-tEXt")
    info.add_itxt("Description", f"{text}-iTXt")
    info.add_text("Author", f"{text}-zTXt", zip=True)
    info.add_text("XML:com.adobe.xmp", xmp(text).decode())
    buffer = io.BytesIO()
    picture().save(buffer, format="PNG", pnginfo=info, exif=exif(text), icc_profile=profile(text))
    return buffer.getvalue()


def webp_with_everything(text):
    buffer = io.BytesIO()
    picture().save(buffer, format="WEBP", exif=exif(text), xmp=xmp(text), icc_profile=profile(text))
    return buffer.getvalue()


def gif_with_everything(text, frames=1):
    images = [picture().convert("P") for _ in range(frames)]
    for n, image in enumerate(images):
        image.putpixel((n, 0), n)  # frames that differ, so none is merged away
    buffer = io.BytesIO()
    images[0].save(
        buffer,
        format="GIF",
        save_all=frames > 1,
        append_images=images[1:],
        comment=f"{text}-comment",
    )
    data = buffer.getvalue()
    # An application extension of our own (as XMP is carried in GIFs) before the first image.
    payload = f"{text}-application".encode()
    extension = b"!\xff\x0bXMP DataXMP" + bytes([len(payload)]) + payload + b"\0"
    flags = data[10]
    after_palette = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
    return data[:after_palette] + extension + data[after_palette:]


CARRIERS = {
    "jpeg": ("camera.jpg", jpeg_with_everything),
    "png": ("diagram.png", png_with_everything),
    "webp": ("photo.webp", webp_with_everything),
    "gif": ("still.gif", gif_with_everything),
    "animated-gif": ("anim.gif", lambda text: gif_with_everything(text, frames=3)),
}


def stored_bytes(settings):
    root = Path(settings.MEDIA_ROOT)
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in root.rglob("*.*")}


@pytest.mark.parametrize("kind", CARRIERS)
def test_no_stored_file_keeps_any_trace_of_the_uploads_metadata(editor_client, settings, kind):
    name, make = CARRIERS[kind]
    data = make("PLANTED")
    assert data.count(b"PLANTED") >= 2  # the hostile file really carries it
    form = article_form(lead_image=upload(name, data), lead_image_alt="A picture")
    assert editor_client.post(ADD_URL, form).status_code == 302
    article = Article.objects.get()
    stored = stored_bytes(settings)
    assert article.lead_image.name in stored
    assert len(stored) >= 3  # the original and its JPEG and WebP renditions
    for path, content in stored.items():
        assert b"PLANTED" not in content, path
        assert b"Photoshop" not in content and b"8BIM" not in content, path
        with Image.open(io.BytesIO(content)) as image:
            assert "icc_profile" not in image.info and "exif" not in image.info, path
            assert not image.getexif(), path


def s15(value):
    return struct.pack(">i", round(value * 65536))


def swapped_primaries_profile():
    """A minimal ICC v2 display profile whose red and green primaries are sRGB's green and
    red: a pixel stored as pure green in it is red once converted to sRGB."""
    d50 = (0.9642, 1.0, 0.8249)
    red, green, blue = (0.4361, 0.2225, 0.0139), (0.3851, 0.7169, 0.0971), (0.1431, 0.0606, 0.7141)

    def xyz(values):
        return b"XYZ \0\0\0\0" + b"".join(s15(v) for v in values)

    gamma = b"curv\0\0\0\0" + struct.pack(">IH", 1, 0x0233) + b"\0\0"
    text = b"swapped\0"
    desc = b"desc\0\0\0\0" + struct.pack(">I", len(text)) + text + b"\0" * 12 + b"\0" * 67
    desc += b"\0" * (-len(desc) % 4)
    tags = [
        (b"desc", desc), (b"wtpt", xyz(d50)), (b"rXYZ", xyz(green)), (b"gXYZ", xyz(red)),
        (b"bXYZ", xyz(blue)), (b"rTRC", gamma), (b"gTRC", gamma), (b"bTRC", gamma),
    ]  # fmt: skip
    offset = 128 + 4 + 12 * len(tags)
    table, body = struct.pack(">I", len(tags)), b""
    for signature, data in tags:
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += data
    size = offset + len(body)
    header = struct.pack(">I4sI4s4s4s", size, b"\0" * 4, 0x02100000, b"mntr", b"RGB ", b"XYZ ")
    header += b"\0" * 12 + b"acsp" + b"\0" * 28 + b"".join(s15(v) for v in d50)
    header += b"\0" * (128 - len(header))
    return header + table + body


def test_orientation_is_applied_and_colours_are_converted_to_srgb(editor_client, settings):
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), (0, 200, 0)).save(
        buffer, format="PNG", icc_profile=swapped_primaries_profile(), exif=exif("x")
    )
    form = article_form(lead_image=upload("tagged.png", buffer.getvalue()), lead_image_alt="x")
    assert editor_client.post(ADD_URL, form).status_code == 302
    with Image.open(Article.objects.get().lead_image.path) as stored:
        assert stored.size == (40, 60)  # turned upright
        assert "icc_profile" not in stored.info  # stored as sRGB, which needs no profile
        red, green, blue = stored.convert("RGB").getpixel((20, 30))
        assert red > 150 and green < 80 and blue < 80  # the colour the profile meant


@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kind=st.sampled_from(sorted(CARRIERS)),
    text=st.text(
        alphabet=st.characters(min_codepoint=48, max_codepoint=122, categories=["L", "N"]),
        min_size=12,
        max_size=40,
    ),
)
def test_whatever_text_is_planted_no_stored_file_carries_it(settings, kind, text):
    name, make = CARRIERS[kind]
    marker = f"Q{text}Z"
    prepared = media.prepare_image(
        upload(name, make(marker)), Article._meta.get_field("lead_image"), renditions=True
    )
    assert prepared.error is None
    storage = Article._meta.get_field("lead_image").storage
    try:
        for stored in prepared.written:
            with storage.open(stored) as file:
                assert marker.encode() not in file.read(), stored
    finally:
        prepared.discard()
