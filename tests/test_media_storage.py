"""Editors saving images when storage fails or a save goes wrong: a clear error on the image
field with their text kept, and never a file in the media folder that no row points at."""

import contextlib
import os
import subprocess
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.db.models.signals import pre_save
from django.urls import reverse

from articles import images
from articles.exchange.data import ArticleData
from articles.models import Article, Person, Revision
from tests.factories import ArticleFactory, PersonFactory, jpeg_file
from tests.test_editor_admin import ADD_URL, article_form

pytestmark = pytest.mark.django_db

TYPED = {
    "headline": "Flood defences hold on the Elbe",
    "slug": "flood-defences-hold",
    "standfirst": "Engineers watched the levees all night.",
    "body": "The river peaked at **seven metres** on Tuesday.",
    "tags": "Floods, Germany",
    "lead_image_alt": "Sandbags along the river bank",
    "lead_image_caption": "Dresden, early morning",
    "lead_image_credit": "Local photographer",
}


def media_files(settings):
    root = Path(settings.MEDIA_ROOT)
    names = [p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()]
    return sorted(names) if root.exists() else []


def referenced_files():
    """Every file a row points at: originals, renditions, photos."""
    names = set(Person.objects.exclude(photo="").values_list("photo", flat=True))
    for article in Article.objects.exclude(lead_image=""):
        names.add(article.lead_image.name)
        info = article.lead_image_renditions
        names.update(r["name"] for key in ("jpeg", "webp") for r in info.get(key, []))
    return names


def assert_only_referenced_files(settings):
    assert set(media_files(settings)) == referenced_files()


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def change_form(article, **overrides):
    fields = {
        "headline": article.headline,
        "slug": article.slug,
        "body": article.body,
        "standfirst": article.standfirst,
        "tags": "",
        "opened_version": str(article.version),
        "lead_image_alt": article.lead_image_alt or "A photo",
    }
    return article_form(**{**fields, **overrides})


# Storage faults.

STORAGE_FAULTS = [
    ("tests.storages.FullDiskStorage", "the media storage is full"),
    ("tests.storages.ReadOnlyStorage", "the media storage is read-only"),
    ("tests.storages.ForbiddenStorage", "not allowed to write to the media storage"),
    ("tests.storages.FailingS3Storage", "the media storage did not accept the file"),
]


def failing_storage(settings, backend):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": backend}}


@pytest.mark.parametrize("backend, reason", STORAGE_FAULTS, ids=["enospc", "erofs", "eacces", "s3"])
def test_a_storage_fault_is_a_form_error_on_the_image_and_the_text_survives(
    editor_client, settings, backend, reason
):
    failing_storage(settings, backend)
    response = editor_client.post(ADD_URL, article_form(**TYPED, lead_image=jpeg_file()))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert reason in " ".join(form.errors["lead_image"])
    assert list(form.errors) == ["lead_image"]
    page = response.content.decode()
    for name in ["headline", "standfirst", "body", "lead_image_alt", "lead_image_caption"]:
        assert form[name].value() == TYPED[name]
    assert "seven metres" in page and "Flood defences hold on the Elbe" in page
    assert not Article.objects.exists()
    assert media_files(settings) == []  # no truncated file either


