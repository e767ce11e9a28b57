"""The operations side: set-up, settings and migrations."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from articles.models import Article, Byline, Mention, Person, Tag

ROOT = Path(__file__).resolve().parent.parent
MODELS = (Article, Person, Tag, Byline, Mention)


def run_manage(*args, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.django_db
def test_fresh_install_has_editors_and_moderators_groups():
    editors = Group.objects.get(name="Editors")
    moderators = Group.objects.get(name="Moderators")
    assert editors.permissions.filter(codename="change_article").exists()
    assert not moderators.permissions.filter(codename="change_article").exists()
    assert moderators.permissions.filter(codename="view_article").exists()


@pytest.mark.django_db
def test_demo_setup_twice_duplicates_nothing_and_fills_every_page(client, settings):
    settings.DEBUG = True
    call_command("setup_demo", stdout=StringIO())
    counts = [model.objects.count() for model in MODELS]
    users = get_user_model().objects.count()
    output = StringIO()
    call_command("setup_demo", stdout=output)
    assert [model.objects.count() for model in MODELS] == counts
    assert get_user_model().objects.count() == users
    assert "editor / " in output.getvalue() and "moderator / " in output.getvalue()

    assert Article.objects.published().count() == 5
    provided = Article.objects.published().newest_first().first()
    assert provided.headline.startswith("US Says No to Russia")
    demo = Article.objects.filter(slug__startswith="demo-")
    assert all(article.headline.startswith("Demo:") for article in demo)
    assert all(article.lead_image and article.bylines.exists() for article in demo)
    assert all(article.tags.count() >= 3 for article in demo)
    assert client.login(username="editor", password="editor-demo-pass")
    assert client.get(reverse("admin:articles_article_add")).status_code == 200
    assert get_user_model().objects.get(username="moderator").groups.filter(name="Moderators")


@pytest.mark.django_db
def test_demo_setup_again_never_undoes_a_take_down_or_an_edit(settings):
    settings.DEBUG = True
    call_command("setup_demo", stdout=StringIO())
    moderator = get_user_model().objects.get(username="moderator")
    editor = get_user_model().objects.get(username="editor")
    provided = Article.objects.get(slug__startswith="us-says-no")
    provided.withdraw(moderator, "Test", "Withdrawn for a test.")
    demo = Article.objects.filter(slug__startswith="demo-").first()
    demo.headline = "Demo: edited by an editor"
    demo.save(actor=editor)
    call_command("setup_demo", stdout=StringIO())
    provided.refresh_from_db()
    demo.refresh_from_db()
    assert provided.status == Article.Status.WITHDRAWN
    assert demo.headline == "Demo: edited by an editor"


@pytest.mark.django_db
def test_demo_setup_creates_no_accounts_when_debug_is_off(settings):
    settings.DEBUG = False
    call_command("setup_demo", stdout=StringIO())
    assert not get_user_model().objects.filter(username__in=["editor", "moderator"]).exists()


def test_migrations_are_complete():
    result = run_manage("makemigrations", "--check", "--dry-run", DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stdout + result.stderr


def test_settings_refuse_to_start_without_a_secret_key_when_debug_is_off():
    result = run_manage("check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_settings_pass_the_strict_deploy_check():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY="a-long-random-production-key-" + "x7Qp2" * 10,
        DJANGO_SITE_URL="https://news.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_settings_are_secure_by_default_with_debug_off(settings):
    # The test run itself uses the production settings, with the redirect off for plain HTTP.
    assert settings.DEBUG is False
    assert settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE
    assert settings.SECURE_HSTS_SECONDS >= 31536000
    assert settings.SECURE_CONTENT_TYPE_NOSNIFF


@pytest.mark.sqlite
@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_with_immediate_transactions_a_busy_timeout_and_a_page_cache(
    tmp_path,
):
    database = tmp_path / "newsroom.sqlite3"
    result = run_manage(
        "shell",
        "-c",
        "from django.db import connection; c = connection.cursor(); "
        "c.execute('PRAGMA journal_mode'); print(c.fetchone()[0]); "
        "c.execute('PRAGMA cache_size'); print('cache', c.fetchone()[0]); "
        "print(connection.settings_dict['OPTIONS'])",
        DJANGO_DEBUG="1",
        DATABASE_URL=f"sqlite:///{database}",
    )
    assert result.returncode == 0, result.stderr
    assert "wal" in result.stdout
    assert "cache -32768" in result.stdout  # a 32 MiB page cache per connection
    assert "'transaction_mode': 'IMMEDIATE'" in result.stdout
    assert "'timeout': 20" in result.stdout


@pytest.mark.postgresql
@pytest.mark.django_db
def test_database_url_selects_postgresql():
    from django.db import connection

    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_encoding")
        assert cursor.fetchone()[0] == "UTF8"


@pytest.mark.postgresql
@pytest.mark.django_db
def test_postgresql_plans_a_busy_page_query_once_per_connection(client):
    from django.db import connection

    from tests.factories import ArticleFactory

    story = ArticleFactory(headline="Planned once")
    for _ in range(6):  # psycopg prepares a statement on its fifth run
        assert client.get(story.get_absolute_url()).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('FROM "articles_article"' in statement for statement in prepared)


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_ended_is_replaced_before_the_next_request(client):
    # Django's health check (CONN_HEALTH_CHECKS) replaces a kept connection the server ended:
    # the reader gets the page, not an error.
    import psycopg
    from django.db import close_old_connections, connection

    from tests.factories import ArticleFactory

    story = ArticleFactory(headline="Still here")
    assert client.get(story.get_absolute_url()).status_code == 200
    pid = connection.connection.info.backend_pid
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"], port=settings["PORT"], user=settings["USER"],
        password=settings["PASSWORD"], dbname=settings["NAME"], autocommit=True,
    ) as other:  # fmt: skip
        assert other.execute("SELECT pg_terminate_backend(%s, 5000)", [pid]).fetchone()[0]
    # What a request's start does in production (Django's test client leaves it out).
    close_old_connections()
    response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    assert b"Still here" in response.content
    assert connection.connection.info.backend_pid != pid


@pytest.mark.parametrize(
    "value, prepared", [("", True), ("1", True), ("0", False)], ids=["default", "on", "off"]
)
def test_prepared_statements_on_postgresql_can_be_turned_off_for_a_pooler(value, prepared):
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'])",
        DJANGO_DEBUG="1",
        DATABASE_URL="postgres://reader@db.example.com:5432/newsroom",
        DJANGO_DB_PREPARED_STATEMENTS=value,
    )
    assert result.returncode == 0, result.stderr
    assert ("'server_side_binding': True" in result.stdout) is prepared
    assert ("'prepare_threshold': 5" in result.stdout) is prepared


@pytest.mark.django_db
def test_health_check_reports_the_database_and_cache(client):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert "no-cache" in response["Cache-Control"]


def test_a_missing_system_package_stops_make_with_the_one_command_to_run(tmp_path):
    # A user who is not root and has no password-less sudo: nothing is installed, and the one
    # line says what to run (tools/system-packages, which make test and the others call first).
    command = ["/bin/bash", str(ROOT / "tools" / "system-packages"), "test-postgres", "redis"]
    if os.geteuid() == 0:
        command = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    result = subprocess.run(
        command, env={"PATH": str(tmp_path / "nothing")}, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "make test-postgres needs redis-server: run `sudo apt-get install -y redis-server`, "
        "then `make test-postgres` again."
    ]
