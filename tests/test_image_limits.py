"""Editors uploading hostile or very large images: the memory an upload costs is bounded by the
pixels decoding would produce (canvas x frames, read from the header first), not by the file's
size; what would cost too much is a form error that says why. Renditions are made before the
save's transaction, never inside it."""

import ctypes
import ctypes.util
import gc
import io
import struct

import pytest
from django.db import connection
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import Image

from articles import media, uploads
from articles.models import Article
from tests.test_editor_admin import ADD_URL, article_form
from tests.test_uploads import upload

pytestmark = pytest.mark.django_db
BUDGET_MB = uploads.MEMORY_BUDGET_MB
LIBC = ctypes.CDLL(ctypes.util.find_library("c"))


def rss_mb(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1]) / 1024
    raise AssertionError(field)


def peak_memory_mb(action):
    """Run ``action`` and return how far the process's resident memory rose above where it
    started, at its peak (Linux: writing 5 to clear_refs resets the high-water mark). Memory
    freed earlier is given back to the system first, or the upload could reuse it unseen."""
    gc.collect()
    LIBC.malloc_trim(0)
    before = rss_mb("VmRSS")
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")
    result = action()
    return rss_mb("VmHWM") - before, result


def tiny_frames_gif(screen, frames):
    """A few bytes per frame: ``frames`` one-pixel frames on a ``screen`` x ``screen`` canvas,
    which every GIF decoder composes into a whole canvas per frame. Written by hand: Pillow's
    writer would merge frames it finds alike."""
    header = b"GIF89a" + struct.pack("<HHBBB", screen, screen, 0x80, 0, 0) + b"\0\0\0\xff\xff\xff"
    frame = (
        b"!\xf9\x04\x00\x0a\x00\x00\x00"  # 10 ms, nothing transparent
        + b"," + struct.pack("<HHHHB", 0, 0, 1, 1, 0)  # a 1 x 1 image at the top left
        + b"\x02\x02\x44\x01\x00"  # its one pixel, LZW-coded
    )  # fmt: skip
    return header + frame * frames + b";"


def animation(fmt, size, frames):
    images = [Image.new("RGB", size, (n * 5 % 256, 40, 90)) for n in range(frames)]
    buffer = io.BytesIO()
    images[0].save(buffer, format=fmt, save_all=True, append_images=images[1:], lossless=False)
    return buffer.getvalue()


def still(fmt, size, **options):
    buffer = io.BytesIO()
    Image.new("RGB", size, (120, 130, 140)).save(buffer, format=fmt, **options)
    return buffer.getvalue()


HOSTILE = {
    "gif-huge-canvas-tiny-frames": ("screen.gif", lambda: tiny_frames_gif(2000, 40)),
    "apng-many-full-frames": ("anim.png", lambda: animation("PNG", (2000, 2000), 40)),
    "webp-many-full-frames": ("anim.webp", lambda: animation("WEBP", (2000, 2000), 40)),
    "jpeg-48-megapixels": ("camera.jpg", lambda: still("JPEG", (8000, 6000), quality=60)),
    "png-23-megapixels": ("scan.png", lambda: still("PNG", (4800, 4800))),
    "gif-at-the-work-limit": ("ok.gif", lambda: animation("GIF", (480, 270), 180)),
}


@pytest.mark.parametrize("kind", HOSTILE)
def test_an_upload_stays_within_the_memory_budget_or_is_refused_saying_why(editor_client, kind):
    name, make = HOSTILE[kind]
    data = make()
    assert len(data) < uploads.MAX_BYTES

    def post():
        form = article_form(lead_image=upload(name, data), lead_image_alt="A picture")
        return editor_client.post(ADD_URL, form)

    peak, response = peak_memory_mb(post)
    assert peak < BUDGET_MB, f"{kind}: {peak:.0f} MB"
    if response.status_code == 200:
        errors = " ".join(response.context["adminform"].form.errors["lead_image"])
        assert "megapixels to decode, and the limit is 24" in errors
        assert not Article.objects.exists()
    else:
        assert response.status_code == 302
        assert Article.objects.get().lead_image_renditions["jpeg"]


