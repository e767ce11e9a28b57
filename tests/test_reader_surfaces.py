"""Rules that hold on every public surface: nothing that is not public shows anywhere, and each
surface costs a few queries whatever the number of stories.

Add a new public surface to SURFACES and both rules are checked on it.
"""

from datetime import timedelta

import pytest
from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.db import connection
from django.template.defaultfilters import date
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from reader.pagination import cursor_for
from tests.factories import (
    HIDDEN_STATES,
    ArticleFactory,
    BylineFactory,
    MentionFactory,
    PersonFactory,
    TagFactory,
    jpeg_file,
)

pytestmark = pytest.mark.django_db


def far_future_cursor():
    """An "older stories" page that starts after every story, scheduled ones included."""
    later = Article(pk=10**12, published_at=timezone.now() + timedelta(days=365))
    return cursor_for(later)


# name: (URL, or a function of the public story giving it)
SURFACES = {
    "front page": reverse("reader:home"),
    "list": reverse("reader:article_list"),
    "list, older stories": lambda story: (
        reverse("reader:article_list") + f"?before={far_future_cursor()}"
    ),
    "list by tag": reverse("reader:article_list") + "?tag=shared-topic",
    "list by person": reverse("reader:article_list") + "?person=shared-person",
    "list by author": reverse("reader:article_list") + "?author=shared-person",
    "search": reverse("reader:article_list") + "?q=zebra",
    "tag index": reverse("reader:tag_list"),
    "tag page": reverse("reader:tag_detail", args=["shared-topic"]),
    "people index": reverse("reader:person_list"),
    "corrections": reverse("reader:correction_list"),
    "person page": reverse("reader:person_detail", args=["shared-person"]),
    "article page (related stories, JSON-LD)": lambda story: story.get_absolute_url(),
    "RSS": reverse("reader:latest_feed"),
    "Atom": reverse("reader:latest_atom_feed"),
    "tag feed": reverse("reader:tag_feed", args=["shared-topic"]),
    "person feed": reverse("reader:person_feed", args=["shared-person"]),
    "tag Atom feed": reverse("reader:tag_atom_feed", args=["shared-topic"]),
    "person Atom feed": reverse("reader:person_atom_feed", args=["shared-person"]),
    "sitemap index": reverse("reader:sitemap"),
    "sitemap of articles": reverse("reader:sitemap_section", args=["articles"]),
    "sitemap of tags": reverse("reader:sitemap_section", args=["tags"]),
    "sitemap of people": reverse("reader:sitemap_section", args=["people"]),
    "news sitemap": reverse("reader:sitemap_news"),
}


def url_of(surface, story):
    url = SURFACES[surface]
    return url(story) if callable(url) else url


@pytest.fixture
def shared_topic():
    """The tag the surfaces by tag look at (SURFACES)."""
    return TagFactory(name="Shared topic", slug="shared-topic")


@pytest.fixture
def shared_person():
    """The person the surfaces by person and by author look at (SURFACES)."""
    return PersonFactory(name="Shared Person", slug="shared-person")


@pytest.fixture
def zebra_story(shared_topic, shared_person):
    """A public story on every surface: with the shared topic, by and about the shared person,
    and the word the search looks for."""
    story = ArticleFactory(
        headline="Public zebra story",
        slug="public-zebra-story",
        body="A zebra.",
        tags=[shared_topic],
    )
    MentionFactory(article=story, person=shared_person)
    BylineFactory(article=story, person=shared_person)
    return story


@pytest.fixture
def public_story(zebra_story, shared_topic, shared_person):
    """The public story with a correction, and one in every hidden state sharing its tag,
    person and words, each also carrying a tag and a person of its own that nothing public
    uses."""
    zebra_story.corrections.create(kind="correction", note="Public zebra correction")
    for number, state in enumerate(HIDDEN_STATES.values()):
        hidden = ArticleFactory(
            headline=f"Secret zebra story {number}",
            slug=f"secret-zebra-story-{number}",
            standfirst="Secret standfirst",
            body="A zebra, in secret.",
            tags=[
                shared_topic,
                TagFactory(name=f"Secret topic {number}", slug=f"secret-topic-{number}"),
            ],
            lead_image=jpeg_file(name=f"secret-{number}.jpg"),
            lead_image_alt="Secret picture",
            **state,
        )
        MentionFactory(article=hidden, person=shared_person)
        BylineFactory(article=hidden, person=shared_person)
        hidden.corrections.create(kind="correction", note="Secret zebra correction")
        secret_person = PersonFactory(
            name=f"Secret Person {number}", slug=f"secret-person-{number}"
        )
        MentionFactory(article=hidden, person=secret_person)
    return zebra_story


@pytest.mark.parametrize("surface", SURFACES)
def test_nothing_that_is_not_public_appears_on_any_public_surface(page_text, public_story, surface):
    content = page_text(url_of(surface, public_story))
    for text in ["Secret zebra", "secret-zebra", "Secret topic", "secret-topic", "Secret Person"]:
        assert text not in content, f"{text!r} leaked on the {surface}"
    assert "secret-person" not in content and "secret-" not in content


@pytest.mark.parametrize("surface", SURFACES)
def test_public_surfaces_do_show_the_public_story(page_text, public_story, surface):
    # The other side of the test above: the surfaces are not simply empty.
    content = page_text(url_of(surface, public_story))
    if surface == "corrections":
        assert "Public zebra correction" in content
    elif surface in {"tag index", "people index", "sitemap of tags", "sitemap of people"}:
        assert "shared-" in content or "Shared" in content
    elif surface == "sitemap index":
        assert "sitemap-articles.xml" in content
    elif surface == "article page (related stories, JSON-LD)":
        assert "Public zebra story" in content
    else:
        assert "public-zebra-story" in content


