"""Exchanging articles with other systems: ninjs export and import (the operations side)."""

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from articles.models import Article, Byline, Mention, Person
from tests.factories import ArticleFactory, BylineFactory, MentionFactory, PersonFactory, jpeg_file

pytestmark = pytest.mark.django_db

BASE = "https://news.example.com"


def export(*args):
    out = io.StringIO()
    call_command("export_articles", "--base-url", BASE, *args, stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def full_article():
    article = ArticleFactory(
        headline="Harbour “reopens” after storm",
        slug="harbour-reopens-after-storm",
        standfirst="Ships are back.",
        body="The harbour **reopened** today.\n\n> Quoted line.\n\nLast paragraph.",
        kind=Article.Kind.ANALYSIS,
        published_at=datetime(2015, 10, 16, 18, 0, tzinfo=UTC),
        lead_image=jpeg_file("harbour.jpg"),
        lead_image_alt="Ships in the harbour",
        lead_image_caption="The first ship in",
        lead_image_credit="Newsroom photo",
        tags=["Ports", "Weather"],
    )
    BylineFactory(article=article, person=PersonFactory(name="Ann Writer", slug="ann"), position=0)
    BylineFactory(article=article, person=PersonFactory(name="Bo Lens", slug="bo"), position=1)
    MentionFactory(article=article, person=PersonFactory(name="Mayor Example", slug="mayor"))
    return article


def test_export_writes_published_articles_as_ninjs(full_article):
    ArticleFactory(headline="A draft", status=Article.Status.DRAFT, published_at=None)
    ArticleFactory(headline="Scheduled", published_at=timezone.now() + timedelta(days=1))
    ArticleFactory(headline="Pulled", status=Article.Status.UNPUBLISHED)
    items = export()
    assert [item["headline"] for item in items] == [full_article.headline]
    (item,) = items
    assert item["uri"] == f"{BASE}/articles/harbour-reopens-after-storm/"
    assert item["type"] == "text"
    assert item["version"].isdigit()
    assert item["language"] == "en-GB"
    assert item["firstcreated"] == "2015-10-16T18:00:00Z"
    assert item["versioncreated"] >= item["firstcreated"]
    assert item["body_html"] == full_article.body_html
    assert "<strong>reopened</strong>" in item["body_html"]
    assert item["description_text"] == "Ships are back."
    assert item["byline"] == "Ann Writer and Bo Lens"
    assert [(p["name"], p["rel"]) for p in item["person"]] == [
        ("Ann Writer", "author"),
        ("Bo Lens", "author"),
        ("Mayor Example", "about"),
    ]
    assert [s["name"] for s in item["subject"]] == ["Ports", "Weather"]
    assert item["subject"][0]["scheme"] == f"{BASE}/tags/"
    assert item["genre"][0]["code"] == "analysis"
    picture = item["associations"]["featureimage"]
    rendition = picture["renditions"]["original"]
    assert rendition["href"] == BASE + full_article.lead_image.url
    assert (rendition["width"], rendition["height"]) == (640, 360)
    assert rendition["mimetype"] == "image/jpeg"
    assert picture["description_text"] == "Ships in the harbour"


def test_export_to_a_file_and_since_a_date(full_article, tmp_path):
    ArticleFactory(headline="Newer", published_at=timezone.now() - timedelta(hours=1))
    target = tmp_path / "out.json"
    call_command("export_articles", "--output", str(target), stderr=io.StringIO())
    assert len(json.loads(target.read_text(encoding="utf-8"))) == 2
    assert [item["headline"] for item in export("--since", "2020-01-01")] == ["Newer"]
    with pytest.raises(CommandError, match="--since needs a date"):
        export("--since", "2020-13-45")


def test_export_delete_and_import_round_trips_an_article(full_article, tmp_path, editor):
    exported = tmp_path / "articles.json"
    call_command(
        "export_articles", "--base-url", BASE, "--output", str(exported), stderr=io.StringIO()
    )
    before = {
        "headline": full_article.headline,
        "slug": full_article.slug,
        "standfirst": full_article.standfirst,
        "body": full_article.body,
        "body_html": full_article.body_html,
        "kind": full_article.kind,
        "status": full_article.status,
        "published_at": full_article.published_at,
        "lead_image": full_article.lead_image.name,
        "lead_image_alt": full_article.lead_image_alt,
        "lead_image_caption": full_article.lead_image_caption,
        "lead_image_credit": full_article.lead_image_credit,
    }
    people = Person.objects.count()
    full_article.delete()
    assert not Byline.objects.exists() and not Mention.objects.exists()

    out = io.StringIO()
    call_command(
        "import_articles",
        str(exported),
        "--publish",
        "--user",
        "editor",
        "--base-url",
        BASE,
        stdout=out,
    )
    article = Article.objects.get()
    assert article.is_public
    assert {field: getattr(article, field) for field in before if field != "lead_image"} == {
        field: value for field, value in before.items() if field != "lead_image"
    }
    assert article.lead_image.name == before["lead_image"]
    assert sorted(article.tags.names()) == ["Ports", "Weather"]
    assert [b.person.slug for b in article.bylines.all()] == ["ann", "bo"]
    assert [m.person.slug for m in article.mentions.all()] == ["mayor"]
    assert Person.objects.count() == people  # the same people, found again, not copies
    # And once more: a second import of the same file changes nothing.
    call_command(
        "import_articles", str(exported), "--publish", "--user", "editor", stdout=io.StringIO()
    )
    assert Article.objects.count() == 1 and article.bylines.count() == 2


def test_importing_ninjs_from_elsewhere(tmp_path):
    item = {
        "uri": "http://agency.example/items/123",
        "type": "text",
        "headline": "Agency story",
        "body_html": "<p>First &amp; foremost.</p><p>Second <em>para</em>.</p>",
        "firstcreated": "2024-05-01T10:00:00+02:00",
        "subject": [{"name": "Economy"}],
        "person": [{"name": "Reporter Person", "rel": "author"}, {"name": "A Minister"}],
        "associations": {
            "featureimage": {"renditions": {"original": {"href": "http://agency.example/p.jpg"}}}
        },
    }
    path = tmp_path / "agency.json"
    path.write_text(json.dumps(item), encoding="utf-8")
    err = io.StringIO()
    call_command("import_articles", str(path), stdout=io.StringIO(), stderr=err)
    article = Article.objects.get()
    assert article.slug == "123"
    assert article.body == "First & foremost.\n\nSecond para."
    assert article.status == Article.Status.DRAFT
    assert list(article.tags.names()) == ["Economy"]
    assert [b.person.name for b in article.bylines.all()] == ["Reporter Person"]
    assert [m.person.name for m in article.mentions.all()] == ["A Minister"]
    assert "lead image not imported" in err.getvalue()


def test_bad_ninjs_is_reported_and_the_rest_imports(tmp_path, editor):
    items = [
        {"uri": "x:1", "type": "text", "headline": "Fine", "body_text": "Body."},
        {"uri": "x:2", "type": "picture", "headline": "A photo"},
        {"uri": "x:3", "type": "text", "body_text": "No headline."},
        {
            "uri": "x:4",
            "type": "text",
            "headline": "Bad date",
            "body_text": "B.",
            "firstcreated": "soon",
        },
        "not an object",
    ]
    (tmp_path / "mixed.json").write_text(json.dumps(items), encoding="utf-8")
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command(
            "import_articles",
            str(tmp_path / "mixed.json"),
            str(tmp_path / "broken.json"),
            "--publish",
            "--user",
            "editor",
            stdout=io.StringIO(),
            stderr=err,
        )
    assert failed.value.returncode == 1
    report = err.getvalue()
    assert "mixed.json item 2" in report and "not a text" in report
    assert "mixed.json item 3" in report and "no headline" in report
    assert "mixed.json item 4" in report and "not a full date" in report
    assert "mixed.json item 5" in report
    assert "broken.json" in report and "not valid JSON" in report
    assert list(Article.objects.values_list("headline", flat=True)) == ["Fine"]
