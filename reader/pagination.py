"""Pagination that stays cheap however many stories there are.

The first pages are numbered: the count behind them is capped (``COUNT`` over at most
``ARTICLES_NUMBERED_PAGES`` pages' worth of rows) and their offsets are small. Past the last
numbered page, "Older stories" follows a keyset cursor (``?before=<time>-<id>`` of the last
story shown): each such page is one indexed range read of ``page size + 1`` rows, as cheap on
page 5,000 as on page 2, and no page ever counts the whole table.

Search results are in order of relevance, which has no cursor: they stop at the last numbered
page and say so.

Measured, with and without (``make ablation``, in-process, 2,000 articles, 7 December 2026;
``docs/performance.md``): the page half-way through 2,000 stories costs 3.87 ms of CPU as a
keyset page, 4.78 as numbered page 50 over a full count (SQLite); the first pages are unchanged.
"""

import re
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.utils.functional import cached_property

from articles.models import Article
from articles.publication import same_columns
from newsroom.prepared import Prepared

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
CURSOR = re.compile(r"^(-?\d{1,18})-(\d{1,18})$")


class CappedPaginator(Paginator):
    """A paginator that counts at most ``ARTICLES_NUMBERED_PAGES`` pages of rows."""

    @cached_property
    def _capped_count(self):
        limit = self.per_page * settings.ARTICLES_NUMBERED_PAGES
        object_list = self.object_list
        if isinstance(object_list, BoundStories):
            counted = object_list.capped_count(limit + 1)
        elif hasattr(object_list, "count") and not isinstance(object_list, list):
            # Only whether rows exist matters here: no columns, no annotations (a search's
            # rank) and no order, which would otherwise all be computed and sorted to count.
            counted = object_list.order_by().values("pk")[: limit + 1].count()
        else:
            counted = len(object_list[: limit + 1])
        return min(counted, limit), counted > limit

    @property
    def count(self):
        return self._capped_count[0]

    @property
    def is_capped(self):
        """True when there are more stories than the numbered pages hold."""
        return self._capped_count[1]


class PreparedStories:
    """A list of stories whose pages (numbered and keyset) and capped count are read through
    queries compiled once (see ``newsroom.prepared``): ``build(**values)`` is the list's
    queryset, the one the view's ``get_queryset()`` gives. Bound to a request's values, it is
    what ``CappedPaginator`` counts and slices and ``keyset_page`` pages through."""

    def __init__(self, build, pick=None):
        self.rows = Prepared(Article, lambda rows, **values: build(**values)[rows])
        self.keys = Prepared(
            Article, lambda rows, **values: build(**values).order_by().values("pk")[rows]
        )
        self.older = Prepared(
            Article,
            lambda moment, key, rows, **values: older_than(build(**values), moment, key)[rows],
        )
        self.newer = Prepared(
            Article,
            lambda moment, key, rows, **values: newer_than(build(**values), moment, key)[rows],
        )

        # Ranked lists (a search): ``pick(ids, now)``, the stories of a page's ids as the list
        # shows them (always a page's worth of ids, so one shape serves every page). The ids
        # were just found by ``build``: ``pick`` checks they are still public, not the search
        # again.
        self.pick = pick and Prepared(Article, pick)

    def bind(self, **values):
        return BoundStories(self, values)

    def ranked(self, order, kept=False, **values):
        """Bound as a list in order of relevance (see ``RankedStories``): ``order``, the ids
        the search found, best first, of which it keeps the ones ``build`` gives (all of them
        when ``kept``: the search checked them already). Only for a list made with ``pick``."""
        if self.pick is None:
            raise TypeError("a ranked list needs pick(ids, now)")
        return RankedStories(self, values, order, kept)


