"""Hostile users: headers, CSRF, redirects, sign-in throttling, the admin's address."""

import pytest
from django.test import Client
from django.urls import reverse

from articles.models import Article
from tests.factories import ArticleFactory, staff_in_group
from tests.test_operations import run_manage

pytestmark = pytest.mark.django_db

LOGIN = reverse("admin:login")


@pytest.fixture
def fresh_cache(shared_cache):
    return shared_cache


@pytest.mark.parametrize(
    "url",
    [
        reverse("reader:home"),
        reverse("reader:article_list"),
        reverse("reader:tag_list"),
        reverse("reader:correction_list"),
    ],
)
def test_public_pages_send_a_strict_content_security_policy(client, url):
    ArticleFactory(tags=["Politics"])
    response = client.get(url)
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_public_pages_have_no_inline_script(client):
    article = ArticleFactory(tags=["Politics"])
    for url in [reverse("reader:home"), article.get_absolute_url()]:
        content = client.get(url).content.decode()
        for chunk in content.split("<script")[1:]:
            opening = chunk.split(">", 1)[0]
            # Only data blocks (JSON-LD) or same-origin files: nothing the browser would run inline.
            assert "src=" in opening or "application/ld+json" in opening or "json" in opening


def test_state_changes_need_a_csrf_token(editor):
    article = ArticleFactory(status="draft", published_at=None)
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    response = client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "publish_selected", "_selected_action": [article.pk]},
    )
    assert response.status_code == 403
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"],
)
def test_sign_in_never_redirects_to_another_site(client, target, fresh_cache):
    staff_in_group("Editors", "editor")
    response = client.post(
        LOGIN,
        {"username": "editor", "password": "a-long-test-password", "next": target},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_sign_in_is_throttled_after_repeated_failures(client, settings, fresh_cache):
    staff_in_group("Editors", "editor")
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        response = client.post(LOGIN, {"username": "editor", "password": "wrong"})
        assert response.status_code == 200
    # The failure that reaches the limit already says so.
    last_try = client.post(LOGIN, {"username": "editor", "password": "wrong"})
    assert last_try.status_code == 429
    blocked = client.post(LOGIN, {"username": "editor", "password": "a-long-test-password"})
    assert blocked.status_code == 429
    assert "Too many failed sign-in attempts" in blocked.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_successful_sign_in_resets_the_count(client, settings, fresh_cache):
    staff_in_group("Editors", "editor")
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        client.post(LOGIN, {"username": "editor", "password": "wrong"})
    client.post(LOGIN, {"username": "editor", "password": "a-long-test-password"})
    client.logout()
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        client.post(LOGIN, {"username": "editor", "password": "wrong"})
    response = client.post(LOGIN, {"username": "editor", "password": "a-long-test-password"})
    assert response.status_code == 302


@pytest.fixture
def cache_down(settings):
    """A Redis cache at an address where nothing listens: every cache call fails."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
        }
    }


def test_sign_in_still_works_when_the_cache_is_down(client, cache_down):
    staff_in_group("Editors", "editor")
    response = client.post(LOGIN, {"username": "editor", "password": "a-long-test-password"})
    assert response.status_code == 302


def test_failed_sign_ins_are_still_counted_when_the_cache_is_down(client, settings, cache_down):
    staff_in_group("Editors", "editor")
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        assert client.post(LOGIN, {"username": "editor", "password": "wrong"}).status_code == 200
    client.post(LOGIN, {"username": "editor", "password": "wrong"})
    blocked = client.post(LOGIN, {"username": "editor", "password": "a-long-test-password"})
    assert blocked.status_code == 429
    assert blocked["Retry-After"] == str(settings.LOGIN_FAILURE_WINDOW)
    assert "_auth_user_id" not in client.session


def test_changing_the_case_of_the_name_does_not_reset_the_count(settings):
    staff_in_group("Editors", "editor")
    for attempt in range(settings.LOGIN_FAILURE_LIMIT):
        # Each from its own address, so only the per-name count can stop the last one.
        other = Client(REMOTE_ADDR=f"192.0.2.{attempt + 1}")
        name = ["Editor", "EDITOR", " editor", "editor ", "eDiToR"][attempt % 5]
        other.post(LOGIN, {"username": name, "password": "wrong"})
    last = Client(REMOTE_ADDR="198.51.100.7")
    blocked = last.post(LOGIN, {"username": "editor", "password": "a-long-test-password"})
    assert blocked.status_code == 429


def test_one_address_trying_many_names_is_paused(client, settings):
    staff_in_group("Editors", "editor")
    for attempt in range(settings.LOGIN_FAILURE_LIMIT):
        client.post(LOGIN, {"username": f"guess{attempt}", "password": "wrong"})
    blocked = client.post(LOGIN, {"username": "editor", "password": "a-long-test-password"})
    assert blocked.status_code == 429
    # Someone else, elsewhere, signs in as usual.
    elsewhere = Client(REMOTE_ADDR="198.51.100.8")
    response = elsewhere.post(LOGIN, {"username": "editor", "password": "a-long-test-password"})
    assert response.status_code == 302


def test_the_admin_address_is_configurable():
    result = run_manage(
        "shell",
        "-c",
        "from django.urls import reverse; print(reverse('admin:index'))",
        DJANGO_DEBUG="1",
        DJANGO_ADMIN_URL="back-office/",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("/back-office/")