@pytest.fixture
def clock(monkeypatch):
    """Django's clock, stopped at the time the test starts and moved on only by
    ``clock.advance(seconds)``: a story due in a second stays ahead however slow the machine.
    Every public surface reads the time as ``timezone.now()`` through the module (the public
    rule, ``in_use()`` of tags and people, the compiled queries' ``now``, the news sitemap's
    window), so replacing the module's attribute moves the time for all of them at once."""

    class Clock:
        now = timezone.now()

        def advance(self, seconds):
            self.now += timedelta(seconds=seconds)

    stopped = Clock()
    monkeypatch.setattr(timezone, "now", lambda: stopped.now)
    return stopped


@pytest.fixture
def story_due_in_a_second(clock, zebra_story, shared_topic, shared_person):
    """The public story, and one scheduled a second from now sharing its tag, person and words,
    with a tag, a person and a correction of its own. Returns the public one (what the surfaces
    that need a story's address are given) and the scheduled one."""
    soon = ArticleFactory(
        headline="Scheduled zebra story",
        slug="scheduled-zebra-story",
        body="A zebra, soon.",
        tags=[shared_topic, TagFactory(name="Scheduled topic", slug="scheduled-topic")],
        published_at=timezone.now() + timedelta(seconds=1),
    )
    own_person = PersonFactory(name="Scheduled Person", slug="scheduled-person")
    for credited in (shared_person, own_person):
        MentionFactory(article=soon, person=credited)
        BylineFactory(article=soon, person=credited)
    soon.corrections.create(kind="correction", note="Scheduled zebra correction")
    return zebra_story, soon


def sign_of(surface, story):
    """What shows that ``story`` is on ``surface``: its address on the lists, feeds and
    sitemaps (and among the related stories of the article page), its correction, its own tag
    or person on the indexes, and its time as the articles section's lastmod in the index."""
    if surface == "corrections":
        return "Scheduled zebra correction"
    if surface in {"tag index", "sitemap of tags"}:
        return "scheduled-topic"
    if surface in {"people index", "sitemap of people"}:
        return "scheduled-person"
    if surface == "sitemap index":
        return f"<lastmod>{date(timezone.localtime(story.published_at), 'c')}</lastmod>"
    return story.slug


@pytest.mark.parametrize("surface", SURFACES)
def test_a_story_scheduled_a_second_ahead_appears_on_each_surface_once_its_time_passes(
    page_text, clock, story_due_in_a_second, surface
):
    """Absent while its time is ahead, present on the same surface once the clock has passed
    it, with nothing saved in between: the rule is read at each request.

    No page comes from a cache here (the suite's DJANGO_CACHE_URL=dummy://). In production the
    shared page cache (reader/cache.py) may keep a page until the next scheduled publication
    time, no longer, and nothing clears it when that time comes; that expiry runs on the cache's
    own clock, which this test does not move, so it is tested with a real wait in
    test_page_cache.py (test_no_page_is_kept_past_the_next_scheduled_publication)."""
    assert isinstance(caches["default"], DummyCache), "the second page must not be a cached one"
    story, soon = story_due_in_a_second
    url = url_of(surface, story)
    content = page_text(url)
    for text in ["Scheduled zebra", "scheduled-", "Scheduled topic", "Scheduled Person"]:
        assert text not in content, f"{text!r} showed early on the {surface}"
    assert sign_of(surface, soon) not in content

    clock.advance(2)

    assert sign_of(surface, soon) in page_text(url), f"not on the {surface} in time"


def _story_with_everything(number, tag, person):
    article = ArticleFactory(
        tags=[f"Topic {number}", tag],
        lead_image=jpeg_file(size=(400, 300)) if number % 10 == 0 else "",
        lead_image_alt="A picture",
        body="A zebra crossing.",
    )
    BylineFactory(article=article, person=PersonFactory())
    BylineFactory(article=article, person=person)
    MentionFactory(article=article, person=PersonFactory())
    MentionFactory(article=article, person=person)
    return article


def test_each_surface_uses_at_most_six_queries_whatever_the_number_of_stories(
    client, shared_topic, shared_person
):
    # Every surface is measured with two stories, then again with 45 (each with a picture every
    # tenth, four people and two topics): the second count must equal the first. The stories
    # are built once for all the surfaces (they cost most of this test's time), and every
    # surface that breaks either rule is reported.
    first = _story_with_everything(0, shared_topic, shared_person)
    # Two stories, so the first has a related one from the start (no candidates at all would
    # save the related stories' last query).
    _story_with_everything(1, shared_topic, shared_person)
    small = {surface: counted_get(client, url_of(surface, first)) for surface in SURFACES}
    for number in range(2, 45):
        _story_with_everything(number, shared_topic, shared_person)
    large = {surface: counted_get(client, url_of(surface, first)) for surface in SURFACES}
    failures = {}
    for surface in SURFACES:
        (small_status, few), (large_status, many) = small[surface], large[surface]
        if few > 6:
            failures[surface] = f"{few} queries with two stories (at most 6)"
        elif many != few:
            failures[surface] = f"{few} queries with two stories, {many} with 45"
        elif small_status != 200 or large_status != 200:
            failures[surface] = f"status {small_status} and {large_status}"
    assert failures == {}


def counted_get(client, url):
    """(status, number of queries) of a GET."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response.status_code, len(queries.captured_queries)
