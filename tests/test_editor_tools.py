"""Editors keeping tags clean, linking the people a story names, and watching the desk."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Mention, MentionSuggestion, Tag, TagAlias, TaggedArticle
from tests.factories import ArticleFactory, MentionFactory, PersonFactory, TagFactory, UserFactory
from tests.test_editor_admin import article_form

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:articles_article_add")
TAGS_URL = reverse("admin:articles_tag_changelist")
DASHBOARD_URL = reverse("admin:articles_article_dashboard")


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def posted_form(article, **overrides):
    """The article's change form as the editor sends it back, with ``overrides``."""
    article.refresh_from_db()
    data = article_form(
        headline=article.headline,
        slug=article.slug,
        kind=article.kind,
        standfirst=article.standfirst,
        body=article.body,
        tags=", ".join(article.tags.names()),
        opened_version=article.version,
    )
    data.update(overrides)
    return data


# Tags --------------------------------------------------------------------------------------


def test_one_tag_whatever_the_case(editor_client):
    ArticleFactory(tags=["US"])
    ArticleFactory(tags=["us"])
    editor_client.post(ADD_URL, article_form(slug="third", tags="Us, uS"))
    assert list(Tag.objects.values_list("name", flat=True)) == ["US"]
    assert TaggedArticle.objects.filter(tag__name="US").count() == 3


def test_tag_aliases_become_their_tag_in_the_article_form(editor_client):
    us = TagFactory(name="US", slug="us")
    TagAlias.objects.create(tag=us, name="U.S.")
    TagAlias.objects.create(tag=us, name="United States")
    response = editor_client.post(ADD_URL, article_form(tags="U.S., united states, Syria"))
    assert response.status_code == 302
    article = Article.objects.get()
    assert sorted(article.tags.names()) == ["Syria", "US"]
    assert not Tag.objects.filter(name__in=["U.S.", "United States"]).exists()


def test_editor_adds_an_alias_in_the_tag_admin(editor_client):
    us = TagFactory(name="US", slug="us")
    url = reverse("admin:articles_tag_change", args=[us.pk])
    page = editor_client.get(url).content.decode()
    assert "Aliases" in page
    response = editor_client.post(
        url,
        {
            "name": "US",
            "slug": "us",
            "aliases-TOTAL_FORMS": "1",
            "aliases-INITIAL_FORMS": "0",
            "aliases-0-name": "U.S.",
        },
    )
    assert response.status_code == 302
    assert list(us.aliases.values_list("name", flat=True)) == ["U.S."]
    assert "U.S." in editor_client.get(TAGS_URL).content.decode()


def test_an_alias_that_is_already_a_tag_is_a_form_error(editor_client):
    us = TagFactory(name="US", slug="us")
    TagFactory(name="USA", slug="usa")
    response = editor_client.post(
        reverse("admin:articles_tag_change", args=[us.pk]),
        {
            "name": "US",
            "slug": "us",
            "aliases-TOTAL_FORMS": "1",
            "aliases-INITIAL_FORMS": "0",
            "aliases-0-name": "usa",
        },
    )
    assert response.status_code == 200
    assert "merge that tag into this one instead" in response.content.decode()
    assert not TagAlias.objects.exists()


def merge(client, tags, keep=None):
    data = {"action": "merge_tags", "_selected_action": [tag.pk for tag in tags]}
    if keep is not None:
        data.update(post="yes", keep=keep.pk)
    return client.post(TAGS_URL, data)


