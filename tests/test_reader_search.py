"""Searching the stories with ``q``: the same behaviour on PostgreSQL (full-text search) and on
SQLite (FTS5)."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from articles.search import SQLITE_TRIGGERS, install_after_migrate
from tests.factories import ArticleFactory, TagFactory

pytestmark = pytest.mark.django_db

LIST = reverse("reader:article_list")


def found(client, **params):
    response = client.get(LIST, params)
    assert response.status_code == 200
    return [article.headline for article in response.context["page_obj"]]


def test_search_finds_words_in_headline_standfirst_and_body(client):
    ArticleFactory(headline="Ceasefire agreed in Aleppo")
    ArticleFactory(headline="Standfirst story", standfirst="A ceasefire is near.")
    ArticleFactory(headline="Body story", body="Talk of a ceasefire went on all night.")
    ArticleFactory(headline="Unrelated story", body="Nothing about that here.")
    assert sorted(found(client, q="ceasefire")) == [
        "Body story",
        "Ceasefire agreed in Aleppo",
        "Standfirst story",
    ]


def test_search_puts_a_headline_match_before_a_body_match(client):
    ArticleFactory(headline="Body story", body="The harbour reopened after the storm.")
    ArticleFactory(headline="Harbour reopens", body="Boats came back.")
    assert found(client, q="harbour") == ["Harbour reopens", "Body story"]


def test_search_matches_other_forms_of_a_word_and_ignores_case(client):
    ArticleFactory(headline="The election result")
    ArticleFactory(headline="Nothing else")
    assert found(client, q="ELECTIONS") == ["The election result"]


def test_every_word_of_a_search_must_match(client):
    ArticleFactory(headline="Budget vote in parliament")
    ArticleFactory(headline="Budget cuts")
    assert found(client, q="budget parliament") == ["Budget vote in parliament"]


def test_search_combines_with_the_other_filters(client):
    tag = TagFactory(name="Economy", slug="economy")
    ArticleFactory(headline="Budget vote", tags=[tag])
    ArticleFactory(headline="Budget cuts")
    assert found(client, q="budget", tag="economy") == ["Budget vote"]


def test_search_never_finds_a_story_that_is_not_public(client):
    ArticleFactory(headline="Secret zebra", status=Article.Status.DRAFT, published_at=None)
    ArticleFactory(headline="Withdrawn zebra", status=Article.Status.WITHDRAWN)
    ArticleFactory(headline="Public zebra")
    assert found(client, q="zebra") == ["Public zebra"]


def test_search_sees_an_edited_headline_and_forgets_a_deleted_story(client):
    article = ArticleFactory(headline="Original words")
    article.headline = "Replacement phrasing"
    article.save()
    assert found(client, q="replacement") == ["Replacement phrasing"]
    assert found(client, q="original") == []
    article.delete()
    assert found(client, q="replacement") == []


@pytest.mark.parametrize(
    "q",
    [
        "%00",
        "\x00",
        "budget\x00vote",
        '"unbalanced',
        "NEAR(a b",
        "a* OR -b",
        "col:umn",
        "^start",
        "'; DROP TABLE articles_article; --",
        "!!!",
        "x" * 200,
        "é ü 日本",
    ],
)
def test_any_search_text_gives_a_page_never_a_server_error(page_text, q):
    ArticleFactory(headline="Budget vote")
    assert "\x00" not in page_text(LIST, {"q": q})


def test_a_nul_byte_is_dropped_from_the_search_and_every_filter(client, page_text):
    ArticleFactory(headline="Budget vote")
    assert found(client, q="bud\x00get") == ["Budget vote"]
    content = page_text(LIST + "?q=%00&person=%00&author=%00&kind=%00&date_from=%00&tag=%00")
    assert "\x00" not in content


def test_too_long_a_search_is_a_form_error(page_text):
    content = page_text(LIST, {"q": "word " * 50})
    assert "Ensure this value has at most 200 characters" in content


def test_search_with_no_match_shows_an_empty_state_with_the_words(page_text):
    ArticleFactory(headline="Budget vote")
    content = page_text(LIST, {"q": "volcano"})
    assert "No stories match “volcano”" in content
    assert "See all stories" in content


def test_search_keeps_its_words_in_page_links(client):
    for number in range(25):
        ArticleFactory(headline=f"Budget story {number}")
    response = client.get(LIST, {"q": "budget"})
    assert len(response.context["page_obj"]) == 20
    assert "?q=budget&amp;page=2" in response.content.decode()
    assert len(client.get(LIST, {"q": "budget", "page": 2}).context["page_obj"]) == 5


def test_search_ranks_the_newest_matches_whatever_the_size_of_the_archive(client, monkeypatch):
    """The best matches are chosen among the newest ``CANDIDATES`` (on PostgreSQL found in
    widening windows of ids, here two stories wide): an old story, however good a match, is
    left for a narrower search, and no newer match is missed between the windows."""
    from articles import search

    monkeypatch.setattr(search, "CANDIDATES", 5)
    monkeypatch.setattr(search, "FIRST_WINDOW", 2)
    ArticleFactory(headline="Budget budget budget, the best match but the oldest")
    ArticleFactory(headline="Draft budget", status="draft", published_at=None)
    for number in range(9):
        ArticleFactory(headline=f"Story {number}", body=f"A word on the budget ({number}).")
        ArticleFactory(headline=f"Other {number}", body="Nothing to find here.")
    assert sorted(found(client, q="budget")) == [f"Story {number}" for number in range(4, 9)]
    # Narrowed by other words, the old story is among the newest matches again.
    assert found(client, q="budget best") == ["Budget budget budget, the best match but the oldest"]


def test_search_results_stop_at_the_last_numbered_page_and_say_so(client, settings):
    settings.ARTICLES_NUMBERED_PAGES = 1
    for number in range(25):
        ArticleFactory(headline=f"Budget story {number}")
    response = client.get(LIST, {"q": "budget"})
    content = response.content.decode()
    assert "These are the best 20 matches" in content
    assert response.context["pagination"]["next"] is None
    assert client.get(LIST, {"q": "budget", "page": 2}).status_code == 404
    assert client.get(LIST, {"q": "budget", "before": "1-1"}).status_code == 404


@pytest.mark.postgresql
def test_postgresql_search_uses_the_gin_index(client):
    """The matching condition of a search is one the GIN index answers. (Searches combine it
    with a window of ids: ``git show 6dd6cbf:docs/performance.md`` shows that plan on 100,000
    stories; on a table this small the planner rightly prefers the primary key.)"""
    from articles import search

    ArticleFactory.create_batch(3)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'articles_article_search_gin'"
        )
        assert "gin (search_vector)" in cursor.fetchone()[0]
        cursor.execute("SET enable_seqscan = off")
        sql = f"EXPLAIN SELECT id FROM articles_article WHERE {search.MATCH}"  # noqa: S608
        cursor.execute(sql, [search.POSTGRES_CONFIG, "budget"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
    assert "articles_article_search_gin" in plan


@pytest.mark.sqlite
def test_sqlite_search_index_is_rebuilt_when_a_table_rebuild_drops_its_triggers(client):
    ArticleFactory(headline="Before the rebuild")
    with connection.cursor() as cursor:
        for name in SQLITE_TRIGGERS:
            cursor.execute(f"DROP TRIGGER {name}")
    # While the triggers are missing, a new story is not indexed...
    ArticleFactory(headline="During the rebuild")
    assert found(client, q="during") == []
    # ...until migrate finishes, which puts the triggers back and refills the index.
    install_after_migrate(sender=None, using="default")
    assert found(client, q="during") == ["During the rebuild"]
    assert found(client, q="before") == ["Before the rebuild"]
    ArticleFactory(headline="After the rebuild")
    assert found(client, q="after") == ["After the rebuild"]


@pytest.mark.django_db(transaction=True)
def test_search_migration_can_be_reversed_and_applied_again():
    def search_objects():
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute(
                    "SELECT name FROM sqlite_master WHERE name LIKE 'articles_article_search%'"
                )
            else:
                cursor.execute(
                    "SELECT tgname FROM pg_trigger WHERE tgname = 'articles_article_search_vector'"
                    " UNION SELECT indexname FROM pg_indexes"
                    " WHERE indexname = 'articles_article_search_gin'"
                )
            return cursor.fetchall()

    assert search_objects()
    call_command("migrate", "articles", "0002", verbosity=0)
    assert search_objects() == []
    call_command("migrate", "articles", verbosity=0)
    assert search_objects()
    ArticleFactory(headline="Indexed again")
    assert Article.objects.search("indexed").count() == 1


def test_a_search_that_matches_nothing_asks_no_more_than_the_full_text_index(
    client, django_assert_num_queries
):
    ArticleFactory(headline="Harbour reopens")
    # The topics for the form, then the full-text index (on PostgreSQL the newest id first):
    # with no match there is no ranking to ask for, and no page.
    budget = 3 if connection.vendor == "postgresql" else 2
    with django_assert_num_queries(budget):
        response = client.get(reverse("reader:article_list"), {"q": "zeppelin"})
    assert response.status_code == 200
    assert response.context["paginator"].count == 0
    assert "No stories match “zeppelin”" in response.content.decode()


@pytest.mark.parametrize("with_topic", [False, True])
def test_a_search_asks_the_same_few_queries_whatever_the_number_of_matches(
    client, django_assert_num_queries, with_topic
):
    """The topics for the form; on PostgreSQL the newest id; the full-text index, which ranks;
    the candidates the list keeps (PostgreSQL's full-text step keeps only public stories
    itself, so a search with no other filter needs no such query there); the page."""
    params = {"q": "harbour", "tag": "ports"} if with_topic else {"q": "harbour"}
    budget = 4 + (connection.vendor == "postgresql" and with_topic)
    ArticleFactory(headline="Harbour reopens", tags=["Ports"])
    with django_assert_num_queries(budget):
        small = client.get(LIST, params)
    for number in range(30):
        ArticleFactory(headline=f"Harbour story {number}", tags=["Ports"])
    ArticleFactory(headline="Harbour elsewhere", tags=["Rail"])
    with django_assert_num_queries(budget):
        large = client.get(LIST, params)
    assert len(small.context["page_obj"]) == 1
    assert len(large.context["page_obj"]) == 20
    assert large.context["paginator"].count == (31 if with_topic else 32)


@pytest.mark.postgresql
def test_postgresql_search_candidates_are_stories_readers_can_see(client, monkeypatch):
    """On PostgreSQL the newest matches are looked for among public stories only: drafts,
    scheduled and withdrawn stories take no candidate's place."""
    from articles import search

    monkeypatch.setattr(search, "CANDIDATES", 3)
    ArticleFactory(headline="Budget one")
    ArticleFactory(headline="Budget two")
    ArticleFactory(headline="Budget draft", status="draft", published_at=None)
    ArticleFactory(headline="Budget scheduled", published_at=timezone.now() + timedelta(days=1))
    ArticleFactory(headline="Budget withdrawn", status="withdrawn")
    ArticleFactory(headline="Budget three")
    assert sorted(found(client, q="budget")) == ["Budget one", "Budget three", "Budget two"]