class BoundStories:
    def __init__(self, stories, values):
        self.stories = stories
        self.values = values

    def capped_count(self, limit):
        return self.stories.keys.count(rows=slice(None, limit), **self.values)

    def __getitem__(self, rows):
        return list(self.stories.rows(rows=rows, **self.values))

    def beyond(self, cursor, older, size):
        """Up to ``size`` stories just older (or newer) than ``cursor``, ``(moment, pk)``."""
        prepared = self.stories.older if older else self.stories.newer
        moment, key = cursor
        return list(prepared(moment=moment, key=key, rows=slice(None, size), **self.values))


class RankedStories(BoundStories):
    """A list in order of relevance (search results). It has no index to walk newest first:
    read as ``BoundStories`` its count and each page would rank every candidate again (on
    SQLite its page query sorted up to 200 whole rows to keep 20). Here the search has ranked
    its candidates already (``order``): one query keeps the ones the list gives (public, and
    within the other filters), which is also the count, unless the search kept only those
    (``kept``), and a page reads its stories by id (checking again that they are public)."""

    def __init__(self, stories, values, order, kept=False):
        super().__init__(stories, values)
        self.order = order
        self._ids = list(order) if kept else None

    def ids(self, limit):
        """The ids of the list's first ``limit`` stories, best first."""
        if self._ids is None:
            if self.order:
                rows = self.stories.keys.rows(rows=slice(None, None), **self.values)
                kept = {pk for (pk,) in rows}
                self._ids = [pk for pk in self.order if pk in kept]
            else:  # nothing matched: nothing to ask
                self._ids = []
        return self._ids[:limit]

    def capped_count(self, limit):
        return len(self.ids(limit))

    def __getitem__(self, rows):
        ids = self.ids(rows.stop)[rows]
        if not ids:
            return []
        # Padded to the page's size with its last id: every page, even a short last one, has
        # the same shape and so the same compiled query.
        padded = ids + ids[-1:] * (rows.stop - (rows.start or 0) - len(ids))
        picked = self.stories.pick(ids=padded, now=self.values["now"])
        found = {story.pk: story for story in picked}
        # A story taken down between the two queries is left out rather than failing.
        return [found[pk] for pk in ids if pk in found]

    def beyond(self, cursor, older, size):
        raise Http404("Search results have numbered pages only.")


class KeysetPage:
    """A page after the numbered ones: no number and no count, just its stories and whether
    there are older (``next_cursor``) or newer (``previous_cursor``) ones."""

    number = None
    paginator = None

    def __init__(self, object_list, next_cursor, previous_cursor):
        self.object_list = object_list
        self.next_cursor = next_cursor
        self.previous_cursor = previous_cursor

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    def __getitem__(self, index):
        return self.object_list[index]

    def has_next(self):
        return self.next_cursor is not None

    def has_previous(self):
        return self.previous_cursor is not None

    def has_other_pages(self):
        return self.has_next() or self.has_previous()


def cursor_for(article):
    microseconds = (article.published_at - EPOCH) // timedelta(microseconds=1)
    return f"{microseconds}-{article.pk}"


def parse_cursor(value):
    """``(published_at, pk)`` from a cursor; a 404 for anything that is not one."""
    match = CURSOR.match(value or "")
    if not match:
        raise Http404("Not a page of stories.")
    try:
        published_at = EPOCH + timedelta(microseconds=int(match[1]))
    except OverflowError:
        raise Http404("Not a page of stories.") from None
    return published_at, int(match[2])


def bounded_first(queryset, **bound):
    """``queryset`` with ``bound`` first in its WHERE clause. SQLite's planner takes the first
    range it meets on an indexed column as the index range: behind ``published()``'s "until
    now", a page half-way through 100,000 stories walked the 50,000 newer ones (22 ms); with
    the cursor's bound first it starts at the cursor (1 ms). Other databases do not mind."""
    first = queryset.model.objects.filter(**bound)
    if queryset.query.distinct:  # filters over tags make the list distinct
        first = first.distinct(*queryset.query.distinct_fields)
    return same_columns(first & queryset, queryset)