def test_merging_tags_moves_every_article_and_redirects_the_old_page(editor_client, client):
    us, usa = TagFactory(name="US", slug="us"), TagFactory(name="USA", slug="usa")
    only_usa = ArticleFactory(tags=["USA"])
    both = ArticleFactory(tags=["USA", "US"])
    only_us = ArticleFactory(tags=["US"])

    confirm = merge(editor_client, [us, usa])
    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert "Keep which tag?" in page and "USA" in page
    assert Tag.objects.count() == 2  # nothing happens before the editor confirms

    response = merge(editor_client, [us, usa], keep=us)
    assert response.status_code == 302
    assert list(Tag.objects.values_list("name", flat=True)) == ["US"]
    for article in [only_usa, both, only_us]:
        assert list(article.tags.names()) == ["US"]
    assert TaggedArticle.objects.filter(content_object=both).count() == 1

    old = client.get(reverse("reader:tag_detail", args=["usa"]))
    assert old.status_code == 301
    assert old["Location"] == us.get_absolute_url()
    assert client.get(old["Location"]).status_code == 200
    # Its feed moves with it, so feed readers subscribed to the old one follow.
    old_feed = client.get(reverse("reader:tag_feed", args=["usa"]))
    assert old_feed.status_code == 301
    assert old_feed["Location"] == reverse("reader:tag_feed", args=["us"])
    assert client.get(old_feed["Location"]).status_code == 200
    old_atom = client.get(reverse("reader:tag_atom_feed", args=["usa"]))
    assert old_atom["Location"] == reverse("reader:tag_atom_feed", args=["us"])
    assert client.get(reverse("reader:tag_feed", args=["nowhere"])).status_code == 404
    # The old name is now an alias: typing it tags with the kept tag.
    editor_client.post(ADD_URL, article_form(slug="later", tags="usa"))
    assert list(Article.objects.get(slug="later").tags.names()) == ["US"]


def test_merging_twice_keeps_the_oldest_address_working(editor_client, client):
    a, b, c = (TagFactory(name=name, slug=name.lower()) for name in ["Alpha", "Beta", "Gamma"])
    ArticleFactory(tags=["Alpha", "Beta", "Gamma"])
    merge(editor_client, [a, b], keep=b)
    merge(editor_client, [b, c], keep=c)
    response = client.get(reverse("reader:tag_detail", args=["alpha"]))
    assert response.status_code == 301
    assert response["Location"] == c.get_absolute_url()


def test_a_moderator_cannot_merge_tags(moderator_client):
    us, usa = TagFactory(name="US", slug="us"), TagFactory(name="USA", slug="usa")
    merge(moderator_client, [us, usa], keep=us)
    assert Tag.objects.count() == 2


def test_an_unknown_tag_page_is_still_a_404(client):
    assert client.get(reverse("reader:tag_detail", args=["nothing-here"])).status_code == 404


# People the text names ----------------------------------------------------------------------


@pytest.fixture
def putin():
    return PersonFactory(name="Vladimir Putin", slug="vladimir-putin", aliases="Putin")


@pytest.fixture
def trump():
    return PersonFactory(name="Donald Trump", slug="donald-trump", aliases="Trump")


def test_saving_an_article_suggests_the_people_it_names_and_links_none(editor_client, putin, trump):
    response = editor_client.post(
        ADD_URL,
        article_form(body="Putin spoke. A trumpet played; Trumpets and trumpeters too."),
        follow=True,
    )
    article = Article.objects.get()
    assert [s.person for s in article.mention_suggestions.pending()] == [putin]
    assert not article.mentions.exists()
    assert "names Vladimir Putin" in response.content.decode()
    page = editor_client.get(change_url(article)).content.decode()
    assert "People the text names" in page
    assert "Vladimir Putin (named “Putin”)" in page


def test_editor_links_chosen_people_and_turns_others_down(editor_client, putin, trump):
    article = ArticleFactory(body="Putin met Trump.")
    article.refresh_mention_suggestions()
    by_person = {s.person: s for s in article.mention_suggestions.all()}
    response = editor_client.post(
        change_url(article),
        posted_form(
            article,
            accept_people=[by_person[putin].pk],
            dismiss_people=[by_person[trump].pk],
        ),
    )
    assert response.status_code == 302
    assert [m.person for m in article.mentions.all()] == [putin]
    assert not article.mention_suggestions.pending().exists()
    # Saved again, the text still names Trump, but he was turned down: not offered again.
    editor_client.post(change_url(article), posted_form(article))
    assert not article.mention_suggestions.pending().exists()
    assert [m.person for m in article.mentions.all()] == [putin]


def test_link_all_accepts_every_suggestion_in_one_step(editor_client, putin, trump):
    article = ArticleFactory(body="Putin met Trump.")
    article.refresh_mention_suggestions()
    response = editor_client.post(
        change_url(article), posted_form(article, link_all_people="on"), follow=True
    )
    assert response.status_code == 200
    assert {m.person for m in article.mentions.all()} == {putin, trump}
    assert "Linked as people mentioned" in response.content.decode()