@pytest.mark.postgresql
def test_postgresql_newest_matches_are_the_same_from_the_newest_stories_table(monkeypatch):
    """The first windows read the newest stories' own index (migration 0009) above its floor
    and the whole table below it: whatever the triggers have kept, moved or dropped, the
    matches are the ones the whole table gives."""
    from articles import search

    # Windows of 4 and 8 ids, then the rest, so that 40 stories cross all three.
    monkeypatch.setattr(search, "FIRST_WINDOW", 4)
    monkeypatch.setattr(search, "WIDER", 2)
    monkeypatch.setattr(search, "CANDIDATES", 15)
    # Ranks that differ (a harbour in the headline counts more) and tie (then the newest first).
    stories = [
        ArticleFactory(
            headline="Harbour news" if number % 7 == 0 else f"Story {number}",
            body="The harbour reopened." if number % 3 else "Markets fell.",
        )
        for number in range(40)
    ]

    def truth(word="harbour"):
        """The newest 15 matches in the whole table, ranked there."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM (SELECT id, {search.RANK} AS rank FROM articles_article "  # noqa: S608
                f"WHERE {search.MATCH} ORDER BY id DESC LIMIT 15) newest "
                "ORDER BY rank DESC, id DESC",
                [search.POSTGRES_CONFIG, word] * 2,
            )
            return [row[0] for row in cursor.fetchall()]

    def found(word="harbour"):
        return search.postgresql_best_matches(connection, word)

    def recent():
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM articles_recent_search ORDER BY id")
            return [row[0] for row in cursor.fetchall()]

    assert found() == truth() and len(truth()) == 15
    assert found() != sorted(found(), reverse=True)  # ranked, not only newest first
    assert recent() == sorted(story.pk for story in stories)
    # Edited and deleted stories are followed.
    stories[-1].body = "The harbour closed."
    stories[-1].save()
    deleted = stories[-2].pk
    stories[-2].delete()
    assert found() == truth() and stories[-1].pk in found()
    assert deleted not in recent()
    # The floor above the first window: that window is read from the whole table.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE articles_recent_search_floor SET floor = %s", [deleted])
        cursor.execute("DELETE FROM articles_recent_search WHERE id < %s", [deleted])
    assert found() == truth()
    # A story far above the others moves the floor up and drops what lies under it.
    far = ArticleFactory(id=stories[-1].pk + 50_000, body="A harbour far away.")
    assert recent() == [far.pk]
    assert found() == truth() and far.pk in found()
    # Emptying the table empties the newest stories' table and drops its floor.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # Django's foreign keys are deferred
        cursor.execute("TRUNCATE articles_article CASCADE")
        cursor.execute("SELECT floor FROM articles_recent_search_floor")
        assert cursor.fetchone()[0] == 0
    assert recent() == [] and found() == []
