"""Stored content and limits: every length limit is a form error, markup is shown as text."""

from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from articles.models import Article, Person, Tag
from tests.factories import ArticleFactory, MentionFactory, PersonFactory
from tests.test_editor_admin import ADD_URL, article_form

pytestmark = pytest.mark.django_db

MARKUP = '<img src=x onerror="alert(1)">'


@pytest.mark.parametrize(
    "field, limit",
    [
        ("headline", 255),
        ("slug", 255),
        ("lead_image_alt", 300),
        ("lead_image_caption", 300),
        ("lead_image_credit", 200),
        ("standfirst", 600),
        ("body", 200_000),
    ],
)
def test_an_over_long_article_field_is_a_form_error_on_every_database(editor_client, field, limit):
    value = "a" * (limit + 1)
    response = editor_client.post(ADD_URL, article_form(**{field: value}))
    assert response.status_code == 200
    assert f"Ensure this value has at most {limit} characters" in response.content.decode()
    assert not Article.objects.exists()


@pytest.mark.parametrize("inline, limit", [("bylines", 100), ("mentions", 200)])
def test_an_over_long_role_is_a_form_error(editor_client, inline, limit):
    person = PersonFactory()
    data = article_form(
        **{
            f"{inline}-TOTAL_FORMS": "1",
            f"{inline}-0-person": person.pk,
            f"{inline}-0-role": "r" * (limit + 1),
            f"{inline}-0-position": "0",
        }
    )
    response = editor_client.post(ADD_URL, data)
    assert response.status_code == 200
    assert f"at most {limit} characters" in response.content.decode()
    assert not Article.objects.exists()


@pytest.mark.parametrize("field, limit", [("bio", 3000), ("aliases", 2000)])
def test_an_over_long_person_text_is_a_form_error(editor_client, field, limit):
    data = {"name": "Ann Writer", "slug": "ann-writer", "description": "", "bio": "", "aliases": ""}
    response = editor_client.post(
        reverse("admin:articles_person_add"), {**data, field: "b" * (limit + 1)}
    )
    assert response.status_code == 200
    assert f"Ensure this value has at most {limit} characters" in response.content.decode()
    assert not Person.objects.exists()


def test_a_request_over_the_size_cap_is_refused_with_413_and_nothing_saved(editor_client, settings):
    settings.REQUEST_MAX_BYTES = 1024 * 1024
    image = SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"\0" * (2 * 1024 * 1024))
    response = editor_client.post(ADD_URL, article_form(lead_image=image))
    assert response.status_code == 413
    page = response.content.decode()
    assert "one request can carry at most 1 MB" in page
    assert "your browser's Back button" in page
    assert response["Cache-Control"] == "no-store"
    assert not Article.objects.exists()


def test_form_fields_over_the_memory_cap_are_a_400_not_a_500(editor_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    # Sent as an ordinary (not multipart) form: every byte counts against the cap.
    response = editor_client.post(
        ADD_URL,
        urlencode(article_form(body="x" * 150_000)),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert not Article.objects.exists()


def test_the_size_caps_are_those_the_deploy_guide_gives(settings):
    # docs/deploy.md tells operators to set nginx's client_max_body_size to the request cap.
    guide = (settings.BASE_DIR / "docs" / "deploy.md").read_text()
    assert f"client_max_body_size {settings.REQUEST_MAX_BYTES // (1024 * 1024)}m" in guide
    assert settings.IMAGE_MAX_BYTES < settings.REQUEST_MAX_BYTES


def test_over_long_person_name_and_tag_are_form_errors(editor_client):
    person = editor_client.post(
        reverse("admin:articles_person_add"),
        {"name": "n" * 201, "slug": "n", "description": "", "bio": "", "aliases": ""},
    )
    tag = editor_client.post(reverse("admin:articles_tag_add"), {"name": "t" * 101, "slug": "t"})
    assert "at most 200 characters" in person.content.decode()
    assert "at most 100 characters" in tag.content.decode()
    assert not Person.objects.exists() and not Tag.objects.exists()


def test_markup_in_stored_fields_is_text_in_the_admin(editor_client):
    article = ArticleFactory(headline=MARKUP, standfirst=MARKUP, tags=[MARKUP[:50]])
    MentionFactory(article=article, person=PersonFactory(name=MARKUP), role=MARKUP)
    for url in [
        reverse("admin:articles_article_changelist"),
        reverse("admin:articles_article_change", args=[article.pk]),
        reverse("admin:articles_article_revisions", args=[article.pk]),
        reverse("admin:articles_person_changelist"),
    ]:
        content = editor_client.get(url).content.decode()
        assert MARKUP not in content, url
        assert "&lt;img src=x" in content, url


def test_markup_in_stored_fields_is_text_on_public_pages(client):
    person = PersonFactory(name=MARKUP, slug="marked-up", description=MARKUP)
    article = ArticleFactory(
        headline=MARKUP,
        standfirst=MARKUP,
        lead_image_caption=MARKUP,
        tags=["Safe tag"],
    )
    MentionFactory(article=article, person=person, role=MARKUP)
    for url in [
        reverse("reader:home"),
        reverse("reader:article_list"),
        article.get_absolute_url(),
        person.get_absolute_url(),
        reverse("reader:person_list"),
    ]:
        content = client.get(url).content.decode()
        assert MARKUP not in content, url
        assert 'onerror="alert(1)"' not in content, url


@pytest.mark.parametrize(
    "body, forbidden",
    [
        ("[x](javascript:alert(1))", 'href="javascript:'),
        ("[x](data:text/html;base64,PHNjcmlwdD4=)", 'href="data:'),
        ("[x](vbscript:msgbox)", 'href="vbscript:'),
        ("<script>alert(1)</script>", "<script>alert"),
        ('<a href="https://e.com" onclick="alert(1)">x</a>', 'onclick="alert(1)">'),
        ("<iframe src=https://evil.example></iframe>", "<iframe"),
        ("![x](https://evil.example/track.gif)", "<img"),
    ],
)
def test_body_links_allow_only_http_https_and_mailto(client, body, forbidden):
    article = ArticleFactory(
        body=body + "\n\n[ok](https://example.com) [mail](mailto:desk@example.com)"
    )
    content = client.get(article.get_absolute_url()).content.decode()
    assert forbidden not in content
    assert 'href="https://example.com"' in content
    assert 'href="mailto:desk@example.com"' in content
