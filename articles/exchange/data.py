"""What an import says about an article (``ArticleData``), and the checks every format shares:
decoding bytes to text, headline and tag lengths, the address from a headline. A failure is a
``DocumentError`` whose message tells the editor what is wrong with the file."""

import codecs
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.text import slugify

from ..models import Article, Tag
from ..names import clean_name

TAG_MAX_LENGTH = Tag._meta.get_field("name").max_length
HEADLINE_MAX_LENGTH = Article._meta.get_field("headline").max_length
SLUG_MAX_LENGTH = Article._meta.get_field("slug").max_length

# Characters that never belong in a news text. Tab, line feed and carriage return are text; the
# rest of C0, DEL and C1 are not, and some (a vertical tab, say) break feeds later on.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f]")


class DocumentError(Exception):
    """A file, or one item in it, that cannot be imported; the message says why, and from
    which line of the file when one line is the reason."""

    def __init__(self, message, line=None):
        super().__init__(f"line {line}: {message}" if line else message)
        self.line = line


@dataclass
class ArticleData:
    """What an import says about one article. ``None`` means "the document does not say"."""

    headline: str
    body: str
    slug: str
    tags: list[str] = field(default_factory=list)
    kind: str | None = None
    standfirst: str | None = None
    published_at: object = None
    authors: list | None = None
    mentioned: list = field(default_factory=list)
    lead_image: str | None = None
    lead_image_alt: str = ""
    lead_image_caption: str = ""
    lead_image_credit: str = ""
    notes: list[str] = field(default_factory=list)


def slug_for(headline):
    """The article's address from its headline. A headline with no Latin letters or digits
    (all Cyrillic, say) gets a stable address from its hash, so re-importing finds it again."""
    slug = slugify(headline)[:SLUG_MAX_LENGTH].strip("-")
    if not slug:
        slug = "article-" + hashlib.sha256(headline.encode()).hexdigest()[:12]
    return slug


def decode(raw, encoding=None):
    """Bytes to text: UTF-8 with or without a BOM unless ``encoding`` says otherwise; a UTF-16
    BOM is honoured. Empty, binary and undecodable input is a ``DocumentError``."""
    if not raw.strip():
        raise DocumentError("the file is empty")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and not encoding:
        encoding = "utf-16"
    elif b"\x00" in raw:
        raise DocumentError("it is a binary file, not text (it contains NUL bytes)")
    name = encoding or "UTF-8"
    if (encoding or "utf-8").replace("_", "-").lower() in {"utf-8", "utf8"}:
        encoding = "utf-8-sig"  # the same, with a byte-order mark allowed
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as error:
        bad = raw[error.start : error.start + 1].hex()
        raise DocumentError(
            f"it cannot be read as {name}: byte 0x{bad} at position {error.start} "
            "(give the file's encoding with --encoding, e.g. --encoding latin-1)"
        ) from None
    text = text.lstrip("\ufeff")
    controls = CONTROL_CHARACTERS.findall(text)
    if len(controls) > max(3, len(text) // 100):
        raise DocumentError("it is a binary file, not text (it is full of control characters)")
    if controls:
        line = text[: CONTROL_CHARACTERS.search(text).start()].count("\n") + 1
        raise DocumentError(
            f"it contains a control character (U+{ord(controls[0]):04X}) on line {line} "
            "that is not text"
        )
    return unicodedata.normalize("NFC", text)


def check_tags(tags, line=None):
    """The tags as they will be stored (``names.clean_name``; none left empty), each short
    enough for its column; ``line`` is where the file lists them."""
    tags = [name for name in map(clean_name, tags) if name]
    for tag in tags:
        if len(tag) > TAG_MAX_LENGTH:
            raise DocumentError(
                f"a tag is longer than {TAG_MAX_LENGTH} characters: “{tag[:40]}…”", line
            )
    return tags


def check_headline(headline, line=None):
    headline = clean_name(headline)
    if not headline:
        raise DocumentError("it has no headline", line)
    if headline.lower().startswith("tags:"):
        raise DocumentError("it has no headline: the first line is the Tags line", line)
    if len(headline) > HEADLINE_MAX_LENGTH:
        raise DocumentError(
            f"the headline is longer than {HEADLINE_MAX_LENGTH} characters, so it is probably "
            "a paragraph and the document has no headline line",
            line,
        )
    return headline
