"""Template tags for what readers, browsers, feed readers and search engines are given:
responsive pictures, absolute URLs, structured data and XML-safe text."""

import functools
import json

from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.templatetags.static import static
from django.urls import get_script_prefix
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from articles import images, rendering
from articles.addresses import reversed_once, slug_url
from articles.models import Article
from articles.rendering import iso_datetime
from newsroom import origin

from .. import cards
from ..feeds import xml_safe as strip_xml_unsafe

register = template.Library()

# As Django's json_script: inside <script>, these three would let text end the element.
JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag
def site_links():
    """The addresses every page's header, footer and feed links point to, by URL name, and
    its icon's and stylesheet's."""
    return _site_links(get_script_prefix())


@functools.cache
def _site_links(prefix):
    # Worked out once per script prefix (as reversed_once): the URLconf and the static files'
    # names do not change while the site runs.
    names = ["home", "article_list", "tag_list", "person_list", "correction_list"]
    names += ["latest_feed", "latest_atom_feed"]
    links = {name: reversed_once(f"reader:{name}") for name in names}
    links.update(favicon=static("img/favicon.svg"), stylesheet=static("css/site.css"))
    return links


@register.simple_tag(name="slug_url")
def slug_url_tag(name, slug):
    """``{% url name slug %}`` from the route reversed once (``models.slug_url``)."""
    return slug_url(name, slug)


@register.simple_tag
def site_name():
    return settings.SITE_NAME


@register.simple_tag
def absolute_url(path):
    """``path`` as an absolute URL on the configured origin (DJANGO_SITE_URL), never on the
    host a request named (newsroom/origin.py)."""
    return origin.absolute(path)


@register.filter
def xml_safe(value):
    """Drops characters XML 1.0 cannot hold (control characters): for sitemaps."""
    return strip_xml_unsafe(str(value))


@register.simple_tag
def story_card(article, heading_level=2, with_image=False, eager=False, sizes=None):
    """A story in a list: ``heading_level`` of its headline, ``with_image`` its picture,
    ``eager`` when that picture is above the fold, ``sizes`` for it."""
    return cards.story_card(article, heading_level, with_image, eager, sizes)


@register.simple_tag
def story_cards(stories, heading_level=2, with_image=False, eager_first=False):
    """``story_card`` for each of ``stories`` (``eager_first``: the first is above the fold)."""
    return cards.story_cards(stories, heading_level, with_image, eager_first)


@register.simple_tag
def related_stories(stories):
    """The article page's related stories as list items (``cards.related_html``)."""
    return cards.related_html(stories)


@register.simple_tag
def stored_page(article):
    """The story as its page shows it, rendered when it was saved."""
    return rendering.page_html(article)


@register.simple_tag
def share_image(article):
    """The image for sharing cards and feeds, with an absolute URL; None without one."""
    image = images.share_image(article)
    if image is not None:
        image["url"] = origin.absolute(image["url"])
    return image


@register.simple_tag
def article_meta(article, meta):
    """The article page's description and canonical address."""
    return format_html(
        '<meta name="description" content="{}">\n  <link rel="canonical" href="{}">',
        meta["summary"],
        origin.absolute(article.get_absolute_url()),
    )


@register.simple_tag
def article_json_ld(article, meta):
    """schema.org ``NewsArticle`` (``OpinionNewsArticle`` for opinion) as JSON-LD, escaped so
    no text in it can close the script element. ``meta`` is the article's ``page_data``."""
    data = structured_data(article, meta)
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(
        JSON_SCRIPT_ESCAPES
    )
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))  # noqa: S308


def structured_data(article, meta):
    absolute = origin.absolute
    url = absolute(article.get_absolute_url())
    home = absolute("/")
    data = {
        "@context": "https://schema.org",
        "@type": "OpinionNewsArticle" if article.kind == Article.Kind.OPINION else "NewsArticle",
        "@id": url,
        "url": url,
        "mainEntityOfPage": url,
        "headline": article.headline,
        "description": article.standfirst,
        "articleSection": article.get_kind_display(),
        "inLanguage": "en",
        "datePublished": iso_datetime(article.published_at),
        "dateModified": iso_datetime(max(article.updated_at, article.published_at)),
        "isAccessibleForFree": True,
        "publisher": {
            "@type": "NewsMediaOrganization",
            "name": settings.SITE_NAME,
            "url": home,
            "logo": {"@type": "ImageObject", "url": absolute(site_links()["favicon"])},
        },
        "keywords": [name for _, name in meta["tags"]],
    }
    # No byline, no author: the newsroom does not invent one.
    authors = [
        {"@type": "Person", "name": name, "url": absolute(path)} for name, path in meta["authors"]
    ]
    if authors:
        data["author"] = authors
    mentions = [
        {
            "@type": "Person",
            "name": name,
            "url": absolute(path),
            **({"description": role} if role else {}),
        }
        for _, name, path, role in meta["mentions"]
    ]
    if mentions:
        data["mentions"] = mentions
    image = images.share_image(article)
    if image is not None:
        data["image"] = [
            {
                "@type": "ImageObject",
                "url": absolute(image["url"]),
                "width": image["width"],
                "height": image["height"],
            }
        ]
    return data
