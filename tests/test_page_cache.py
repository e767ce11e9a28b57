"""The shared page cache: fast for readers, never stale after an editorial change."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from tests.factories import ArticleFactory
from tests.test_operations import ROOT

pytestmark = pytest.mark.django_db

HOME = reverse("reader:home")


def test_an_anonymous_page_is_served_from_the_shared_cache(client, shared_cache):
    ArticleFactory(headline="Cached story")
    first = client.get(HOME)
    second = client.get(HOME)
    assert first["X-Page-Cache"] == "miss" and second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert "Cached story" in second.content.decode()


@pytest.mark.parametrize(
    "change",
    [
        lambda article, moderator: article.unpublish(moderator, "Legal"),
        lambda article, moderator: article.withdraw(moderator, "Legal", "Withdrawn."),
    ],
    ids=["unpublish", "withdraw"],
)
def test_a_take_down_shows_on_the_very_next_request(client, shared_cache, moderator, change):
    article = ArticleFactory(headline="Doomed story")
    for url in [HOME, article.get_absolute_url(), reverse("reader:article_list")]:
        client.get(url)
        assert client.get(url)["X-Page-Cache"] == "hit"
    change(article, moderator)
    assert client.get(article.get_absolute_url()).status_code in (404, 410)
    assert "Doomed story" not in client.get(HOME).content.decode()
    assert "Doomed story" not in client.get(reverse("reader:article_list")).content.decode()


def test_an_edit_shows_on_the_next_request(client, shared_cache, editor):
    article = ArticleFactory(headline="First headline")
    client.get(article.get_absolute_url())
    article.headline = "Second headline"
    article.save(actor=editor)
    assert "Second headline" in client.get(article.get_absolute_url()).content.decode()


def test_no_page_is_kept_past_the_next_scheduled_publication(client, shared_cache):
    ArticleFactory(headline="Already out")
    ArticleFactory(headline="Coming soon", published_at=timezone.now() + timedelta(seconds=2))
    assert "Coming soon" not in client.get(HOME).content.decode()
    assert client.get(HOME)["X-Page-Cache"] == "hit"
    time.sleep(2.2)
    response = client.get(HOME)
    assert "Coming soon" in response.content.decode()
    # And the page is kept again, not left uncached until the schedule's record expires.
    assert client.get(HOME)["X-Page-Cache"] == "hit"


def test_staff_responses_never_enter_the_cache(client, shared_cache, editor):
    ArticleFactory(headline="A story")
    client.force_login(editor)
    staff = client.get(HOME)
    assert "X-Page-Cache" not in staff
    assert "private" in staff["Cache-Control"]
    preview = client.get(Article.objects.get().get_preview_url())
    assert "no-store" in preview["Cache-Control"] and "X-Page-Cache" not in preview
    client.logout()
    client.cookies.clear()
    assert client.get(HOME)["X-Page-Cache"] == "miss"


def test_pages_carry_an_etag_and_answer_304_when_unchanged(client, shared_cache):
    article = ArticleFactory()
    for url in [article.get_absolute_url(), reverse("reader:article_list"), HOME]:
        response = client.get(url)
        assert response["Cache-Control"] == "public, no-cache"
        etag = response["ETag"]
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_the_site_keeps_serving_uncached_when_the_cache_is_down(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
        }
    }
    article = ArticleFactory(headline="Still served")
    assert "Still served" in client.get(HOME).content.decode()
    assert client.get(article.get_absolute_url()).status_code == 200


# Two server processes sharing one database and one cache, as behind a load balancer.


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(port, path):
    try:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}", headers={"Host": "news.example"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (local)
            return response.status, response.headers.get("X-Page-Cache"), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("X-Page-Cache"), error.read()


def manage(env, *args):
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def two_servers_see_a_take_down_at_once(tmp_path, database_url, cache_url):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DATABASE_URL=database_url,
        DJANGO_CACHE_URL=cache_url,
        DJANGO_SECRET_KEY="two-process-test-key-" + "k" * 40,
        DJANGO_SECURE_SSL_REDIRECT="0",
        # Both servers serve one public origin; readers reach them through it (fetch()).
        DJANGO_SITE_URL="http://news.example",
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
        DJANGO_MEDIA_ROOT=str(tmp_path / "media"),
    )
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0")
    manage(env, "setup_demo")
    slug = "us-says-no-to-russias-initiative-to-launch-broad-political-dialogue-on-syria"
    ports = [free_port(), free_port()]
    servers = [
        subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        for port in ports:
            for _ in range(100):
                try:
                    fetch(port, "/")
                    break
                except OSError:
                    time.sleep(0.1)
        a, b = ports
        assert fetch(a, f"/articles/{slug}/")[:2] == (200, "miss")
        # The second server answers from the copy the first one stored: one shared cache.
        assert fetch(b, f"/articles/{slug}/")[:2] == (200, "hit")
        assert b"US Says No" in fetch(b, "/")[2]
        # A moderator takes the article down in a third process.
        manage(
            env,
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model; "
            "from articles.models import Article; "
            "moderator = get_user_model().objects.create_superuser('mod', password='x-long-pw-1'); "
            f"Article.objects.get(slug='{slug}').unpublish(moderator, 'Legal')",
        )
        for port in ports:
            assert fetch(port, f"/articles/{slug}/")[0] == 404
            assert b"US Says No" not in fetch(port, "/")[2]
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)


@pytest.mark.sqlite
def test_two_servers_sharing_a_file_cache_see_a_take_down_on_the_next_request(tmp_path):
    two_servers_see_a_take_down_at_once(
        tmp_path, f"sqlite:///{tmp_path / 'site.sqlite3'}", f"file://{tmp_path / 'cache'}"
    )


@pytest.mark.postgresql
def test_two_servers_on_postgresql_and_redis_see_a_take_down_on_the_next_request(tmp_path):
    import psycopg
    from django.db import connection

    # A database of its own beside the test database, on the same server.
    name = f"newsroom_two_servers_{os.getpid()}"
    params = connection.settings_dict
    url = (
        f"postgres://{params['USER']}:{params['PASSWORD'] or ''}@"
        f"{params['HOST']}:{params['PORT']}/{name}"
    )
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    # CI starts a Redis server and names it here (.ci/run).
    redis_url = os.environ.get("NEWSROOM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        two_servers_see_a_take_down_at_once(tmp_path, url, redis_url)
    finally:
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
