"""The live preview: the change form as it is now, unsaved, in the public article template."""

import pytest
from django.test import Client
from django.urls import reverse

from articles.models import Article, Byline, Correction, Revision, Tag
from tests.factories import ArticleFactory, BylineFactory, PersonFactory

pytestmark = pytest.mark.django_db

ADD_PREVIEW = reverse("admin:articles_article_live_preview_add")


def never_kept(response):
    parts = {part.strip() for part in response["Cache-Control"].split(",")}
    return {"private", "no-store"} <= parts


def preview_url(article):
    return reverse("admin:articles_article_live_preview", args=[article.pk])


def form_data(**overrides):
    """What the change form posts, with empty inlines unless given."""
    data = {
        "headline": "Harbour bridge reopens",
        "slug": "harbour-bridge-reopens",
        "kind": "news",
        "standfirst": "After two years of repairs.",
        "body": "Traffic is **back** on the bridge.",
        "tags": "Transport, City",
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
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def edit_data(article, **overrides):
    """The change form of a stored article, as opened, with ``overrides`` typed in."""
    data = form_data(
        headline=article.headline,
        slug=article.slug,
        standfirst=article.standfirst,
        body=article.body,
        tags=", ".join(article.tags.names()),
        opened_version=str(article.version),
    )
    bylines = list(article.bylines.all())
    data["bylines-TOTAL_FORMS"] = data["bylines-INITIAL_FORMS"] = str(len(bylines))
    for index, byline in enumerate(bylines):
        data[f"bylines-{index}-id"] = str(byline.pk)
        data[f"bylines-{index}-article"] = str(article.pk)
        data[f"bylines-{index}-person"] = str(byline.person_id)
        data[f"bylines-{index}-role"] = byline.role
        data[f"bylines-{index}-position"] = str(byline.position)
    mentions = list(article.mentions.all())
    data["mentions-TOTAL_FORMS"] = data["mentions-INITIAL_FORMS"] = str(len(mentions))
    for index, mention in enumerate(mentions):
        data[f"mentions-{index}-id"] = str(mention.pk)
        data[f"mentions-{index}-article"] = str(article.pk)
        data[f"mentions-{index}-person"] = str(mention.person_id)
        data[f"mentions-{index}-role"] = mention.role
    data.update(overrides)
    return data


def test_a_new_story_is_previewed_as_readers_would_see_it_and_nothing_is_saved(editor_client):
    reporter = PersonFactory(name="Ann Writer")
    data = form_data(
        **{
            "bylines-TOTAL_FORMS": "1",
            "bylines-0-person": str(reporter.pk),
            "bylines-0-role": "",
            "bylines-0-position": "0",
        }
    )
    response = editor_client.post(ADD_PREVIEW, data)
    content = response.content.decode()
    assert response.status_code == 200
    assert "Preview of unsaved changes." in content
    assert '<h1 class="article__headline">Harbour bridge reopens</h1>' in content
    assert "Traffic is <strong>back</strong> on the bridge." in content
    assert "Ann Writer" in content
    assert ">Transport</a>" in content and ">City</a>" in content
    assert '<meta name="robots" content="noindex">' in content
    assert never_kept(response)
    assert response["X-Robots-Tag"] == "noindex"
    assert not Article.objects.exists()
    assert not Tag.objects.exists()
    assert not Revision.objects.exists()


def test_a_change_to_a_published_story_is_previewed_before_it_goes_live(editor_client):
    article = ArticleFactory(headline="Mayor opens the bridge", body="Old text.")
    BylineFactory(article=article, person=PersonFactory(name="Ann Writer"))
    version = Article.objects.get(pk=article.pk).version
    response = editor_client.post(
        preview_url(article),
        edit_data(
            article,
            body="The mayor opened the bridge on Tuesday.",
            change_kind=Correction.Kind.CORRECTION,
            change_note="It opened on Tuesday, not Monday.",
        ),
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "The mayor opened the bridge on Tuesday." in content
    assert "Old text." not in content
    assert "Ann Writer" in content
    assert "It opened on Tuesday, not Monday." in content
    assert "Readers see this story at" in content
    # Readers still get the stored story, unchanged.
    stored = Article.objects.get(pk=article.pk)
    assert stored.body == "Old text." and stored.version == version
    assert not stored.corrections.exists()
    public = editor_client.get(article.get_absolute_url()).content.decode()
    assert "Old text." in public and "on Tuesday" not in public


def test_a_byline_removed_in_the_form_is_gone_from_the_preview_only(editor_client):
    article = ArticleFactory()
    BylineFactory(article=article, person=PersonFactory(name="Ann Writer"))
    response = editor_client.post(
        preview_url(article), edit_data(article, **{"bylines-0-DELETE": "on"})
    )
    assert "Ann Writer" not in response.content.decode()
    assert Byline.objects.filter(article=article).count() == 1


def test_bad_input_is_a_400_saying_what_is_wrong(editor_client):
    response = editor_client.post(ADD_PREVIEW, form_data(headline="", kind="gossip"))
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "headline" in errors and "kind" in errors
    assert never_kept(response)


def test_an_article_that_is_not_there_is_a_404_and_get_is_refused(editor_client):
    url = reverse("admin:articles_article_live_preview", args=["999999"])
    assert editor_client.post(url, form_data()).status_code == 404
    url = reverse("admin:articles_article_live_preview", args=["x" * 30])
    assert editor_client.post(url, form_data()).status_code == 404
    assert editor_client.get(ADD_PREVIEW).status_code == 405


def test_only_staff_who_may_see_the_article_get_a_preview(moderator_client):
    article = ArticleFactory(body="Stored text.")
    # Not signed in: the admin's sign-in page, no story.
    response = Client().post(preview_url(article), form_data())
    assert response.status_code == 302 and "login" in response["Location"]
    # A moderator may view the story but not change it: the preview is the stored story.
    response = moderator_client.post(preview_url(article), form_data(body="Not theirs to write."))
    assert response.status_code == 200
    assert "Stored text." in response.content.decode()
    assert "Not theirs to write." not in response.content.decode()
    # Nor may a moderator start a new story.
    assert moderator_client.post(ADD_PREVIEW, form_data()).status_code == 403


def test_the_change_form_has_the_preview_panel(editor_client):
    article = ArticleFactory()
    page = editor_client.get(reverse("admin:articles_article_change", args=[article.pk]))
    content = page.content.decode()
    assert f'data-preview-url="{preview_url(article)}"' in content
    assert "Open preview in a new window" in content
    assert "desk/preview.js" in content
    # Without script, the last save's preview is linked.
    assert article.get_preview_url() in content
    assert "Content-Security-Policy" in page.headers


def test_output_is_escaped(editor_client):
    response = editor_client.post(
        ADD_PREVIEW, form_data(headline="<script>alert(1)</script>", body="<img src=x onerror=1>")
    )
    content = response.content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "<img" not in content.split('class="article__body"')[1]
