"""Plain-text news documents: a headline line, perhaps the headline again, paragraphs separated by
blank lines, and perhaps a final ``Tags:`` line.

This is the shape of the provided first article; the fixture is built from it and the importer
reads the same shape. The ``Tags:`` line is read as the admin's tags box is
(``names.parse_tags``, django-taggit's rule): with a comma, only commas separate tags; without
one, runs of whitespace do, so the provided ``Tags: Russia  Syria  US`` (a no-break space and
a space between the names) is three tags.
"""

import re
from dataclasses import dataclass, field

from ..names import clean_name, parse_tags

# Only ordinary and no-break spaces are trimmed from the ends of a paragraph; every other
# character is the author's.
PARAGRAPH_TRIM = " \u00a0\t"
BLANK_LINE = re.compile(r"\n[ \t\u00a0]*\n")


@dataclass
class Document:
    headline: str
    paragraphs: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    # Where the headline and the Tags line are (1-based), for error messages.
    headline_line: int = 1
    tags_line: int | None = None

    @property
    def body(self):
        """The paragraphs as Markdown: one blank line between them."""
        return "\n\n".join(self.paragraphs)


def blocks_with_lines(text):
    """The non-blank blocks of ``text`` with the line each starts on."""
    blocks, start = [], 0
    for separator in [*BLANK_LINE.finditer(text), None]:
        end = separator.start() if separator else len(text)
        chunk = text[start:end]
        block = chunk.strip("\n")
        if block.strip(PARAGRAPH_TRIM + "\n"):
            leading = len(chunk) - len(chunk.lstrip("\n"))
            blocks.append((block, text.count("\n", 0, start + leading) + 1))
        if separator:
            start = separator.end() - 1  # the separator's last line break starts the next block
    return blocks


def parse_document(text):
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    blocks = blocks_with_lines(text)
    if not blocks:
        raise ValueError("the document is empty")
    headline, headline_line = blocks.pop(0)
    headline = headline.strip(PARAGRAPH_TRIM + "\n")
    if "\n" in headline:
        raise ValueError("the document does not start with a one-line headline")
    # The heading repeating the title counts once, however its invisible characters differ.
    if blocks and clean_name(blocks[0][0]) == clean_name(headline):
        blocks.pop(0)
    tags, tags_line = [], None
    if blocks and blocks[-1][0].lstrip(PARAGRAPH_TRIM).startswith("Tags:"):
        block, tags_line = blocks.pop()
        tags = parse_tags(block.lstrip(PARAGRAPH_TRIM)[len("Tags:") :])
    paragraphs = [block.strip(PARAGRAPH_TRIM) for block, _ in blocks]
    return Document(
        headline=headline,
        paragraphs=paragraphs,
        tags=tags,
        headline_line=headline_line,
        tags_line=tags_line,
    )
