"""Names as people type and paste them: tags, people's names, headlines.

A pasted name can carry characters nobody sees (a zero-width space, a soft hyphen, a
direction mark, a byte-order mark, a lone surrogate from a JSON escape): "US\u200b" would
otherwise be a second tag "US" that looks the same and slugifies the same. ``clean_name()``
drops them and writes every run of whitespace (tabs, no-break spaces, ideographic spaces) as
one space, so names are compared as readers see them. The tag list of the admin's form and of
the importer's ``Tags:`` line is read by ``parse_tags()``, django-taggit's own rule
(``TAGGIT_TAGS_FROM_STRING`` names it) after that cleaning. Knows no model.
"""

import hashlib
import re
import unicodedata

from django.utils.text import slugify
from taggit.utils import _parse_tags

# Unicode's Default_Ignorable_Code_Point set (invisible unless a font decides otherwise) that
# the general categories below miss: the combining grapheme joiner, Hangul fillers, variation
# selectors, and the Mongolian free variation selectors.
IGNORABLE = re.compile(
    "[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)
# Control characters (Cc), format characters (Cf: zero-width spaces and joiners, direction
# marks, the soft hyphen, the BOM) and lone surrogates (Cs, which no database can store) draw
# nothing. Unassigned code points stay: a newer Unicode may have made them emoji.
INVISIBLE_CATEGORIES = {"Cc", "Cf", "Cs"}
WHITESPACE = re.compile(r"\s+")


# Joiners and variation selectors draw nothing alone but shape what stands beside them: the
# zero-width non-joiner inside a Persian word, the joiner of an emoji sequence (a woman and a
# laptop as one "technologist"), the selector that makes a heart an emoji. They stay between
# (joiners) or after (selectors) characters that are drawn; anywhere else they go.
JOINERS = {"\u200c", "\u200d"}
SELECTORS = {chr(code) for code in range(0xFE00, 0xFE10)}


def drawn(char):
    """True for a character that puts ink on the page (not whitespace, not invisible)."""
    return (
        not char.isspace()
        and unicodedata.category(char) not in INVISIBLE_CATEGORIES
        and not IGNORABLE.match(char)
    )


def visible(text):
    """``text`` without the characters nobody sees; whitespace stays as it is."""
    kept = []
    for index, char in enumerate(text):
        if char.isspace() or drawn(char):
            kept.append(char)
        elif kept and (drawn(kept[-1]) or kept[-1] in SELECTORS):
            follows = text[index + 1] if index + 1 < len(text) else ""
            if char in SELECTORS or (char in JOINERS and follows and drawn(follows)):
                kept.append(char)
    return "".join(kept)


def clean_name(name):
    """A name as readers see it: NFC, invisible characters dropped, every run of whitespace one
    space, none at the ends. An empty result means there was no name."""
    if not name:
        return ""
    name = unicodedata.normalize("NFC", str(name))
    return WHITESPACE.sub(" ", visible(name)).strip()


def parse_tags(text):
    """The tags in a line as an editor types it (the admin's tags box, a ``Tags:`` line):
    django-taggit's rule. With a comma, only commas (and double quotes) separate tags, so
    "Human rights, United Nations" is two tags; without one, spaces do, so "Russia Syria US"
    is three. Each name is cleaned first (``clean_name``), so a tab or a run of no-break spaces
    counts as one space and a name of invisible characters is no tag at all."""
    if not text:
        return []
    # taggit's default parser (its documented TAGGIT_TAGS_FROM_STRING); its public parse_tags
    # would call this function back. Line breaks and tabs become spaces first: taggit splits on
    # the ordinary space only.
    text = WHITESPACE.sub(" ", visible(unicodedata.normalize("NFC", text)))
    names = (clean_name(name) for name in _parse_tags(text))
    return [name for name in names if name]


def tag_slug(name, max_length):
    """A tag's address: its name slugified (non-Latin letters kept, as django-taggit does), or,
    when that leaves nothing (punctuation, emoji, dashes only), "tag-" and a hash of the name
    in lower case, so the same name always gets the same address and different ones differ.
    Shortened to leave room for django-taggit's "_1" when two names give one slug."""
    slug = slugify(clean_name(name), allow_unicode=True)[: max_length - 10].strip("-_")
    if not slug:
        digest = hashlib.sha256(clean_name(name).casefold().encode("utf-8", "replace"))
        slug = "tag-" + digest.hexdigest()[:12]
    return slug
