"""Checks before publishing: found in the text, shown on the change form and live, and the
blocking ones refused by ``Article.publish`` whoever publishes."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from articles import checks
from articles.models import Article
from tests.factories import ArticleFactory, BylineFactory, MentionFactory, PersonFactory, jpeg_file
from tests.test_desk_preview import edit_data, form_data

pytestmark = pytest.mark.django_db

ADD_CHECKS = reverse("admin:articles_article_live_checks_add")


def codes(copy):
    return {check.code: check.blocks for check in checks.run(copy)}


def test_a_clean_story_has_no_problems_and_counts_words_and_minutes():
    copy = checks.Copy(
        headline="Harbour bridge reopens",
        standfirst="After two years of repairs.",
        body="## The works\n\n" + "word " * 460,
        tags=["Transport"],
        byline_count=1,
    )
    assert checks.run(copy) == []
    assert checks.stats(copy) == {
        "words": 462,
        "reading_minutes": 3,
        "headline_length": 22,
        "headline_limit": 70,
        "standfirst_length": 27,
        "standfirst_limit": 160,
    }


def test_each_problem_is_found_with_its_field_and_whether_it_blocks():
    ArticleFactory(headline="Harbour bridge reopens")
    PersonFactory(name="Jane Roe")
    copy = checks.Copy(
        headline="harbour bridge reopens",
        standfirst="x" * 161,
        body="## \n\n#### Deep\n\nSee [](https://example.com) and Jane Roe.",
        has_image=True,
    )
    found = {check.code: check for check in checks.run(copy)}
    assert {code: check.blocks for code, check in found.items()} == {
        "image_alt": True,
        "empty_heading": True,
        "empty_link": True,
        "standfirst_long": False,
        "image_credit": False,
        "skipped_heading": False,
        "no_tags": False,
        "no_byline": False,
        "duplicate_headline": False,
        "person_not_linked": False,
    }
    assert found["image_alt"].anchor == "id_lead_image_alt"
    assert found["no_byline"].anchor == "bylines-group"
    assert found["person_not_linked"].anchor == "mentions-group"
    assert "Jane Roe" in found["person_not_linked"].message
    # Blocking ones come first.
    assert [c.blocks for c in checks.run(copy)][:3] == [True, True, True]
    assert "headline_long" in codes(checks.Copy(headline="x" * 71))


def test_a_linked_person_and_a_bold_heading_are_fine():
    person = PersonFactory(name="Jane Roe")
    copy = checks.Copy(
        headline="Roe speaks",
        body="## **Why** it matters\n\n### Detail\n\n[Jane Roe](https://example.com) spoke.",
        linked_people={person.pk},
    )
    assert set(codes(copy)) == {"standfirst_missing", "no_tags", "no_byline"}


def test_publish_refuses_a_story_with_a_blocking_problem_whoever_publishes(editor):
    article = ArticleFactory(
        status=Article.Status.DRAFT, published_at=None, body="Read [](https://example.com)."
    )
    with pytest.raises(ValidationError) as refused:
        article.publish(editor)
    assert "link with no text" in " ".join(refused.value.messages)
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    article.body = "Read [the report](https://example.com)."
    article.save()
    article.publish(editor)
    assert Article.objects.get(pk=article.pk).is_public


def test_the_change_form_shows_the_checks_without_script(editor_client):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None, body="## \n\nText.")
    content = editor_client.get(
        reverse("admin:articles_article_change", args=[article.pk])
    ).content.decode()
    assert "Checks before publishing" in content
    assert "Blocks publishing:</strong> 1 subheading with no words" in content
    assert 'href="#id_body"' in content
    assert 'href="#bylines-group"' in content


def test_the_form_refuses_to_publish_and_keeps_the_text(editor_client):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    url = reverse("admin:articles_article_change", args=[article.pk])
    response = editor_client.post(
        url, edit_data(article, body="New text with [](https://example.com).", workflow="publish")
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "Not published: fix what the checks panel marks as blocking first." in content
    assert "New text with [](https://example.com)." in content
    stored = Article.objects.get(pk=article.pk)
    assert stored.status == Article.Status.DRAFT and "New text" not in stored.body


def test_the_changelist_action_refuses_with_the_reason(editor_client):
    article = ArticleFactory(
        status=Article.Status.DRAFT, published_at=None, lead_image=jpeg_file(), lead_image_alt=""
    )
    response = editor_client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "publish_selected", "_selected_action": [article.pk]},
        follow=True,
    )
    assert "The lead image has no alt text" in response.content.decode()
    assert Article.objects.get(pk=article.pk).status == Article.Status.DRAFT


def test_live_checks_follow_the_unsaved_form(editor_client):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    BylineFactory(article=article)
    MentionFactory(article=article, person=PersonFactory(name="Jane Roe"))
    url = reverse("admin:articles_article_live_checks", args=[article.pk])
    response = editor_client.post(
        url, edit_data(article, body="## \n\nJane Roe and John Doe.", tags="")
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    data = response.json()
    found = {check["code"]: check for check in data["checks"]}
    assert found["empty_heading"]["blocks"] is True
    assert found["empty_heading"]["field"] == "id_body"
    assert "no_tags" in found
    # The byline and the person linked in the form count.
    assert "no_byline" not in found and "person_not_linked" not in found
    assert data["stats"]["words"] == 5
    assert "Blocks publishing" in data["html"]
    assert Article.objects.get(pk=article.pk).body == article.body


def test_live_checks_of_a_new_story_and_bad_input(editor_client):
    response = editor_client.post(ADD_CHECKS, form_data(headline="x" * 80))
    assert "headline_long" in {check["code"] for check in response.json()["checks"]}
    assert editor_client.post(ADD_CHECKS, form_data(kind="gossip")).status_code == 400
    assert not Article.objects.exists()


def test_an_import_with_a_blocking_problem_is_not_published_nor_kept(tmp_path, editor):
    path = tmp_path / "story.txt"
    path.write_text("Harbour reopens\n\nRead [](https://example.com) for more.\n", "utf-8")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_articles", str(path), "--publish", "--user", "editor", stdout=out, stderr=err
        )
    assert "link with no text" in err.getvalue()
    assert not Article.objects.exists()
