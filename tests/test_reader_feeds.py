"""Feeds, read the way feed readers read them (feedparser)."""

import html
from datetime import timedelta
from xml.sax.saxutils import escape

import feedparser
import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from tests.factories import (
    ArticleFactory,
    BylineFactory,
    MentionFactory,
    PersonFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db

LATEST_FEEDS = ["reader:latest_feed", "reader:latest_atom_feed"]


def parse(client, url):
    response = client.get(url)
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return response, feed


@pytest.fixture
def story(geneva_story):
    """The Geneva story by two authors, in that order."""
    BylineFactory(article=geneva_story, person=PersonFactory(name="Ann Writer"), position=0)
    BylineFactory(article=geneva_story, person=PersonFactory(name="Bo Snapper"), position=1)
    return geneva_story


@pytest.mark.parametrize("url_name", LATEST_FEEDS)
def test_latest_feeds_carry_authors_tags_dates_summary_and_the_lead_image(client, story, url_name):
    older = ArticleFactory(headline="Older story", published_at=timezone.now() - timedelta(days=1))
    _, feed = parse(client, reverse(url_name))
    assert [entry.title for entry in feed.entries] == [story.headline, older.headline]
    entry = feed.entries[0]
    assert entry.link == "http://testserver" + story.get_absolute_url()
    assert [author["name"] for author in entry.authors] == ["Ann Writer", "Bo Snapper"]
    assert sorted(tag.term for tag in entry.tags) == ["Diplomacy", "Russia"]
    assert entry.summary == "Delegates return after a week."
    published = entry.published_parsed
    assert published[:5] == story.published_at.utctimetuple()[:5]
    [enclosure] = entry.enclosures
    assert enclosure.type == "image/jpeg"
    assert enclosure.href.startswith("http://testserver/media/renditions/")
    assert "?" not in enclosure.href
    # The length is the true size of the file it points to.
    name = enclosure.href.removeprefix("http://testserver/media/")
    assert int(enclosure.length) == default_storage.size(name) > 0
    assert "enclosures" not in feed.entries[1] or not feed.entries[1].enclosures


def test_atom_feed_has_an_author_even_for_a_story_without_byline(client):
    ArticleFactory(headline="No byline here")
    _, feed = parse(client, reverse("reader:latest_atom_feed"))
    assert feed.version == "atom10"
    assert feed.feed.author == "Newsroom"
    assert feed.entries[0].updated_parsed


@pytest.mark.parametrize("url_name", LATEST_FEEDS)
def test_feeds_stay_well_formed_with_control_characters_and_markup_in_any_text(client, url_name):
    author = PersonFactory(name="Ann\x07 Writer")
    article = ArticleFactory(
        headline="Vertical\x0btab, escape\x1b and <script>alert(1)</script> & co",
        standfirst="Form\x0cfeed <b>bold</b>",
        tags=["Bell\x07tag"],
    )
    BylineFactory(article=article, person=author)
    response, feed = parse(client, reverse(url_name))
    entry = feed.entries[0]
    # Stored as readers see it (articles/names.py): the vertical tab is whitespace, one space.
    assert "Vertical tab, escape and" in entry.title
    assert "<script>" not in response.content.decode()
    assert [tag.term for tag in entry.tags] == ["Belltag"]
    assert entry.authors[0]["name"] == "Ann Writer"
    # The standfirst is text, not markup: readers show the tags as typed.
    assert "&lt;b&gt;bold" in entry.summary


@pytest.mark.parametrize("url_name", ["reader:tag_feed", "reader:tag_atom_feed"])
def test_tag_feed_lists_only_that_tags_public_stories(client, story, url_name):
    ArticleFactory(headline="Weather story", tags=["Weather"])
    ArticleFactory(headline="Draft on diplomacy", tags=["Diplomacy"], status=Article.Status.DRAFT)
    _, feed = parse(client, reverse(url_name, args=["diplomacy"]))
    assert [entry.title for entry in feed.entries] == [story.headline]
    assert "Diplomacy" in feed.feed.title
    assert feed.feed.link == "http://testserver" + reverse("reader:tag_detail", args=["diplomacy"])


def test_tag_feed_works_for_a_tag_with_a_non_ascii_slug(client):
    tag = TagFactory(name="Café", slug="café")
    ArticleFactory(headline="Coffee story", tags=[tag])
    _, feed = parse(client, reverse("reader:tag_feed", args=["café"]))
    assert [entry.title for entry in feed.entries] == ["Coffee story"]


@pytest.mark.parametrize("url_name", ["reader:person_feed", "reader:person_atom_feed"])
def test_person_feed_lists_stories_by_and_about_them(client, dana_both, url_name):
    ArticleFactory(headline="Nothing to do with Dana")
    _, feed = parse(client, reverse(url_name, args=["dana-both"]))
    assert [entry.title for entry in feed.entries] == ["Written by Dana", "Story about Dana"]
    assert "Dana Both" in feed.feed.title


@pytest.mark.parametrize(
    "url",
    [
        reverse("reader:tag_feed", args=["no-such-tag"]),
        reverse("reader:person_feed", args=["no-such-person"]),
        reverse("reader:tag_atom_feed", args=["no-such-tag"]),
        reverse("reader:person_atom_feed", args=["no-such-person"]),
        "/tags/%00/feed/",
        "/tags/%00/",
    ],
)
def test_feed_of_an_unknown_tag_or_person_is_a_404(client, url):
    assert client.get(url).status_code == 404


def test_feed_of_a_tag_or_person_with_only_hidden_stories_is_a_404(client):
    person = PersonFactory(slug="hidden-person")
    hidden = ArticleFactory(tags=["Hidden topic"], status=Article.Status.WITHDRAWN)
    MentionFactory(article=hidden, person=person)
    assert client.get(reverse("reader:tag_feed", args=["hidden-topic"])).status_code == 404
    assert client.get(reverse("reader:person_feed", args=["hidden-person"])).status_code == 404


def test_pages_announce_their_feeds_in_the_head(client, story):
    person = story.bylines.first().person
    expectations = {
        reverse("reader:home"): [reverse("reader:latest_feed")],
        story.get_absolute_url(): [reverse("reader:latest_atom_feed")],
        reverse("reader:tag_detail", args=["diplomacy"]): [
            reverse("reader:tag_feed", args=["diplomacy"]),
            reverse("reader:tag_atom_feed", args=["diplomacy"]),
        ],
        person.get_absolute_url(): [
            reverse("reader:person_feed", args=[person.slug]),
            reverse("reader:person_atom_feed", args=[person.slug]),
        ],
    }
    for page, feeds in expectations.items():
        head = client.get(page).content.decode().split("</head>")[0]
        for feed in feeds:
            assert 'rel="alternate" type="application/' in head
            assert f'href="{feed}"' in head, (page, feed)


def test_a_story_without_standfirst_is_summed_up_by_the_start_of_its_body(client):
    ArticleFactory(standfirst="", body="The **talks** resumed & went on.\n\nMore.")
    _, feed = parse(client, reverse("reader:latest_feed"))
    assert feed.entries[0].summary == "The talks resumed &amp; went on. More."


# Ampersands, a lone "<", quotes and right-to-left marks; feedparser reads an RSS title with a
# real HTML tag in it as HTML, so the tag-shaped name is checked in the XML itself below.
HOSTILE_NAME = 'Q&A "quoted" \u200fRTL\u200f & more < less'
TAG_SHAPED_NAME = "Q&A <b>bold</b> & more"


def hostile_feed(client, route, name):
    tag = TagFactory(name=name, slug="hostile-tag")
    person = PersonFactory(name=name, slug="hostile-person")
    story = ArticleFactory(headline="A story", tags=[tag])
    BylineFactory(article=story, person=person)
    slug = "hostile-tag" if route.startswith("tag") else "hostile-person"
    return parse(client, reverse(f"reader:{route}", args=[slug]))


FEED_ROUTES = ["tag_feed", "tag_atom_feed", "person_feed", "person_atom_feed"]


@pytest.mark.parametrize("route", FEED_ROUTES)
def test_a_channels_title_and_description_read_back_as_the_name_was_written(client, route):
    _, feed = hostile_feed(client, route, HOSTILE_NAME)
    # The direction marks are invisible, so they are dropped when the name is saved
    # (articles/names.py); the rest reads back exactly.
    stored = HOSTILE_NAME.replace("\u200f", "")
    assert feed.feed.title == f"Newsroom: {stored}"
    if "atom" in route:
        assert stored in feed.feed.subtitle  # plain text
    else:
        # RSS readers take the description as HTML: the name is escaped for it, once.
        assert stored in html.unescape(feed.feed.description)
        assert "<" not in feed.feed.description.replace("&lt;", "")


@pytest.mark.parametrize("route", FEED_ROUTES)
def test_a_tag_shaped_name_is_escaped_once_in_the_channel(client, route):
    response, feed = hostile_feed(client, route, TAG_SHAPED_NAME)
    once = escape(f"Newsroom: {TAG_SHAPED_NAME}").encode()
    assert b"<title>" + once + b"</title>" in response.content
    assert b"<b>bold</b>" not in response.content
    # What a reader shows for the channel: the name as text, never bold.
    if "atom" in route:
        assert feed.feed.subtitle_detail.type == "text/plain"
        assert TAG_SHAPED_NAME in feed.feed.subtitle
    else:
        assert "<b>" not in feed.feed.description and "bold" in feed.feed.description


@pytest.mark.parametrize("route", FEED_ROUTES)
def test_a_channels_links_lead_to_the_named_page_whatever_the_name(client, settings, route):
    _, feed = hostile_feed(client, route, HOSTILE_NAME)
    page = "/tags/hostile-tag/" if route.startswith("tag") else "/people/hostile-person/"
    assert feed.feed.link == settings.SITE_URL + page
    # Every item of the channel is the story, under the name read back as written.
    assert [entry.title for entry in feed.entries] == ["A story"]
