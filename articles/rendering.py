"""HTML rendered when an article is saved, so that readers' requests do not render it.

A story card (``Article.card_html``), the story on its page (``Article.page_html``) and what
the page's head needs from its relations (``Article.page_data``) depend only on the article and
what it shows: its tags, bylines, people mentioned, corrections and lead image. Templates render
them once (``store``, which ``ArticleQuerySet.rerender()`` runs) whenever one of those is saved
or deleted (``articles/stored.py`` says when); a public page then reads one column instead of
prefetching four relations and rendering a dozen templates per story. Whether a story is
*public* is never stored: every page still selects its stories with
``Article.objects.published()`` at request time, so a take-down shows at once.

Rows written without ``Article.save`` (bulk inserts, fixtures) have empty columns; pages render
those on the fly, and ``manage.py render_articles`` stores them (``make run`` runs it). After a
deploy that changes these templates, run ``manage.py render_articles --all`` once.

Measured, with and without (``make ablation``, in-process, 2,000 articles, 7 December 2026;
``docs/performance.md``): on SQLite it saves 74% to 90% of every public page's CPU (the article
page 9.66 -> 2.52 ms, the list 21.75 -> 4.62, a person page 40.3 -> 4.22).
"""

from datetime import UTC

from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from . import images

CARD_TEMPLATE = "includes/article_card.html"
PAGE_TEMPLATE = "includes/article_page.html"
# Rows rendered per batch: each batch prefetches its relations in a fixed number of queries.
BATCH = 200

# What a related story shows (``related_html``): picture, kind, headline, date.
RELATED_FIELDS = (
    "pk",
    "slug",
    "headline",
    "kind",
    "published_at",
    "lead_image",
    "lead_image_alt",
    "lead_image_renditions",
)
# What a list of cards reads: the stored card and what wraps it (picture, links), nothing else;
# the standfirst only to render a card that was never stored (see card_html below).
CARD_FIELDS = (*RELATED_FIELDS, "standfirst", "card_html")


def render_card(article):
    return render_to_string(CARD_TEMPLATE, {"article": article}).strip()


def render_page(article):
    return render_to_string(PAGE_TEMPLATE, {"article": article}).strip()


def page_data(article):
    """What the article page's head (description, sharing tags, JSON-LD) and its related
    stories need from the article's relations, as plain data: stored with the page."""
    return {
        "summary": article.summary,
        "tags": [[tag.pk, tag.name] for tag in article.tags.all()],
        "authors": [
            [byline.person.name, byline.person.get_absolute_url()]
            for byline in article.bylines.all()
        ],
        "mentions": [
            [
                mention.person_id,
                mention.person.name,
                mention.person.get_absolute_url(),
                mention.role,
            ]
            for mention in article.mentions.all()
        ],
    }


def store(article):
    """Render ``article``'s card and page and what its page's head needs, onto the object
    (``ArticleQuerySet.rerender()`` writes them); its relations prefetched (``with_page_data``)."""
    article.card_html = render_card(article)
    article.page_html = render_page(article)
    article.page_data = page_data(article)


def card_html(article, heading_level=2):
    """The stored card, or one rendered now for a row that has none yet."""
    html = article.card_html or render_card(article)
    if heading_level != 2:
        # The stored card has one heading, its headline (text in it is escaped, so no other
        # "<h2" or "</h2>" can occur); lists under a section heading use a lower level.
        html = html.replace("<h2 ", f"<h{heading_level} ", 1).replace(
            "</h2>", f"</h{heading_level}>", 1
        )
    return mark_safe(html)  # noqa: S308 - rendered by our template, its text escaped there


def page_html(article):
    return mark_safe(article.page_html or render_page(article))  # noqa: S308 - as card_html


def picture_html(article, sizes, lazy=True, css_class=""):
    """The lead image as ``<picture>`` (WebP and JPEG in several widths, its size set so the
    page does not shift while it loads), or "" without renditions. Built in Python rather than
    by a template: it runs for every card of every list."""
    image = images.picture(article)
    if image is None:
        return ""
    loading = 'loading="lazy"' if lazy else 'fetchpriority="high"'
    return format_html(
        '<picture{}>\n  <source type="image/webp" srcset="{}" sizes="{}">\n'
        '  <img src="{}" srcset="{}" sizes="{}" width="{}" height="{}" alt="{}" {} '
        'decoding="async">\n</picture>',
        format_html(' class="{}"', css_class) if css_class else "",
        image["webp_srcset"],
        sizes,
        image["src"],
        image["jpeg_srcset"],
        sizes,
        image["width"],
        image["height"],
        image["alt"],
        mark_safe(loading),  # noqa: S308 - one of two constants
    )


def iso_datetime(value):
    """A moment as HTML's ``datetime`` attribute and ISO 8601 take it: UTC, whole seconds
    (Django's "c" format writes microseconds, which HTML's time element refuses)."""
    if not value:
        return ""
    return value.astimezone(UTC).replace(microsecond=0).isoformat()
