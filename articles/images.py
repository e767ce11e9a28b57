"""Lead-image renditions: the sizes and formats readers are served, made once when an article is
saved with a new image (``Article.save``), never on a reader's request.

Each rendition is the upright image (EXIF orientation applied) without any metadata (no EXIF, no
GPS position, no ICC profile), in JPEG and WebP, at the widths below that the original allows.
File names carry a hash of the original, so a replaced image gets new URLs and caches never serve
an old one; no URL needs a query string. What was made is stored on the article
(``lead_image_renditions``), so pages build ``srcset`` without touching the files.
"""

import hashlib
import io
from pathlib import PurePosixPath

from django.core.files.base import ContentFile
from django.utils.text import slugify
from PIL import Image, ImageOps

WIDTHS = (320, 640, 960, 1280, 1600)
FOLDER = "renditions"
FORMATS = {
    # name: (Pillow format, file extension, MIME type, encoder options)
    "jpeg": ("JPEG", "jpg", "image/jpeg", {"quality": 82, "optimize": True, "progressive": True}),
    "webp": ("WEBP", "webp", "image/webp", {"quality": 80, "method": 4}),
}
# The rendition for feeds' enclosures and sharing cards: large enough for a wide card.
SHARE_WIDTH = 1280


def refresh_renditions(article):
    """Make the article's renditions if its lead image is new or changed; clear them if it has
    none. Called by ``Article.save`` before the row is written; returns the files it created, so
    the save can remove them if the row is not written after all."""
    field = article.lead_image
    if not field:
        article.lead_image_renditions = {}
        return []
    if field._committed and (article.lead_image_renditions or {}).get("source") == field.name:
        return []
    stored_upload = not field._committed
    if stored_upload:
        # Store the upload first, as FileField would while saving, to read it back from storage.
        field.save(field.name, field.file, save=False)
    created = []
    try:
        article.lead_image_renditions = make_renditions(field, created)
    except Exception:
        # An image that cannot be processed leaves nothing behind: not its renditions (removed
        # by make_renditions) and not the original stored a moment ago.
        if stored_upload:
            field.storage.delete(field.name)
        raise
    return created + ([field.name] if stored_upload else [])


def make_renditions(field, created=None):
    """The renditions record for ``field``; the names of files it writes are added to
    ``created``. On failure it removes what it wrote. Files already there (the same image used
    by another article) are shared, never removed."""
    created = [] if created is None else created
    with field.open("rb") as source:
        data = source.read()
    digest = hashlib.sha256(data).hexdigest()[:12]
    with Image.open(io.BytesIO(data)) as opened:
        image = upright_rgb(opened)
    stem = slugify(PurePosixPath(field.name).stem)[:60] or "image"
    widths = [width for width in WIDTHS if width < image.width]
    widths.append(min(image.width, WIDTHS[-1]))
    info = {"source": field.name, "hash": digest}
    try:
        _write_renditions(field, image, widths, stem, digest, info, created)
    except Exception:
        for name in created:
            field.storage.delete(name)
        raise
    largest = info["jpeg"][-1]
    info["width"], info["height"] = largest["width"], largest["height"]
    return info


def _write_renditions(field, image, widths, stem, digest, info, created):
    for key, (pillow_format, extension, _mime, options) in FORMATS.items():
        made = []
        for width in widths:
            height = max(1, round(image.height * width / image.width))
            resized = (
                image if width == image.width else image.resize((width, height), Image.LANCZOS)
            )
            buffer = io.BytesIO()
            resized.save(buffer, format=pillow_format, **options)
            name = f"{FOLDER}/{digest[:2]}/{stem}-{digest}-{width}w.{extension}"
            if not field.storage.exists(name):
                name = field.storage.save(name, ContentFile(buffer.getvalue()))
                created.append(name)
            made.append({"name": name, "width": width, "height": height, "bytes": buffer.tell()})
        info[key] = made


def upright_rgb(image):
    """The first frame, turned as its EXIF orientation says, as RGB on white. A fresh image
    carries none of the original's metadata."""
    image.seek(0)
    image = ImageOps.exif_transpose(image)
    if image.mode in {"RGBA", "LA", "PA"} or (image.mode == "P" and "transparency" in image.info):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image.convert("RGB")


def picture(article):
    """What ``<picture>`` needs for the article's lead image, or None when it has no renditions
    (no image, or one saved before renditions existed: `manage.py make_renditions` fixes it)."""
    info = article.lead_image_renditions
    if not article.lead_image or not info.get("jpeg"):
        return None
    storage = article.lead_image.storage

    def srcset(key):
        return ", ".join(f"{storage.url(r['name'])} {r['width']}w" for r in info[key])

    fallback = _closest(info["jpeg"], 960)
    return {
        "src": storage.url(fallback["name"]),
        "jpeg_srcset": srcset("jpeg"),
        "webp_srcset": srcset("webp"),
        "width": info["width"],
        "height": info["height"],
        "alt": article.lead_image_alt,
    }


def share_image(article):
    """The JPEG rendition for feeds' enclosures, Open Graph and JSON-LD: a dict with ``url`` (as
    storage gives it, to be made absolute), ``width``, ``height``, ``bytes`` and ``mime_type``;
    or None."""
    info = article.lead_image_renditions
    if not article.lead_image or not info.get("jpeg"):
        return None
    rendition = _closest(info["jpeg"], SHARE_WIDTH)
    return {
        "url": article.lead_image.storage.url(rendition["name"]),
        "width": rendition["width"],
        "height": rendition["height"],
        "bytes": rendition["bytes"],
        "mime_type": FORMATS["jpeg"][2],
    }


def _closest(renditions, width):
    """The largest rendition no wider than ``width``, or the smallest there is."""
    fitting = [r for r in renditions if r["width"] <= width]
    return fitting[-1] if fitting else renditions[0]
