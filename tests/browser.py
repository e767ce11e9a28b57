"""Driving Debian's Chromium with Playwright, and axe-core in the page, for the browser tests
(`tests/test_reader_html.py`, `tests/test_browser_journeys.py`). The `open_browser` fixture in
`tests/conftest.py` starts the browser."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AXE_JS = ROOT / "tools" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# WCAG 2.0, 2.1 and 2.2 at levels A and AA, and axe's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def axe_violations(page):
    """axe-core's violations on the page as loaded now (a list of axe's violation objects).
    The site's CSP allows no inline script: open the page in a context with `bypass_csp=True`."""
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return result["violations"]


def axe_line(violation):
    """One violation as a readable line: rule, impact, what it means and the first elements."""
    targets = [node["target"] for node in violation["nodes"]][:3]
    return f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}"
