from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from tests.browser import AXE_JS, CHROMIUM, CHROMIUM_ARGS
from tests.factories import (
    ArticleFactory,
    BylineFactory,
    MentionFactory,
    PersonFactory,
    jpeg_file,
    staff_in_group,
)


@pytest.fixture(autouse=True)
def _test_storage(settings, tmp_path):
    # The manifest storage of production needs `collectstatic` first; tests render templates
    # with plain static storage, and uploads go to a throwaway folder.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STATIC_ROOT = tmp_path


@pytest.fixture
def live_server(live_server, settings):
    """pytest-django's live server, made the site's origin for the test: it answers only for
    the host and port of DJANGO_SITE_URL (newsroom/origin.py)."""
    settings.SITE_URL = live_server.url
    return live_server


@pytest.fixture
def editor(db):
    return staff_in_group("Editors", "editor")


@pytest.fixture
def moderator(db):
    return staff_in_group("Moderators", "moderator")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def moderator_client(client, moderator):
    client.force_login(moderator)
    return client


@pytest.fixture
def page_text(client):
    """``page_text(url, data=None, status=200)``: the text of the page an anonymous reader gets
    at ``url`` (with ``data`` as its query string), once its status has been checked."""

    def get(url, data=None, status=200):
        response = client.get(url, data)
        assert response.status_code == status, url
        return response.content.decode()

    return get


@pytest.fixture
def geneva_story(db):
    """A public story with what feeds, sharing cards and search engines read: a standfirst, a
    1600 by 900 lead image with its text, two tags; published two hours ago, with no people."""
    return ArticleFactory(
        headline="Talks resume in Geneva",
        slug="talks-resume-in-geneva",
        standfirst="Delegates return after a week.",
        lead_image=jpeg_file(size=(1600, 900)),
        lead_image_alt="Delegates at a table",
        tags=["Diplomacy", "Russia"],
        published_at=timezone.now() - timedelta(hours=2),
    )


@pytest.fixture
def dana_both(db):
    """A person, Dana Both ("Columnist"), with one public story by them ("Written by Dana",
    published an hour ago) and one about them ("Story about Dana", a day ago)."""
    person = PersonFactory(name="Dana Both", slug="dana-both", description="Columnist")
    written = ArticleFactory(headline="Written by Dana")
    BylineFactory(article=written, person=person)
    about = ArticleFactory(
        headline="Story about Dana", published_at=timezone.now() - timedelta(days=1)
    )
    MentionFactory(article=about, person=person)
    return person


@pytest.fixture
def shared_cache(settings, tmp_path):
    """A real shared cache (files, as in production by default) for the tests that need one."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }
    from django.core.cache import cache

    cache.clear()
    return cache


@pytest.fixture
def open_browser(monkeypatch):
    """Starts Chromium when called: after the test has made its data. While Playwright's sync
    API runs, its event loop makes Django's ORM open a second, separate connection for this
    thread (and refuse to run without DJANGO_ALLOW_ASYNC_UNSAFE); keeping database work outside
    the browser session keeps it on the test's own connection. A missing browser or axe-core
    fails the test: it never skips."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"No browser at {CHROMIUM}: `apt-get install chromium` (CI does).")
    if not AXE_JS.exists():
        pytest.fail(f"axe-core is missing at {AXE_JS}: run `make install-dev`.")

    @contextmanager
    def chromium():
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            try:
                yield browser
            finally:
                browser.close()

    return chromium
