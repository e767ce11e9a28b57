"""Absolute addresses come from configuration (DJANGO_SITE_URL), never from the request.

As an attacker would: ask for every public surface with a hostile ``Host`` (another port,
another name), ``X-Forwarded-Host``, ``X-Forwarded-Proto: http``, ``X-Forwarded-Port`` and
``Forwarded``, with the shared page cache on; then ask as an ordinary reader, and find the
configured origin and nothing else in what comes back (issue 24, docs/security.md).
"""

import re
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from newsroom import origin
from tests.factories import (
    ArticleFactory,
    BylineFactory,
    MentionFactory,
    PersonFactory,
    TagFactory,
    jpeg_file,
)
from tests.test_operations import ROOT, run_manage

pytestmark = pytest.mark.django_db

ORIGIN = "https://news.example"
HOST = "news.example"
URL = re.compile(r"""https?://[^\s"'<>\\]+""")
# Hosts that must never be written, or only as the configured origin.
OURS = {"news.example", "www.news.example", "testserver", "localhost", "127.0.0.1"}

SURFACES = {
    "front page": lambda story: reverse("reader:home"),
    "list": lambda story: reverse("reader:article_list"),
    "tag page": lambda story: reverse("reader:tag_detail", args=["harbour"]),
    "person page": lambda story: reverse("reader:person_detail", args=["ada-reporter"]),
    "article page, JSON-LD": lambda story: story.get_absolute_url(),
    "RSS": lambda story: reverse("reader:latest_feed"),
    "Atom": lambda story: reverse("reader:latest_atom_feed"),
    "tag RSS": lambda story: reverse("reader:tag_feed", args=["harbour"]),
    "tag Atom": lambda story: reverse("reader:tag_atom_feed", args=["harbour"]),
    "person RSS": lambda story: reverse("reader:person_feed", args=["ada-reporter"]),
    "person Atom": lambda story: reverse("reader:person_atom_feed", args=["ada-reporter"]),
    "sitemap index": lambda story: reverse("reader:sitemap"),
    "sitemap of articles": lambda story: reverse("reader:sitemap_section", args=["articles"]),
    "sitemap of tags": lambda story: reverse("reader:sitemap_section", args=["tags"]),
    "sitemap of people": lambda story: reverse("reader:sitemap_section", args=["people"]),
    "news sitemap": lambda story: reverse("reader:sitemap_news"),
    "robots.txt": lambda story: reverse("reader:robots_txt"),
}
# The list writes no absolute address of its own; every other surface does.
WRITES_NO_ADDRESS = {"list"}

HOSTILE_HOSTS = [
    "news.example:6666",
    "evil.example",
    "evil.example:443",
    "news.example.evil.example",
]
HOSTILE_HEADERS = [
    {"HTTP_X_FORWARDED_HOST": "evil.example"},
    {"HTTP_X_FORWARDED_HOST": "news.example:6666", "HTTP_X_FORWARDED_PORT": "6666"},
    {"HTTP_X_FORWARDED_PROTO": "http"},
    {"HTTP_FORWARDED": "for=203.0.113.9;host=evil.example;proto=http"},
]


@pytest.fixture
def site(settings, shared_cache):
    settings.SITE_URL = ORIGIN
    settings.SITE_ALIASES = ["www.news.example"]
    settings.ALLOWED_HOSTS = ["news.example", "www.news.example"]
    tag = TagFactory(name="Harbour", slug="harbour")
    person = PersonFactory(name="Ada Reporter", slug="ada-reporter")
    story = ArticleFactory(
        headline="Harbour reopens",
        slug="harbour-reopens",
        tags=[tag],
        lead_image=jpeg_file(),
        lead_image_alt="The harbour",
    )
    BylineFactory(article=story, person=person)
    MentionFactory(article=story, person=PersonFactory(name="Bo Mayor", slug="bo-mayor"))
    return story


def assert_only_the_origin(name, body):
    assert "evil.example" not in body, name
    # As a port (":6666"): the digits alone turn up by chance in hashes and timestamps.
    assert ":6666" not in body, name
    for url in URL.findall(body):
        if urlsplit(url).hostname in OURS:
            assert url.startswith(ORIGIN + "/") or url == ORIGIN, (name, url)
    if name not in WRITES_NO_ADDRESS:
        assert ORIGIN + "/" in body, name


