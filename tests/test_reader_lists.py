"""Paging through long lists: numbered first pages with a capped count, then "older stories"
pages that cost the same however deep they go."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from tests.factories import ArticleFactory, BylineFactory, PersonFactory, TagFactory

pytestmark = pytest.mark.django_db

LIST = reverse("reader:article_list")


@pytest.fixture
def many_stories(settings):
    """65 stories an hour apart, newest first "Story 00"; pages of 20, two of them numbered."""
    settings.ARTICLES_NUMBERED_PAGES = 2
    now = timezone.now()
    tag = TagFactory(name="Economy", slug="economy")
    for number in range(65):
        ArticleFactory(
            headline=f"Story {number:02d}",
            published_at=now - timedelta(hours=number + 1),
            tags=[tag],
        )
    return tag


def headlines(response):
    return [article.headline for article in response.context["page_obj"]]


def test_numbered_pages_stop_at_the_cap_and_older_stories_continue_from_there(client, many_stories):
    first = client.get(LIST)
    assert "More than 40 stories" in first.content.decode()
    assert [page["number"] for page in first.context["pagination"]["pages"]] == [1, 2]
    second = client.get(LIST, {"page": 2})
    assert headlines(second)[-1] == "Story 39"
    older_link = second.context["pagination"]["next"]
    assert "before=" in older_link

    seen = headlines(first) + headlines(second)
    page = client.get(LIST + older_link)
    while True:
        assert page.status_code == 200
        seen += headlines(page)
        next_link = page.context["pagination"]["next"]
        if next_link is None:
            break
        page = client.get(LIST + next_link)
    assert seen == [f"Story {number:02d}" for number in range(65)]
    assert client.get(LIST, {"page": 3}).status_code == 404


def test_newer_stories_link_walks_back_the_way_it_came(client, many_stories):
    second = client.get(LIST, {"page": 2})
    third = client.get(LIST + second.context["pagination"]["next"])
    fourth = client.get(LIST + third.context["pagination"]["next"])
    back = client.get(LIST + fourth.context["pagination"]["previous"])
    assert headlines(back) == headlines(third)
    assert back.context["pagination"]["newest"] == "?"
    assert "Newest stories" in back.content.decode()


def test_older_stories_pages_keep_the_filters(client, many_stories):
    ArticleFactory(headline="Not economy")
    second = client.get(LIST, {"tag": "economy", "page": 2})
    older_link = second.context["pagination"]["next"]
    assert older_link.startswith("?tag=economy&before=")
    older = client.get(LIST + older_link)
    assert "Not economy" not in headlines(older)
    assert f'href="{older.context["pagination"]["next"].replace("&", "&amp;")}"' in (
        older.content.decode()
    )


def test_tag_pages_page_the_same_way(client, many_stories):
    tag_url = many_stories.get_absolute_url()
    second = client.get(tag_url, {"page": 2})
    older = client.get(tag_url + second.context["pagination"]["next"])
    assert headlines(older)[0] == "Story 40"


@pytest.mark.parametrize(
    "cursor",
    ["", "abc", "1-", "-1", "999999999999999999-1", "1-99999999999999999999", "1-1%00", "%00"],
)
def test_a_cursor_that_is_not_one_is_a_404(client, many_stories, cursor):
    assert client.get(LIST + f"?before={cursor}").status_code == 404
    assert client.get(LIST + f"?after={cursor}").status_code == 404


def test_a_cursor_past_the_oldest_story_is_a_404(client, many_stories):
    assert client.get(LIST, {"before": "0-1"}).status_code == 404


def test_a_deep_older_stories_page_costs_the_same_few_queries_as_the_first(
    client, django_assert_num_queries, many_stories
):
    second = client.get(LIST, {"page": 2})
    older = second.context["pagination"]["next"]
    # Filter choices and the page of stories (cards rendered on save): no count.
    with django_assert_num_queries(2):
        client.get(LIST + older)
    for number in range(65, 165):
        story = ArticleFactory(published_at=timezone.now() - timedelta(days=10, hours=number))
        BylineFactory(article=story, person=PersonFactory())
    page = client.get(LIST + older)
    for _ in range(4):
        page = client.get(LIST + page.context["pagination"]["next"])
    with django_assert_num_queries(2):
        deep = client.get(LIST + page.context["pagination"]["next"])
    assert deep.status_code == 200 and len(deep.context["page_obj"]) == 20


def test_the_count_is_exact_below_the_cap(page_text, settings):
    settings.ARTICLES_NUMBERED_PAGES = 10
    ArticleFactory.create_batch(3)
    ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    assert "3 stories" in page_text(LIST)


def test_empty_site_shows_an_empty_state_not_an_error(page_text):
    for url in [reverse("reader:home"), LIST, reverse("reader:tag_list")]:
        assert 'class="empty"' in page_text(url)


@pytest.mark.postgresql
def test_postgresql_has_the_index_that_checks_stories_without_reading_them():
    """published() reads status and published_at: migration 0008 puts both beside the id in
    an index, so the checks of a topic's, a person's or a search's stories one by one are
    index-only scans, and a topic's capped count merges the topic's links with it in id
    order (measured at 100,000 stories: ``git show 6dd6cbf:docs/performance.md``). Whether
    the planner uses it on a test's few fresh rows depends on statistics and vacuum, so this
    checks the index itself."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'article_public_probe'")
        (definition,) = cursor.fetchone()
    assert "btree (id) INCLUDE (status, published_at)" in definition


