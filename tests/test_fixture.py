"""The provided document, loaded by the fixture, is the first article."""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from articles.models import Article, Mention, Person, Tag, TaggedArticle

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "fixtures" / "documents" / "000_5f306b4be6b3e14c.txt"
FIXTURE = ROOT / "fixtures" / "provided_article.json"
HEADLINE = "US Says No to Russia\u2019s Initiative to Launch Broad Political Dialogue on Syria"


def document_paragraphs():
    """The document's paragraphs read here independently of the app's parser: every non-empty
    line after the two headline lines and before the Tags line."""
    lines = DOCUMENT.read_text(encoding="utf-8").split("\n")
    content = [line for line in lines if line.strip(" \u00a0")]
    assert content[0] == content[1] == HEADLINE
    assert content[-1].startswith("Tags:")
    return [line.strip(" \u00a0") for line in content[2:-1]]


@pytest.fixture
def provided_article():
    call_command("loaddata", FIXTURE, verbosity=0)
    return Article.objects.get(slug__startswith="us-says-no-to-russia")


def test_fixture_loads_one_published_opinion_article_with_the_headline_once(provided_article):
    assert Article.objects.count() == 1
    assert provided_article.headline == HEADLINE
    assert provided_article.kind == Article.Kind.OPINION
    assert provided_article.is_public
    assert HEADLINE not in provided_article.body


def test_fixture_body_has_every_paragraph_of_the_document_in_order(provided_article):
    paragraphs = document_paragraphs()
    assert len(paragraphs) == 20
    assert provided_article.body.split("\n\n") == paragraphs
    assert "Tags:" not in provided_article.body
    # Trailing no-break spaces are trimmed; the ones inside a paragraph are the author's.
    assert "\u00a0\n" not in provided_article.body
    assert "told\u00a0the Russian Parliament" in provided_article.body
    assert "\u00abWe have proposed" in provided_article.body


def test_fixture_tags_are_exactly_russia_syria_us(provided_article):
    assert sorted(provided_article.tags.names()) == ["Russia", "Syria", "US"]


def test_fixture_names_six_people_mentioned_and_no_byline(provided_article):
    mentions = {m.person.name: m.role for m in provided_article.mentions.select_related("person")}
    assert set(mentions) == {
        "Sergey Lavrov",
        "Vladimir Putin",
        "Dmitry Medvedev",
        "Barack Obama",
        "Donald Trump",
        "Bashar al-Assad",
    }
    assert mentions["Sergey Lavrov"] == "Russian Foreign Minister"
    assert mentions["Donald Trump"] == "Republican presidential frontrunner"
    # The role in this story is on the mention; the person keeps a general description.
    assert "frontrunner" not in Person.objects.get(name="Donald Trump").description
    assert provided_article.bylines.count() == 0


def test_fixture_publication_time_is_fixed_in_october_2015(provided_article):
    assert provided_article.published_at.isoformat() == "2015-10-16T18:00:00+00:00"


def test_loading_the_fixture_twice_leaves_the_same_rows(provided_article):
    counts = [m.objects.count() for m in (Article, Person, Tag, TaggedArticle, Mention)]
    call_command("loaddata", FIXTURE, verbosity=0)
    assert [m.objects.count() for m in (Article, Person, Tag, TaggedArticle, Mention)] == counts


def test_fixture_body_html_is_what_saving_the_article_renders(provided_article):
    stored = provided_article.body_html
    provided_article.save()
    provided_article.refresh_from_db()
    assert provided_article.body_html == stored
    assert stored.count("<p>") == 20


def test_reader_sees_the_provided_article_with_its_people_and_tags(client, provided_article):
    response = client.get(provided_article.get_absolute_url())
    content = response.content.decode()
    assert response.status_code == 200
    head, body = content.split("<body>")
    assert f"<title>{HEADLINE} · Newsroom</title>" in head
    assert body.count(HEADLINE) == 1  # the heading; the head repeats it for sharing cards
    assert "Opinion" in content
    assert 'class="byline"' not in content
    for slug in ["russia", "syria", "us"]:
        assert reverse("reader:tag_detail", args=[slug]) in content
    assert reverse("reader:person_detail", args=["donald-trump"]) in content
    assert "Republican presidential frontrunner" in content
    home = client.get(reverse("reader:home")).content.decode()
    assert HEADLINE in home