@pytest.mark.parametrize("name", SURFACES)
def test_a_hostile_host_is_refused_and_never_cached(client, site, name):
    path = SURFACES[name](site)
    for host in HOSTILE_HOSTS:
        response = client.get(path, HTTP_HOST=host)
        assert response.status_code == 400, (name, host)
        assert "no-store" in response["Cache-Control"]
        assert "X-Page-Cache" not in response
    reader = client.get(path, HTTP_HOST=HOST)
    assert reader.status_code == 200, name
    # Nothing the refused requests did was stored: the reader's copy is rendered afresh.
    assert reader["X-Page-Cache"] == "miss"
    assert_only_the_origin(name, reader.content.decode())


@pytest.mark.parametrize("name", SURFACES)
@pytest.mark.parametrize("headers", HOSTILE_HEADERS, ids=lambda h: ",".join(h))
def test_forwarded_headers_change_no_address_a_reader_is_later_served(client, site, name, headers):
    path = SURFACES[name](site)
    attacker = client.get(path, HTTP_HOST=HOST, **headers)
    assert attacker.status_code == 200
    assert_only_the_origin(name, attacker.content.decode())
    reader = client.get(path, HTTP_HOST=HOST)
    # The reader gets the copy the attacker's request stored, and it is clean.
    assert reader["X-Page-Cache"] == "hit"
    assert_only_the_origin(name, reader.content.decode())


def test_a_trusted_proxy_decides_https_but_never_the_written_origin(client, site, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    path = site.get_absolute_url()
    response = client.get(path, HTTP_HOST=HOST, HTTP_X_FORWARDED_PROTO="http")
    assert response.status_code == 200
    assert_only_the_origin("article page", response.content.decode())
    assert (
        client.get(path, HTTP_HOST="evil.example", HTTP_X_FORWARDED_PROTO="https").status_code
        == 400
    )


def test_an_alias_is_answered_with_addresses_on_the_origin(client, site):
    response = client.get(site.get_absolute_url(), HTTP_HOST="www.news.example")
    assert response.status_code == 200
    assert 'rel="canonical" href="https://news.example/articles/harbour-reopens/"' in (
        response.content.decode()
    )
    sitemap = client.get(reverse("reader:sitemap"), HTTP_HOST="www.news.example")
    assert "<loc>https://news.example/sitemap-articles.xml</loc>" in sitemap.content.decode()


def test_the_ninjs_export_writes_the_configured_origin(site, settings):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("export_articles", stdout=out)
    assert '"uri": "https://news.example/articles/harbour-reopens/"' in out.getvalue()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://News.Example", "https://news.example"),
        ("https://news.example:443/", "https://news.example"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("http://[::1]:8000", "http://[::1]:8000"),
    ],
)
def test_the_origin_setting_is_normalised(value, expected):
    assert origin.parse_origin(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "news.example",
        "ftp://news.example",
        "https://news.example/news/",
        "https://u@news.example",
        "https://news.example:99999",
        "https://news.example?x=1",
        "https://",
    ],
)
def test_a_setting_that_is_not_an_origin_stops_start_up_with_one_line(value):
    result = run_manage(
        "check", DJANGO_SECRET_KEY="k" * 60, DJANGO_SITE_URL=value, DJANGO_SECURE_SSL_REDIRECT="0"
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        f"newsroom: DJANGO_SITE_URL must be an origin such as https://news.example (scheme, "
        f"host and an optional port; no path), not {value!r}."
    ]


def test_production_start_up_without_an_origin_stops_with_one_line():
    result = run_manage("check", DJANGO_SECRET_KEY="k" * 60)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "newsroom: DJANGO_SITE_URL must be set when DJANGO_DEBUG is off (e.g. https://news.example)."
    ]


def test_the_old_allowed_hosts_variable_is_refused_with_what_replaces_it():
    result = run_manage(
        "check", DJANGO_SECRET_KEY="k" * 60, DJANGO_SITE_URL=ORIGIN, DJANGO_ALLOWED_HOSTS="x"
    )
    assert result.returncode != 0
    assert "DJANGO_SITE_URL" in result.stderr and "DJANGO_SITE_ALIASES" in result.stderr


def test_a_production_server_without_collected_static_files_says_so_and_stops(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "import newsroom.wsgi"],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SECRET_KEY": "k" * 60,
            "DJANGO_SITE_URL": ORIGIN,
            "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 3
    lines = [line for line in result.stderr.splitlines() if line.startswith("newsroom:")]
    assert lines == [
        f"newsroom: static files are not collected in {tmp_path / 'static'}: run "
        "`python manage.py collectstatic --noinput` before starting the server."
    ]
