"""The live preview and the checks before publishing, in a real browser, with the site's own
Content-Security-Policy (no ``bypass_csp``, except for the axe check)."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from articles.models import Article
from tests.browser import axe_line, axe_violations
from tests.factories import ArticleFactory, BylineFactory, PersonFactory, staff_in_group
from tests.test_browser_journeys import DESKTOP, TIMEOUT_MS, log_in, new_page

pytestmark = [
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def page_with_csp(browser, viewport=DESKTOP):
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def change_url(base, article):
    return base + reverse("admin:articles_article_change", args=[article.pk])


def test_typing_changes_the_preview_without_saving_at_phone_and_desktop_widths(
    live_server, open_browser
):
    base = live_server.url
    staff_in_group("Editors", "editor")
    article = ArticleFactory(
        headline="Harbour bridge reopens", body="The bridge reopened on Monday.", tags=["City"]
    )
    BylineFactory(article=article, person=PersonFactory(name="Ann Writer"))
    stored_version = Article.objects.get(pk=article.pk).version

    with open_browser() as browser:
        page = page_with_csp(browser)
        log_in(page, base, "editor")
        page.goto(change_url(base, article))
        preview = page.frame_locator("[data-preview-frame]")
        expect(preview.locator("h1")).to_have_text("Harbour bridge reopens")
        expect(preview.locator(".preview-banner")).to_contain_text("Preview of unsaved changes")
        expect(preview.locator(".byline")).to_contain_text("Ann Writer")

        # A correction typed into a published story shows before it goes live.
        page.get_by_label("Body").fill("The bridge reopened on **Tuesday**.")
        expect(preview.locator(".article__body strong")).to_have_text("Tuesday")
        page.get_by_label("Headline").fill("Harbour bridge reopens on Tuesday")
        expect(preview.locator("h1")).to_have_text("Harbour bridge reopens on Tuesday")

        frame = page.locator("[data-preview-frame]")
        expect(page.get_by_role("button", name="Desktop")).to_have_attribute("aria-pressed", "true")
        assert frame.evaluate("f => f.contentWindow.innerWidth") >= 1000
        page.get_by_role("button", name="Phone").click()
        expect(page.get_by_role("button", name="Phone")).to_have_attribute("aria-pressed", "true")
        expect(frame).to_have_class(re.compile("desk-preview__frame--phone"))
        assert frame.evaluate("f => f.contentWindow.innerWidth") == 375
        expect(preview.locator(".article__body strong")).to_have_text("Tuesday")

        # The same preview, in a window of its own.
        with page.context.expect_page() as opened:
            page.get_by_role("button", name="Open preview in a new window").click()
        window = opened.value
        expect(window.locator("h1")).to_have_text("Harbour bridge reopens on Tuesday")
        expect(window.locator(".article__body strong")).to_have_text("Tuesday")

        # Readers still get the stored story.
        reader = page_with_csp(browser)
        reader.goto(base + article.get_absolute_url())
        expect(reader.locator("h1")).to_have_text("Harbour bridge reopens")
        expect(reader.locator(".article__body")).to_contain_text("Monday")

    stored = Article.objects.get(pk=article.pk)
    assert stored.body == "The bridge reopened on Monday."
    assert stored.version == stored_version


def test_the_checks_panel_follows_typing_and_a_blocking_check_stops_publish(
    live_server, open_browser
):
    base = live_server.url
    staff_in_group("Editors", "editor")
    article = ArticleFactory(
        headline="Ferry timetable changes",
        body="Ferries stop on Friday.",
        status=Article.Status.DRAFT,
        published_at=None,
        tags=["Transport"],
    )
    BylineFactory(article=article, person=PersonFactory(name="Ann Writer"))

    with open_browser() as browser:
        page = page_with_csp(browser)
        log_in(page, base, "editor")
        page.goto(change_url(base, article))
        panel = page.locator(".desk-checks")
        expect(panel.locator('[data-stat="headline_length"]')).to_have_text("23")
        expect(panel).not_to_contain_text("Blocks publishing")

        # Counters follow each key; the list follows a pause in typing.
        page.get_by_label("Headline").fill("Ferry timetable changes " + "again " * 10)
        expect(panel.locator('[data-stat="headline_length"]')).to_have_text("83")
        expect(panel.locator('[data-stat="headline_length"]')).to_have_class(
            re.compile("desk-checks__over")
        )
        expect(panel).to_contain_text("The headline has 83 characters")
        page.get_by_label("Body").fill("Ferries stop on Friday. [](https://example.com)")
        blocking = panel.locator(".desk-check--blocks")
        expect(blocking).to_contain_text("1 link with no text")
        expect(panel.locator('[data-stat="words"]')).to_have_text("4")

        # The check links to its field.
        blocking.get_by_role("link").click()
        expect(page.get_by_label("Body")).to_be_in_viewport()

        # Publishing is refused, and the text stays in the form.
        page.get_by_label("On save").select_option("publish")
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.locator(".errorlist")).to_contain_text("Not published")
        expect(page.get_by_label("Body")).to_have_value(
            "Ferries stop on Friday. [](https://example.com)"
        )

        # Fixed, it publishes.
        page.get_by_label("Body").fill(
            "Ferries stop on Friday. See [the timetable](https://example.com)."
        )
        expect(panel).not_to_contain_text("Blocks publishing")
        page.get_by_label("On save").select_option("publish")
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

        # The panel is part of an axe-clean form (axe is injected, so CSP is bypassed here).
        checked = new_page(browser)
        log_in(checked, base, "editor")
        checked.goto(change_url(base, article))
        expect(checked.frame_locator("[data-preview-frame]").locator("h1")).to_contain_text(
            "Ferry timetable"
        )
        critical = [axe_line(v) for v in axe_violations(checked) if v["impact"] == "critical"]
        assert critical == []

    assert Article.objects.get(pk=article.pk).is_public
