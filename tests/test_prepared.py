"""Queries compiled once (newsroom.prepared) give what their querysets give, at every call."""

import time
from datetime import timedelta

import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django_filters import FilterSet

from articles.models import Article
from newsroom.prepared import PreparationError, Prepared
from reader import queries
from reader.filters import ArticleFilter
from reader.pagination import PreparedStories, beyond
from reader.queries import public_cards, tag_cards
from tests.factories import (
    ArticleFactory,
    BylineFactory,
    MentionFactory,
    PersonFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db


def test_a_scheduled_story_appears_everywhere_when_its_time_comes_with_no_save(client):
    # The compiled queries (article page, related stories, person page, feeds, the list's
    # topics) take the time as a value: each request's clock, not the first one's.
    person = PersonFactory(name="Ada Harbourmaster", slug="ada")
    story = ArticleFactory(headline="Older story", tags=["Harbour"])
    MentionFactory(article=story, person=person)
    soon = ArticleFactory(
        headline="Scheduled story", tags=["Harbour", "Lighthouses"],
        published_at=timezone.now() + timedelta(seconds=1.5),
    )  # fmt: skip
    BylineFactory(article=soon, person=person)
    pages = {
        "related": story.get_absolute_url(),
        "person": person.get_absolute_url(),
        "latest feed": reverse("reader:latest_feed"),
        "person feed": reverse("reader:person_feed", args=["ada"]),
        "tag feed": reverse("reader:tag_feed", args=["harbour"]),
    }

    def shown():
        return {name for name, url in pages.items() if "Scheduled story" in text(client, url)}

    assert client.get(soon.get_absolute_url()).status_code == 404
    assert shown() == set()
    assert "Lighthouses" not in text(client, reverse("reader:article_list"))
    # Nothing is saved: only the clock moves.
    time.sleep(max(0, (soon.published_at - timezone.now()).total_seconds()) + 0.1)
    assert client.get(soon.get_absolute_url()).status_code == 200
    assert shown() == set(pages)
    assert "Lighthouses" in text(client, reverse("reader:article_list"))


def text(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_a_prepared_query_gives_the_rows_its_queryset_gives_for_any_number_of_values():
    stories = ArticleFactory.create_batch(5)
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    among = Prepared(Article, lambda ids, now: Article.objects.published(at=now).filter(pk__in=ids))
    for ids in [[stories[0].pk], [s.pk for s in stories[1:4]], [draft.pk, stories[4].pk], []]:
        expected = set(Article.objects.published().filter(pk__in=ids))
        assert set(among(ids=ids, now=timezone.now())) == expected


def test_values_are_bound_not_written_into_the_sql():
    ArticleFactory(slug="real-story")
    assert queries.public_page("real-story").slug == "real-story"
    assert queries.public_page("x' OR '1'='1") is None
    assert queries.public_page("real-story' --") is None


def test_a_story_from_the_prepared_query_reads_its_deferred_columns_when_asked():
    ArticleFactory(slug="deferred", body="The **whole** text.")
    story = queries.public_page("deferred")
    assert story.body == "The **whole** text."


def test_the_queryset_is_built_once_per_shape():
    builds = []

    def build(ids, now):
        builds.append(len(ids))
        return Article.objects.published(at=now).filter(pk__in=ids)

    stories = ArticleFactory.create_batch(3)
    among = Prepared(Article, build)
    for _ in range(3):
        assert len(among(ids=[s.pk for s in stories], now=timezone.now())) == 3
        assert len(among(ids=[stories[0].pk], now=timezone.now())) == 1
    assert builds == [3, 1]


def test_a_value_the_orm_rewrites_before_binding_is_refused_not_run_as_it_was():
    # "contains" binds "%word%", not the word: the stand-in is not among the parameters, and
    # putting the word in its place would change the query's meaning. So it is refused.
    ArticleFactory(headline="Harbour news")
    containing = Prepared(Article, lambda word: Article.objects.filter(headline__contains=word))
    with pytest.raises(PreparationError):
        containing(word="Harbour")


def test_numbered_pages_and_capped_counts_read_through_prepared_queries_match_the_querysets():
    for number in range(7):
        ArticleFactory(
            tags=["Harbour"] if number % 2 else [],
            published_at=timezone.now() - timedelta(hours=number),
        )
    ArticleFactory(tags=["Harbour"], status=Article.Status.DRAFT, published_at=None)
    harbour = Article.objects.filter(tags__name="Harbour").values_list("tags", flat=True)[0]
    for build, values in [(public_cards, {}), (tag_cards, {"tag": harbour})]:
        stories = PreparedStories(build).bind(now=timezone.now(), **values)
        expected = list(build(**values))
        for rows in [slice(0, 2), slice(2, 4), slice(4, 6), slice(6, 8)]:
            assert stories[rows] == expected[rows]
        assert stories.capped_count(100) == len(expected)
        assert stories.capped_count(2) == 2
        # Keyset pages: just older, and just newer, than a story half-way down the list.
        middle = expected[len(expected) // 2]
        cursor = (middle.published_at, middle.pk)
        assert stories.beyond(cursor, True, 3) == beyond(build(**values), cursor, True, 3)
        assert stories.beyond(cursor, False, 3) == beyond(build(**values), cursor, False, 3)
        assert stories.beyond(cursor, True, 3) == expected[len(expected) // 2 + 1 :][:3]


def test_a_filtered_list_read_through_prepared_queries_is_the_one_django_filter_gives(client):
    # Each filter's values (lists of ids, a kind, two dates) land in their own places in the
    # compiled SQL: the page and its count are the filterset's own, for each combination.
    elections = TagFactory(name="Elections", slug="elections")
    syria = TagFactory(name="Syria", slug="syria")
    putin = PersonFactory(name="Vladimir Putin", slug="putin")
    for number in range(45):
        story = ArticleFactory(
            kind=["news", "opinion", "analysis"][number % 3],
            tags=[elections, syria][: number % 3],
            published_at=timezone.now() - timedelta(days=number),
        )
        if number % 4 == 0:
            BylineFactory(article=story, person=putin)
        elif number % 4 == 1:
            MentionFactory(article=story, person=putin)
    week_ago = (timezone.now() - timedelta(days=7)).date().isoformat()
    fortnight_ago = (timezone.now() - timedelta(days=14)).date().isoformat()
    for params in [
        {},
        {"kind": "news"},
        {"tag": ["elections"]},
        {"tag": ["elections", "syria"], "kind": "analysis"},
        {"person": "putin", "date_from": fortnight_ago},
        {"author": "putin", "date_to": week_ago},
        {"date_from": fortnight_ago, "date_to": week_ago, "kind": "opinion"},
        {"tag": ["elections"], "page": "2"},
    ]:
        response = client.get(reverse("reader:article_list"), params)
        assert response.status_code == 200
        assert not response.context["filter"].form.errors
        query = QueryDict(mutable=True)
        for name, value in params.items():
            query.setlist(name, value if isinstance(value, list) else [value])
        query.pop("page", None)
        # django-filter's own filtering, each filter on the queryset in turn.
        filterset = ArticleFilter(query, queryset=public_cards())
        assert filterset.is_valid()
        expected = list(FilterSet.filter_queryset(filterset, public_cards()))
        page = int(params.get("page", 1))
        assert list(response.context["page_obj"]) == expected[(page - 1) * 20 : page * 20], params
        assert response.context["paginator"].count == len(expected)


def test_search_results_read_through_prepared_queries_are_the_ranked_search(client):
    economy = TagFactory(name="Economy", slug="economy")
    for number in range(30):
        ArticleFactory(
            headline=["Harbour budget", "Budget", "Harbour news"][number % 3] + f" {number}",
            body="The harbour reopened." if number % 2 else "Markets fell.",
            tags=[economy] if number % 4 == 0 else [],
            published_at=timezone.now() - timedelta(hours=number),
        )
    ArticleFactory(headline="Harbour budget draft", status=Article.Status.DRAFT, published_at=None)
    for params in [
        {"q": "harbour"},
        {"q": "budget harbour", "tag": ["economy"]},
        {"q": "harbour", "page": "2"},
        {"q": "nothing-matches-this"},
    ]:
        response = client.get(reverse("reader:article_list"), params)
        assert response.status_code == 200
        expected = list(Article.objects.published().for_cards().search(params["q"]))
        if "tag" in params:
            expected = [story for story in expected if economy in story.tags.all()]
        page = int(params.get("page", 1))
        shown = list(response.context["page_obj"])
        assert shown == expected[(page - 1) * 20 : page * 20], params
        assert response.context["paginator"].count == len(expected)


def test_ranked_pages_are_read_by_id_in_the_order_of_relevance(client, moderator):
    # A search's list ranks its candidates once and reads each page by id: the pages and the
    # count are the ranked queryset's, drafts among the matches left out, and a story taken
    # down between the count and the page is left out of the page rather than failing it.
    for number in range(25):
        ArticleFactory(
            headline=f"Harbour story {number}",
            body="harbour " * (number % 5 + 1),
            published_at=timezone.now() - timedelta(hours=number),
        )
    ArticleFactory(headline="Harbour draft", status=Article.Status.DRAFT, published_at=None)
    url = reverse("reader:article_list")
    expected = list(Article.objects.published().for_cards().search("harbour"))
    assert len(expected) == 25
    first = client.get(url, {"q": "harbour"}).context
    second = client.get(url, {"q": "harbour", "page": "2"}).context
    assert first["paginator"].count == 25
    assert list(first["page_obj"]) + list(second["page_obj"]) == expected
    assert "Harbour draft" not in str(expected)

    view = first["view"]
    stories = view.object_list
    assert stories.capped_count(201) == 25
    expected[1].unpublish(moderator, "Legal")
    assert stories[0:20] == [expected[0], *expected[2:20]]
