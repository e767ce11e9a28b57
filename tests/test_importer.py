"""Editors importing plain-text documents with ``import_articles``."""

import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from articles.models import Article, Event, Mention, MentionSuggestion, Person, TagAlias
from tests.factories import TagFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "fixtures" / "documents" / "000_5f306b4be6b3e14c.txt"
FIXTURE = ROOT / "fixtures" / "provided_article.json"
SIX = [
    "Dmitry Medvedev",
    "Vladimir Putin",
    "Sergey Lavrov",
    "Bashar al-Assad",
    "Barack Obama",
    "Donald Trump",
]


class Terminal(io.StringIO):
    def isatty(self):
        return True


def run_import(*args):
    """Run the command; return (stdout, stderr, exit status as the shell would see it)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_articles", *map(str, args), stdout=out, stderr=err)
        status = 0
    except CommandError as error:
        status = error.returncode
    return out.getvalue(), err.getvalue(), status


def write(tmp_path, name, content):
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


@pytest.fixture
def fixture_rows():
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


@pytest.fixture
def six_people(fixture_rows):
    """The fixture's six people, without its article (the import is to make that)."""
    for row in fixture_rows:
        if row["model"] == "articles.person":
            fields = {
                k: v for k, v in row["fields"].items() if k not in {"created_at", "updated_at"}
            }
            Person.objects.create(**fields)


def test_importing_the_provided_document_gives_the_fixture_article_and_six_suggestions(
    six_people, fixture_rows, editor
):
    expected = next(row["fields"] for row in fixture_rows if row["model"] == "articles.article")
    before = timezone.now()
    out, err, status = run_import(DOCUMENT, "--publish", "--user", "editor", "--kind", "opinion")
    assert status == 0, err
    article = Article.objects.get()
    assert article.headline == expected["headline"]
    assert article.slug == expected["slug"]
    assert article.body == expected["body"]
    assert article.body.split("\n\n")[0].startswith("Washington has refused")
    assert len(article.body.split("\n\n")) == 20
    assert article.body_html == expected["body_html"]
    assert sorted(article.tags.names()) == ["Russia", "Syria", "US"]
    assert article.kind == Article.Kind.OPINION
    assert article.status == Article.Status.PUBLISHED
    assert before <= article.published_at <= timezone.now()
    assert article.is_public
    # The six people are offered, in the order the text names them, and none is linked yet.
    suggested = [s.person.name for s in article.mention_suggestions.pending()]
    assert sorted(suggested) == sorted(SIX)
    assert suggested[0] == "Dmitry Medvedev"
    assert not Mention.objects.exists()
    assert article.bylines.count() == 0
    assert "Imported 1 new" in out and "People to confirm as mentioned: 6" in out
    # Published through the workflow: the record says who created and who published it.
    assert [(e.action, e.actor) for e in article.events.order_by("pk")] == [
        (Event.Action.CREATED, editor),
        (Event.Action.PUBLISHED, editor),
    ]
    assert article.revisions.exists()


def test_imported_articles_are_drafts_unless_published(tmp_path):
    path = write(tmp_path, "story.txt", "A quiet headline\n\nOne paragraph.\n")
    _, err, status = run_import(path)
    assert status == 0, err
    article = Article.objects.get()
    assert article.status == Article.Status.DRAFT
    assert article.published_at is None
    assert article.kind == Article.Kind.NEWS
    assert not Article.objects.published().exists()
    assert [(e.action, e.actor) for e in article.events.all()] == [(Event.Action.CREATED, None)]


def test_publishing_needs_a_user_who_may_publish(tmp_path, moderator):
    path = write(tmp_path, "story.txt", "A headline\n\nA paragraph.\n")
    with pytest.raises(CommandError, match="--publish needs --user"):
        call_command("import_articles", str(path), "--publish")
    with pytest.raises(CommandError, match="may not publish"):
        call_command("import_articles", str(path), "--publish", "--user", "moderator")
    with pytest.raises(CommandError, match="No active user"):
        call_command("import_articles", str(path), "--publish", "--user", "nobody")
    assert not Article.objects.exists()


def test_reimporting_updates_the_same_article_and_keeps_status_and_time(tmp_path, editor):
    path = write(tmp_path, "story.txt", "Harbour reopens\n\nFirst version.\n\nTags: Port\n")
    run_import(path, "--publish", "--user", "editor")
    article = Article.objects.get()
    first_time = article.published_at - timedelta(days=2)
    article.published_at = first_time
    article.status = Article.Status.UNPUBLISHED
    article.save()
    write(tmp_path, "story.txt", "Harbour reopens\n\nSecond version.\n\nTags: Port Ships\n")
    out, err, status = run_import(path, "--publish", "--user", "editor")
    assert status == 0, err
    assert Article.objects.count() == 1
    article.refresh_from_db()
    assert article.body == "Second version."
    assert sorted(article.tags.names()) == ["Port", "Ships"]
    assert article.status == Article.Status.UNPUBLISHED
    assert article.published_at == first_time
    assert "updated 1 existing" in out


def test_tags_are_split_on_spaces_tabs_commas_and_no_break_spaces(tmp_path):
    TagFactory(name="US", slug="us")
    path = write(
        tmp_path,
        "story.txt",
        "Headline\n\nText.\n\nTags: Russia,\tSyria\u00a0 \u00a0us,, Oil\n",
    )
    assert run_import(path)[2] == 0
    assert sorted(Article.objects.get().tags.names()) == ["Oil", "Russia", "Syria", "US"]


