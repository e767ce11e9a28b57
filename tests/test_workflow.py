"""Editorial workflow: states, transitions, preview, revisions, conflicts and corrections."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Correction, Event, Revision
from articles.workflow import CONFIRMED, TRANSITIONS
from tests.factories import ArticleFactory, BylineFactory, PersonFactory, UserFactory
from tests.test_editor_admin import ADD_URL, article_form

pytestmark = pytest.mark.django_db


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def edit_form(article, **overrides):
    """The change form as an editor who opened ``article`` now would send it."""
    data = article_form(
        headline=article.headline,
        slug=article.slug,
        kind=article.kind,
        standfirst=article.standfirst,
        body=article.body,
        tags=", ".join(article.tags.names()),
        opened_version=str(article.version),
    )
    if article.published_at:
        data["published_at_0"] = timezone.localtime(article.published_at).strftime("%Y-%m-%d")
        data["published_at_1"] = timezone.localtime(article.published_at).strftime("%H:%M:%S")
    data.update(overrides)
    return data


def draft(**kwargs):
    return ArticleFactory(status=Article.Status.DRAFT, published_at=None, **kwargs)


# States and transitions.


def test_a_new_article_starts_as_a_draft_and_its_creation_is_recorded(editor_client, editor):
    editor_client.post(ADD_URL, article_form())
    article = Article.objects.get()
    assert article.status == Article.Status.DRAFT
    event = article.events.get()
    assert (event.action, event.actor, event.to_status) == ("created", editor, "draft")


def test_editor_sends_a_draft_for_review_and_another_editor_publishes_it(editor_client, editor):
    article = draft()
    response = editor_client.post(change_url(article), edit_form(article, workflow="review"))
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == Article.Status.IN_REVIEW
    assert not Article.objects.published().exists()

    response = editor_client.post(change_url(article), edit_form(article, workflow="publish"))
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.is_public
    actions = list(article.events.order_by("created_at", "pk").values_list("action", flat=True))
    assert actions == ["submitted", "published"]


def test_editor_schedules_an_article_with_a_future_time(editor_client, client):
    article = draft()
    when = timezone.localtime(timezone.now() + timedelta(days=2))
    editor_client.post(
        change_url(article),
        edit_form(
            article,
            workflow="publish",
            published_at_0=when.strftime("%Y-%m-%d"),
            published_at_1=when.strftime("%H:%M:%S"),
        ),
    )
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED and article.is_scheduled
    assert article.state_label == "Scheduled"
    assert article.events.get().action == "scheduled"
    assert client.get(article.get_absolute_url()).status_code == 404


def test_every_transition_records_actor_action_states_reason_note_and_time(editor, moderator):
    article = draft()
    article.publish(editor)
    article.unpublish(moderator, "Legal asked us to check a quote")
    article.withdraw(moderator, "The quote was invented", "This article has been withdrawn.")
    article.republish(moderator, "Quote verified after all")
    rows = list(
        article.events.order_by("created_at", "pk").values_list(
            "actor__username", "action", "from_status", "to_status", "reason", "public_note"
        )
    )
    assert rows == [
        ("editor", "published", "draft", "published", "", ""),
        ("moderator", "unpublished", "published", "unpublished",
         "Legal asked us to check a quote", ""),
        ("moderator", "withdrawn", "unpublished", "withdrawn", "The quote was invented",
         "This article has been withdrawn."),
        ("moderator", "republished", "withdrawn", "published", "Quote verified after all", ""),
    ]  # fmt: skip
    assert all(event.created_at <= timezone.now() for event in article.events.all())
    article.refresh_from_db()
    assert article.is_public and article.withdrawal_note == ""


@pytest.mark.parametrize(
    "start, move",
    [
        ("draft", lambda a, ed, mod: a.unpublish(mod, "reason")),
        ("draft", lambda a, ed, mod: a.withdraw(mod, "reason", "note")),
        ("draft", lambda a, ed, mod: a.republish(mod, "reason")),
        ("published", lambda a, ed, mod: a.publish(ed)),
        ("published", lambda a, ed, mod: a.submit_for_review(ed)),
        ("withdrawn", lambda a, ed, mod: a.publish(ed)),
        ("unpublished", lambda a, ed, mod: a.unpublish(mod, "again")),
    ],
)
def test_an_invalid_transition_is_refused_and_changes_nothing(editor, moderator, start, move):
    article = ArticleFactory(status=start)
    with pytest.raises(ValidationError):
        move(article, editor, moderator)
    article.refresh_from_db()
    assert article.status == start
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    "move",
    [
        lambda a, ed, mod: a.unpublish(ed, "I am only an editor"),
        lambda a, ed, mod: a.withdraw(ed, "I am only an editor", "note"),
        lambda a, ed, mod: a.publish(mod),
    ],
)
def test_a_transition_the_actor_may_not_make_is_refused(editor, moderator, move):
    article = ArticleFactory(status=Article.Status.PUBLISHED)
    if move.__code__.co_names[-1] == "publish":
        article = draft()
    before = (article.status, article.published_at)
    with pytest.raises(PermissionDenied):
        move(article, editor, moderator)
    article.refresh_from_db()
    assert (article.status, article.published_at) == before
    assert not Event.objects.exists()


def test_take_downs_need_a_reason_and_withdrawal_a_public_note(moderator):
    article = ArticleFactory()
    with pytest.raises(ValidationError):
        article.unpublish(moderator, "   ")
    with pytest.raises(ValidationError):
        article.withdraw(moderator, "A reason", "")
    article.refresh_from_db()
    assert article.is_public


# Staff preview.


@pytest.mark.parametrize(
    "state, banner",
    [
        ({"status": "draft", "published_at": None}, "Preview: Draft."),
        ({"status": "review", "published_at": None}, "Preview: In review."),
        ({"published_at": timezone.now() + timedelta(days=1)}, "Preview: Scheduled."),
        ({"status": "unpublished"}, "Preview: Un-published."),
        ({"status": "withdrawn", "withdrawn_at": timezone.now()}, "Preview: Withdrawn."),
        ({}, "Preview: Published."),
    ],
)
def test_editors_and_moderators_preview_any_state_with_a_banner_never_cached(
    client, editor, moderator, state, banner
):
    article = ArticleFactory(headline="Preview me", **state)
    for user in (editor, moderator):
        client.force_login(user)
        response = client.get(article.get_preview_url())
        assert response.status_code == 200
        content = response.content.decode()
        assert banner in content and "Preview me" in content
        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]


def test_readers_cannot_preview_and_the_public_url_answers_as_for_readers(
    client, django_user_model, editor
):
    article = draft(headline="Secret draft")
    response = client.get(article.get_preview_url())
    assert response.status_code == 302 and "login" in response["Location"]
    reader = django_user_model.objects.create_user("reader", password="a-long-password-1")
    client.force_login(reader)
    assert client.get(article.get_preview_url()).status_code == 403
    client.force_login(editor)
    assert client.get(article.get_absolute_url()).status_code == 404


def test_the_admin_links_to_the_preview(editor_client):
    article = draft()
    assert article.get_preview_url() in editor_client.get(change_url(article)).content.decode()
    changelist = editor_client.get(reverse("admin:articles_article_changelist"))
    assert article.get_preview_url() in changelist.content.decode()


# Revisions.


def test_every_save_keeps_a_version_with_tags_bylines_and_people(editor_client):
    author = PersonFactory(name="Ann Writer")
    editor_client.post(
        ADD_URL,
        article_form(
            **{
                "bylines-TOTAL_FORMS": "1",
                "bylines-0-person": author.pk,
                "bylines-0-role": "reporting",
                "bylines-0-position": "0",
            }
        ),
    )
    article = Article.objects.get()
    editor_client.post(
        change_url(article), edit_form(article, body="A rewritten body.", tags="Politics")
    )
    versions = list(Revision.objects.filter(article=article).order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].data["tags"] == ["Budget", "Politics"]
    assert versions[0].data["bylines"][0]["name"] == "Ann Writer"
    assert versions[1].data["body"] == "A rewritten body."
    assert versions[1].data["tags"] == ["Politics"]


def test_editor_sees_a_readable_diff_and_restores_an_earlier_version(editor_client, client):
    editor_client.post(ADD_URL, article_form(body="The mayor resigned on Monday."))
    article = Article.objects.get()
    editor_client.post(
        change_url(article),
        edit_form(article, body="The mayor resigned on Tuesday.", tags="Politics"),
    )
    page = editor_client.get(reverse("admin:articles_article_revisions", args=[article.pk]))
    content = page.content.decode()
    assert "<del>Monday.</del>" in content and "<ins>Tuesday.</ins>" in content

    restore = reverse("admin:articles_article_restore", args=[article.pk, 1])
    assert editor_client.get(restore).status_code == 200
    assert editor_client.post(restore).status_code == 302
    article.refresh_from_db()
    assert article.body == "The mayor resigned on Monday."
    assert sorted(article.tags.names()) == ["Budget", "Politics"]
    assert article.status == Article.Status.DRAFT
    assert article.revisions.first().note == "Restored from version 1"


def test_restoring_keeps_the_state_of_a_taken_down_article(editor, moderator):
    article = ArticleFactory(body="Original text.")
    article.body = "Changed text."
    article.save(actor=editor)
    article.unpublish(moderator, "Checking facts")
    article.restore_revision(article.revisions.get(number=1), editor)
    article.refresh_from_db()
    assert article.body == "Original text."
    assert article.status == Article.Status.UNPUBLISHED


def test_moderator_cannot_restore_a_version(moderator_client):
    article = ArticleFactory()
    article.body = "Second"
    article.save()
    restore = reverse("admin:articles_article_restore", args=[article.pk, 1])
    assert moderator_client.post(restore).status_code == 403
    article.refresh_from_db()
    assert article.body == "Second"


# No lost updates.


def test_second_editor_saving_a_stale_form_gets_a_conflict_and_keeps_their_text(
    client, editor, django_user_model
):
    from tests.factories import staff_in_group

    other = staff_in_group("Editors", "other-editor")
    article = draft(body="Original body.")
    stale_form = edit_form(article, body="Second editor's body.")

    client.force_login(other)
    first = client.post(change_url(article), edit_form(article, body="First editor's body."))
    assert first.status_code == 302

    client.force_login(editor)
    second = client.post(change_url(article), stale_form)
    content = second.content.decode()
    assert second.status_code == 200
    assert "Someone else saved this article by other-editor" in content
    assert "Second editor&#x27;s body." in content  # their text is still in the form
    article.refresh_from_db()
    assert article.body == "First editor's body."


def test_an_editors_stale_form_cannot_republish_a_taken_down_article(editor_client, moderator):
    article = ArticleFactory()
    stale_form = edit_form(article, body="Edited while it was being taken down.")
    article.unpublish(moderator, "Legal hold")
    response = editor_client.post(change_url(article), stale_form)
    assert response.status_code == 200
    assert "Someone else saved this article" in response.content.decode()
    article.refresh_from_db()
    assert article.status == Article.Status.UNPUBLISHED
    assert article.body != "Edited while it was being taken down."


def test_a_crafted_status_field_in_the_editors_post_is_ignored(editor_client):
    article = draft()
    editor_client.post(change_url(article), edit_form(article, status="published"))
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


# Corrections.


def test_editing_a_published_articles_text_asks_what_kind_of_change_it_is(editor_client):
    article = ArticleFactory(body="Ten people were hurt.")
    response = editor_client.post(
        change_url(article), edit_form(article, body="Twelve people were hurt.")
    )
    assert response.status_code == 200
    assert "say what kind of change you made" in response.content.decode()
    response = editor_client.post(
        change_url(article),
        edit_form(article, body="Twelve people were hurt.", change_kind="correction"),
    )
    assert "needs a public note" in response.content.decode()
    article.refresh_from_db()
    assert article.body == "Ten people were hurt."


def test_a_correction_gets_a_dated_public_note_on_the_article_and_the_corrections_page(
    editor_client, client
):
    article = ArticleFactory(body="Ten people were hurt.")
    updated_before = article.updated_at
    editor_client.post(
        change_url(article),
        edit_form(
            article,
            body="Twelve people were hurt.",
            change_kind="correction",
            change_note="An earlier version gave the wrong number of injured.",
        ),
    )
    article.refresh_from_db()
    assert article.body == "Twelve people were hurt."
    assert article.updated_at > updated_before
    correction = article.corrections.get()
    assert correction.kind == Correction.Kind.CORRECTION
    page = client.get(article.get_absolute_url()).content.decode()
    assert "An earlier version gave the wrong number of injured." in page
    assert "Updated" in page
    listing = client.get(reverse("reader:correction_list")).content.decode()
    assert "An earlier version gave the wrong number of injured." in listing
    assert article.headline in listing
    assert article.events.filter(action="corrected").exists()


def test_an_update_shows_an_updated_line_but_is_not_listed_as_a_correction(editor_client, client):
    article = ArticleFactory(body="Talks began.")
    editor_client.post(
        change_url(article),
        edit_form(article, body="Talks began. They ended at midnight.", change_kind="update"),
    )
    article.refresh_from_db()
    page = client.get(article.get_absolute_url()).content.decode()
    assert 'class="updated"' in page
    listing = client.get(reverse("reader:correction_list")).content.decode()
    assert article.headline not in listing


def test_a_typo_fix_adds_no_note_and_does_not_move_the_updated_time(editor_client, client):
    article = ArticleFactory(body="The goverment said.")
    updated_before = article.updated_at
    editor_client.post(
        change_url(article),
        edit_form(article, body="The government said.", change_kind="typo"),
    )
    article.refresh_from_db()
    assert article.body == "The government said."
    assert article.updated_at == updated_before
    assert not article.corrections.exists()
    page = client.get(article.get_absolute_url()).content.decode()
    assert 'class="updated"' not in page and "Corrections and updates" not in page


def test_corrections_of_articles_readers_cannot_see_are_not_listed(client, moderator):
    article = ArticleFactory(headline="Later taken down")
    article.record_change(moderator, Correction.Kind.CORRECTION, "A fixed figure.")
    article.unpublish(moderator, "Legal")
    listing = client.get(reverse("reader:correction_list")).content.decode()
    assert "Later taken down" not in listing and "A fixed figure." not in listing


def test_changing_tags_or_bylines_of_a_published_article_needs_no_change_kind(editor_client):
    article = ArticleFactory(tags=["One"])
    BylineFactory(article=article)
    response = editor_client.post(change_url(article), edit_form(article, tags="One, Two"))
    assert response.status_code == 302
    article.refresh_from_db()
    assert sorted(article.tags.names()) == ["One", "Two"]


def make_move(article, move, actor):
    """``move`` (a workflow.Transition) through the model's own method, as the desk calls it."""
    method = getattr(article, move.name)
    if move.name == "withdraw":
        return method(actor, "A reason", "A public note")
    if move.reason_required or move.name == "republish":
        return method(actor, "A reason")
    return method(actor)


