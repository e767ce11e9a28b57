"""What a reader sees on the public site."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from reader import queries
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


@pytest.fixture
def hidden_articles():
    """One article in every state a reader must not see, all sharing a tag and a person."""
    tag = TagFactory(name="Hidden topic", slug="hidden-topic")
    person = PersonFactory(name="Hidden Person", slug="hidden-person")
    articles = []
    for number, state in enumerate(HIDDEN_STATES.values()):
        article = ArticleFactory(headline=f"Secret story {number}", tags=[tag], **state)
        BylineFactory(article=article, person=person)
        articles.append(article)
    return articles


def test_published_rule_counts_only_published_articles_whose_time_has_come(hidden_articles):
    visible = ArticleFactory()
    assert list(Article.objects.published()) == [visible]


def test_scheduled_article_becomes_public_when_its_time_comes_without_any_other_change():
    article = ArticleFactory(published_at=timezone.now() + timedelta(seconds=1))
    assert not Article.objects.published().exists()
    Article.objects.filter(pk=article.pk)  # no save, no job: only the clock moves
    later = timezone.now() + timedelta(seconds=2)
    assert Article.objects.filter(status=Article.Status.PUBLISHED, published_at__lte=later).exists()


@pytest.mark.parametrize("state", HIDDEN_STATES.values())
def test_anonymous_reader_cannot_read_an_article_that_is_not_public(client, state):
    article = ArticleFactory(**state)
    response = client.get(article.get_absolute_url())
    # Withdrawn pieces answer 410 with a notice (tests/test_moderator.py); the rest 404.
    assert response.status_code == (410 if state.get("status") == "withdrawn" else 404)
    assert article.body_html not in response.content.decode()


def test_staff_get_the_same_404_as_readers_on_the_public_url(admin_client):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    assert admin_client.get(article.get_absolute_url()).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        reverse("reader:home"),
        reverse("reader:article_list"),
        reverse("reader:article_list") + "?tag=hidden-topic",
        reverse("reader:tag_list"),
        reverse("reader:person_list"),
    ],
)
def test_no_public_list_shows_an_article_that_is_not_public(page_text, hidden_articles, url):
    ArticleFactory(headline="Public story")
    content = page_text(url)
    assert "Secret story" not in content
    assert "Hidden topic" not in content
    assert "Hidden Person" not in content


def test_tag_and_person_pages_of_only_hidden_articles_are_404(client, hidden_articles):
    assert client.get(reverse("reader:tag_detail", args=["hidden-topic"])).status_code == 404
    assert client.get(reverse("reader:person_detail", args=["hidden-person"])).status_code == 404


def test_front_page_lists_latest_stories_newest_first(page_text):
    older = ArticleFactory(headline="Older story", published_at=timezone.now() - timedelta(days=2))
    newer = ArticleFactory(headline="Newer story", published_at=timezone.now() - timedelta(hours=2))
    content = page_text(reverse("reader:home"))
    assert content.index(newer.headline) < content.index(older.headline)


def test_article_list_is_paginated_newest_first_and_keeps_filters_in_page_links(client):
    tag = TagFactory(name="Elections", slug="elections")
    now = timezone.now()
    for number in range(25):
        ArticleFactory(
            headline=f"Election story {number:02d}",
            published_at=now - timedelta(hours=number + 1),
            tags=[tag],
        )
    ArticleFactory(headline="Weather story")
    first = client.get(reverse("reader:article_list"), {"tag": "elections"})
    assert [a.headline for a in first.context["page_obj"]][:2] == [
        "Election story 00",
        "Election story 01",
    ]
    assert len(first.context["page_obj"]) == 20
    assert "Weather story" not in first.content.decode()
    assert "?tag=elections&amp;page=2" in first.content.decode()
    second = client.get(reverse("reader:article_list"), {"tag": "elections", "page": 2})
    assert [a.headline for a in second.context["page_obj"]] == [
        f"Election story {n:02d}" for n in range(20, 25)
    ]


def test_list_filters_by_several_tags_person_and_date_range(client):
    russia = TagFactory(name="Russia", slug="russia")
    syria = TagFactory(name="Syria", slug="syria")
    putin = PersonFactory(name="Vladimir Putin", slug="vladimir-putin")
    both = ArticleFactory(headline="Both tags", tags=[russia, syria])
    ArticleFactory(headline="Russia only", tags=[russia])
    mentioned = ArticleFactory(
        headline="About Putin", published_at=timezone.now() - timedelta(days=30)
    )
    MentionFactory(article=mentioned, person=putin)
    written = ArticleFactory(headline="By Putin", published_at=timezone.now() - timedelta(days=3))
    BylineFactory(article=written, person=putin)

    def headlines(**params):
        response = client.get(reverse("reader:article_list"), params)
        assert response.status_code == 200
        return {article.headline for article in response.context["page_obj"]}

    assert headlines(tag=["russia", "syria"]) == {both.headline}
    assert headlines(person="vladimir-putin") == {mentioned.headline, written.headline}
    assert headlines(person="putin") == {mentioned.headline, written.headline}
    assert headlines(author="vladimir-putin") == {written.headline}
    since = (timezone.now() - timedelta(days=7)).date().isoformat()
    assert headlines(person="vladimir-putin", date_from=since) == {written.headline}
    until = (timezone.now() - timedelta(days=7)).date().isoformat()
    assert headlines(person="vladimir-putin", date_to=until) == {mentioned.headline}


@pytest.mark.parametrize(
    "params, message",
    [
        ({"date_from": "2015-13-45"}, "Enter a valid date"),
        ({"tag": "no-such-tag"}, "Select a valid choice"),
        ({"tag": "hidden-topic"}, "Select a valid choice"),
        ({"person": "nobody-at-all"}, "No one called “nobody-at-all” is in our stories"),
        ({"author": "Hidden Person"}, "No author called “Hidden Person” writes for us"),
        ({"date_from": "2020-02-01", "date_to": "2020-01-01"}, "end date is before the start"),
    ],
)
def test_invalid_filter_gives_a_visible_form_error_not_a_500(
    page_text, hidden_articles, params, message
):
    ArticleFactory()
    content = page_text(reverse("reader:article_list"), params)
    assert message in content
    # A date picker cannot hold an impossible date: it is left empty, the error explains.
    assert 'value="2015-13-45"' not in content


@pytest.mark.parametrize("page", ["abc", "0", "-1", "999"])
def test_a_page_number_out_of_range_is_a_404(client, page):
    ArticleFactory()
    response = client.get(reverse("reader:article_list"), {"page": page})
    assert response.status_code == 404


def test_article_page_shows_everything_a_reader_needs(page_text):
    article = ArticleFactory(
        headline="Talks resume in Geneva",
        standfirst="Delegates return after a week.",
        body="The *talks* resumed.\n\nA second paragraph.",
        kind=Article.Kind.ANALYSIS,
        lead_image=jpeg_file(),
        lead_image_alt="Delegates at a table",
        lead_image_caption="The delegates on Monday",
        lead_image_credit="Agency",
        tags=["Diplomacy"],
    )
    author = PersonFactory(name="Ann Writer", slug="ann-writer")
    BylineFactory(article=article, person=author, role="reporting")
    subject = PersonFactory(name="Sergey Lavrov", slug="sergey-lavrov")
    MentionFactory(article=article, person=subject, role="Russian Foreign Minister")

    content = page_text(article.get_absolute_url())
    assert "<h1" in content and "Talks resume in Geneva" in content
    assert "Delegates return after a week." in content
    assert "Analysis" in content
    assert "<em>talks</em>" in content
    assert 'alt="Delegates at a table"' in content
    assert 'width="640" height="360"' in content
    assert "The delegates on Monday" in content and "Agency" in content
    assert reverse("reader:person_detail", args=["ann-writer"]) in content
    assert "(reporting)" in content
    assert reverse("reader:tag_detail", args=["diplomacy"]) in content
    assert reverse("reader:person_detail", args=["sergey-lavrov"]) in content
    assert "Russian Foreign Minister" in content
    assert article.published_at.strftime("%Y") in content


def test_article_without_byline_shows_no_author(page_text):
    article = ArticleFactory()
    content = page_text(article.get_absolute_url())
    assert 'class="byline"' not in content


def test_markup_in_stored_fields_is_escaped_and_body_is_sanitised(page_text):
    article = ArticleFactory(
        headline="<script>alert('h')</script>Headline",
        standfirst="<b>bold</b> standfirst",
        body="Text <script>alert('b')</script> [click](javascript:alert(1))",
        tags=["<i>tag</i>"],
    )
    content = page_text(article.get_absolute_url())
    assert "<script>alert" not in content
    assert "&lt;script&gt;alert(&#x27;h&#x27;)&lt;/script&gt;Headline" in content
    assert "&lt;b&gt;bold&lt;/b&gt;" in content
    assert 'href="javascript:' not in content
    assert "&lt;i&gt;tag&lt;/i&gt;" in content


def test_tag_page_lists_the_tags_public_stories(page_text):
    tag = TagFactory(name="Climate", slug="climate")
    ArticleFactory(headline="Climate story", tags=[tag])
    ArticleFactory(headline="Other story")
    content = page_text(tag.get_absolute_url())
    assert "Climate story" in content
    assert "Other story" not in content


def test_tags_are_case_insensitive_so_us_and_US_are_one_tag():
    first = ArticleFactory(tags=["US"])
    second = ArticleFactory(tags=["us"])
    assert list(first.tags.all()) == list(second.tags.all())
    assert second.tags.get().name == "US"


def test_person_page_shows_bylines_and_mentions_apart(page_text, dana_both):
    content = page_text(dana_both.get_absolute_url())
    by_section = content[content.index("Stories by Dana Both") : content.index("Stories about")]
    about_section = content[content.index("Stories about Dana Both") :]
    assert "Written by Dana" in by_section and "Story about Dana" not in by_section
    assert "Story about Dana" in about_section and "Written by Dana" not in about_section
    assert "Columnist" in content


def test_people_and_tag_indexes_list_only_those_with_public_stories(page_text, hidden_articles):
    shown = PersonFactory(name="Shown Person", slug="shown-person")
    article = ArticleFactory(tags=["Shown topic"])
    MentionFactory(article=article, person=shown)
    people = page_text(reverse("reader:person_list"))
    tags = page_text(reverse("reader:tag_list"))
    assert "Shown Person" in people and "Hidden Person" not in people
    assert "Shown topic" in tags and "Hidden topic" not in tags


def _story_with_everything(number):
    article = ArticleFactory(tags=[f"Topic {number}", "Shared"])
    BylineFactory(article=article, person=PersonFactory())
    BylineFactory(article=article, person=PersonFactory())
    MentionFactory(article=article, person=PersonFactory())
    return article


@pytest.fixture
def reader_favourite():
    """A person ("reader-favourite") mentioned in one story with everything, as the list
    filters and the person page look them up."""
    favourite = PersonFactory(slug="reader-favourite")
    MentionFactory(article=_story_with_everything(0), person=favourite)
    return favourite


@pytest.mark.parametrize(
    "url_name, query, budget",
    [
        # Cards are rendered when stories are saved: a page of them is one query.
        ("reader:home", "", 1),
        # Topic choices, the capped count, the page of stories.
        ("reader:article_list", "", 3),
        # The same, and the person the filter names.
        ("reader:article_list", "?tag=shared&person=reader-favourite&date_from=2000-01-01", 4),
        ("reader:tag_list", "", 1),
        ("reader:person_list", "", 2),
    ],
)
def test_list_pages_use_the_same_few_queries_whatever_the_number_of_articles(
    client, django_assert_num_queries, reader_favourite, url_name, query, budget
):
    with django_assert_num_queries(budget):
        small = client.get(reverse(url_name) + query)
    for number in range(1, 30):
        MentionFactory(article=_story_with_everything(number), person=reader_favourite)
    with django_assert_num_queries(budget):
        large = client.get(reverse(url_name) + query)
    assert small.status_code == large.status_code == 200
    assert len(large.content) > len(small.content)


@pytest.mark.parametrize("url_name", ["reader:tag_detail", "reader:person_detail"])
def test_tag_and_person_pages_use_the_same_few_queries_whatever_the_number_of_articles(
    client, django_assert_num_queries, django_assert_max_num_queries, reader_favourite, url_name
):
    BylineFactory(article=_story_with_everything(100), person=reader_favourite)
    slug = "shared" if url_name == "reader:tag_detail" else "reader-favourite"
    with django_assert_max_num_queries(6) as small:
        client.get(reverse(url_name, args=[slug]))
    for number in range(1, 30):
        MentionFactory(article=_story_with_everything(number), person=reader_favourite)
        BylineFactory(article=_story_with_everything(number + 100), person=reader_favourite)
    with django_assert_num_queries(len(small)):
        response = client.get(reverse(url_name, args=[slug]))
    assert response.status_code == 200


def test_article_page_uses_three_queries_whatever_its_tags_people_corrections_and_related(
    client, django_assert_num_queries
):
    article = _story_with_everything(0)
    for _ in range(5):
        MentionFactory(article=article, person=PersonFactory())
    for number in range(1, 10):
        _story_with_everything(number)  # related through the shared tag
    ArticleFactory.create_batch(10)
    for kind in ["correction", "clarification", "update"]:
        article.corrections.create(kind=kind, note=f"A {kind}.")
    # The article (its page rendered when saved, with its tags, bylines, people mentioned and
    # corrections), then the related stories: the newest links of its tags and people, and the
    # best of those that are public.
    with django_assert_num_queries(3):
        response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert "A clarification." in page and article.mentions.last().person.name in page
    assert len(response.context["related"]) == 4


def test_article_page_offers_related_public_stories_most_shared_first(client):
    person = PersonFactory(name="Shared Person")
    article = ArticleFactory(headline="The main story", tags=["Alpha", "Beta"])
    MentionFactory(article=article, person=person)
    both = ArticleFactory(
        headline="Shares both tags", tags=["Alpha", "Beta"],
        published_at=timezone.now() - timedelta(days=5),
    )  # fmt: skip
    one = ArticleFactory(headline="Shares one tag", tags=["Alpha"])
    about = ArticleFactory(headline="Same person")
    MentionFactory(article=about, person=person)
    ArticleFactory(headline="Nothing in common", tags=["Gamma"])
    ArticleFactory(
        headline="Draft sharing both", tags=["Alpha", "Beta"], status="draft", published_at=None
    )
    related = queries.related_stories(article)
    assert related[0] == both
    assert set(related[1:]) == {one, about}
    content = client.get(article.get_absolute_url()).content.decode()
    for headline in ["Shares both tags", "Shares one tag", "Same person"]:
        assert headline in content
    assert "Nothing in common" not in content and "Draft sharing both" not in content
