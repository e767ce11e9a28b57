"""What each speed mechanism saves: every public page with and without it, in one process.

``make ablation`` (``python -m bench.ablation --size 2000 --db sqlite``; or ``--sidecar FILE``
with the environment of a database built before): the site is served in-process (Django's WSGI
handler, production settings, DEBUG off) against a database the bench built
(``bench/build.py``; its sidecar names the slugs and words to ask for). For each mechanism, each
page is asked for in alternating rounds with the mechanism and without it (switched off by
patching the code it lives in, below), so that the machine's slow spells hit both arms alike;
the figure is the fastest round's CPU per request of this process plus, on PostgreSQL, of the
database server's processes. A mechanism that does not touch a page shows a ratio near 1.00;
the first row switches nothing off and shows the method's noise.

Without a mechanism the page is what plain Django would do in its place: querysets built and
compiled per request, templates instead of HTML written in Python, relations prefetched and
rendered live instead of stored HTML, a full ``COUNT`` and ``OFFSET`` pages, and so on (each
``without_*`` says what it does). The page cache is off in every arm but its own.
"""

import argparse
import contextlib
import io
import json
import os
import sys
import time
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit

# Many short rounds, alternating, and the fastest of each arm: other work on the machine only
# ever adds CPU time (shared caches, frequency), so the minimum is the steadiest estimate of
# what a request costs (the median of 7 rounds moved by up to 20% on a busy machine).
ROUNDS = 15


def pages(info):
    """Name: (URL with the mechanism, URL without it when that differs)."""
    deep = f"/articles/?before={info['deep_cursor']}"
    return {
        "front": "/",
        "list": "/articles/",
        "deep (keyset, half-way)": deep,
        "filtered (?tag=)": f"/articles/?tag={info['filter_tag_slug']}",
        "search": f"/articles/?q={info['search_word']}",
        "article": f"/articles/{info['article_slug']}/",
        "tag page": f"/tags/{info['tag_slug']}/",
        "person page": f"/people/{info['person_slug']}/",
        "RSS feed": "/feeds/latest/",
    }


# --- each mechanism, switched off ------------------------------------------------------------


@contextlib.contextmanager
def without_compiled_queries():
    """``Prepared`` queries run as the querysets they are built from, built and compiled by the
    ORM on every call (plain Django)."""
    from newsroom.prepared import Prepared

    def call(self, **values):
        return self.build(**values)

    def rows(self, **values):
        return [
            tuple(row.values()) if isinstance(row, dict) else row for row in call(self, **values)
        ]

    def count(self, **values):
        return self.build(**values).count()

    with (
        mock.patch.object(Prepared, "__call__", call),
        mock.patch.object(Prepared, "rows", rows),
        mock.patch.object(Prepared, "count", count),
    ):
        yield


@contextlib.contextmanager
def without_stored_html():
    """Cards and pages rendered from their templates on every request, their relations
    prefetched (cards, feed items) or read as the template follows them (the article page, as a
    DetailView would); the page's head data and the feeds' (``page_data``) worked out from the
    relations too."""
    from django.db.models import prefetch_related_objects

    from articles import rendering
    from reader import cards, feeds, queries

    original_cards, original_page = cards.story_cards, queries.public_page
    original_items = feeds.ArticleFeed.items

    def story_cards(stories, *args, **kwargs):
        stories = list(stories)
        prefetch_related_objects(stories, "bylines__person", "tags")
        for story in stories:
            story.card_html = ""
        return original_cards(stories, *args, **kwargs)

    def public_page(slug):
        story = original_page(slug)
        if story is not None:
            story.page_html, story.page_data = "", None
        return story

    def items(self, obj=None):
        stories = list(original_items(self, obj))
        prefetch_related_objects(stories, "bylines__person", "tags", "mentions__person")
        return stories

    with (
        mock.patch.object(cards, "story_cards", story_cards),
        mock.patch.object(queries, "public_page", public_page),
        mock.patch.object(feeds.ArticleFeed, "items", items),
        mock.patch.object(feeds, "stored", rendering.page_data),
    ):
        yield


CARDS_TEMPLATE = (
    "{% load stories %}{% for story in stories %}"
    '<article class="card{% if with_image and story.lead_image %} card--with-image{% endif %}">\n'
    "  {% if with_image %}{% picture story sizes lazy=True css_class='card__image' %}{% endif %}"
    "{{ story.card_html|safe }}\n</article>\n{% endfor %}"
)
RELATED_TEMPLATE = (
    "{% load stories %}{% for story in stories %}"
    '<li class="related__item">\n  {% picture story sizes True "related__image" %}\n'
    '  <p class="kind kind--{{ story.kind }}">{{ story.get_kind_display }}</p>\n'
    '  <a class="related__headline" href="{{ story.get_absolute_url }}">{{ story.headline }}</a>\n'
    '  <time datetime="{{ story.published_at|iso_datetime }}">'
    '{{ story.published_at|date:"j F Y" }}</time>\n</li>\n{% endfor %}'
)


