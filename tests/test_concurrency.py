"""Concurrency and faults: many readers and writers at once, failures half-way through a save."""

import os
import subprocess
import sys

import pytest

from tests.test_operations import ROOT


@pytest.mark.sqlite
def test_readers_and_writers_at_once_on_file_backed_sqlite_see_no_locked_database(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'busy.sqlite3'}",
        DJANGO_SECRET_KEY="concurrency-test-key-" + "c" * 40,
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_CACHE_URL="dummy://",
        DJANGO_SITE_URL="http://testserver",
        DJANGO_DEBUG="1",  # plain static storage: no collectstatic for this run
    )
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "concurrent_writers.py")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    summary = result.stdout.splitlines()[0]
    assert summary.endswith("errors=0"), result.stdout
    reads, writes = (int(part.split("=")[1]) for part in summary.split()[:2])
    # Enough of each to have overlapped (a save re-renders the story's card and page too, so
    # writes are the slower of the two on a busy machine).
    assert reads > 20 and writes > 10, summary


def stored_files(settings):
    root = settings.MEDIA_ROOT
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.django_db
def test_an_image_that_fails_to_process_leaves_no_article_and_no_file(settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from articles.models import Article
    from tests.test_uploads import image_bytes

    # The importer and scripts save through the model, without the admin's upload checks.
    broken = SimpleUploadedFile("cut.jpg", image_bytes("JPEG", size=(400, 300))[:700])
    article = Article(headline="Half-saved", slug="half-saved", body="Text.", lead_image=broken)
    with pytest.raises(OSError):
        article.save()
    assert not Article.objects.filter(slug="half-saved").exists()
    assert stored_files(settings) == []


@pytest.mark.django_db(transaction=True)
def test_a_save_that_fails_in_the_database_leaves_no_orphan_image_files(settings):
    from django.db import IntegrityError

    from articles.models import Article
    from tests.factories import ArticleFactory, jpeg_file

    ArticleFactory(slug="taken")
    before = stored_files(settings)
    duplicate = Article(headline="Same slug", slug="taken", body="Text.", lead_image=jpeg_file())
    with pytest.raises(IntegrityError):
        duplicate.save()
    assert stored_files(settings) == before
    assert Article.objects.filter(slug="taken").count() == 1
