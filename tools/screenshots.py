"""Screenshots for the README: `make screenshots` (run with the project's venv Python).

Builds a throwaway SQLite database with the demo content (`migrate`, `setup_demo`), withdraws one
demo story as the demo moderator, serves the site with `runserver` on a free local port, and has
Debian's Chromium (through Playwright) take PNGs into docs/screenshots/: the front page, an article
on a wide screen and on a phone, the withdrawal notice, and the admin's editing form (signed in as
the demo editor). Nothing outside the temporary folder and docs/screenshots/ is touched.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
# A demo story with a lead image, bylines, topics and people mentioned.
ARTICLE = "/articles/demo-what-the-talks-on-syria-could-achieve/"
WITHDRAWN_SLUG = "demo-harvest-festival-draws-record-crowds"
WITHDRAW = f"""
from django.contrib.auth import get_user_model
from articles.models import Article
moderator = get_user_model().objects.get(username="moderator")
article = Article.objects.get(slug="{WITHDRAWN_SLUG}")
if article.status != Article.Status.WITHDRAWN:
    article.withdraw(
        moderator,
        "Demo: the crowd figures came from an unchecked source.",
        "This story gave crowd figures we could not confirm. We have withdrawn it while we check.",
    )
"""


def manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url, seconds=60):
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (local)
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def take(browser, base):
    OUT.mkdir(parents=True, exist_ok=True)
    wide = browser.new_context(viewport={"width": 1280, "height": 900})
    page = wide.new_page()
    shots = [
        ("front-page.png", "/", False),
        ("article-desktop.png", ARTICLE, True),
        ("withdrawal-notice.png", f"/articles/{WITHDRAWN_SLUG}/", False),
    ]
    for name, path, full in shots:
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=OUT / name, full_page=full)
    phone = browser.new_context(
        viewport={"width": 375, "height": 740}, device_scale_factor=2, is_mobile=True
    )
    page = phone.new_page()
    page.goto(base + ARTICLE)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=OUT / "article-phone.png")

    admin = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = admin.new_page()
    page.goto(base + "/admin/login/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("editor-demo-pass")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_selector("#user-tools")
    page.goto(base + "/admin/articles/article/?q=tram")
    page.locator("#result_list a", has_text="tram line").first.click()
    page.wait_for_selector("#article_form")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=OUT / "admin-editing-form.png", full_page=True)

    # The checks and the live preview beside the form, while an edit is typed (not saved).
    body = page.locator("#id_body")
    body.fill(body.input_value() + "\n\n## \n\nMore in [](https://example.com) soon.")
    page.frame_locator("[data-preview-frame]").get_by_text("More in").wait_for()
    page.locator(".desk-check--blocks").first.wait_for()
    page.locator(".desk-panel").screenshot(path=OUT / "desk-preview.png")


def main():
    with tempfile.TemporaryDirectory(prefix="newsroom-screenshots-") as tmp:
        env = {
            **os.environ,
            "DJANGO_DEBUG": "1",
            "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3",
            "DJANGO_MEDIA_ROOT": f"{tmp}/media",
            "DJANGO_CACHE_URL": "dummy://",
        }
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "setup_demo")
        manage(env, "shell", "-c", WITHDRAW)
        port = free_port()
        env["DJANGO_SITE_URL"] = f"http://127.0.0.1:{port}"  # the origin it is served on
        log = open(Path(tmp) / "server.log", "w")  # noqa: SIM115 (closed below)
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(base + "/healthz")
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
                )
                try:
                    take(browser, base)
                finally:
                    browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()
    print(f"Screenshots in {OUT.relative_to(ROOT)}/")


if __name__ == "__main__":
    main()
