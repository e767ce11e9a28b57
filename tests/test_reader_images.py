"""Lead images as readers get them: renditions made when the article is saved, upright, without
metadata, in several widths and in WebP, never made or read on a reader's request."""

import io
import re
from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from articles.models import Article
from tests.factories import ArticleFactory, jpeg_file

pytestmark = pytest.mark.django_db

ORIENTATION, MAKE = 0x0112, 0x010F


def camera_jpeg(size=(1000, 600)):
    """A photo as a phone stores it: sideways, with an EXIF orientation saying "turn it a
    quarter clockwise", the camera's make, and the stored top half red, bottom half blue."""
    image = Image.new("RGB", size, (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, size[0], size[1] // 2))
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[MAKE] = "PhoneCam"
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes())
    return SimpleUploadedFile("phone photo.jpg", buffer.getvalue(), content_type="image/jpeg")


def open_rendition(rendition):
    with default_storage.open(rendition["name"]) as file:
        image = Image.open(io.BytesIO(file.read()))
        image.load()
    return image


def test_renditions_are_upright_stripped_of_metadata_in_several_widths_and_in_webp():
    article = ArticleFactory(lead_image=camera_jpeg(), lead_image_alt="A photo")
    info = article.lead_image_renditions
    # Upright, the photo is 600 wide and 1000 high: widths up to its own, never wider.
    assert [(r["width"], r["height"]) for r in info["jpeg"]] == [(320, 533), (600, 1000)]
    assert [r["width"] for r in info["webp"]] == [320, 600]
    assert (info["width"], info["height"]) == (600, 1000)
    for kind, mime in [("jpeg", "JPEG"), ("webp", "WEBP")]:
        for rendition in info[kind]:
            image = open_rendition(rendition)
            assert image.format == mime
            assert image.size == (rendition["width"], rendition["height"])
            assert not image.getexif()  # no orientation, no camera, no position
            assert "exif" not in image.info and "icc_profile" not in image.info
            assert rendition["bytes"] == default_storage.size(rendition["name"])
            # The stored top (red) is now on the right, the bottom (blue) on the left.
            middle = image.height // 2
            red, _, blue = image.convert("RGB").getpixel((image.width - 5, middle))
            assert red > 200 and blue < 60
            red, _, blue = image.convert("RGB").getpixel((5, middle))
            assert blue > 200 and red < 60


def test_article_page_serves_a_responsive_picture_with_webp_and_its_size_set(page_text):
    article = ArticleFactory(lead_image=jpeg_file(size=(1600, 900)), lead_image_alt="Delegates")
    content = page_text(article.get_absolute_url())
    figure = content[content.index('<figure class="article__image">') : content.index("</figure>")]
    webp = re.search(r'<source type="image/webp" srcset="([^"]+)" sizes="([^"]+)">', figure)
    assert webp, figure
    widths = [int(w) for w in re.findall(r" (\d+)w", webp[1])]
    assert widths == [320, 640, 960, 1280, 1600]
    assert all(url.endswith(".webp") for url in re.findall(r"(\S+) \d+w", webp[1]))
    img = re.search(r"<img [^>]+>", figure)[0]
    assert 'width="1600" height="900"' in img
    assert 'alt="Delegates"' in img
    assert 'srcset="' in img and 'sizes="' in img
    assert 'loading="lazy"' not in img  # the lead image is what the reader came to see
    assert "?" not in figure  # no query string on any image URL
    assert article.lead_image.name not in figure  # the original, with its metadata, is not served


def test_front_page_loads_the_lead_story_image_at_once_and_the_rest_lazily(page_text):
    for _ in range(3):
        ArticleFactory(lead_image=jpeg_file(size=(800, 450)), lead_image_alt="A picture")
    content = page_text(reverse("reader:home"))
    images = re.findall(r"<img [^>]+>", content)
    assert len(images) == 3
    assert 'loading="lazy"' not in images[0] and 'fetchpriority="high"' in images[0]
    assert all('loading="lazy"' in image for image in images[1:])


def test_reading_a_page_neither_makes_nor_reads_an_image_file(client, settings):
    article = ArticleFactory(lead_image=jpeg_file(size=(800, 450)), lead_image_alt="A picture")
    files_before = sorted(p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file())
    # Without the original, a page that opened it (for its size, say) would fail.
    default_storage.delete(article.lead_image.name)
    for url in [
        article.get_absolute_url(),
        reverse("reader:home"),
        reverse("reader:latest_feed"),
    ]:
        assert client.get(url).status_code == 200
    files_after = sorted(p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file())
    assert len(files_after) == len(files_before) - 1


def test_a_replaced_image_gets_new_urls_and_a_removed_one_leaves_no_picture(client):
    article = ArticleFactory(lead_image=jpeg_file(colour=(10, 10, 10)), lead_image_alt="One")
    first = {r["name"] for r in article.lead_image_renditions["jpeg"]}
    article.lead_image = jpeg_file(colour=(200, 10, 10))
    article.save()
    second = {r["name"] for r in article.lead_image_renditions["jpeg"]}
    assert first.isdisjoint(second)
    article.lead_image = ""
    article.save()
    article.refresh_from_db()
    assert article.lead_image_renditions == {}
    assert "<picture" not in client.get(article.get_absolute_url()).content.decode()


def test_saving_the_article_again_does_not_remake_its_renditions():
    article = ArticleFactory(lead_image=jpeg_file(), lead_image_alt="A picture")
    before = article.lead_image_renditions
    default_storage.delete(before["webp"][0]["name"])
    article.headline = "Edited"
    article.save()
    assert article.lead_image_renditions == before
    assert not default_storage.exists(before["webp"][0]["name"])  # nothing was made again


def test_a_transparent_png_is_served_on_white():
    buffer = io.BytesIO()
    Image.new("RGBA", (400, 200), (0, 0, 0, 0)).save(buffer, format="PNG")
    upload = SimpleUploadedFile("logo.png", buffer.getvalue(), content_type="image/png")
    article = ArticleFactory(lead_image=upload, lead_image_alt="A logo")
    image = open_rendition(article.lead_image_renditions["jpeg"][-1])
    assert image.convert("RGB").getpixel((10, 10)) == (255, 255, 255)


def test_make_renditions_command_fills_in_articles_saved_without_them():
    article = ArticleFactory(lead_image=jpeg_file(), lead_image_alt="A picture")
    updated_at = article.updated_at
    Article.objects.filter(pk=article.pk).update(lead_image_renditions={})
    output = StringIO()
    call_command("make_renditions", stdout=output)
    article.refresh_from_db()
    assert [r["width"] for r in article.lead_image_renditions["jpeg"]] == [320, 640]
    assert article.updated_at == updated_at
    assert "1 article" in output.getvalue()
    call_command("make_renditions", stdout=output)
    assert "Made renditions for 0 article(s)." in output.getvalue()
