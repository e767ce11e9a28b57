"""Checking and cleaning uploaded images.

An upload is judged by what it is, not by its name: Pillow must recognise it as JPEG, PNG, WebP
or GIF, its format must match its extension, and it must decode completely within limits on
bytes, pixels and animation frames (decompression bombs and truncated files are refused). What
is stored is a re-encoded copy, rotated as its EXIF orientation says and with all metadata
(EXIF, GPS, XMP, comments) dropped, under a generated name.
"""

import io
import uuid
import warnings

from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 50_000_000  # e.g. 8660 x 5773; a camera's full frame fits
MAX_FRAMES = 200
# Detected format -> (accepted extensions, stored extension, content type)
FORMATS = {
    "JPEG": ({"jpg", "jpeg", "jpe"}, "jpg", "image/jpeg"),
    "PNG": ({"png"}, "png", "image/png"),
    "WEBP": ({"webp"}, "webp", "image/webp"),
    "GIF": ({"gif"}, "gif", "image/gif"),
}
# Decoding anything bigger anywhere in the app (renditions included) is refused outright.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
NOT_AN_IMAGE = "This file is not an image we can use: upload a JPEG, PNG, WebP or GIF."
ACCEPT = ",".join(sorted({f".{ext}" for exts, _, _ in FORMATS.values() for ext in exts}))


def clean_image_upload(upload):
    """Validate ``upload`` and return a re-encoded, metadata-free copy with a generated name.

    Raises ``forms.ValidationError`` with a message an editor can act on.
    """
    if upload.size > MAX_BYTES:
        raise forms.ValidationError(
            "This file is %(size)d MB; images can be at most %(limit)d MB.",
            params={"size": upload.size // (1024 * 1024), "limit": MAX_BYTES // (1024 * 1024)},
            code="too_large",
        )
    extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    upload.seek(0)
    data = upload.read()
    detected, width, height, frames = _probe(data)
    if detected not in FORMATS:
        raise forms.ValidationError(
            "%(format)s images are not accepted: upload a JPEG, PNG, WebP or GIF.",
            params={"format": detected or "This kind of"},
            code="format",
        )
    if extension not in FORMATS[detected][0]:
        raise forms.ValidationError(
            "This file is a %(format)s image but its name ends in “.%(ext)s”. Rename it or "
            "export it again.",
            params={"format": detected, "ext": extension},
            code="mismatch",
        )
    if width * height > MAX_PIXELS:
        raise forms.ValidationError(
            "This image is %(w)d by %(h)d pixels; the limit is %(limit)d megapixels.",
            params={"w": width, "h": height, "limit": MAX_PIXELS // 1_000_000},
            code="too_many_pixels",
        )
    if frames > MAX_FRAMES:
        raise forms.ValidationError(
            "This animation has %(n)d frames; the limit is %(limit)d.",
            params={"n": frames, "limit": MAX_FRAMES},
            code="too_many_frames",
        )
    try:
        content = _reencode(data, detected)
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError) as error:
        raise forms.ValidationError(
            "This image is damaged or incomplete and cannot be read. Export it again.",
            code="damaged",
        ) from error
    _, stored_extension, content_type = FORMATS[detected]
    return SimpleUploadedFile(
        f"{uuid.uuid4().hex}.{stored_extension}", content, content_type=content_type
    )


def _probe(data):
    """What the bytes really are, from their header: format, width, height, frames."""
    try:
        with warnings.catch_warnings():
            # Only the header is read here; the size limit gives the clearer message.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
        with probe:
            return probe.format, *probe.size, getattr(probe, "n_frames", 1)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as error:
        raise forms.ValidationError(NOT_AN_IMAGE, code="not_an_image") from error


def _reencode(data, image_format):
    """Decode every pixel (which catches truncated files) and write a clean copy."""
    output = io.BytesIO()
    with Image.open(io.BytesIO(data)) as image:
        if getattr(image, "n_frames", 1) > 1 and image_format in {"GIF", "WEBP"}:
            frames = []
            for index in range(image.n_frames):
                image.seek(index)
                frames.append(image.convert("RGBA"))
            frames[0].save(
                output,
                format=image_format,
                save_all=True,
                append_images=frames[1:],
                loop=image.info.get("loop", 0),
                duration=image.info.get("duration", 100),
            )
            return output.getvalue()
        image.load()
        clean = ImageOps.exif_transpose(image)
        if image_format == "JPEG":
            clean = clean.convert("RGB")
            clean.save(output, format="JPEG", quality=90, optimize=True)
        elif image_format == "PNG":
            clean.save(output, format="PNG", optimize=True)
        elif image_format == "WEBP":
            clean.save(output, format="WEBP", quality=90)
        else:
            clean.save(output, format="GIF")
    return output.getvalue()
