"""RSS and Atom feeds of the latest stories, a tag's and a person's. Every one starts from
``Article.objects.published()`` and links items through ``get_absolute_url()``.

Items carry each author, the tags as categories, the publication and update times, the
standfirst as summary and the lead image (a JPEG rendition) as an enclosure with its length and
type. XML 1.0 cannot hold most control characters (Django raises on them: a pasted vertical tab
in a headline would make the feed a server error), so the feed generators below drop them from
every text they write.
"""

import copy
import io
import re

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import feedgenerator, timezone
from django.utils.html import escape

from articles import images, rendering
from articles.models import Person, Tag
from newsroom import origin

from . import queries

NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(value):
    """``value`` without the characters XML 1.0 cannot hold; lists and tuples item by item."""
    if isinstance(value, str):
        return NOT_IN_XML.sub("", value)
    if isinstance(value, list | tuple):
        return type(value)(xml_safe(item) for item in value)
    if isinstance(value, dict):
        return {key: xml_safe(item) for key, item in value.items()}
    return value


class XmlSafeFeedMixin:
    """Cleans every text of the feed and its items; writes one author element per author."""

    def __init__(self, *args, **kwargs):
        super().__init__(*xml_safe(args), **{k: xml_safe(v) for k, v in kwargs.items()})

    def add_item(self, *args, **kwargs):
        super().add_item(*xml_safe(args), **{k: xml_safe(v) for k, v in kwargs.items()})

    def write(self, outfile, encoding):
        # The XML writer writes element by element; into the response, each write is a bytes
        # conversion and a list append. Written to a string first, the response takes one.
        buffer = io.StringIO()
        super().write(buffer, encoding)
        outfile.write(buffer.getvalue())


class RssFeed(XmlSafeFeedMixin, feedgenerator.Rss201rev2Feed):
    def rss_attributes(self):
        return {**super().rss_attributes(), "xmlns:dc": "http://purl.org/dc/elements/1.1/"}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        # RSS's own <author> must be an e-mail address; Dublin Core's creator takes a name.
        for author in item["authors"]:
            handler.addQuickElement("dc:creator", author["name"])


class AtomFeed(XmlSafeFeedMixin, feedgenerator.Atom1Feed):
    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for author in item["authors"]:
            handler.startElement("author", {})
            handler.addQuickElement("name", author["name"])
            handler.addQuickElement("uri", author["uri"])
            handler.endElement("author")


def stored(item):
    """What the article page stored for its head: summary, tags, authors (see rendering.py)."""
    return item.page_data or rendering.page_data(item)


class ArticleFeed(Feed):
    """What every feed of stories shares."""

    feed_type = RssFeed
    # Atom needs an author for an entry without one (the feed's); RSS ignores this.
    author_name = settings.SITE_NAME

    def __call__(self, request, *args, **kwargs):
        # One Feed instance serves every request; a copy per request may hold the request, whose
        # path is the feed's own address.
        feed = copy.copy(self)
        feed.request = request
        return Feed.__call__(feed, request, *args, **kwargs)

    # Every address is made absolute here, on the configured origin: Django's feeds would
    # otherwise add the host the request named (get_current_site) to relative ones.
    def feed_url(self):
        return origin.absolute(self.request.path)

    def item_link(self, item):
        return origin.absolute(item.get_absolute_url())

    # The feed's stories, from the values of ``items()``: a Prepared query (compiled once: see
    # newsroom.prepared) from ``queries``.
    newest = None

    def items(self, obj=None):
        values = {} if obj is None else {"owner": obj.pk}
        return self.newest(**values, now=timezone.now())

    def item_title(self, item):
        return item.headline

    def item_description(self, item):
        # Feed readers treat the summary as HTML: the plain-text summary is escaped for it.
        return escape(stored(item)["summary"])

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return max(item.updated_at, item.published_at)

    def item_categories(self, item):
        return [name for _, name in stored(item)["tags"]]

    def item_enclosures(self, item):
        image = images.share_image(item)
        if image is None:
            return []
        url = origin.absolute(image["url"])
        return [feedgenerator.Enclosure(url, str(image["bytes"]), image["mime_type"])]

    def item_extra_kwargs(self, item):
        return {
            "authors": [
                {"name": name, "uri": origin.absolute(path)}
                for name, path in stored(item)["authors"]
            ]
        }


class LatestStoriesFeed(ArticleFeed):
    title = f"{settings.SITE_NAME}: latest stories"
    description = "The latest news, opinion and analysis."

    def link(self):
        return origin.absolute(reverse("reader:home"))

    newest = queries.LATEST_FEED


class LatestStoriesAtomFeed(LatestStoriesFeed):
    feed_type = AtomFeed
    subtitle = LatestStoriesFeed.description


class TagFeed(ArticleFeed):
    # A merged tag's old feed is redirected on its 404, as its page is (reader/redirects.py).

    def get_object(self, request, slug):
        # A tag whose stories are all hidden has no feed, as it has no page.
        return get_object_or_404(Tag.objects.in_use(), slug=slug)

    def title(self, tag):
        return f"{settings.SITE_NAME}: {tag.name}"

    def about(self, tag):
        return f"The latest stories about {tag.name}."

    def description(self, tag):
        # RSS readers take a channel's description as HTML, as an item's: a name is text.
        return escape(self.about(tag))

    def link(self, tag):
        return origin.absolute(tag.get_absolute_url())

    newest = queries.TAG_FEED


class PersonFeed(ArticleFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Person.objects.in_use(), slug=slug)

    def title(self, person):
        return f"{settings.SITE_NAME}: {person.name}"

    def about(self, person):
        return f"The latest stories by and about {person.name}."

    def description(self, person):
        return escape(self.about(person))

    def link(self, person):
        return origin.absolute(person.get_absolute_url())

    newest = queries.PERSON_FEED


class TagAtomFeed(TagFeed):
    feed_type = AtomFeed

    def subtitle(self, tag):
        # Atom's subtitle is plain text (type="text"): written as it is, escaped by the XML.
        return self.about(tag)


class PersonAtomFeed(PersonFeed):
    feed_type = AtomFeed

    def subtitle(self, person):
        return self.about(person)
