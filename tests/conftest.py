import pytest

from tests.factories import staff_in_group


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
