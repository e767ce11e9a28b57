"""Moderators taking pieces down, and what readers then get everywhere."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Event
from tests.factories import ArticleFactory, BylineFactory, MentionFactory, PersonFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:articles_article_changelist")


def transition_url(action):
    return reverse("admin:articles_article_transition", args=[action])


def run_action(client, action, articles):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [a.pk for a in articles]},
    )


# Every public surface a story appears on. Later surfaces (feeds, sitemaps, search, structured
# data, related stories) are added here so each take-down test covers them too.
def public_surfaces(article):
    person = article.mentions.first().person
    tag = article.tags.first()
    return {
        "front page": reverse("reader:home"),
        "list": reverse("reader:article_list"),
        "filtered list": reverse("reader:article_list") + f"?tag={tag.slug}",
        "tag page": reverse("reader:tag_detail", args=[tag.slug]),
        "tag index": reverse("reader:tag_list"),
        "person page": reverse("reader:person_detail", args=[person.slug]),
        "people index": reverse("reader:person_list"),
        "corrections": reverse("reader:correction_list"),
    }


def shows_story(response):
    """Whether a page shows anything of the contested story: headline, tag, person, note."""
    content = response.content.decode()
    markers = ["The contested story", "Contested topic", "Contested Person", "contested correction"]
    return any(marker in content for marker in markers)


@pytest.fixture
def story():
    """A published story with a tag and a person of its own, and a correction."""
    article = ArticleFactory(headline="The contested story", tags=["Contested topic"])
    MentionFactory(
        article=article, person=PersonFactory(name="Contested Person", slug="contested-person")
    )
    article.corrections.create(kind="correction", note="The contested correction.")
    # Another public story keeps every list page non-empty.
    other = ArticleFactory(headline="A quiet story", tags=["Quiet topic"])
    MentionFactory(article=other, person=PersonFactory(name="Quiet Person"))
    return article


def test_unpublish_action_asks_for_a_reason_on_a_confirmation_page_listing_the_articles(
    moderator_client, story
):
    response = run_action(moderator_client, "unpublish_selected", [story])
    assert response.status_code == 302
    page = moderator_client.get(response["Location"])
    content = page.content.decode()
    assert page.status_code == 200
    assert "The contested story" in content and 'name="reason"' in content

    refused = moderator_client.post(response["Location"], {"ids": str(story.pk), "reason": ""})
    assert refused.status_code == 200
    assert "This field is required" in refused.content.decode()
    story.refresh_from_db()
    assert story.is_public

    done = moderator_client.post(
        response["Location"], {"ids": str(story.pk), "reason": "A court order"}
    )
    assert done.status_code == 302
    story.refresh_from_db()
    assert story.status == Article.Status.UNPUBLISHED
    assert story.events.get().reason == "A court order"


def test_moderator_unpublishes_many_articles_at_once_each_recorded(moderator_client):
    articles = ArticleFactory.create_batch(3)
    moderator_client.post(
        transition_url("unpublish"),
        {"ids": ",".join(str(a.pk) for a in articles), "reason": "Duplicate wire copy"},
    )
    assert not Article.objects.published().exists()
    assert Event.objects.filter(action="unpublished", reason="Duplicate wire copy").count() == 3


def test_an_unpublished_article_is_gone_from_every_public_surface_at_once(client, moderator, story):
    surfaces = public_surfaces(story)
    for name, url in surfaces.items():
        assert shows_story(client.get(url)), name
    story.unpublish(moderator, "Legal")
    assert client.get(story.get_absolute_url()).status_code == 404
    for name, url in surfaces.items():
        response = client.get(url)
        assert response.status_code in (200, 404), name
        assert not shows_story(response), name


def test_a_withdrawn_article_answers_410_with_a_public_notice_and_vanishes_everywhere(
    client, moderator_client, story
):
    surfaces = public_surfaces(story)
    response = moderator_client.post(
        transition_url("withdraw"),
        {
            "ids": str(story.pk),
            "reason": "Our source recanted",
            "public_note": "This article has been withdrawn because <b>its source</b> recanted.",
        },
    )
    assert response.status_code == 302
    notice = client.get(story.get_absolute_url())
    content = notice.content.decode()
    assert notice.status_code == 410
    assert "The contested story" in content
    assert story.published_at.strftime("%-d %B %Y") in content
    assert timezone.now().strftime("%-d %B %Y") in content
    assert "because &lt;b&gt;its source&lt;/b&gt; recanted" in content
    assert '<meta name="robots" content="noindex">' in content
    assert story.body_html not in content
    assert "Our source recanted" not in content  # the reason is internal
    for name, url in surfaces.items():
        assert not shows_story(client.get(url)), name


def test_withdrawal_needs_a_public_note(moderator_client, story):
    response = moderator_client.post(
        transition_url("withdraw"), {"ids": str(story.pk), "reason": "Recanted"}
    )
    assert response.status_code == 200
    story.refresh_from_db()
    assert story.is_public


def test_moderator_republishes_a_withdrawn_piece_at_its_original_time(
    client, moderator_client, moderator, story
):
    original = story.published_at
    story.withdraw(moderator, "Recanted", "Withdrawn.")
    response = run_action(moderator_client, "republish_selected", [story])
    moderator_client.post(response["Location"], {"ids": str(story.pk), "reason": "Confirmed"})
    story.refresh_from_db()
    assert story.is_public and story.published_at == original
    assert client.get(story.get_absolute_url()).status_code == 200


def test_a_transition_that_does_not_apply_is_reported_and_the_rest_proceed(
    moderator_client, moderator
):
    live = ArticleFactory(headline="Live one")
    already = ArticleFactory(headline="Already down")
    already.unpublish(moderator, "Earlier")
    response = moderator_client.post(
        transition_url("unpublish"),
        {"ids": f"{live.pk},{already.pk}", "reason": "Sweep"},
        follow=True,
    )
    content = response.content.decode()
    assert "Un-published 1 article." in content
    assert "Not changed: “Already down”" in content
    live.refresh_from_db()
    assert live.status == Article.Status.UNPUBLISHED


def test_editor_cannot_take_down_even_with_a_crafted_post(editor_client, story):
    assert editor_client.get(transition_url("unpublish") + f"?ids={story.pk}").status_code == 403
    response = editor_client.post(
        transition_url("withdraw"), {"ids": str(story.pk), "reason": "x", "public_note": "y"}
    )
    assert response.status_code == 403
    run_action(editor_client, "unpublish_selected", [story])
    story.refresh_from_db()
    assert story.is_public
    assert not Event.objects.exists()


def test_moderator_cannot_edit_the_body_even_with_a_crafted_post(moderator_client, story):
    url = reverse("admin:articles_article_change", args=[story.pk])
    page = moderator_client.get(url)
    assert page.status_code == 200  # read-only view
    assert 'name="body"' not in page.content.decode()
    response = moderator_client.post(url, {"headline": "Hacked", "body": "Hacked body"})
    assert response.status_code == 403
    story.refresh_from_db()
    assert story.headline == "The contested story"


def test_article_admin_page_shows_its_event_history(moderator_client, moderator, story):
    story.unpublish(moderator, "Checking a quote")
    page = moderator_client.get(reverse("admin:articles_article_change", args=[story.pk]))
    content = page.content.decode()
    assert "History: who did what, when and why" in content
    assert "Checking a quote" in content and "Un-published" in content


def test_moderation_queue_shows_recent_scheduled_and_taken_down_pieces(moderator_client, moderator):
    recent = ArticleFactory(headline="Fresh story")
    old = ArticleFactory(headline="Old story", published_at=timezone.now() - timedelta(days=60))
    scheduled = ArticleFactory(
        headline="Tomorrow story", published_at=timezone.now() + timedelta(days=1)
    )
    down = ArticleFactory(headline="Pulled story")
    down.unpublish(moderator, "Pulled")

    def queue(name):
        response = moderator_client.get(CHANGELIST, {"queue": name})
        return response.content.decode()

    assert recent.headline in queue("recent") and old.headline not in queue("recent")
    assert scheduled.headline in queue("scheduled") and recent.headline not in queue("scheduled")
    assert down.headline in queue("takedowns") and recent.headline not in queue("takedowns")


def test_bylined_person_page_forgets_a_taken_down_story(client, moderator):
    author = PersonFactory(name="Solo Author", slug="solo-author")
    article = ArticleFactory(headline="Only story")
    BylineFactory(article=article, person=author)
    assert client.get(author.get_absolute_url()).status_code == 200
    article.unpublish(moderator, "Legal")
    assert client.get(author.get_absolute_url()).status_code == 404
