"""Articles as IPTC ninjs (News in JSON), version 1.8, and back.

What goes where (ninjs property: our field):

- ``uri``: the article's public address; ``slugline``: its slug; ``type``: "text";
  ``version``: the article's version number (it goes up with every save); ``pubstatus``:
  "usable"; ``language``.
- ``firstcreated``: the publication time (when the story first went out); ``versioncreated``: the
  last save.
- ``headline``; ``description_text``: the standfirst; ``body_html``: the rendered body;
  ``body_markdown``: the Markdown the editors wrote (ninjs allows any ``body_<format>``).
- ``byline``: the authors' names as one line; ``person``: the authors (``rel`` "author", in byline
  order) and the people mentioned (``rel`` "about"), each with our page slug as ``code``;
  ``subject``: the tags, with their slug as ``code``; ``genre``: the kind.
- ``associations.featureimage``: the lead image as a ninjs picture with its ``renditions``
  (``description_text`` is the alt text, ``headline`` the caption, ``byline`` the credit).

ninjs 1.x has no place for a byline's or a mention's role, so roles are not exported.
"""

import contextlib
import html
import re
from datetime import UTC

from django.conf import settings
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils.dateparse import parse_datetime

from ..models import Article
from ..names import clean_name
from .data import ArticleData, DocumentError, slug_for

STANDARD = {
    "name": "ninjs",
    "version": "1.8",
    "schema": "http://www.iptc.org/std/ninjs/ninjs-schema_1.8.json#",
}
AUTHOR = "author"
ABOUT = "about"


def iso(moment):
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def language():
    code, _, region = settings.LANGUAGE_CODE.partition("-")
    return f"{code}-{region.upper()}" if region else code


def absolute(base_url, path):
    return base_url.rstrip("/") + path


def to_ninjs(article, base_url):
    """One published article as a ninjs 1.8 text item (a dict ready for ``json.dumps``)."""
    people_scheme = absolute(base_url, reverse("reader:person_list"))
    tags_scheme = absolute(base_url, reverse("reader:tag_list"))
    authors = [byline.person for byline in article.bylines.all()]
    mentioned = [mention.person for mention in article.mentions.all()]
    item = {
        "$standard": STANDARD,
        "uri": absolute(base_url, article.get_absolute_url()),
        "type": "text",
        "mimetype": "text/html",
        "version": str(article.version),
        "firstcreated": iso(article.published_at),
        "versioncreated": iso(max(article.modified_at, article.published_at)),
        "pubstatus": "usable",
        "language": language(),
        "slugline": article.slug,
        "headline": article.headline,
        "body_html": article.body_html,
        "body_markdown": article.body,
        "genre": [
            {
                "name": article.get_kind_display(),
                "code": article.kind,
                "scheme": absolute(base_url, reverse("reader:article_list")) + "?kind=",
            }
        ],
        "subject": [
            {"name": tag.name, "code": tag.slug, "scheme": tags_scheme, "rel": ABOUT}
            for tag in sorted(article.tags.all(), key=lambda tag: tag.name.casefold())
        ],
        "person": [
            {"name": person.name, "code": person.slug, "scheme": people_scheme, "rel": rel}
            for rel, people in [(AUTHOR, authors), (ABOUT, mentioned)]
            for person in people
        ],
    }
    if article.standfirst:
        item["description_text"] = article.standfirst
    if authors:
        names = [person.name for person in authors]
        item["byline"] = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    if article.lead_image:
        item["associations"] = {"featureimage": picture(article, base_url)}
    return item


def picture(article, base_url):
    image = article.lead_image
    rendition = {"href": absolute(base_url, image.url), "title": "Original"}
    content_type = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png",
                    "webp": "image/webp", "gif": "image/gif"}  # fmt: skip
    extension = image.name.rsplit(".", 1)[-1].lower()
    if extension in content_type:
        rendition["mimetype"] = content_type[extension]
    # A file missing from storage still gets its address exported.
    with contextlib.suppress(OSError, ValueError):
        rendition.update(width=image.width, height=image.height, sizeinbytes=image.size)
    item = {
        "uri": absolute(base_url, image.url),
        "type": "picture",
        "renditions": {"original": rendition},
    }
    if article.lead_image_alt:
        item["description_text"] = article.lead_image_alt
    if article.lead_image_caption:
        item["headline"] = article.lead_image_caption
    if article.lead_image_credit:
        item["byline"] = article.lead_image_credit
    return item


