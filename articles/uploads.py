"""Checking and cleaning uploaded images.

An upload is judged by what it is, not by its name: Pillow must recognise it as JPEG, PNG, WebP
or GIF, its format must match its extension, and it must decode completely within limits on
bytes, pixels and the work decoding does (canvas x frames, read from the header before any
pixel is decoded), so one upload stays within ``MEMORY_BUDGET_MB`` (README, "Images"). What is
stored is a re-encoded copy under a generated name: rotated as its EXIF orientation says, its
colours converted to sRGB when it carries a colour profile, and with no metadata at all (no
EXIF, XMP, IPTC, ICC profile, comments, text chunks or application extensions).
"""

import io
import struct
import uuid
import warnings

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image, ImageCms, ImageOps, UnidentifiedImageError

MAX_BYTES = settings.IMAGE_MAX_BYTES  # 15 MB; the request cap sits above it (settings)
MAX_PIXELS = 50_000_000  # e.g. 8660 x 5773; a camera's full frame fits
MAX_FRAMES = 200
# What one upload may decode, all frames together: a 24-megapixel photo, or a 480 x 270
# animation of 185 frames. A JPEG larger than this is decoded at a reduced scale (libjpeg's
# DCT scaling, which never holds the full-size pixels), so large camera photos are still taken.
MAX_DECODED_PIXELS = 24_000_000
# The peak memory one upload costs a worker, checking, re-encoding and renditions included,
# measured by tests/test_image_limits.py for every hostile kind of file.
MEMORY_BUDGET_MB = 256
# Detected format -> (accepted extensions, stored extension, content type)
FORMATS = {
    "JPEG": ({"jpg", "jpeg", "jpe"}, "jpg", "image/jpeg"),
    "PNG": ({"png"}, "png", "image/png"),
    "WEBP": ({"webp"}, "webp", "image/webp"),
    "GIF": ({"gif"}, "gif", "image/gif"),
}
# Decoding anything bigger anywhere in the app (renditions included) is refused outright.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
# What Pillow's decoders raise on a damaged or cut file: a truncated GIF's frame count is an
# IndexError, a short header a struct.error (found by tests/test_image_limits.py's fuzzing).
DECODING_ERRORS = (
    OSError, ValueError, SyntaxError, EOFError, IndexError, struct.error,
    Image.DecompressionBombError,
)  # fmt: skip
DAMAGED = "This image is damaged or incomplete and cannot be read. Export it again."
NOT_AN_IMAGE = "This file is not an image we can use: upload a JPEG, PNG, WebP or GIF."
ACCEPT = ",".join(sorted({f".{ext}" for exts, _, _ in FORMATS.values() for ext in exts}))
SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
# The only entries of Pillow's ``info`` a clean copy keeps: which palette entry is see-through.
# Everything else there (comment, exif, xmp, icc_profile, extension, dpi...) the savers would
# write back into the stored file.
KEPT_INFO = {"transparency"}


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
    upload.seek(0)  # the form's ImageField reads it again
    detected, width, height, frames = _probe(data)
    check_limits(detected, extension, width, height, frames)
    try:
        content = _reencode(data, detected)
    except DECODING_ERRORS as error:
        raise forms.ValidationError(DAMAGED, code="damaged") from error
    _, stored_extension, content_type = FORMATS[detected]
    return SimpleUploadedFile(
        f"{uuid.uuid4().hex}.{stored_extension}", content, content_type=content_type
    )


def check_limits(detected, extension, width, height, frames):
    """Refuse, from the header alone, what is not accepted or would cost too much to decode."""
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
    # Every frame of an animation is drawn on the whole canvas, however small the file.
    work = width * height * frames
    if work > MAX_DECODED_PIXELS and not (detected == "JPEG" and frames == 1):
        raise forms.ValidationError(
            "This image is %(w)d by %(h)d pixels with %(n)d frame(s): %(mp)d megapixels to "
            "decode, and the limit is %(limit)d. Export it smaller or with fewer frames.",
            params={
                "w": width,
                "h": height,
                "n": frames,
                "mp": -(-work // 1_000_000),
                "limit": MAX_DECODED_PIXELS // 1_000_000,
            },
            code="too_much_to_decode",
        )


def _probe(data):
    """What the bytes really are, from their header: format, width, height, frames."""
    try:
        with warnings.catch_warnings():
            # Only the header is read here; the size limit gives the clearer message.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
        with probe:
            # Counting a GIF's frames skips over their data without decoding it.
            return probe.format, *probe.size, getattr(probe, "n_frames", 1)
    except (UnidentifiedImageError, *DECODING_ERRORS) as error:
        raise forms.ValidationError(NOT_AN_IMAGE, code="not_an_image") from error


def _reencode(data, image_format):
    """Decode every pixel (which catches truncated files) and write a clean copy."""
    output = io.BytesIO()
    with Image.open(io.BytesIO(data)) as image:
        if getattr(image, "n_frames", 1) > 1 and image_format in {"GIF", "WEBP"}:
            _save_animation(image, image_format, output)
            return output.getvalue()
        if image_format == "JPEG" and image.width * image.height > MAX_DECODED_PIXELS:
            # Decode at 1/2, 1/4 or 1/8 scale: the full-size pixels never exist in memory.
            image.draft("RGB", _scaled_to_budget(image.size))
        image.load()
        clean = without_metadata(to_srgb(upright(image)))
        if image_format == "JPEG":
            clean = clean if clean.mode == "RGB" else clean.convert("RGB")
            clean.save(output, format="JPEG", quality=90, optimize=True)
        elif image_format == "PNG":
            clean.save(output, format="PNG", optimize=True)
        elif image_format == "WEBP":
            clean.save(output, format="WEBP", quality=90)
        else:
            clean.save(output, format="GIF")
    return output.getvalue()


def _save_animation(image, image_format, output):
    frames = []
    for index in range(image.n_frames):
        image.seek(index)
        frames.append(without_metadata(to_srgb(image).convert("RGBA")))
    frames[0].save(
        output,
        format=image_format,
        save_all=True,
        append_images=frames[1:],
        loop=image.info.get("loop", 0),
        duration=image.info.get("duration", 100),
    )


def _scaled_to_budget(size):
    width, height = size
    while width * height > MAX_DECODED_PIXELS:
        width, height = width // 2, height // 2
    return width, height


def upright(image):
    """The image turned as its EXIF orientation says; the image itself when it is upright
    already, to spare a copy of every pixel."""
    if image.getexif().get(ExifTags.Base.Orientation, 1) in (0, 1):
        return image
    return ImageOps.exif_transpose(image)


def to_srgb(image):
    """The pixels in sRGB, when the image carries another colour profile. A profile that
    cannot be read leaves the pixels as they are (it is dropped with the rest)."""
    profile = image.info.get("icc_profile")
    if not profile:
        return image
    if image.mode not in {"RGB", "RGBA", "CMYK", "L"}:
        image = image.convert("RGBA")
    output_mode = "RGBA" if image.mode == "RGBA" else "RGB"
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        return ImageCms.profileToProfile(image, source, SRGB, outputMode=output_mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image


def without_metadata(image):
    """``image`` with nothing in ``info`` that a saver would write out. Pillow's ``convert()``
    and ``copy()`` carry ``info`` over, so this is done last, in place: every image passed
    here is one this module opened or made."""
    image.info = {key: value for key, value in image.info.items() if key in KEPT_INFO}
    image._exif = None
    return image
