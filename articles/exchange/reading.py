"""Reading files for ``import_articles``: plain-text documents and ninjs JSON.

A file becomes one or more ``ArticleData`` (a ninjs file may hold a list), or a ``DocumentError``
whose message tells the editor what is wrong with it. Saving is the model's job
(``Article.objects.save_imported``); this module only reads, decodes and checks.
"""

import json
from pathlib import Path

from . import ninjs
from .data import ArticleData, DocumentError, check_headline, check_tags, decode, slug_for
from .documents import parse_document


def from_plain_text(text, kind=None):
    try:
        document = parse_document(text)
    except ValueError as error:
        raise DocumentError(f"it has no headline: {error}") from None
    headline = check_headline(document.headline, document.headline_line)
    if not document.paragraphs:
        raise DocumentError("it has a headline but no text under it")
    return ArticleData(
        headline=headline,
        body=document.body,
        slug=slug_for(headline),
        tags=check_tags(document.tags, document.tags_line),
        kind=kind,
    )


def read_json(text):
    try:
        items = json.loads(text)
    except json.JSONDecodeError as error:
        raise DocumentError(f"it is not valid JSON ({error.msg})", error.lineno) from None
    except RecursionError:
        raise DocumentError("it is JSON nested too deeply to be a ninjs item") from None
    try:
        # A "\ud800" escape decodes to half a character, which no database can store.
        json.dumps(items, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as error:
        bad = f"U+{ord(error.object[error.start]):04X}"
        raise DocumentError(f"it contains a \\u escape of half a character ({bad})") from None
    return items


def looks_like_json(path, text):
    return path.suffix.lower() == ".json" or text.lstrip()[:1] in {"{", "["}


def read_path(path, *, encoding=None, kind=None, base_url=None):
    """Everything one file says: a list of ``(label, ArticleData or DocumentError)``. A file
    that cannot be read at all raises ``DocumentError``."""
    path = Path(path)
    if path.is_dir():
        raise DocumentError("it is a folder, not a file")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DocumentError("no such file") from None
    except OSError as error:
        raise DocumentError(f"it cannot be read ({error.strerror})") from None
    text = decode(raw, encoding)
    if not looks_like_json(path, text):
        return [(str(path), from_plain_text(text, kind))]
    items = read_json(text)
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list) or not items:
        raise DocumentError("it is JSON but neither a ninjs item nor a list of them")
    results = []
    for number, item in enumerate(items, start=1):
        label = f"{path} item {number}" if len(items) > 1 else str(path)
        try:
            data = ninjs.from_ninjs(item, base_url=base_url, kind=kind)
            data.headline = check_headline(data.headline)
            data.tags = check_tags(data.tags)
            results.append((label, data))
        except DocumentError as error:
            results.append((label, error))
        except (AttributeError, IndexError, KeyError, TypeError, ValueError) as error:
            # A property of the wrong JSON type ("bodies": 5, say) where ninjs has a list.
            results.append((label, DocumentError(f"it is not shaped as ninjs says ({error})")))
    return results
