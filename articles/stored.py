"""What is stored from an article for readers' pages, and when it must be stored again.

Two things are computed when content is saved rather than on every request:

- each article's rendered card and page (``articles/rendering.py``), which show its tags,
  bylines, people mentioned, corrections and lead image;
- each tag's and person's ``public_since``, the earliest publication time of their published
  stories, which ``in_use()`` compares with the clock.

``refresh()`` says what went stale; inside ``batched()`` it is noted and done once at the end.
Doing it is the ``stale`` signal's receiver, ``articles.signals.store_fresh``: this module
knows no model, so the models can call it and the handlers can import the models. The
handlers in ``articles/signals.py`` call ``refresh()`` on every save and delete that can change
what is stored; bulk updates send no signals, so code that moves rows in bulk
(``Tag.merge_into``) calls ``refresh()`` itself. Rows loaded raw (fixtures) are left to
``manage.py render_articles``.
"""

import contextlib
import contextvars
from dataclasses import dataclass, field

from django.dispatch import Signal

# Sent with ``pending``, a ``Pending``: what to render and recompute now.
stale = Signal()
# Sent by ``ArticleQuerySet.rerender()`` with ``ids`` once the cards and pages of those articles
# were written again by a plain UPDATE, which sends no ``post_save``: a cache of pages that show
# them is out of date.
rerendered = Signal()


@dataclass
class Pending:
    render: set = field(default_factory=set)  # articles to render again
    owners: set = field(default_factory=set)  # articles whose tags and people to recompute
    tags: set = field(default_factory=set)
    people: set = field(default_factory=set)


_batch = contextvars.ContextVar("newsroom_render_batch", default=None)


@contextlib.contextmanager
def batched():
    """Note what changes inside, and render and recompute it once, on the way out.

    One admin save sends a signal for the article, each tag change, byline, mention and
    workflow step, and each rendered the story again (five or six times for a typical save).
    Inside this block they are collected and done once at the end, still inside the caller's
    transaction. Nothing is done if the block raises (its transaction is rolled back anyway);
    a nested block leaves the work to the outermost one."""
    if _batch.get() is not None:
        yield
        return
    pending = Pending()
    token = _batch.set(pending)
    try:
        yield
    finally:
        _batch.reset(token)
    stale.send(sender=Pending, pending=pending)


def refresh(articles=(), tags=(), people=(), *, owners=True):
    """Render ``articles`` (ids) again and, with ``owners``, recompute ``public_since`` for their
    tags and people; also for the ``tags`` and ``people`` (ids) given, such as those just
    unlinked. Inside ``batched()``, noted and done once at its end."""
    pending = _batch.get()
    now = pending is None
    if now:
        pending = Pending()
    articles = {pk for pk in articles if pk is not None}
    pending.render |= articles
    if owners:
        pending.owners |= articles
    pending.tags |= {pk for pk in tags if pk is not None}
    pending.people |= {pk for pk in people if pk is not None}
    if now:
        stale.send(sender=Pending, pending=pending)