def test_a_tiny_gif_with_a_huge_canvas_and_many_frames_is_refused_before_decoding(
    editor_client,
):
    data = tiny_frames_gif(4000, 150)  # 2,400 megapixels to decode from under 4 kB
    assert len(data) < 4000
    peak, response = peak_memory_mb(
        lambda: editor_client.post(
            ADD_URL, article_form(lead_image=upload("tiny.gif", data), lead_image_alt="x")
        )
    )
    assert "2400 megapixels to decode" in response.content.decode()
    assert peak < 50


def test_a_large_jpeg_is_stored_at_a_size_within_the_decoding_limit(editor_client):
    data = still("JPEG", (8000, 6000), quality=60)
    form = article_form(lead_image=upload("camera.jpg", data), lead_image_alt="A photo")
    assert editor_client.post(ADD_URL, form).status_code == 302
    with Image.open(Article.objects.get().lead_image.path) as stored:
        assert stored.size == (4000, 3000)


def test_images_are_processed_before_the_saving_transaction_opens(editor_client, monkeypatch):
    # The test runs inside the test case's own transaction: what counts is whether the save
    # had opened one more when the image was processed.
    outer = len(connection.atomic_blocks)
    seen = []
    for module, name in [(media, "clean_image_upload"), (media.images, "renditions_for")]:
        real = getattr(module, name)

        def spy(*args, _real=real, _name=name, **kwargs):
            seen.append((_name, len(connection.atomic_blocks) > outer))
            return _real(*args, **kwargs)

        monkeypatch.setattr(module, name, spy)
    form = article_form(lead_image=upload("photo.jpg", still("JPEG", (800, 600))))
    response = editor_client.post(ADD_URL, {**form, "lead_image_alt": "A photo"})
    assert response.status_code == 302
    assert Article.objects.get().lead_image_renditions["jpeg"]
    assert seen == [("clean_image_upload", False), ("renditions_for", False)]


SEEDS = {
    "JPEG": ("x.jpg", still("JPEG", (40, 30))),
    "PNG": ("x.png", still("PNG", (40, 30))),
    "WEBP": ("x.webp", still("WEBP", (40, 30))),
    "GIF": ("x.gif", animation("GIF", (40, 30), 3)),
}


@hypothesis_settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kind=st.sampled_from(sorted(SEEDS)),
    changes=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=8),
    cut=st.one_of(st.none(), st.integers(0, 10_000)),
)
def test_a_mangled_image_is_a_form_error_or_a_clean_copy_never_a_crash(kind, changes, cut):
    name, seed = SEEDS[kind]
    data = bytearray(seed)
    for position, value in changes:
        data[position % len(data)] = value
    data = bytes(data[:cut] if cut is not None else data)
    prepared = media.prepare_image(
        upload(name, data), Article._meta.get_field("lead_image"), renditions=True
    )
    if prepared.error is None:
        prepared.discard()
    else:
        assert prepared.error.messages  # a sentence for the editor


@hypothesis_settings(max_examples=60, deadline=None)
@given(
    width=st.integers(1, 65535),
    height=st.integers(1, 65535),
    frames=st.integers(1, 400),
    fmt=st.sampled_from(sorted(uploads.FORMATS)),
)
def test_the_limits_refuse_every_header_whose_decoding_would_exceed_the_budget(
    width, height, frames, fmt
):
    extension = next(iter(uploads.FORMATS[fmt][0]))
    work = width * height * frames
    try:
        uploads.check_limits(fmt, extension, width, height, frames)
    except uploads.forms.ValidationError:
        return
    assert frames <= uploads.MAX_FRAMES and width * height <= uploads.MAX_PIXELS
    assert work <= uploads.MAX_DECODED_PIXELS or (fmt == "JPEG" and frames == 1)
