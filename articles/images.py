"""Lead-image renditions: the sizes and formats readers are served, made once per new image,
never on a reader's request: by the desk before the save's transaction (``articles/media.py``),
or by ``Article.save`` for an article saved in code with a new image.

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
from PIL import Image

from . import files
from .uploads import to_srgb, upright, without_metadata

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
    with field.open("rb") as source:
        data = source.read()
    return renditions_for(field.storage, field.name, data, created)


def renditions_for(storage, source_name, data, created=None):
    """``make_renditions`` for an image given as its stored name and its bytes."""
    created = [] if created is None else created
    digest = hashlib.sha256(data).hexdigest()[:12]
    with Image.open(io.BytesIO(data)) as opened:
        image = upright_rgb(opened)
    stem = slugify(PurePosixPath(source_name).stem)[:60] or "image"
    widths = [width for width in WIDTHS if width < image.width]
    widths.append(min(image.width, WIDTHS[-1]))
    info = {"source": source_name, "hash": digest}
    written = []
    try:
        _write_renditions(storage, image, widths, stem, digest, info, written)
    except Exception:
        files.delete_quietly(storage, written)
        raise
    created.extend(written)
    largest = info["jpeg"][-1]
    info["width"], info["height"] = largest["width"], largest["height"]
    return info


def _write_renditions(storage, image, widths, stem, digest, info, created):
    for key, (pillow_format, extension, _mime, options) in FORMATS.items():
        made = []
        for width in widths:
            height = max(1, round(image.height * width / image.width))
            resized = (
                image if width == image.width else image.resize((width, height), Image.LANCZOS)
            )
            buffer = io.BytesIO()
            resized.save(buffer, format=pillow_format, **options)
            size = buffer.tell()
            name = f"{FOLDER}/{digest[:2]}/{stem}-{digest}-{width}w.{extension}"
            if not storage.exists(name):
                name = files.save_whole(storage, name, ContentFile(buffer.getvalue()))
                created.append(name)
            made.append({"name": name, "width": width, "height": height, "bytes": size})
        info[key] = made


def upright_rgb(image):
    """The first frame, turned as its EXIF orientation says, as RGB on white. Its ``info`` is
    emptied: savers would write a comment or profile found there into every rendition."""
    image.seek(0)
    if image.format == "JPEG":
        # No rendition is wider than WIDTHS[-1]: decode a large JPEG at a reduced scale.
        image.draft("RGB", (WIDTHS[-1], WIDTHS[-1]))
    image.load()  # now, while the file is open: the image may be used as it is
    image = to_srgb(upright(image))
    if image.mode in {"RGBA", "LA", "PA"} or (image.mode == "P" and "transparency" in image.info):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        return background
    # convert() would copy every pixel even of an RGB image.
    return without_metadata(image if image.mode == "RGB" else image.convert("RGB"))


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
