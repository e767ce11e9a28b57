"""Names nobody planned for (issue 19, item 3): tags of punctuation, emoji, dashes or invisible
characters, and invisible characters in people's names and headlines. Editors type or paste
them in the admin, the importer reads them; readers must never get a server error."""

import importlib
import io
import json
import re

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.models import Article, Person, Tag, TagAlias
from articles.names import clean_name
from tests.factories import ArticleFactory, PersonFactory, TagFactory
from tests.test_editor_admin import article_form

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:articles_article_add")
TAG_ADD_URL = reverse("admin:articles_tag_add")
TAGS_URL = reverse("admin:articles_tag_changelist")
# What a tag page's address may hold (reader/urls.py, the "uslug" converter).
ADDRESS = re.compile(r"[-\w]+")
ZWSP, SOFT_HYPHEN, RLM, WORD_JOINER, BOM = "\u200b", "\u00ad", "\u200f", "\u2060", "\ufeff"
# Names whose slug would be empty: punctuation only, emoji only, dashes, a flag.
EMPTY_SLUGS = ["!!!", "???", "🇺🇦", "🙂🙂", "---", "- -", "«»", "__"]


def public_pages(tags, article):
    """Every public page a tagged story is on."""
    pages = ["/", reverse("reader:article_list"), article.get_absolute_url()]
    pages += [reverse("reader:tag_list"), reverse("reader:latest_feed")]
    pages += [reverse("reader:sitemap"), reverse("reader:sitemap_news")]
    pages += [reverse("reader:sitemap_section", args=["tags"])]
    for tag in tags:
        pages += [tag.get_absolute_url(), reverse("reader:tag_feed", args=[tag.slug])]
        pages += [reverse("reader:tag_atom_feed", args=[tag.slug])]
        pages += [f"{reverse('reader:article_list')}?tag={tag.slug}"]
    return pages


def assert_every_page_answers(client, tags, article):
    for page in public_pages(tags, article):
        assert client.get(page).status_code == 200, page


def assert_good_addresses(tags):
    slugs = [tag.slug for tag in tags]
    assert all(ADDRESS.fullmatch(slug) for slug in slugs), slugs
    assert len(set(slugs)) == len(slugs), slugs


def test_tags_whose_name_slugifies_to_nothing_get_unique_addresses_and_every_page_answers(
    editor_client, client
):
    response = editor_client.post(
        ADD_URL, article_form(tags=", ".join(EMPTY_SLUGS), workflow="publish")
    )
    assert response.status_code == 302
    article = Article.objects.get()
    tags = list(article.tags.all())
    assert sorted(tag.name for tag in tags) == sorted(EMPTY_SLUGS)
    assert_good_addresses(tags)
    assert_every_page_answers(client, tags, article)
    for tag in tags:
        assert tag.name in client.get(tag.get_absolute_url()).content.decode()


def test_a_tag_name_that_slugifies_to_nothing_gets_the_same_address_every_time(editor_client):
    editor_client.post(ADD_URL, article_form(tags="!!!"))
    first = Tag.objects.get().slug
    Article.objects.all().delete()
    Tag.objects.all().delete()
    editor_client.post(ADD_URL, article_form(slug="again", tags="!!!"))
    assert Tag.objects.get().slug == first
    assert first.startswith("tag-")


def test_invisible_characters_are_stripped_from_tag_names_before_comparison(editor_client):
    TagFactory(name="US", slug="us")
    typed = f"US{ZWSP}, {BOM}Syria{SOFT_HYPHEN}, {RLM}{WORD_JOINER}, Human{ZWSP}  rights"
    response = editor_client.post(ADD_URL, article_form(tags=typed))
    assert response.status_code == 302
    assert sorted(Article.objects.get().tags.names()) == ["Human rights", "Syria", "US"]
    assert sorted(Tag.objects.values_list("slug", flat=True)) == ["human-rights", "syria", "us"]


def tag_form(name, slug=""):
    return {"name": name, "slug": slug, "aliases-TOTAL_FORMS": "0", "aliases-INITIAL_FORMS": "0"}


def test_the_tag_admin_gives_a_punctuation_tag_an_address_and_refuses_an_invisible_one(
    editor_client, client
):
    response = editor_client.post(TAG_ADD_URL, tag_form("!!!"))
    assert response.status_code == 302
    tag = Tag.objects.get()
    assert tag.slug.startswith("tag-")
    invisible = editor_client.post(TAG_ADD_URL, tag_form(f"{ZWSP}{WORD_JOINER}", "x"))
    assert invisible.status_code == 200
    assert "at least one visible character" in invisible.content.decode()
    twin = editor_client.post(TAG_ADD_URL, tag_form(f"!!!{ZWSP}", "other"))
    assert twin.status_code == 200
    assert "exists already" in twin.content.decode()
    assert Tag.objects.count() == 1
    for term in ["!!!", ZWSP, "🇺🇦"]:
        assert editor_client.get(TAGS_URL, {"q": term}).status_code == 200
    ArticleFactory(tags=[tag])
    assert client.get(tag.get_absolute_url()).status_code == 200


