"""The whole permission matrix of product.md, as one table, through HTTP.

Each action is attempted by each role as a crafted request (not only through the UI); the test
checks both the answer and whether anything changed in the database.
"""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Person, Tag
from tests.factories import ArticleFactory, BylineFactory, MentionFactory, staff_in_group
from tests.test_editor_admin import article_form

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "editor", "moderator", "superuser"]

# action: roles allowed (product.md, "Who may do what")
MATRIX = {
    "read a published article": {"anonymous", "editor", "moderator", "superuser"},
    "preview a draft": {"editor", "moderator", "superuser"},
    "preview a scheduled piece": {"editor", "moderator", "superuser"},
    "create an article": {"editor", "superuser"},
    "edit an article": {"editor", "superuser"},
    "edit a person": {"editor", "superuser"},
    "create a tag": {"editor", "superuser"},
    "publish": {"editor", "superuser"},
    "un-publish": {"moderator", "superuser"},
    "withdraw": {"moderator", "superuser"},
    "re-publish": {"moderator", "superuser"},
    # Issue 19: drafts may be deleted; a story once published is taken down, and only a
    # superuser purges it, one at a time with a reason; people it uses are protected.
    "delete a draft": {"editor", "superuser"},
    "delete a published story": {"superuser"},
    "bulk-delete a published story": set(),
    "delete a person bylined on a published story": set(),
    "delete a person mentioned in a published story": set(),
}


def login(client, role):
    if role == "editor":
        client.force_login(staff_in_group("Editors", "editor"))
    elif role == "moderator":
        client.force_login(staff_in_group("Moderators", "moderator"))
    elif role == "superuser":
        client.force_login(
            get_user_model().objects.create_superuser("boss", password="a-long-password-1")
        )


def draft():
    return ArticleFactory(status="draft", published_at=None, headline="Draft piece")


def attempt(client, action):
    """Try ``action``; return True if it took effect."""
    if action == "read a published article":
        return client.get(ArticleFactory().get_absolute_url()).status_code == 200
    if action == "preview a draft":
        return client.get(draft().get_preview_url()).status_code == 200
    if action == "preview a scheduled piece":
        scheduled = ArticleFactory(published_at=timezone.now() + timedelta(days=1))
        return client.get(scheduled.get_preview_url()).status_code == 200
    if action == "create an article":
        client.post(reverse("admin:articles_article_add"), article_form())
        return Article.objects.filter(slug="parliament-passes-budget").exists()
    if action == "edit an article":
        article = draft()
        client.post(
            reverse("admin:articles_article_change", args=[article.pk]),
            article_form(slug=article.slug, body="Edited body", opened_version="1"),
        )
        article.refresh_from_db()
        return article.body == "Edited body"
    if action == "edit a person":
        person = Person.objects.create(name="Old Name", slug="old-name")
        client.post(
            reverse("admin:articles_person_change", args=[person.pk]),
            {"name": "New Name", "slug": "old-name", "description": "", "bio": "", "aliases": ""},
        )
        person.refresh_from_db()
        return person.name == "New Name"
    if action == "create a tag":
        client.post(
            reverse("admin:articles_tag_add"),
            # The tag form has an aliases inline, whose management form a browser always sends.
            {"name": "Elections", "slug": "elections"}
            | {"aliases-TOTAL_FORMS": "0", "aliases-INITIAL_FORMS": "0"},
        )
        return Tag.objects.filter(slug="elections").exists()
    if action == "publish":
        article = draft()
        client.post(
            reverse("admin:articles_article_changelist"),
            {"action": "publish_selected", "_selected_action": [article.pk]},
        )
        article.refresh_from_db()
        return article.is_public
    if action in {"un-publish", "withdraw"}:
        article = ArticleFactory()
        name = "unpublish" if action == "un-publish" else "withdraw"
        client.post(
            reverse("admin:articles_article_transition", args=[name]),
            {"ids": str(article.pk), "reason": "Because", "public_note": "Withdrawn."},
        )
        article.refresh_from_db()
        return not article.is_public
    if action == "re-publish":
        article = ArticleFactory(status="unpublished")
        client.post(
            reverse("admin:articles_article_transition", args=["republish"]),
            {"ids": str(article.pk), "reason": "Cleared"},
        )
        article.refresh_from_db()
        return article.is_public
    if action.startswith("delete a person"):
        link = BylineFactory if "bylined" in action else MentionFactory
        person = link(article=ArticleFactory()).person
        client.post(reverse("admin:articles_person_delete", args=[person.pk]), {"post": "yes"})
        return not Person.objects.filter(pk=person.pk).exists()
    if action.startswith(("delete", "bulk-delete")):
        article = draft() if action == "delete a draft" else ArticleFactory()
        if action.startswith("bulk"):
            client.post(
                reverse("admin:articles_article_changelist"),
                {"action": "delete_selected", "_selected_action": [article.pk], "post": "yes"},
            )
        else:
            client.post(
                reverse("admin:articles_article_delete", args=[article.pk]),
                {"post": "yes", "reason": "Court order"},
            )
        return not Article.objects.filter(pk=article.pk).exists()
    raise AssertionError(action)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", MATRIX)
def test_permission_matrix(client, role, action):
    login(client, role)
    assert attempt(client, action) is (role in MATRIX[action])