@contextlib.contextmanager
def without_python_lists():
    """The lists of cards and of related stories as template loops (``reader/cards.py``)."""
    from django.template import engines

    from reader import cards

    engine = engines["django"]
    cards_template = engine.from_string(CARDS_TEMPLATE)
    related_template = engine.from_string(RELATED_TEMPLATE)

    def story_cards(stories, heading_level=2, with_image=False, eager_first=False):
        return cards_template.render(
            {"stories": stories, "with_image": with_image, "sizes": cards.DEFAULT_CARD_SIZES}
        )

    def related_html(stories):
        return related_template.render({"stories": stories, "sizes": cards.RELATED_SIZES})

    with (
        mock.patch.object(cards, "story_cards", story_cards),
        mock.patch.object(cards, "related_html", related_html),
    ):
        yield


@contextlib.contextmanager
def without_python_topics():
    """The topics' ``<select multiple>`` rendered by Django's widget templates, an option at
    a time, from choices (``TopicsSelect`` writes it from ``Topics``, escaped once)."""
    from django import forms

    from reader import filters

    def topics_render(widget, name, value, attrs=None, renderer=None):
        widget.choices = [(slug, topic) for slug, topic, _ in widget.topics.rows]
        return forms.SelectMultiple.render(widget, name, value, attrs, renderer)

    with mock.patch.object(filters.TopicsSelect, "render", topics_render):
        yield


@contextlib.contextmanager
def without_python_form():
    """The rest of the filter panel as Django renders a form (``as_div``), with Django's own
    widget templates (``fields_html`` and the ``OnePass`` widgets in ``reader/filters.py``)."""
    from django import forms

    from reader import filters

    def fields_html(form):
        return form.as_div()

    with (
        mock.patch.object(filters.ArticleFilterForm, "fields_html", fields_html),
        mock.patch.object(filters.OnePassInput, "render", forms.Widget.render),
        mock.patch.object(filters.OnePassSelect, "render", forms.Select.render),
    ):
        yield


@contextlib.contextmanager
def without_cross_request_caches():
    """Nothing kept from one request to the next: the topics' options and form class made on
    every request, every address reversed each time, the site's links worked out per page."""
    from articles import addresses
    from reader import filters
    from reader.templatetags import reader as tags

    def of(cls, rows):
        return cls(rows)

    with (
        mock.patch.object(filters.Topics, "of", classmethod(of)),
        mock.patch.object(addresses, "_reversed", addresses._reversed.__wrapped__),
        mock.patch.object(tags, "_site_links", tags._site_links.__wrapped__),
    ):
        yield


@contextlib.contextmanager
def without_capped_counts():
    """Numbered pages all the way: a full ``COUNT`` and ``OFFSET`` pages (Django's
    ``Paginator``); the deep page is then page 50 rather than a keyset cursor."""
    from django.conf import settings

    with mock.patch.object(settings, "ARTICLES_NUMBERED_PAGES", 10**6):
        yield


@contextlib.contextmanager
def without_recent_search_table():
    """PostgreSQL search reads every window from the whole table's index (migration 0006),
    none from the newest stories' own table (0009)."""
    from articles import search

    with mock.patch.object(search, "RECENT_WINDOWS", 0):
        yield


@contextlib.contextmanager
def without_server_prepared_statements():
    """psycopg binds parameters on the client and PostgreSQL plans every query
    (``DJANGO_DB_PREPARED_STATEMENTS=0``)."""
    from django.db import connection

    options = connection.settings_dict["OPTIONS"]
    saved = dict(options)
    options.pop("server_side_binding", None)
    options.pop("prepare_threshold", None)
    connection.close()
    try:
        yield
    finally:
        options.clear()
        options.update(saved)
        connection.close()


@contextlib.contextmanager
def page_cache_off():
    """Every request answered by the view: the page cache stores and reads nothing (off in
    every arm but its own)."""
    from reader.cache import PageCacheMiddleware

    with mock.patch.object(PageCacheMiddleware, "cacheable_request", lambda self, request: False):
        yield


@contextlib.contextmanager
def nothing():
    """Nothing switched off: both arms are the same code, so this row is the method's noise."""
    yield


# name: (switch-off, databases it applies to)
MECHANISMS = {
    "nothing (the method's noise)": (nothing, ("sqlite", "postgresql")),
    "stored cards and pages": (without_stored_html, ("sqlite", "postgresql")),
    "compiled queries": (without_compiled_queries, ("sqlite", "postgresql")),
    "lists written in Python": (without_python_lists, ("sqlite", "postgresql")),
    "topics select written in Python": (without_python_topics, ("sqlite", "postgresql")),
    "filter form written in Python": (without_python_form, ("sqlite", "postgresql")),
    "cross-request caches": (without_cross_request_caches, ("sqlite", "postgresql")),
    "keyset pages and capped counts": (without_capped_counts, ("sqlite", "postgresql")),
    "recent-stories search table": (without_recent_search_table, ("postgresql",)),
    "server-side prepared statements": (without_server_prepared_statements, ("postgresql",)),
    "page cache": (page_cache_off, ("sqlite", "postgresql")),
}
# Without keyset pages the deep page is the same stories through a numbered page.
DEEP_WITHOUT_KEYSET = "/articles/?page=50"


