"""What editors, readers and moderators do, done as they do it: in a real browser (Debian's
Chromium through Playwright) against the live test server, clicking, typing and uploading.

axe-core runs on every page type the journeys visit. Public pages must have no violation at all;
admin pages (largely Django's own) must have none of impact "critical". Every admin finding is
printed (`pytest -s` shows them).

A missing browser or axe-core fails these tests (see the `open_browser` fixture): they never skip.
"""

import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from tests.browser import axe_line, axe_violations
from tests.factories import (
    ArticleFactory,
    BylineFactory,
    MentionFactory,
    PersonFactory,
    TagFactory,
    staff_in_group,
)

# The live server starts whitenoise before the tests' static settings apply; it then warns that
# the production static folder is missing. Static files come from the finders here.
pytestmark = pytest.mark.filterwarnings("ignore:No directory at:UserWarning")

PASSWORD = "a-long-test-password"
HEADLINE = "Harbour bridge reopens after two years of repairs"
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
# A busy two-core machine: give pages time, never sleep.
TIMEOUT_MS = 30_000
expect.set_options(timeout=TIMEOUT_MS)


def photo_jpeg():
    """A real JPEG, as a camera would give: not one flat colour."""
    image = Image.new("RGB", (1600, 900), (30, 80, 130))
    draw = ImageDraw.Draw(image)
    for x in range(0, 1600, 80):
        draw.rectangle([x, 500, x + 40, 900], fill=(200, 160, 60))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


class Axe:
    """Runs axe on the pages the journeys visit and keeps what it finds, by page."""

    def __init__(self):
        self.public = {}
        self.admin = {}

    def check_public(self, page, name):
        found = axe_violations(page)
        if found:
            self.public[name] = [axe_line(v) for v in found]

    def check_admin(self, page, name):
        self.admin[name] = axe_violations(page)

    def report(self):
        lines = []
        for name, found in self.admin.items():
            lines += [f"admin {name}: {axe_line(v)}" for v in found] or [f"admin {name}: none"]
        print("\naxe on admin pages:\n" + "\n".join(lines))
        critical = {
            name: [axe_line(v) for v in found if v["impact"] == "critical"]
            for name, found in self.admin.items()
        }
        assert self.public == {}, "axe violations on public pages"
        assert {name: lines for name, lines in critical.items() if lines} == {}


def new_page(browser, viewport=DESKTOP):
    # The site's CSP allows no inline script; axe is injected as one, for the test only.
    context = browser.new_context(viewport=viewport, bypass_csp=True)
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def log_in(page, base_url, username, axe=None):
    page.goto(base_url + reverse("admin:login"))
    if axe:
        axe.check_admin(page, "login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#user-tools strong")).to_have_text(username)


def pick_person(page, select_id, name):
    """Choose a person in an admin autocomplete (select2): open it, type, take the result."""
    page.locator(f"#{select_id} + .select2 .select2-selection").click()
    search = page.locator(".select2-container--open .select2-search__field")
    search.fill(name.split()[0])
    page.locator(".select2-results__option", has_text=name).click()
    expect(page.locator(f"#select2-{select_id}-container")).to_have_text(re.compile(name))


def search_changelist(page, headline):
    page.get_by_role("searchbox").fill(headline)
    page.get_by_role("button", name="Search").click()
    # The results page, not the list it was typed on.
    expect(page).to_have_url(re.compile(r"[?&]q="))


def run_action(page, action_label, headline):
    """On the changelist: find the article, tick it, choose the action, press Go."""
    search_changelist(page, headline)
    row = page.locator("#result_list tbody tr", has_text=headline)
    expect(row).to_have_count(1)
    row.locator("input.action-select").check()
    page.locator("select[name=action]").select_option(label=action_label)
    page.get_by_role("button", name="Go").click()


def action_labels(page):
    return page.locator("select[name=action] option").all_text_contents()


