"""Nothing published is hard-deleted by a click (issue 19, item 5).

A draft nobody has read may be deleted by its editors; a story once published is taken down
instead, and only a superuser may purge it, giving a reason. Whatever is deleted leaves a
"deleted" event (who, why) that outlives the article, with the story's earlier events; a
purged story's address answers 410 Gone, a deleted draft's 404 (it never had a public page).
"""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Event, Person
from tests.factories import ArticleFactory, BylineFactory, MentionFactory, PersonFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:articles_article_changelist")


def delete_url(article):
    return reverse("admin:articles_article_delete", args=[article.pk])


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def boss(client):
    user = get_user_model().objects.create_superuser("boss", password="a-long-password-1")
    client.force_login(user)
    return user


def test_editors_delete_a_draft_and_the_record_keeps_who_and_why(editor_client, editor):
    draft = ArticleFactory(status="draft", published_at=None, headline="Half-written piece")
    Event.objects.create(article=draft, actor=editor, action=Event.Action.CREATED)
    page = editor_client.get(delete_url(draft))
    assert page.status_code == 200 and 'name="reason"' in page.content.decode()
    response = editor_client.post(delete_url(draft), {"post": "yes", "reason": "Duplicate"})
    assert response.status_code == 302
    assert not Article.objects.filter(pk=draft.pk).exists()
    deleted = Event.objects.get(action=Event.Action.DELETED)
    assert (deleted.actor, deleted.reason, deleted.headline) == (
        editor,
        "Duplicate",
        draft.headline,
    )
    # The story's whole record survives it, saying which story it was.
    created = Event.objects.get(action=Event.Action.CREATED)
    assert created.article is None and created.headline == "Half-written piece"
    assert editor_client.get(f"/articles/{draft.slug}/").status_code == 404


@pytest.mark.parametrize(
    "state",
    [
        {"status": "published"},
        {"status": "published", "published_at": timezone.now() + timedelta(days=1)},
        {"status": "unpublished"},
        {"status": "withdrawn", "withdrawn_at": timezone.now(), "withdrawal_note": "Gone."},
    ],
    ids=["published", "scheduled", "unpublished", "withdrawn"],
)
def test_editors_cannot_delete_a_story_once_published(editor_client, state):
    story = ArticleFactory(**state)
    page = editor_client.get(delete_url(story), follow=True)
    assert any("cannot be deleted" in text for text in messages_of(page))
    editor_client.post(delete_url(story), {"post": "yes", "reason": "Mine"})
    assert Article.objects.filter(pk=story.pk).exists()
    change = editor_client.get(reverse("admin:articles_article_change", args=[story.pk]))
    assert delete_url(story) not in change.content.decode()


def test_bulk_delete_refuses_a_selection_with_a_published_story(editor_client):
    draft = ArticleFactory(status="draft", published_at=None)
    story = ArticleFactory(headline="Read by thousands")
    response = editor_client.post(
        CHANGELIST,
        {"action": "delete_selected", "_selected_action": [draft.pk, story.pk], "post": "yes"},
        follow=True,
    )
    assert Article.objects.filter(pk__in=[draft.pk, story.pk]).count() == 2
    assert any("“Read by thousands” have been published" in t for t in messages_of(response))
    assert not Event.objects.filter(action=Event.Action.DELETED).exists()


def test_bulk_delete_of_drafts_records_each_deletion(editor_client, editor):
    drafts = [ArticleFactory(status="draft", published_at=None) for _ in range(2)]
    selection = {"action": "delete_selected", "_selected_action": [a.pk for a in drafts]}
    confirmation = editor_client.post(CHANGELIST, selection)
    assert confirmation.status_code == 200 and "Are you sure" in confirmation.content.decode()
    editor_client.post(CHANGELIST, {**selection, "post": "yes"})
    assert not Article.objects.filter(pk__in=[a.pk for a in drafts]).exists()
    deleted = Event.objects.filter(action=Event.Action.DELETED, actor=editor)
    assert sorted(deleted.values_list("headline", flat=True)) == sorted(a.headline for a in drafts)


def test_a_superuser_purges_a_published_story_only_with_a_reason(client, boss):
    story = ArticleFactory(headline="Defamatory piece", slug="defamatory-piece")
    Event.objects.create(article=story, actor=boss, action=Event.Action.PUBLISHED)
    Event.objects.create(article=story, actor=boss, action=Event.Action.UNPUBLISHED, reason="Legal")
    refused = client.post(delete_url(story), {"post": "yes", "reason": "  "}, follow=True)
    assert any("give the reason" in text for text in messages_of(refused))
    assert Article.objects.filter(pk=story.pk).exists()
    client.post(delete_url(story), {"post": "yes", "reason": "Court order 2026/114"})
    assert not Article.objects.filter(pk=story.pk).exists()
    purge = Event.objects.get(action=Event.Action.DELETED)
    assert (purge.actor, purge.reason, purge.from_status) == (
        boss,
        "Court order 2026/114",
        "published",
    )
    assert Event.objects.filter(headline="Defamatory piece").count() == 3
    gone = client.get("/articles/defamatory-piece/")
    assert gone.status_code == 410 and "Defamatory" not in gone.content.decode()
    # The desk's pages that list the record still work without the article.
    assert client.get(reverse("admin:articles_article_dashboard")).status_code == 200
    assert client.get(reverse("admin:articles_event_changelist")).status_code == 200


def test_moderators_delete_nothing(moderator_client):
    draft = ArticleFactory(status="draft", published_at=None)
    assert moderator_client.post(delete_url(draft), {"post": "yes"}).status_code == 403
    assert Article.objects.filter(pk=draft.pk).exists()


@pytest.mark.parametrize("link", [BylineFactory, MentionFactory], ids=["byline", "mention"])
def test_people_a_published_story_uses_are_protected_from_deletion(editor_client, link):
    person = PersonFactory(name="Ann Writer")
    link(article=ArticleFactory(), person=person)
    url = reverse("admin:articles_person_delete", args=[person.pk])
    page = editor_client.get(url)
    assert "would require deleting the following protected related objects" in page.content.decode()
    editor_client.post(url, {"post": "yes"})
    editor_client.post(
        reverse("admin:articles_person_changelist"),
        {"action": "delete_selected", "_selected_action": [person.pk], "post": "yes"},
    )
    assert Person.objects.filter(pk=person.pk).exists()
