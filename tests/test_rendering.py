"""Cards and article pages are rendered when stories are saved (articles/rendering.py): readers
must still see every change to what they show, at once, wherever it is shown."""

from django.core import serializers
from django.core.management import call_command
from django.urls import reverse

from articles.models import Article, Correction, Tag

from .factories import ArticleFactory, BylineFactory, MentionFactory, PersonFactory
from .test_workflow import edit_form

LIST = reverse("reader:article_list")
HOME = reverse("reader:home")


def _pages(article):
    """What readers see of ``article``: its card on the front page and list, and its page."""
    return [
        client_get(HOME),
        client_get(LIST),
        client_get(article.get_absolute_url()),
    ]


def client_get(url):
    from django.test import Client

    response = Client().get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_a_renamed_person_shows_under_the_new_name_and_address_everywhere(db):
    article = ArticleFactory(headline="Harbour reopens")
    writer = PersonFactory(name="Ann Writer", slug="ann-writer")
    BylineFactory(article=article, person=writer)
    subject = PersonFactory(name="Bo Subject", slug="bo-subject")
    MentionFactory(article=article, person=subject)
    assert all("Ann Writer" in page for page in _pages(article))

    writer.name, writer.slug = "Ann Newname", "ann-newname"
    writer.save()
    subject.name = "Bo Renamed"
    subject.save()

    for page in _pages(article):
        assert "Ann Newname" in page and "/people/ann-newname/" in page
        assert "Ann Writer" not in page and "/people/ann-writer/" not in page
    assert "Bo Renamed" in _pages(article)[2]


def test_bylines_tags_and_corrections_added_or_removed_show_at_once(db):
    article = ArticleFactory(headline="Ferry timetable", tags=["Transport"])
    byline = BylineFactory(article=article, person=PersonFactory(name="Cy Reporter"))
    assert "Cy Reporter" in client_get(LIST) and "Transport" in client_get(LIST)

    byline.delete()
    article.tags.add("Ferries")
    article.tags.remove("Transport")
    article.record_change(None, Correction.Kind.CORRECTION, "The ferry leaves at 9, not 10.")

    listing, page = client_get(LIST), client_get(article.get_absolute_url())
    assert "Cy Reporter" not in listing and "Cy Reporter" not in page
    assert "Ferries" in listing and ">Transport<" not in listing
    assert "The ferry leaves at 9, not 10." in page


def test_renamed_merged_and_deleted_tags_show_at_once_on_every_card(db):
    first = ArticleFactory(headline="First story", tags=["Weather"])
    second = ArticleFactory(headline="Second story", tags=["Storms", "Climate"])
    weather = Tag.objects.get(name="Weather")
    weather.name = "Weather and climate"
    weather.save()
    assert "Weather and climate" in client_get(first.get_absolute_url())

    Tag.objects.get(name="Storms").merge_into(weather)
    listing = client_get(LIST)
    assert listing.count(">Weather and climate</a>") == 2 and ">Storms<" not in listing

    Tag.objects.get(name="Climate").delete()
    assert ">Climate<" not in client_get(second.get_absolute_url())


def test_an_edited_headline_shows_on_the_list_and_the_page_after_an_admin_save(editor_client):
    article = ArticleFactory(headline="Old headline", body="Text.")
    url = reverse("admin:articles_article_change", args=[article.pk])
    data = edit_form(article, headline="New headline", tags="Harbours", change_kind="update")
    response = editor_client.post(url, data)
    assert response.status_code == 302
    for page in _pages(article):
        assert "New headline" in page and "Old headline" not in page
    assert ">Harbours</a>" in client_get(LIST)


def test_an_admin_save_renders_the_story_once_with_everything_it_changed(
    editor_client, monkeypatch
):
    """The article, its tags and the workflow step each send signals; the story is rendered
    once, at the end of the save, and shows all of it."""
    from articles import rendering

    article = ArticleFactory(headline="Old headline", tags=["Rail"], body="Text.")
    rendered = []
    render_page = rendering.render_page
    monkeypatch.setattr(
        rendering, "render_page", lambda story: rendered.append(story.pk) or render_page(story)
    )
    url = reverse("admin:articles_article_change", args=[article.pk])
    data = edit_form(article, headline="New headline", tags="Harbours, Ports", change_kind="update")
    assert editor_client.post(url, data).status_code == 302
    assert rendered == [article.pk]
    page = client_get(article.get_absolute_url())
    assert "New headline" in page and ">Harbours<" in page and ">Ports<" in page
    assert ">Rail<" not in page


