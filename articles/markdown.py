"""Article bodies are written in Markdown (CommonMark) and stored with their sanitised HTML.

Rendering happens when an article is saved, never on a reader's request. The HTML is cleaned by
nh3 with an allow-list, so markup pasted into a body cannot run script or style the page, and
links may only point to http(s) or mailto addresses.
"""

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "cite", "code", "em", "h2", "h3", "h4", "hr", "i",
    "li", "ol", "p", "pre", "q", "strong", "sub", "sup", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


def parse_markdown(text):
    """The Markdown's tokens (markdown-it's), for checks that read its structure."""
    return _markdown.parse(text or "")


def render_markdown(text):
    """Return the sanitised HTML for a Markdown ``text``."""
    html = _markdown.render(text or "")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