def test_the_importer_applies_tag_aliases(tmp_path):
    us = TagFactory(name="US", slug="us")
    TagAlias.objects.create(tag=us, name="U.S.")
    path = write(tmp_path, "story.txt", "Headline\n\nText.\n\nTags: U.S. u.s. Syria\n")
    assert run_import(path)[2] == 0
    assert sorted(Article.objects.get().tags.names()) == ["Syria", "US"]


def test_bom_and_crlf_are_read_as_plain_utf8(tmp_path):
    text = "\ufeffCafé reopens\r\n\r\nThe café is open again.\r\n\r\nTags: Food\r\n"
    path = write(tmp_path, "bom.txt", text)
    assert run_import(path)[2] == 0
    article = Article.objects.get()
    assert article.headline == "Café reopens"
    assert article.body == "The café is open again."
    assert "\r" not in article.body
    assert list(article.tags.names()) == ["Food"]


def test_latin1_reads_with_an_encoding_and_is_refused_without(tmp_path):
    path = write(tmp_path, "old.txt", "Café déjà vu\n\nÀ la carte.\n".encode("latin-1"))
    _, err, status = run_import(path)
    assert status == 1
    assert "old.txt" in err and "cannot be read as UTF-8" in err and "--encoding" in err
    assert not Article.objects.exists()
    _, err, status = run_import(path, "--encoding", "latin-1")
    assert status == 0, err
    assert Article.objects.get().headline == "Café déjà vu"


def test_bad_files_are_reported_by_name_and_the_good_ones_still_import(tmp_path):
    good = write(tmp_path, "good.txt", "A good headline\n\nA paragraph.\n")
    bad = {
        "empty.txt": (write(tmp_path, "empty.txt", b""), "empty"),
        "blank.txt": (write(tmp_path, "blank.txt", b"  \n\n \n"), "empty"),
        "photo.txt": (
            write(tmp_path, "photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
            "binary",
        ),
        "broken.txt": (write(tmp_path, "broken.txt", b"Head\xffline\n\nText\n"), "cannot be read"),
        "nohead.txt": (
            write(tmp_path, "nohead.txt", "First line of a paragraph\nsecond line.\n\nMore.\n"),
            "no headline",
        ),
        "tagsonly.txt": (write(tmp_path, "tagsonly.txt", "Tags: Russia US\n"), "no headline"),
        "longtag.txt": (
            write(tmp_path, "longtag.txt", "Headline two\n\nText.\n\nTags: ok " + "x" * 101),
            "longer than 100 characters",
        ),
        "vtab.txt": (write(tmp_path, "vtab.txt", "Head\x0bline\n\nText.\n"), "control character"),
        "folder": (tmp_path / "folder", "folder"),
        "missing.txt": (tmp_path / "missing.txt", "no such file"),
    }
    (tmp_path / "folder").mkdir()
    out, err, status = run_import(good, *[path for path, _ in bad.values()])
    assert status == 1
    for name, (_, reason) in bad.items():
        line = next((line for line in err.splitlines() if name in line), "")
        assert reason in line, f"{name}: {err}"
    assert [a.headline for a in Article.objects.all()] == ["A good headline"]
    assert "Imported 1 new" in out and f"{len(bad)} failed" in out


def test_a_failed_document_leaves_nothing_behind(tmp_path):
    path = write(tmp_path, "longtag.txt", "Headline\n\nText.\n\nTags: Fine " + "y" * 150)
    assert run_import(path)[2] == 1
    assert not Article.objects.exists()
    assert not MentionSuggestion.objects.exists()


def test_a_progress_bar_on_a_terminal_and_quiet_otherwise(tmp_path):
    paths = [write(tmp_path, f"{n}.txt", f"Headline {n}\n\nText {n}.\n") for n in range(3)]
    terminal = Terminal()
    call_command("import_articles", *map(str, paths), stdout=terminal, stderr=io.StringIO())
    assert "] 3/3" in terminal.getvalue() and "[###" in terminal.getvalue()
    plain = io.StringIO()
    call_command("import_articles", *map(str, paths), stdout=plain, stderr=io.StringIO())
    assert "[" not in plain.getvalue()
    assert plain.getvalue().strip().splitlines() == [
        "Imported 0 new and updated 3 existing article(s); 0 failed. "
        "People to confirm as mentioned: 0."
    ]


def test_a_headline_without_latin_letters_gets_a_stable_address(tmp_path):
    headline = "\u041f\u0440\u0438\u0432\u0435\u0442"  # "Hello" in Russian: no Latin letters
    path = write(tmp_path, "ru.txt", f"{headline}\n\n\u0422\u0435\u043a\u0441\u0442.\n")
    run_import(path)
    run_import(path)
    article = Article.objects.get()
    assert article.slug.startswith("article-")
    assert article.headline == headline


def test_an_unknown_encoding_is_an_error_not_a_crash(tmp_path):
    path = write(tmp_path, "a.txt", "Headline\n\nText.\n")
    with pytest.raises(CommandError, match="Unknown encoding"):
        call_command("import_articles", str(path), "--encoding", "klingon")