def test_stories_loaded_without_save_are_rendered_on_the_fly_then_stored(db):
    article = ArticleFactory(headline="Loaded raw", tags=["Archive"])
    BylineFactory(article=article, person=PersonFactory(name="Dee Archivist"))
    data = serializers.serialize("json", [Article.objects.get(pk=article.pk)])
    Article.objects.filter(pk=article.pk).update(card_html="", page_html="")
    for item in serializers.deserialize("json", data):
        item.object.card_html = item.object.page_html = ""
        item.save()  # as loaddata does: no Article.save, no signals acted on
    assert Article.objects.get(pk=article.pk).card_html == ""

    for page in _pages(article):
        assert "Loaded raw" in page and "Dee Archivist" in page

    call_command("render_articles", verbosity=0)
    stored = Article.objects.get(pk=article.pk)
    assert "Dee Archivist" in stored.card_html and "Archive" in stored.card_html
    assert "Dee Archivist" in stored.page_html


def test_a_taken_down_story_leaves_every_list_though_its_card_is_stored(db, moderator):
    article = ArticleFactory(headline="Soon withdrawn")
    assert "Soon withdrawn" in client_get(HOME)
    article.unpublish(moderator, "Legal advice")
    assert "Soon withdrawn" not in client_get(HOME) and "Soon withdrawn" not in client_get(LIST)


# Tags' and people's public_since: in_use() must follow every change, and the clock.


def _topics(client):
    return client.get(LIST).context["filter"].form.fields["tag"].topics.ids


def test_a_scheduled_storys_topic_and_people_appear_when_its_time_comes(db, client, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    due = timezone.now() + timedelta(hours=2)
    article = ArticleFactory(headline="Embargoed", tags=["Embargo topic"], published_at=due)
    MentionFactory(article=article, person=PersonFactory(name="Embargoed Person", slug="emb"))
    assert "embargo-topic" not in _topics(client)
    assert client.get(reverse("reader:person_detail", args=["emb"])).status_code == 404

    later = due + timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert "embargo-topic" in _topics(client)
    assert client.get(reverse("reader:person_detail", args=["emb"])).status_code == 200


def test_topics_and_people_leave_with_their_last_public_story(client, moderator):
    article = ArticleFactory(tags=["Only here"])
    writer = PersonFactory(name="Only Writer", slug="only-writer")
    byline = BylineFactory(article=article, person=writer)
    other = ArticleFactory(tags=["Elsewhere"])
    assert "only-here" in _topics(client)

    # The byline moves to someone else: the first writer has no public story left.
    byline.person = PersonFactory(name="New Writer", slug="new-writer")
    byline.save()
    assert client.get(reverse("reader:person_detail", args=["only-writer"])).status_code == 404
    assert client.get(reverse("reader:person_detail", args=["new-writer"])).status_code == 200

    article.unpublish(moderator, "Legal advice")
    assert "only-here" not in _topics(client)
    assert client.get(reverse("reader:person_detail", args=["new-writer"])).status_code == 404

    other.delete()
    assert "elsewhere" not in _topics(client)
    assert "Elsewhere" not in client.get(reverse("reader:tag_list")).content.decode()


def test_the_topic_filter_shows_renamed_and_chosen_topics_as_they_are_now(db, client):
    """The topics' options are written once per list of topics and reused: a renamed topic
    must still show its new name at once, and a reader's choice must stay chosen."""
    ArticleFactory(tags=["Harbours", "Rail & <Roads>"])
    page = client.get(LIST, {"tag": "harbours"}).content.decode()
    assert '<option value="harbours" selected>Harbours</option>' in page
    assert '<option value="rail-roads">Rail &amp; &lt;Roads&gt;</option>' in page

    tag = Tag.objects.get(slug="harbours")
    tag.name = "Ports"
    tag.save()
    page = client.get(LIST, {"tag": ["harbours", "rail-roads"]}).content.decode()
    assert '<option value="harbours" selected>Ports</option>' in page
    assert '<option value="rail-roads" selected>Rail &amp; &lt;Roads&gt;</option>' in page
    page = client.get(LIST).content.decode()
    assert '<option value="harbours">Ports</option>' in page
    assert '<option value="rail-roads">Rail &amp; &lt;Roads&gt;</option>' in page


def test_addresses_are_what_reverse_gives_under_any_script_prefix(db):
    """Stories', topics' and people's addresses are put together from a route reversed once
    per script prefix; they must be exactly what ``reverse()`` gives, quoting included."""
    from django.urls import set_script_prefix

    article = ArticleFactory(slug="harbour-reopens", tags=["Harbours"])
    tag = Tag.objects.create(name="Été en ville", slug="été-en-ville")
    person = PersonFactory(slug="ann-writer")
    try:
        for prefix in ["/", "/news/"]:
            set_script_prefix(prefix)
            for obj, name in [
                (article, "article_detail"),
                (tag, "tag_detail"),
                (Tag.objects.get(slug="harbours"), "tag_detail"),
                (person, "person_detail"),
            ]:
                expected = reverse(f"reader:{name}", kwargs={"slug": obj.slug})
                assert obj.get_absolute_url() == expected
                assert expected.startswith(prefix)
        assert tag.get_absolute_url() == "/news/tags/%C3%A9t%C3%A9-en-ville/"
    finally:
        set_script_prefix("/")