def test_merging_a_tag_that_slugifies_to_nothing_redirects_its_address(editor_client, client):
    us = TagFactory(name="US", slug="us")
    ArticleFactory(tags=["🇺🇸"])
    odd = Tag.objects.get(name="🇺🇸")
    old_address = odd.get_absolute_url()
    data = {"action": "merge_tags", "_selected_action": [us.pk, odd.pk]}
    assert editor_client.post(TAGS_URL, data).status_code == 200
    response = editor_client.post(TAGS_URL, {**data, "post": "yes", "keep": us.pk})
    assert response.status_code == 302
    assert TagAlias.objects.get().name == "🇺🇸"
    moved = client.get(old_address)
    assert moved.status_code == 301 and moved["Location"] == us.get_absolute_url()
    editor_client.post(ADD_URL, article_form(slug="later", tags="🇺🇸"))
    assert list(Article.objects.get(slug="later").tags.names()) == ["US"]


def import_file(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), "utf-8")
    out, err = io.StringIO(), io.StringIO()
    call_command("import_articles", str(path), stdout=out, stderr=err)
    return err.getvalue()


def test_invisible_characters_are_stripped_from_people_s_names_before_comparison(
    editor_client, tmp_path
):
    putin = PersonFactory(name="Vladimir Putin", slug="vladimir-putin")
    item = {
        "headline": "Talks in Moscow",
        "body_text": "Vladimir Putin spoke.",
        "person": [{"name": f"Vladimir{ZWSP} Putin{RLM}", "rel": "about"}],
    }
    import_file(tmp_path, "item.json", item)
    assert list(Article.objects.get().people_mentioned.all()) == [putin]
    assert Person.objects.count() == 1
    response = editor_client.post(
        reverse("admin:articles_person_add"),
        {"name": f"{ZWSP}{BOM}", "slug": "nobody", "description": "", "bio": "", "aliases": ""},
    )
    assert response.status_code == 200
    assert "at least one visible character" in response.content.decode()
    assert Person.objects.count() == 1


def test_invisible_characters_are_stripped_from_headlines_before_comparison(
    editor_client, tmp_path
):
    # The heading repeats the title with a zero-width space in it: still the headline, once.
    document = f"Talks in{ZWSP} Moscow\n\nTalks in Moscow{ZWSP}\n\nThe text.\n"
    import_file(tmp_path, "story.txt", document)
    article = Article.objects.get()
    assert article.headline == "Talks in Moscow"
    assert article.body == "The text."
    response = editor_client.post(ADD_URL, article_form(headline=f"{ZWSP}{RLM}", slug="blank"))
    assert response.status_code == 200
    assert "at least one visible character" in response.content.decode()
    assert Article.objects.count() == 1


# Any name at all -----------------------------------------------------------------------------

# What hostile names are made of: letters, digits, punctuation, emoji, dashes, spaces of every
# kind and the invisible characters pasted text carries.
HOSTILE = st.text(
    alphabet=st.sampled_from(
        [
            *"aZé9ß!?.,-_#&«»—“”'\"<>",
            *["🇺", "🇦", "🙂", "\u200d", "\ufe0f", "Я", "文", "\u0301"],
            *[" ", "\t", "\u00a0", "\u3000", ZWSP, SOFT_HYPHEN, RLM, WORD_JOINER, BOM, "\u3164"],
        ]
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(names=st.lists(HOSTILE, min_size=1, max_size=4))
def test_any_tag_an_editor_types_is_refused_or_gets_an_address_that_answers(names):
    client = Client()
    with transaction.atomic():
        article = ArticleFactory(slug="hostile-names")
        article.tags.set(Tag.objects.canonical_names(names))
        tags = list(article.tags.all())
        assert_good_addresses(tags)
        for tag in tags:
            assert tag.name and tag.name == tag.name.strip()
            assert not set(tag.name) & {ZWSP, SOFT_HYPHEN, RLM, WORD_JOINER, BOM, "\t"}
        assert_every_page_answers(client, tags, article)
        transaction.set_rollback(True)


def test_a_tag_saved_with_an_empty_slug_gets_an_address_by_migration(client):
    # As django-taggit stored "!!!" before the rule: every page naming it was a server error.
    article = ArticleFactory(tags=["!!!"])
    Tag.objects.filter(name="!!!").update(slug="")
    migration = importlib.import_module("articles.migrations.0014_tag_slugs_never_empty")
    migration.give_empty_slugs_an_address(django_apps, None)
    tag = Tag.objects.get()
    assert ADDRESS.fullmatch(tag.slug) and tag.slug.startswith("tag-")
    Article.objects.all().rerender()
    assert_every_page_answers(client, [tag], article)


def test_joiners_and_emoji_selectors_inside_a_name_are_kept(editor_client):
    # Invisible alone, they change what readers see inside a word: a Persian word keeps its
    # non-joiner, an emoji sequence its joiner, a heart its emoji selector.
    persian = "حقوق\u200cبشر"
    technologist = "\U0001f469\u200d\U0001f4bb coders"
    heart = "I \u2764\ufe0f NY"
    for name in (persian, technologist, heart):
        assert clean_name(name) == name
    assert clean_name("\u200dUS\u200d") == "US"
    assert clean_name("\ufe0f") == ""
    article = ArticleFactory(slug="joined-names")
    article.tags.set(Tag.objects.canonical_names([persian, technologist]))
    assert sorted(article.tags.values_list("name", flat=True)) == sorted([persian, technologist])