def feed_text(page, base_url):
    response = page.request.get(base_url + reverse("reader:latest_feed"))
    assert response.ok
    return response.text()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_article_from_the_editor_to_readers_taken_down_and_back(live_server, open_browser):
    base = live_server.url
    staff_in_group("Editors", "editor")
    staff_in_group("Moderators", "moderator")
    TagFactory(name="Transport", slug="transport")  # the existing tag the editor reuses
    PersonFactory(name="Ann Writer", slug="ann-writer", description="Reporter")
    PersonFactory(name="Mira Kovač", slug="mira-kovac", description="Harbour master")
    other = ArticleFactory(headline="Snow closes the mountain pass", tags=["Weather"])
    article_url = "/articles/harbour-bridge-reopens-after-two-years-of-repairs/"
    axe = Axe()

    with open_browser() as browser:
        # The editor writes the article, previews it and publishes it.
        editor = new_page(browser)
        log_in(editor, base, "editor", axe)
        editor.get_by_role("link", name="Articles", exact=True).first.click()
        expect(editor.locator("h1")).to_have_text("Select article to change")
        axe.check_admin(editor, "changelist (editor)")
        editor.get_by_role("link", name="Add article").click()
        expect(editor.locator("h1")).to_have_text("Add article")
        axe.check_admin(editor, "add form")
        editor.get_by_label("Headline").press_sequentially(HEADLINE)
        expect(editor.get_by_label("Slug")).to_have_value(
            "harbour-bridge-reopens-after-two-years-of-repairs"
        )
        editor.get_by_label("Standfirst").fill("Ferries stop running as cars return to the span.")
        editor.get_by_label("Body").fill(
            "The bridge reopened on Monday.\n\n## What changes\n\nThe *ferry* stops on Friday."
        )
        editor.locator("#id_tags").fill("Transport, Harbour works")
        editor.locator("#id_lead_image").set_input_files(
            files=[{"name": "bridge.jpg", "mimeType": "image/jpeg", "buffer": photo_jpeg()}]
        )
        editor.locator("#id_lead_image_alt").fill("Cars crossing the reopened bridge")
        editor.locator("#id_lead_image_caption").fill("The first cars on Monday")
        editor.locator("#id_lead_image_credit").fill("Harbour Authority")
        editor.get_by_role("button", name=re.compile("^Add another byline", re.I)).click()
        pick_person(editor, "id_bylines-0-person", "Ann Writer")
        editor.locator("#id_bylines-0-role").fill("reporting")
        editor.get_by_role("button", name=re.compile("^Add another person mentioned", re.I)).click()
        pick_person(editor, "id_mentions-0-person", "Mira Kovač")
        editor.locator("#id_mentions-0-role").fill("Harbour master")
        editor.get_by_role("button", name="Save and continue editing").click()
        expect(editor.locator(".messagelist")).to_contain_text("was added successfully")
        expect(editor.locator(".field-state")).to_contain_text("Draft")
        expect(editor.locator(".field-lead_image_preview img")).to_be_visible()
        axe.check_admin(editor, "change form (editor)")
        change_url = editor.url

        editor.locator(".object-tools").get_by_role("link", name="Preview").click()
        expect(editor.locator(".preview-banner")).to_contain_text("Preview: Draft")
        expect(editor.locator("h1")).to_have_text(HEADLINE)
        expect(editor.locator(".article__image img")).to_be_visible()
        axe.check_public(editor, "preview")

        editor.goto(change_url)
        editor.get_by_label("On save").select_option("publish")
        editor.get_by_role("button", name="Save", exact=True).click()
        expect(editor.locator(".messagelist")).to_contain_text("was changed successfully")
        expect(editor.locator("#result_list tr", has_text=HEADLINE)).to_contain_text("Published")

        # A reader finds it, filters by its tag, opens it, follows a topic and a person.
        reader = new_page(browser)
        reader.goto(base + "/")
        axe.check_public(reader, "home")
        expect(reader.get_by_role("link", name=HEADLINE)).to_be_visible()
        reader.get_by_role("navigation", name="Main").get_by_role(
            "link", name="All stories"
        ).click()
        expect(reader.locator("h1")).to_have_text("All stories")
        reader.get_by_label("Topics").select_option(label="Harbour works")
        reader.get_by_role("button", name="Show stories").click()
        expect(reader).to_have_url(re.compile(r"tag=harbour-works"))
        results = reader.locator(".results")
        expect(results.get_by_role("link", name=HEADLINE)).to_be_visible()
        expect(results.get_by_role("link", name=other.headline)).to_have_count(0)
        axe.check_public(reader, "list, filtered")
        results.get_by_role("link", name=HEADLINE).click()
        expect(reader).to_have_url(base + article_url)
        expect(reader.locator("h1")).to_have_text(HEADLINE)
        expect(reader.locator(".article__meta")).to_contain_text("Ann Writer")
        expect(reader.locator(".article__body h2")).to_have_text("What changes")
        image = reader.locator(".article__image img")
        expect(image).to_have_attribute("alt", "Cars crossing the reopened bridge")
        assert image.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
        axe.check_public(reader, "article")
        reader.locator(".tag-list").get_by_role("link", name="Transport").click()
        expect(reader.locator("h1")).to_contain_text("Transport")
        expect(reader.get_by_role("link", name=HEADLINE)).to_be_visible()
        axe.check_public(reader, "tag")
        reader.go_back()
        reader.locator(".people-list").get_by_role("link", name="Mira Kovač").click()
        expect(reader.locator("h1")).to_contain_text("Mira Kovač")
        expect(reader.get_by_role("link", name=HEADLINE)).to_be_visible()
        axe.check_public(reader, "person")

        phone = new_page(browser, PHONE)
        phone.goto(base + article_url)
        expect(phone.locator("h1")).to_have_text(HEADLINE)
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        box = phone.locator(".article__image img").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        axe.check_public(phone, "article on a phone")

        # A moderator withdraws it with a reason and a public note.
        moderator = new_page(browser)
        log_in(moderator, base, "moderator")
        moderator.goto(base + reverse("admin:articles_article_changelist"))
        axe.check_admin(moderator, "changelist (moderator)")
        run_action(moderator, "Withdraw selected articles with a notice…", HEADLINE)
        expect(moderator.locator("h1")).to_have_text("Withdraw 1 article(s)")
        axe.check_admin(moderator, "take-down confirmation")
        moderator.get_by_label("Reason").fill("The repairs are not finished; the source was wrong.")
        moderator.get_by_label("Public note").fill(
            "This story said the bridge had reopened. It has not."
        )
        moderator.get_by_role("button", name="Withdraw 1 article").click()
        expect(moderator.locator(".messagelist")).to_contain_text("Withdrawn 1 article.")

        response = reader.goto(base + article_url)
        assert response.status == 410
        expect(reader.locator("h1")).to_have_text(HEADLINE)
        expect(reader.locator(".withdrawn__note")).to_have_text(
            "This story said the bridge had reopened. It has not."
        )
        expect(reader.locator(".article__body")).to_have_count(0)
        axe.check_public(reader, "withdrawal notice")
        reader.goto(base + reverse("reader:article_list"))
        expect(reader.get_by_role("link", name=other.headline)).to_be_visible()
        expect(reader.get_by_role("link", name=HEADLINE)).to_have_count(0)
        assert other.headline in feed_text(reader, base)
        assert HEADLINE not in feed_text(reader, base)

        # The moderator re-publishes it from its admin page: it is back everywhere.
        search_changelist(moderator, HEADLINE)
        moderator.get_by_role("link", name=HEADLINE).click()
        expect(moderator.locator(".field-withdrawal_note")).to_contain_text("It has not.")
        moderator.locator(".object-tools").get_by_role("link", name="Re-publish").click()
        moderator.get_by_label("Reason").fill("Checked again: the bridge is open.")
        moderator.get_by_role("button", name="Re-publish 1 article").click()
        expect(moderator.locator(".messagelist")).to_contain_text("Re-published 1 article.")

        # The same reader, whose browser saw the 410, now gets the story.
        response = reader.goto(base + article_url)
        assert response.status == 200
        expect(reader.locator("h1")).to_have_text(HEADLINE)
        reader.goto(base + reverse("reader:article_list"))
        expect(reader.get_by_role("link", name=HEADLINE)).to_be_visible()
        assert HEADLINE in feed_text(reader, base)

    axe.report()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_editor_cannot_take_a_piece_down_and_a_moderator_cannot_edit_one(
    live_server, open_browser
):
    base = live_server.url
    staff_in_group("Editors", "editor")
    staff_in_group("Moderators", "moderator")
    article = ArticleFactory(
        headline="Ferry timetable changes for winter",
        published_at=timezone.now() - timedelta(hours=2),
        tags=["Transport"],
    )
    BylineFactory(article=article, person=PersonFactory(name="Ann Writer"))
    MentionFactory(article=article)
    change_url = base + reverse("admin:articles_article_change", args=[article.pk])
    withdraw_url = base + reverse("admin:articles_article_transition", args=["withdraw"])
    takedowns = {
        "Un-publish selected articles…",
        "Withdraw selected articles with a notice…",
        "Re-publish selected articles…",
    }

    with open_browser() as browser:
        editor = new_page(browser)
        log_in(editor, base, "editor")
        editor.goto(base + reverse("admin:articles_article_changelist"))
        labels = set(action_labels(editor))
        assert "Publish selected articles now" in labels
        assert labels & takedowns == set()
        editor.goto(change_url)
        expect(editor.get_by_label("Headline")).to_be_editable()
        tools = editor.locator(".object-tools")
        expect(tools.get_by_role("link", name="Preview")).to_be_visible()
        for name in ["Un-publish", "Withdraw", "Re-publish"]:
            expect(tools.get_by_role("link", name=name)).to_have_count(0)
        # The confirmation page, typed into the address bar, is refused.
        response = editor.goto(withdraw_url + f"?ids={article.pk}")
        assert response.status == 403

        moderator = new_page(browser)
        log_in(moderator, base, "moderator")
        moderator.goto(base + reverse("admin:articles_article_changelist"))
        labels = set(action_labels(moderator))
        assert takedowns <= labels
        assert "Publish selected articles now" not in labels
        assert "Link the people their text names" not in labels
        expect(moderator.get_by_role("link", name="Add article")).to_have_count(0)
        moderator.get_by_role("link", name=article.headline).click()
        expect(moderator.locator("h1")).to_have_text("View article")
        expect(moderator.locator(".field-headline .readonly")).to_have_text(article.headline)
        expect(moderator.locator("#id_headline")).to_have_count(0)
        expect(moderator.locator("#id_tags")).to_have_count(0)
        expect(moderator.locator("#id_lead_image")).to_have_count(0)
        expect(moderator.locator("#id_workflow")).to_have_count(0)
        expect(moderator.get_by_role("button", name=re.compile("^Save"))).to_have_count(0)
        tools = moderator.locator(".object-tools")
        expect(tools.get_by_role("link", name="Un-publish")).to_be_visible()
        expect(tools.get_by_role("link", name="Withdraw")).to_be_visible()
