"""Editors writing, tagging and crediting articles in the admin."""

import pytest
from django.urls import reverse

from articles.models import Article
from tests.factories import ArticleFactory, BylineFactory, PersonFactory, jpeg_file

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:articles_article_add")


def article_form(**overrides):
    """The POST the admin's article form sends, with empty inlines unless given."""
    data = {
        "headline": "Parliament passes budget",
        "slug": "parliament-passes-budget",
        "kind": "news",
        "standfirst": "The vote was close.",
        "body": "The budget passed by **three** votes.",
        "tags": "Politics, Budget",
        "lead_image_alt": "",
        "lead_image_caption": "",
        "lead_image_credit": "",
        "workflow": "",
        "published_at_0": "",
        "published_at_1": "",
        "bylines-TOTAL_FORMS": "0",
        "bylines-INITIAL_FORMS": "0",
        "mentions-TOTAL_FORMS": "0",
        "mentions-INITIAL_FORMS": "0",
        # The read-only history inline sends an empty management form too.
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_editor_sees_the_add_form_with_fieldsets_tags_inlines_and_help(editor_client):
    response = editor_client.get(ADD_URL)
    content = response.content.decode()
    assert response.status_code == 200
    for text in ["Lead image", "Publication", "Bylines (in the order", "People mentioned"]:
        assert text in content
    assert 'name="tags"' in content
    assert "prepopulated_fields" in content or "data-prepopulated-field" in content
    assert "A time in the future schedules it." in content


def test_editor_saves_an_article_with_tags_bylines_and_people(editor_client):
    reporter = PersonFactory(name="Ann Writer")
    photographer = PersonFactory(name="Bo Lens")
    minister = PersonFactory(name="A Minister")
    response = editor_client.post(
        ADD_URL,
        article_form(
            **{
                "bylines-TOTAL_FORMS": "2",
                "bylines-0-person": photographer.pk,
                "bylines-0-role": "photos",
                "bylines-0-position": "2",
                "bylines-1-person": reporter.pk,
                "bylines-1-role": "reporting",
                "bylines-1-position": "1",
                "mentions-TOTAL_FORMS": "1",
                "mentions-0-person": minister.pk,
                "mentions-0-role": "Finance Minister",
            }
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    article = Article.objects.get(slug="parliament-passes-budget")
    assert sorted(article.tags.names()) == ["Budget", "Politics"]
    assert [(b.person.name, b.role) for b in article.bylines.all()] == [
        ("Ann Writer", "reporting"),
        ("Bo Lens", "photos"),
    ]
    assert [(m.person.name, m.role) for m in article.mentions.all()] == [
        ("A Minister", "Finance Minister")
    ]
    assert article.status == Article.Status.DRAFT
    assert "<strong>three</strong>" in article.body_html


def test_editor_uploads_a_lead_image_and_sees_its_preview(editor_client):
    response = editor_client.post(
        ADD_URL,
        article_form(lead_image=jpeg_file(), lead_image_alt="The chamber during the vote"),
    )
    assert response.status_code == 302
    article = Article.objects.get()
    assert article.lead_image.width == 640
    change = editor_client.get(reverse("admin:articles_article_change", args=[article.pk]))
    assert article.lead_image.url in change.content.decode()


def test_an_image_without_alt_text_is_a_form_error(editor_client):
    response = editor_client.post(ADD_URL, article_form(lead_image=jpeg_file()))
    assert response.status_code == 200
    assert "Describe the image" in response.content.decode()
    assert not Article.objects.exists()


def test_an_over_long_tag_is_a_form_error_and_nothing_is_saved(editor_client):
    response = editor_client.post(ADD_URL, article_form(tags="Fine, " + "x" * 150))
    assert response.status_code == 200
    assert "at most 100 characters" in response.content.decode()
    assert not Article.objects.exists()


def test_editor_changes_an_article_and_case_insensitive_tags_stay_one(editor_client):
    article = ArticleFactory(tags=["US"], status=Article.Status.DRAFT, published_at=None)
    url = reverse("admin:articles_article_change", args=[article.pk])
    assert editor_client.get(url).status_code == 200
    response = editor_client.post(
        url,
        article_form(
            headline="New headline", slug=article.slug, tags="us, Russia", opened_version="1"
        ),
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.headline == "New headline"
    assert sorted(article.tags.names()) == ["Russia", "US"]


def test_changelist_shows_columns_without_one_query_per_row(
    editor_client, django_assert_max_num_queries
):
    for number in range(3):
        article = ArticleFactory(tags=[f"Tag {number}", "Common"])
        BylineFactory(article=article)
    url = reverse("admin:articles_article_changelist")
    with django_assert_max_num_queries(20) as few:
        editor_client.get(url)
    for number in range(3, 40):
        article = ArticleFactory(tags=[f"Tag {number}", "Common"])
        BylineFactory(article=article)
    with django_assert_max_num_queries(len(few)):
        response = editor_client.get(url)
    content = response.content.decode()
    for column in ["State", "Kind", "Publication time", "Tags", "Bylines"]:
        assert column in content
    assert "Common" in content


def test_changelist_search_and_filters_find_articles(editor_client):
    ArticleFactory(headline="Harbour reopens")
    ArticleFactory(headline="Budget vote", kind=Article.Kind.OPINION)
    url = reverse("admin:articles_article_changelist")
    assert "Harbour reopens" in editor_client.get(url, {"q": "harbour"}).content.decode()
    opinion = editor_client.get(url, {"kind__exact": "opinion"}).content.decode()
    assert "Budget vote" in opinion and "Harbour reopens" not in opinion


def test_person_and_tag_admins_search(editor_client):
    PersonFactory(name="Vladimir Putin", aliases="Putin")
    ArticleFactory(tags=["Syria"])
    people = editor_client.get(reverse("admin:articles_person_changelist"), {"q": "putin"})
    tags = editor_client.get(reverse("admin:articles_tag_changelist"), {"q": "syr"})
    assert "Vladimir Putin" in people.content.decode()
    assert "Syria" in tags.content.decode()


def test_person_autocomplete_serves_the_mentions_inline(editor_client):
    PersonFactory(name="Sergey Lavrov", aliases="Lavrov")
    response = editor_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "lav",
            "app_label": "articles",
            "model_name": "mention",
            "field_name": "person",
        },
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Sergey Lavrov"]


def test_anonymous_visitor_cannot_reach_the_article_admin(client):
    response = client.get(ADD_URL)
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_moderator_can_read_but_not_add_articles(moderator_client):
    assert moderator_client.get(reverse("admin:articles_article_changelist")).status_code == 200
    assert moderator_client.get(ADD_URL).status_code == 403
    assert moderator_client.post(ADD_URL, article_form()).status_code == 403
    assert not Article.objects.exists()