def html_to_text(markup):
    """A ninjs body with only HTML, as plain paragraphs (one blank line apart)."""
    markup = re.sub(r"(?i)<br\s*/?>", "\n", markup)
    markup = re.sub(r"(?i)</(p|h[1-6]|li|blockquote|div)>", "\n\n", markup)
    text = html.unescape(re.sub(r"<[^>]*>", "", markup))
    paragraphs = [block.strip() for block in re.split(r"\n\s*\n", text)]
    return "\n\n".join(block for block in paragraphs if block)


def text_field(item, *names):
    for name in names:
        value = item.get(name)
        if isinstance(value, str) and value.strip():
            return value
    return None


def from_ninjs(item, *, base_url=None, kind=None):
    """``ArticleData`` from one ninjs 1.x text item (2.x ``headlines``/``bodies`` also read)."""
    if not isinstance(item, dict):
        raise DocumentError("a ninjs item must be a JSON object")
    if item.get("type", "text") not in {"text", "composite"}:
        raise DocumentError(f"it is a ninjs “{item.get('type')}” item, not a text")
    headline = text_field(item, "headline")
    if headline is None:
        headlines = item.get("headlines") or [{}]
        headline = text_field(headlines[0] if isinstance(headlines[0], dict) else {}, "value")
    if not headline:
        raise DocumentError("the ninjs item has no headline")
    headline = clean_name(headline)
    body = text_field(item, "body_markdown", "body_text")
    if body is None:
        markup = text_field(item, "body_html", "body_xhtml")
        if markup is None:
            for entry in item.get("bodies") or []:
                if isinstance(entry, dict) and "html" in str(entry.get("contenttype", "")):
                    markup = text_field(entry, "value")
        body = html_to_text(markup) if markup else None
    if not body:
        raise DocumentError("the ninjs item has no body")
    slug = text_field(item, "slugline") or ""
    if not slug and text_field(item, "uri"):
        slug = item["uri"].rstrip("/").rsplit("/", 1)[-1]
    slug = slug_for(slug) if slug else slug_for(headline)
    data = ArticleData(
        headline=headline,
        body=body.strip(),
        slug=slug,
        kind=kind_from(item) or kind,
        standfirst=text_field(item, "description_text"),
        tags=[
            subject["name"]
            for subject in item.get("subject") or []
            if isinstance(subject, dict) and isinstance(subject.get("name"), str)
        ],
    )
    published = text_field(item, "firstcreated", "versioncreated")
    if published:
        data.published_at = parse_datetime(published)
        if data.published_at is None or data.published_at.tzinfo is None:
            raise DocumentError(f"its date “{published}” is not a full date and time")
    people = [
        (clean_name(p["name"]), p.get("code") if isinstance(p.get("code"), str) else "", p)
        for p in item.get("person") or []
        if isinstance(p, dict) and isinstance(p.get("name"), str) and clean_name(p["name"])
    ]
    authors = [(name, code) for name, code, p in people if p.get("rel") == AUTHOR]
    data.authors = authors or None
    data.mentioned = [(name, code) for name, code, p in people if p.get("rel") != AUTHOR]
    read_image(item, data, base_url)
    return data


def kind_from(item):
    kinds = {value: value for value in Article.Kind.values}
    kinds.update({label.lower(): value for value, label in Article.Kind.choices})
    for genre in item.get("genre") or []:
        if isinstance(genre, dict):
            for key in (genre.get("code"), genre.get("name")):
                if isinstance(key, str) and key.lower() in kinds:
                    return kinds[key.lower()]
    return None


def read_image(item, data, base_url):
    """The lead image, when its file is already in this site's media (it is not downloaded)."""
    picture = (item.get("associations") or {}).get("featureimage")
    if not isinstance(picture, dict):
        return
    href = ((picture.get("renditions") or {}).get("original") or {}).get("href") or ""
    path = href
    if base_url and path.startswith(base_url.rstrip("/")):
        path = path[len(base_url.rstrip("/")) :]
    elif "://" in path:
        path = "/" + path.split("://", 1)[1].partition("/")[2]
    if path.startswith(settings.MEDIA_URL):
        name = path[len(settings.MEDIA_URL) :]
        if name and default_storage.exists(name):
            data.lead_image = name
            data.lead_image_alt = picture.get("description_text", "")
            data.lead_image_caption = picture.get("headline", "")
            data.lead_image_credit = picture.get("byline", "")
            return
    data.notes.append(f"lead image not imported (not a file in this site's media): {href}")