@contextlib.contextmanager
def read_only(folder):
    """``folder`` made really read-only: by its mode, or for root (whom no mode stops) by
    mounting a read-only tmpfs over it, so a write fails with EROFS as on a remounted disk."""
    folder.mkdir(parents=True)
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    subprocess.run(
        ["/usr/bin/mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)], check=True
    )
    try:
        yield
    finally:
        subprocess.run(["/usr/bin/umount", str(folder)], check=True)


def test_a_real_read_only_media_folder_is_a_form_error(editor_client, settings):
    with read_only(Path(settings.MEDIA_ROOT)):
        response = editor_client.post(ADD_URL, article_form(**TYPED, lead_image=jpeg_file()))
    assert response.status_code == 200
    assert "could not be stored" in " ".join(
        response.context["adminform"].form.errors["lead_image"]
    )
    assert not Article.objects.exists()


@pytest.mark.parametrize("backend, reason", STORAGE_FAULTS, ids=["enospc", "erofs", "eacces", "s3"])
def test_saving_without_an_image_works_while_storage_fails(
    editor_client, settings, backend, reason
):
    failing_storage(settings, backend)
    response = editor_client.post(ADD_URL, article_form(**{**TYPED, "lead_image_alt": ""}))
    assert response.status_code == 302
    assert Article.objects.get().headline == TYPED["headline"]


def test_a_storage_fault_on_a_person_photo_is_a_form_error(editor_client, settings):
    failing_storage(settings, "tests.storages.FullDiskStorage")
    data = {"name": "Ann Writer", "slug": "ann-writer", "description": "Reporter", "bio": "Hi"}
    response = editor_client.post(
        reverse("admin:articles_person_add"), {**data, "aliases": "", "photo": jpeg_file()}
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "the media storage is full" in " ".join(form.errors["photo"])
    assert form["description"].value() == "Reporter"
    assert not Person.objects.exists() and media_files(settings) == []


# A save that fails leaves no trace.


def test_a_form_error_after_the_upload_leaves_no_file(editor_client, settings):
    form = article_form(**{**TYPED, "lead_image_alt": ""}, lead_image=jpeg_file())
    response = editor_client.post(ADD_URL, form)
    assert "Describe the image" in response.content.decode()
    assert media_files(settings) == []


def test_a_conflict_leaves_no_file(editor_client, settings, django_capture_on_commit_callbacks):
    article = ArticleFactory(lead_image=jpeg_file("first.jpg"), lead_image_alt="First")
    before = media_files(settings)
    stale = change_form(article, opened_version=str(article.version - 1 or 99))
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(change_url(article), {**stale, "lead_image": jpeg_file()})
    assert "Someone else saved this article" in response.content.decode()
    assert media_files(settings) == before
    assert_only_referenced_files(settings)


def test_a_crash_during_the_save_leaves_no_file(client, editor, settings):
    def crash(sender, **kwargs):
        raise RuntimeError("a handler failed")

    client.force_login(editor)
    client.raise_request_exception = False
    pre_save.connect(crash, sender=Revision, dispatch_uid="test-crash")
    try:
        response = client.post(ADD_URL, article_form(**TYPED, lead_image=jpeg_file()))
    finally:
        pre_save.disconnect(dispatch_uid="test-crash", sender=Revision)
    assert response.status_code == 500
    assert not Article.objects.exists()
    assert media_files(settings) == []


def test_replacing_an_image_removes_the_old_files_after_the_commit(
    editor_client, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(ADD_URL, article_form(**TYPED, lead_image=jpeg_file(colour=(9, 9, 9))))
    article = Article.objects.get()
    old = set(media_files(settings))
    assert article.lead_image.name in old and len(old) > 2  # the original and its renditions
    replacement = jpeg_file(colour=(200, 10, 10))
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            change_url(article), {**change_form(article), "lead_image": replacement}
        )
    assert response.status_code == 302
    assert not old & set(media_files(settings))
    assert_only_referenced_files(settings)


def test_clearing_or_deleting_an_image_removes_its_files(
    editor_client, settings, django_capture_on_commit_callbacks
):
    keep = ArticleFactory(lead_image=jpeg_file("keep.jpg"), lead_image_alt="Kept")
    cleared = ArticleFactory(lead_image=jpeg_file("a.jpg", colour=(1, 2, 3)), lead_image_alt="A")
    # A draft: a story once published is not deleted by an editor (tests/test_deleting.py).
    deleted = ArticleFactory(
        lead_image=jpeg_file("b.jpg", colour=(3, 2, 1)),
        lead_image_alt="B",
        status=Article.Status.DRAFT,
        published_at=None,
    )
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(change_url(cleared), {**change_form(cleared), "lead_image-clear": "on"})
        editor_client.post(
            reverse("admin:articles_article_delete", args=[deleted.pk]), {"post": "yes"}
        )
    assert Article.objects.get(pk=cleared.pk).lead_image == ""
    assert not Article.objects.filter(pk=deleted.pk).exists()
    assert keep.lead_image.name in media_files(settings)
    assert_only_referenced_files(settings)


def test_an_image_two_articles_share_stays_while_one_still_shows_it(
    settings, django_capture_on_commit_callbacks
):
    first = ArticleFactory(lead_image=jpeg_file("shared.jpg"), lead_image_alt="Shared")
    second = ArticleFactory(lead_image=first.lead_image.name, lead_image_alt="Shared")
    with django_capture_on_commit_callbacks(execute=True):
        first.delete()
    assert second.lead_image.name in media_files(settings)
    assert_only_referenced_files(settings)


def test_replacing_a_person_photo_removes_the_old_one(
    editor_client, settings, django_capture_on_commit_callbacks
):
    person = PersonFactory(photo=jpeg_file("old.jpg"))
    old = person.photo.name
    data = {"name": person.name, "slug": person.slug, "description": "", "bio": "", "aliases": ""}
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            reverse("admin:articles_person_change", args=[person.pk]),
            {**data, "photo": jpeg_file("new.jpg", colour=(250, 250, 0))},
        )
    assert response.status_code == 302
    assert old not in media_files(settings)
    assert_only_referenced_files(settings)


def test_the_orphan_command_lists_by_default_and_removes_with_delete(settings, capsys):
    article = ArticleFactory(lead_image=jpeg_file("kept.jpg"), lead_image_alt="Kept")
    root = Path(settings.MEDIA_ROOT)
    orphans = ["articles/2020/01/lost.jpg", "renditions/ab/lost-abcdef-320w.webp", "people/x.jpg"]
    for name in orphans:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(b"left by a crash")
        os.utime(root / name, (0, 0))
    fresh = root / "articles/2020/01/being-saved-now.jpg"
    fresh.write_bytes(b"an upload whose row is not committed yet")
    kept = referenced_files()

    call_command("media_orphans")
    listed = capsys.readouterr().out
    assert all(name in listed for name in orphans)
    assert article.lead_image.name not in listed and "being-saved-now" not in listed
    assert all((root / name).exists() for name in orphans)  # a dry run by default

    call_command("media_orphans", "--delete")
    assert not any((root / name).exists() for name in orphans)
    assert fresh.exists()
    assert set(media_files(settings)) == kept | {"articles/2020/01/being-saved-now.jpg"}


def imported(**overrides):
    """What an import (a document or ninjs) says: a story naming an image in the media folder."""
    values = {"headline": "Ferry back in service", "body": "It sailed at noon.", "slug": "ferry"}
    return ArticleData(**{**values, **overrides})


def image_in_media(settings, name="imports/ferry.jpg"):
    path = Path(settings.MEDIA_ROOT) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(jpeg_file("ferry.jpg").read())
    return name


def test_an_imports_renditions_are_made_before_its_transaction_opens(settings, monkeypatch):
    # Inside the test case's own transaction: what counts is whether the save opened one more.
    outer = len(connection.atomic_blocks)
    seen = []
    real = images.renditions_for

    def spy(*args, **kwargs):
        seen.append(len(connection.atomic_blocks) > outer)
        return real(*args, **kwargs)

    monkeypatch.setattr(images, "renditions_for", spy)
    article, _ = Article.objects.save_imported(imported(lead_image=image_in_media(settings)))
    assert article.lead_image_renditions["jpeg"]
    assert seen == [False]
    # Importing the same document again makes nothing new.
    Article.objects.save_imported(imported(lead_image=article.lead_image.name))
    assert seen == [False]


def test_an_import_that_fails_after_its_renditions_leaves_no_file(settings):
    name = image_in_media(settings)
    with pytest.raises(ValidationError):
        # A headline over its limit fails the save after the renditions were made.
        Article.objects.save_imported(imported(lead_image=name, headline="h" * 300))
    assert not Article.objects.exists()
    assert media_files(settings) == [name]