def test_linking_and_turning_down_the_same_person_is_a_form_error(editor_client, putin):
    article = ArticleFactory(body="Putin spoke.")
    (suggestion,) = article.refresh_mention_suggestions()
    response = editor_client.post(
        change_url(article),
        posted_form(article, accept_people=[suggestion.pk], dismiss_people=[suggestion.pk]),
    )
    assert response.status_code == 200
    assert "Choose either to link or to turn down" in response.content.decode()
    assert not Mention.objects.exists()


def test_changelist_action_links_the_suggested_people(editor_client, putin):
    articles = [ArticleFactory(body="Putin spoke."), ArticleFactory(body="No one.")]
    for article in articles:
        article.refresh_mention_suggestions()
    editor_client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "link_suggested_people", "_selected_action": [a.pk for a in articles]},
    )
    assert [m.person for m in articles[0].mentions.all()] == [putin]
    assert not articles[1].mentions.exists()


def test_people_already_mentioned_are_not_suggested(putin):
    article = ArticleFactory(body="Putin spoke.")
    MentionFactory(article=article, person=putin)
    assert article.refresh_mention_suggestions() == []


def test_matching_is_on_whole_words_and_case(putin, trump):
    samples = {
        "Trump\u2019s plan": True,
        "«Trump»": True,
        "trump card": False,
        "Trumpet solo": False,
        "Trumps": False,
        "DeTrump": False,
    }
    for text, expected in samples.items():
        article = ArticleFactory(body=text)
        found = [s.person for s in article.refresh_mention_suggestions()]
        assert (found == [trump]) is expected, text


def test_suggested_names_are_escaped_in_the_admin(editor_client):
    PersonFactory(name="<b>Bold</b> Name", aliases="Boldie")
    article = ArticleFactory(body="Boldie said hello.")
    article.refresh_mention_suggestions()
    page = editor_client.get(change_url(article)).content.decode()
    assert "&lt;b&gt;Bold&lt;/b&gt; Name" in page
    assert "<b>Bold</b> Name" not in page


def test_a_moderator_sees_no_suggestions_to_accept(moderator_client, putin):
    article = ArticleFactory(body="Putin spoke.")
    article.refresh_mention_suggestions()
    page = moderator_client.get(change_url(article))
    assert page.status_code == 200
    assert "Link all of them" not in page.content.decode()


def test_person_page_shows_the_story_once_the_mention_is_accepted(client, putin):
    article = ArticleFactory(headline="Kremlin statement", body="Putin spoke.")
    article.refresh_mention_suggestions()
    assert client.get(putin.get_absolute_url()).status_code == 404  # not linked yet
    article.accept_mention_suggestions()
    page = client.get(putin.get_absolute_url()).content.decode()
    assert "Stories about Vladimir Putin" in page and "Kremlin statement" in page


# The desk at a glance ----------------------------------------------------------------------


def test_dashboard_shows_counts_schedule_takedowns_and_a_chart(editor_client, moderator):
    now = timezone.now()
    recent = ArticleFactory.create_batch(2, published_at=now - timedelta(minutes=5))
    older = ArticleFactory(published_at=now - timedelta(days=3))
    ArticleFactory(published_at=now - timedelta(days=40))
    ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    later = ArticleFactory(headline="Goes out later", published_at=now + timedelta(days=2))
    sooner = ArticleFactory(headline="Goes out sooner", published_at=now + timedelta(hours=5))
    ArticleFactory(headline="Pulled story").unpublish(moderator, "Legal <review> pending")
    ArticleFactory(headline="Withdrawn <story>").withdraw(
        moderator, "Source retracted", "This story was withdrawn."
    )

    response = editor_client.get(DASHBOARD_URL)
    assert response.status_code == 200
    counts = dict(response.context["counts"])
    assert counts["Published"] == 4 and counts["Scheduled"] == 2 and counts["Draft"] == 1
    assert counts["Un-published"] == 1 and counts["Withdrawn"] == 1
    page = response.content.decode()
    assert page.index(sooner.headline) < page.index(later.headline)
    assert "Pulled story" in page and "Withdrawn &lt;story&gt;" in page
    # Take-downs come from the editorial record, newest first, with who and why.
    assert page.index("Withdrawn &lt;story&gt;") < page.index("Pulled story")
    assert "Legal &lt;review&gt; pending" in page and "Source retracted" in page
    assert "This story was withdrawn." in page and "moderator" in page
    assert "<svg" in page and page.count('class="desk__bar"') == 30
    assert "<script" not in page.split('id="content-main"')[1]
    days = {bar.day: bar.count for bar in response.context["chart"].bars}
    assert days[timezone.localdate(recent[0].published_at)] == 2
    assert days[timezone.localdate(older.published_at)] == 1
    assert sum(days.values()) == 3  # 40 days ago and scheduled ones are not in the chart