def test_the_topics_to_choose_from_are_in_name_order(page_text):
    ArticleFactory(tags=["Transport", "Economy", "Weather"])
    ArticleFactory(tags=["Arts"])
    page = page_text(LIST)
    options = [page.index(f'<option value="{slug}">') for slug in ("arts", "economy", "transport")]
    assert options == sorted(options) and page.index('value="weather"') > options[-1]


@pytest.mark.postgresql
def test_postgresql_has_the_index_that_gives_the_topics_in_name_order():
    """Every list page reads the topics in use by name: migration 0011 gives PostgreSQL an
    index holding them in that order with every column the query reads, so that it need not
    sort the table's rows (``git show 6dd6cbf:docs/performance.md``, a few hundred topics).
    Which plan the planner picks for a test's few fresh rows depends on statistics, so this
    checks the index itself."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'articles_tag_by_name'")
        (definition,) = cursor.fetchone()
    assert "btree (name) INCLUDE (slug, public_since, id)" in definition


def test_a_topic_named_many_times_counts_once_and_too_many_topics_is_a_form_error(client):
    # Each topic is one more condition in the list's query: a query string repeating a topic
    # 200 times once cost PostgreSQL 80 seconds.
    topics = [TagFactory(name=f"Subject {n:02d}", slug=f"subject-{n:02d}") for n in range(11)]
    ArticleFactory(headline="Everything at once", tags=topics)
    with CaptureQueriesContext(connection) as once:
        client.get(LIST, {"tag": "subject-00"})
    with CaptureQueriesContext(connection) as repeated:
        response = client.get(LIST, {"tag": ["subject-00"] * 200})
    assert headlines(response) == ["Everything at once"]

    def conditions(queries):
        return [q["sql"].count("EXISTS") for q in queries.captured_queries]

    assert conditions(repeated) == conditions(once)
    assert max(conditions(once)) >= 1
    ten = client.get(LIST, {"tag": [topic.slug for topic in topics[:10]]})
    assert headlines(ten) == ["Everything at once"]
    eleven = client.get(LIST, {"tag": [topic.slug for topic in topics]})
    assert eleven.status_code in (200, 400)
    assert "Choose at most 10 topics." in eleven.content.decode()
    assert "Everything at once" not in eleven.content.decode()