def older_than(queryset, moment, pk):
    """The stories of ``queryset`` (newest first) just older than ``(moment, pk)``."""
    older = Q(published_at__lt=moment) | Q(published_at=moment, pk__lt=pk)
    return bounded_first(queryset, published_at__lte=moment).filter(older)


def newer_than(queryset, moment, pk):
    """The stories of ``queryset`` (newest first) just newer than ``(moment, pk)``, oldest
    first."""
    newer = Q(published_at__gt=moment) | Q(published_at=moment, pk__gt=pk)
    return queryset.filter(newer).reverse()


def beyond(stories, cursor, older, size):
    """``size`` stories of ``stories`` (a queryset or ``BoundStories``) beyond ``cursor``."""
    if isinstance(stories, BoundStories):
        return stories.beyond(cursor, older, size)
    return list((older_than if older else newer_than)(stories, *cursor)[:size])


def keyset_page(stories, size, before=None, after=None):
    """The ``size`` stories just older than ``before`` or just newer than ``after``, from a
    list ordered newest first by ``(published_at, pk)`` (a queryset or ``BoundStories``)."""
    if before is not None:
        rows = beyond(stories, parse_cursor(before), True, size + 1)
        stories = rows[:size]
        next_cursor = cursor_for(stories[-1]) if len(rows) > size else None
        previous_cursor = cursor_for(stories[0]) if stories else None
    else:
        rows = beyond(stories, parse_cursor(after), False, size + 1)
        stories = rows[:size][::-1]
        previous_cursor = cursor_for(stories[0]) if len(rows) > size else None
        next_cursor = cursor_for(stories[-1]) if stories else None
    if not stories:
        raise Http404("No stories on this page.")
    return KeysetPage(stories, next_cursor, previous_cursor)


class PaginationMixin:
    """For list views: numbered pages first, then keyset pages; and the links for
    ``includes/pagination.html``, which keep the current filters.

    A view whose queryset is not newest first (search results) sets ``is_ranked``: it gets the
    numbered pages only.
    """

    paginator_class = CappedPaginator
    cursor_parameters = ("before", "after")
    # False for lists that are not stories newest first (people): plain numbered pages.
    keyset = True

    def is_ranked(self):
        return False

    def paginate_queryset(self, queryset, page_size):
        before, after = (self.request.GET.get(name) for name in self.cursor_parameters)
        if not self.keyset or (before is None and after is None):
            return super().paginate_queryset(queryset, page_size)
        if self.is_ranked():
            raise Http404("Search results have numbered pages only.")
        page = keyset_page(queryset, page_size, before=before, after=after)
        return None, page, page.object_list, True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context.get("page_obj")
        if page is not None:
            context["pagination"] = self.pagination_links(page)
        return context

    def pagination_links(self, page):
        query = self.request.GET.copy()
        for name in ("page", *self.cursor_parameters):
            query.pop(name, None)

        def url(**params):
            link = query.copy()
            for name, value in params.items():
                link[name] = value
            return f"?{link.urlencode()}" if link else "?"

        if page.number is None:
            return {
                "newest": url(),
                "previous": url(after=page.previous_cursor) if page.has_previous() else None,
                "next": url(before=page.next_cursor) if page.has_next() else None,
                "pages": [],
            }
        paginator = page.paginator
        pages = []
        for number in paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1):
            if number == paginator.ELLIPSIS:
                pages.append({"ellipsis": True})
            else:
                pages.append(
                    {"number": number, "url": url(page=number), "current": number == page.number}
                )
        next_url = None
        if page.has_next():
            next_url = url(page=page.next_page_number())
        elif getattr(paginator, "is_capped", False) and not self.is_ranked() and len(page):
            next_url = url(before=cursor_for(page[len(page) - 1]))
        return {
            "newest": None,
            "previous": url(page=page.previous_page_number()) if page.has_previous() else None,
            "next": next_url,
            "pages": pages if len(pages) > 1 else [],
            "more_than": paginator.count if getattr(paginator, "is_capped", False) else None,
        }