@pytest.mark.parametrize("status", list(Article.Status))
@pytest.mark.parametrize("name", list(TRANSITIONS))
def test_every_move_from_every_state_is_allowed_exactly_as_the_table_says(status, name):
    move = TRANSITIONS[name]
    # A published story can be moved by `publish` only while it waits for its time.
    scheduled = status == Article.Status.PUBLISHED and name == "publish"
    article = ArticleFactory(
        status=status,
        published_at=timezone.now() + timedelta(days=1) if scheduled else timezone.now(),
    )
    boss = UserFactory(username="boss", is_staff=True, is_superuser=True)
    if status in move.sources:
        make_move(article, move, boss)
        article.refresh_from_db()
        assert article.status == move.to
        assert article.events.get().to_status == move.to
    else:
        with pytest.raises(ValidationError):
            make_move(article, move, boss)
        article.refresh_from_db()
        assert article.status == status


@pytest.mark.parametrize("status", list(Article.Status))
def test_the_change_form_offers_a_moderator_the_take_downs_the_table_allows(
    moderator_client, status
):
    article = ArticleFactory(status=status)
    content = moderator_client.get(change_url(article)).content.decode()
    for move in CONFIRMED.values():
        link = reverse("admin:articles_article_transition", args=[move.step])
        assert (f'href="{link}?ids={article.pk}"' in content) == (status in move.sources), (
            move.label
        )
