"""Editors importing plain-text documents with ``import_articles``."""

import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from taggit.forms import TagField

from articles.exchange.documents import parse_document
from articles.models import Article, Event, Mention, MentionSuggestion, Person, TagAlias
from tests.factories import TagFactory
from tests.test_editor_admin import article_form

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


def test_a_tags_line_without_a_comma_is_split_on_runs_of_whitespace(tmp_path):
    TagFactory(name="US", slug="us")
    text = "Headline\n\nText.\n\nTags: Russia\tSyria\u00a0 \u00a0us  Oil\n"
    path = write(tmp_path, "story.txt", text)
    assert run_import(path)[2] == 0
    assert sorted(Article.objects.get().tags.names()) == ["Oil", "Russia", "Syria", "US"]


def test_a_tags_line_with_a_comma_is_split_only_on_commas(tmp_path):
    text = "Headline\n\nText.\n\nTags: Human rights, United\t\u00a0 Nations,, Syria\n"
    path = write(tmp_path, "story.txt", text)
    assert run_import(path)[2] == 0
    names = sorted(Article.objects.get().tags.names())
    assert names == ["Human rights", "Syria", "United Nations"]


def test_the_admin_and_ninjs_read_tags_by_the_same_rule_as_the_tags_line(editor_client, tmp_path):
    typed = "Human\t rights,  United  Nations"
    response = editor_client.post(reverse("admin:articles_article_add"), article_form(tags=typed))
    assert response.status_code == 302
    assert sorted(Article.objects.get().tags.names()) == ["Human rights", "United Nations"]
    # A tab inside a name, with no comma, separates names, as a space does.
    response = editor_client.post(
        reverse("admin:articles_article_add"), article_form(slug="second", tags="Russia\tSyria")
    )
    assert sorted(Article.objects.get(slug="second").tags.names()) == ["Russia", "Syria"]
    item = {
        "headline": "From the wire",
        "body_text": "Text.",
        "subject": [{"name": "Human\u00a0 rights"}, {"name": "United\tNations"}],
    }
    _, err, status = run_import(write(tmp_path, "wire.json", json.dumps(item)))
    assert status == 0, err
    wire = Article.objects.get(slug="from-the-wire")
    assert sorted(wire.tags.names()) == ["Human rights", "United Nations"]


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


# One bad file or one bad line never stops a batch ---------------------------------------------


def failure_lines(err):
    return {line.split(": not imported: ")[0]: line for line in err.splitlines()}


def test_a_bad_tags_line_is_reported_with_its_line_number_and_the_batch_goes_on(tmp_path, editor):
    long_tag = write(
        tmp_path, "longtag.txt", "Long tag\n\nOne.\n\nTwo.\n\nTags: Fine, " + "x" * 101 + "\n"
    )
    odd_tags = write(tmp_path, "odd.txt", "Odd tags\n\nText.\n\nTags: !!! 🇺🇦 --- \u200b\n")
    good = write(tmp_path, "good.txt", "Good one\n\nText.\n\nTags: Syria\n")
    out, err, status = run_import(long_tag, odd_tags, good, "--publish", "--user", "editor")
    assert status == 1
    assert "line 7: a tag is longer than 100 characters" in failure_lines(err)[str(long_tag)]
    assert sorted(Article.objects.values_list("headline", flat=True)) == ["Good one", "Odd tags"]
    odd = Article.objects.get(headline="Odd tags")
    assert sorted(odd.tags.names()) == sorted(["!!!", "🇺🇦", "---"])
    assert "Imported 2 new" in out and "1 failed" in out


def test_a_headline_error_names_the_headline_s_line(tmp_path):
    path = write(tmp_path, "tags.txt", "\n\n\nTags: Russia\n\nText.\n")
    _, err, status = run_import(path)
    assert status == 1
    assert "line 4: it has no headline" in err


def test_a_fault_in_one_file_or_item_is_reported_and_the_rest_of_the_batch_imports(tmp_path):
    items = [
        {"headline": "Bodies of the wrong type", "bodies": 5},
        {"headline": "A good item", "body_text": "Text."},
    ]
    wrong_shape = write(tmp_path, "items.json", json.dumps(items))
    half_character = write(
        tmp_path, "surrogate.json", '{"headline": "Half \\ud800 a character", "body_text": "T"}'
    )
    deep = write(tmp_path, "deep.json", "[" * 100_000 + "]" * 100_000)
    not_json = write(tmp_path, "broken.json", '{"headline": "x",\n "body_text": }')
    good = write(tmp_path, "good.txt", "Good one\n\nText.\n")
    out, err, status = run_import(wrong_shape, half_character, deep, not_json, good)
    assert status == 1
    failed = failure_lines(err)
    assert "not shaped as ninjs says" in failed[f"{wrong_shape} item 1"]
    assert "half a character (U+D800)" in failed[str(half_character)]
    assert "nested too deeply" in failed[str(deep)]
    assert "line 2: it is not valid JSON" in failed[str(not_json)]
    headlines = sorted(Article.objects.values_list("headline", flat=True))
    assert headlines == ["A good item", "Good one"]
    assert "Imported 2 new" in out and "4 failed" in out


def test_the_exit_status_is_0_when_all_imported_1_when_any_failed_2_for_a_wrong_command(
    tmp_path,
):
    good = write(tmp_path, "good.txt", "Good one\n\nText.\n")
    bad = write(tmp_path, "bad.txt", b"")
    assert run_import(good)[2] == 0
    assert run_import(good, bad)[2] == 1
    assert run_import(good, "--publish")[2] == 2
    assert run_import(good, "--encoding", "klingon")[2] == 2
    assert run_import(good, "--user", "nobody")[2] == 2


TAG_NAME = st.text(
    alphabet=st.sampled_from([*"abcXYZ9é-!#.", "\u00a0", "\t", "\u200b", "\u00ad", " "]),
    min_size=1,
    max_size=10,
)


@settings(max_examples=60, deadline=None)
@given(names=st.lists(TAG_NAME, min_size=1, max_size=5))
def test_a_tags_line_with_commas_gives_each_name_once_cleaned_as_the_admin_does(names):
    line = ", ".join(names) + ","  # a comma, whatever the names
    visible = (name.replace("\u200b", "").replace("\u00ad", "") for name in names)
    expected = {" ".join(name.split()) for name in visible} - {""}
    document = parse_document(f"Headline\n\nText.\n\nTags: {line}\n")
    assert sorted(document.tags) == sorted(expected)
    assert sorted(TagField().clean(line)) == sorted(expected)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(line=st.text(min_size=0, max_size=60))
def test_any_tags_line_imports_or_is_reported_and_never_stops_the_batch(tmp_path, line):
    odd = write(tmp_path, "odd.txt", f"Odd line\n\nText.\n\nTags: {line}\n")
    good = write(tmp_path, "good.txt", "Good one\n\nText.\n")
    _, err, status = run_import(odd, good)
    assert status in {0, 1}
    assert Article.objects.filter(headline="Good one").exists()
    if status == 1:
        assert str(odd) in err and "not imported" in err