def test_dashboard_is_linked_from_the_admin_index(editor_client):
    assert DASHBOARD_URL in editor_client.get(reverse("admin:index")).content.decode()


def test_anonymous_visitors_are_sent_to_log_in_for_the_dashboard(client):
    response = client.get(DASHBOARD_URL)
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def test_moderators_see_the_dashboard(moderator_client):
    assert moderator_client.get(DASHBOARD_URL).status_code == 200


def test_staff_without_the_right_to_see_articles_cannot_see_the_dashboard(client):
    client.force_login(UserFactory(username="staff-without-rights", is_staff=True))
    assert client.get(DASHBOARD_URL).status_code == 403


def test_suggestions_are_removed_when_the_text_no_longer_names_the_person(putin):
    article = ArticleFactory(body="Putin spoke.")
    article.refresh_mention_suggestions()
    article.body = "Someone else spoke."
    article.save()
    assert article.refresh_mention_suggestions() == []
    assert not MentionSuggestion.objects.exists()


def tag_form(name, *aliases):
    data = {
        "name": name,
        "slug": name.lower().replace(".", ""),
        "aliases-TOTAL_FORMS": str(len(aliases)),
        "aliases-INITIAL_FORMS": "0",
    }
    for number, alias in enumerate(aliases):
        data[f"aliases-{number}-name"] = alias
    return data


def test_the_tag_admin_refuses_a_second_tag_differing_only_in_case(editor_client):
    TagFactory(name="US", slug="us")
    response = editor_client.post(reverse("admin:articles_tag_add"), tag_form("us"))
    assert response.status_code == 200
    assert "exists already" in response.content.decode()
    assert Tag.objects.count() == 1


def test_the_tag_admin_refuses_a_tag_named_like_an_alias(editor_client):
    us = TagFactory(name="US", slug="us")
    TagAlias.objects.create(tag=us, name="U.S.")
    response = editor_client.post(reverse("admin:articles_tag_add"), tag_form("u.s."))
    assert response.status_code == 200
    assert "is an alias of the tag" in response.content.decode()
    assert Tag.objects.count() == 1


def test_the_same_alias_twice_in_one_form_is_a_form_error(editor_client):
    response = editor_client.post(reverse("admin:articles_tag_add"), tag_form("US", "U.S.", "u.s."))
    assert response.status_code == 200
    assert "is listed twice" in response.content.decode()
    assert not Tag.objects.exists() and not TagAlias.objects.exists()


def test_an_alias_that_is_the_tag_s_own_name_is_a_form_error(editor_client):
    response = editor_client.post(reverse("admin:articles_tag_add"), tag_form("US", "us"))
    assert response.status_code == 200
    assert "the tag&#x27;s own name" in response.content.decode()
    assert not Tag.objects.exists()


def test_a_merge_shows_on_the_very_next_anonymous_request(client, shared_cache):
    us, usa = TagFactory(name="US", slug="us"), TagFactory(name="USA", slug="usa")
    ArticleFactory(headline="Old tag story", tags=["USA"])
    old_url = reverse("reader:tag_detail", args=["usa"])
    client.get(old_url)
    assert client.get(old_url)["X-Page-Cache"] == "hit"
    usa.merge_into(us)
    response = client.get(old_url)
    assert response.status_code == 301 and response["Location"] == us.get_absolute_url()
    assert "Old tag story" in client.get(us.get_absolute_url()).content.decode()


def test_a_merged_tags_old_address_keeps_its_query_string_and_other_404s_stay(client):
    us, usa = TagFactory(name="US", slug="us"), TagFactory(name="USA", slug="usa")
    ArticleFactory(tags=["USA"])
    usa.merge_into(us)
    response = client.get(reverse("reader:tag_detail", args=["usa"]), {"page": "1"})
    assert response.status_code == 301
    assert response["Location"] == f"{us.get_absolute_url()}?page=1"
    # Only a merged tag's routes move: a missing person or story is still a 404.
    assert client.get(reverse("reader:person_detail", args=["usa"])).status_code == 404
    assert client.get("/articles/usa/").status_code == 404
