"""Plain-text news documents: a headline line, perhaps the headline again, paragraphs separated by
blank lines, and perhaps a final ``Tags:`` line.

This is the shape of the provided first article; the fixture is built from it and the importer
reads the same shape.
"""

import re
from dataclasses import dataclass, field

# Tags are separated by runs of spaces, tabs, commas or no-break spaces.
TAG_SEPARATORS = re.compile(r"[\s,\u00a0]+")
# Only ordinary and no-break spaces are trimmed from the ends of a paragraph; every other
# character is the author's.
PARAGRAPH_TRIM = " \u00a0\t"


@dataclass
class Document:
    headline: str
    paragraphs: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)

    @property
    def body(self):
        """The paragraphs as Markdown: one blank line between them."""
        return "\n\n".join(self.paragraphs)


def parse_document(text):
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    blocks = [block.strip("\n") for block in re.split(r"\n[ \t\u00a0]*\n", text)]
    blocks = [block for block in blocks if block.strip(PARAGRAPH_TRIM + "\n")]
    if not blocks:
        raise ValueError("the document is empty")
    headline = blocks.pop(0).strip(PARAGRAPH_TRIM + "\n")
    if "\n" in headline:
        raise ValueError("the document does not start with a one-line headline")
    if blocks and blocks[0].strip(PARAGRAPH_TRIM) == headline:
        blocks.pop(0)
    tags = []
    if blocks and blocks[-1].lstrip(PARAGRAPH_TRIM).startswith("Tags:"):
        tag_line = blocks.pop().lstrip(PARAGRAPH_TRIM)[len("Tags:") :]
        tags = [tag for tag in TAG_SEPARATORS.split(tag_line) if tag]
    paragraphs = [block.strip(PARAGRAPH_TRIM) for block in blocks]
    return Document(headline=headline, paragraphs=paragraphs, tags=tags)