# --- measuring -------------------------------------------------------------------------------


def database_cpu_seconds():
    """CPU used so far by the PostgreSQL server's processes (0 on SQLite: it runs in ours)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() != "postgres":
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


class Site:
    def __init__(self):
        from django.core.handlers.wsgi import WSGIHandler

        self.application = WSGIHandler()

    def get(self, url):
        parts = urlsplit(url)
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": parts.path,
            "QUERY_STRING": parts.query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "HTTP_HOST": "127.0.0.1",
            "wsgi.input": io.BytesIO(),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
        }
        status = []
        body = b"".join(self.application(environ, lambda line, headers: status.append(line)))
        if not status[0].startswith("200"):
            raise RuntimeError(f"{url} answered {status[0]}")
        return body

    def cpu_per_request(self, url, requests):
        from django.db import connection

        # SQLite runs in this process; other PostgreSQL servers on the machine are not ours.
        count_database = connection.vendor == "postgresql"
        database = database_cpu_seconds() if count_database else 0
        started = time.process_time()
        for _ in range(requests):
            self.get(url)
        own = time.process_time() - started
        if count_database:
            own += database_cpu_seconds() - database
        return own / requests * 1000


def measure(site, switch_off, url_with, url_without, requests, rounds=ROUNDS):
    """The fastest round's ms per request with and without, over alternating rounds, and the
    size of each arm's page (a check that both arms answer the same page)."""
    with_, without = [], []
    sizes = [len(site.get(url_with))]
    with switch_off():
        sizes.append(len(site.get(url_without)))
    for _ in range(rounds):
        for _ in range(3):
            site.get(url_with)
        with_.append(site.cpu_per_request(url_with, requests))
        with switch_off():
            for _ in range(3):
                site.get(url_without)
            without.append(site.cpu_per_request(url_without, requests))
    return min(with_), min(without), sizes


def keep_topic_rows():
    """Topics keep their rows too, for Django's select widget in ``without_python_topics``."""
    from reader import filters

    made = filters.Topics.__init__

    def init(topics, rows):
        made(topics, rows)
        topics.rows = rows

    filters.Topics.__init__ = init


def run(info, vendor, requests, only=None):
    keep_topic_rows()
    site = Site()
    results = {}
    for name, (switch_off, vendors) in MECHANISMS.items():
        if vendor not in vendors or (only and name not in only):
            continue
        results[name] = {}
        for page, url in pages(info).items():
            url_without = url
            if name == "keyset pages and capped counts" and page.startswith("deep"):
                url_without = DEEP_WITHOUT_KEYSET
            if name == "page cache":
                with_, without, sizes = measure(site, page_cache_off, url, url, requests)
            else:
                with page_cache_off():
                    with_, without, sizes = measure(site, switch_off, url, url_without, requests)
            results[name][page] = (with_, without)
            print(
                f"{name:34s} {page:26s} with {with_:6.2f}  without {without:6.2f} ms"
                f"  saves {1 - with_ / without:6.1%}  bytes {sizes[0]} / {sizes[1]}",
                flush=True,
            )
    return results


def table(results, vendor, n):
    page_names = list(next(iter(results.values())))
    lines = [
        f"Saved by each mechanism, {vendor}, {n:,} articles: CPU ms per request without it → with"
        " it (share of the page's cost without it saved; ≥ 10% in bold)",
        "",
        "| mechanism | " + " | ".join(page_names) + " |",
        "|---|" + "---|" * len(page_names),
    ]
    for name, by_page in results.items():
        cells = []
        for page in page_names:
            with_, without = by_page[page]
            saved = 1 - with_ / without
            figure = f"{without:.2f} → {with_:.2f} ({saved:.0%})"
            cells.append(f"**{figure}**" if saved >= 0.10 else figure)
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2000, help="articles (make ablation)")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--sidecar", help="a built database's sidecar JSON; its DATABASE_URL in the environment"
    )
    parser.add_argument("--requests", type=int, default=15, help="requests per round")
    parser.add_argument("--only", action="append", help="a mechanism's name (repeatable)")
    parser.add_argument("--output", help="write the table (Markdown) and figures (JSON) here")
    args = parser.parse_args(argv)
    if args.sidecar:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
        return measure_and_report(json.loads(Path(args.sidecar).read_text()), args)
    # make ablation: the bench's own database of that size (built if needed), its settings.
    from . import common
    from .databases import collectstatic, ensure_database
    from .servers import PostgresCluster

    cluster = PostgresCluster() if args.db == "postgresql" else None
    try:
        collectstatic()
        if cluster:
            cluster.start()
        url, info = ensure_database(args.db, args.size, common.schema_key(), cluster)
        os.environ.update(common.base_env(url, "locmem://"))
        measure_and_report(info, args)
    finally:
        if cluster:
            cluster.stop()


def measure_and_report(info, args):
    import django

    django.setup()
    from django.db import connection

    results = run(info, connection.vendor, args.requests, args.only)
    markdown = table(results, connection.vendor, info["n"])
    print()
    print(markdown)
    if args.output:
        Path(args.output).write_text(markdown + "\n")
        Path(args.output).with_suffix(".json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
