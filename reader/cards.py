"""Lists of stories as HTML written in Python: a list page's
cards (the stored card, ``articles.rendering.card_html``, with its picture and links) and the
article page's related stories, rather than a template loop and an include per card. Measured,
with and without (``make ablation``, in-process, 2,000 articles, 7 December 2026;
``docs/performance.md``): the front page 1.79 -> 1.60 ms of CPU on SQLite (10%; 13% in the run
before), up to 9% on the other pages, so it only just keeps its place by the 10% rule."""

from html import escape

from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime

from articles.rendering import card_html, iso_datetime, picture_html

RELATED_SIZES = "(min-width: 44rem) 10rem, 33vw"


def text(value):
    """``value`` escaped for HTML as Django's ``conditional_escape`` escapes it (already safe
    HTML as it is), without the wrapper for lazy text Django puts around ``escape``: over the
    hundred and more values of the filter panel and a page of cards, that wrapper cost more
    than the escaping."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return escape(str(value))


DEFAULT_CARD_SIZES = "(min-width: 72rem) 22rem, (min-width: 40rem) 45vw, 100vw"


def story_card(article, heading_level=2, with_image=False, eager=False, sizes=None):
    """One story in a list: the picture (optional) and the stored card."""
    picture = ""
    if with_image:
        picture = picture_html(
            article, sizes or DEFAULT_CARD_SIZES, lazy=not eager, css_class="card__image"
        )
    modifier = " card--with-image" if picture else ""
    return format_html(
        '<article class="card{}">\n  {}{}\n</article>',
        modifier,
        picture,
        card_html(article, heading_level),
    )


def story_cards(stories, heading_level=2, with_image=False, eager_first=False):
    """``story_card`` for each of ``stories``; ``eager_first``: the first picture is above the
    fold. One call per list rather than one template tag per card."""
    return format_html_join(
        "\n",
        "{}",
        (
            (story_card(story, heading_level, with_image, eager_first and number == 0),)
            for number, story in enumerate(stories)
        ),
    )


def related_html(stories):
    """The article page's related stories, as list items. Written in Python, like
    ``story_card``: a template loop over them cost as much as the rest of the page's body."""
    return format_html_join(
        "\n",
        '<li class="related__item">\n  {}\n  <p class="kind kind--{}">{}</p>\n'
        '  <a class="related__headline" href="{}">{}</a>\n'
        '  <time datetime="{}">{}</time>\n</li>',
        (
            (
                picture_html(story, RELATED_SIZES, css_class="related__image"),
                story.kind,
                story.get_kind_display(),
                story.get_absolute_url(),
                story.headline,
                iso_datetime(story.published_at),
                date_format(localtime(story.published_at), "j F Y"),
            )
            for story in stories
        ),
    )
