"""Querysets compiled to SQL once and run many times with new values.

Django builds a queryset and compiles its SQL on every evaluation. For the few fixed-shape
queries behind the most requested public pages that costs several times the query itself
(on SQLite, 0.5 ms to build and compile the related stories' query, 0.07 ms to run it), and
every reader pays it. A ``Prepared`` query is written with the usual QuerySet methods
(``published()`` and all, so the rules stay in one place); the ORM builds and compiles it
once per database and shape, with stand-in values, and each call puts the real values where
the stand-ins landed among the SQL's parameters and runs it through ``Model.objects.raw()``,
which gives model instances as the queryset would (columns it defers stay deferred).

Only values that become SQL parameters as they are can be bound; the others are refused. A
list of values is compiled once per length, and a slice (a page's rows: LIMIT and OFFSET are
written into the SQL) once per slice.

Measured, with and without (``make ablation``, in-process, 2,000 articles, 7 December 2026;
``docs/performance.md``): the queries of ``reader/queries.py`` save 24% to 44% of every list
page's and the article page's CPU on SQLite (article 4.29 -> 2.59 ms, list 5.78 -> 4.08, search
10.03 -> 5.88).
"""

import itertools
from datetime import UTC, date, datetime, timedelta

from django.core.exceptions import EmptyResultSet
from django.db import connections, router

# Shapes kept per query (lengths of lists, slices): a bound on what a stream of different page
# numbers could make it hold.
MAX_SHAPES = 256
# Stand-ins nothing real is equal to: far-out negative numbers, strings with NUL in them and
# instants in the first year of the calendar. Each is used once per compilation.
_STAND_IN_NUMBER = -(2**52)
_STAND_IN_TIME = datetime(1, 1, 2, tzinfo=UTC)
_STAND_IN_DAY = date(1, 1, 2)


class PreparationError(Exception):
    """A value given to a prepared query did not become one of its SQL parameters."""


class Prepared:
    """``build(**values)`` (a function returning a queryset of ``model``) compiled once.

    Calling the ``Prepared`` with the same keyword arguments as ``build`` returns a
    ``RawQuerySet`` of the rows the queryset would give. Values may be integers, strings,
    aware datetimes, dates, lists of integers or slices (given to ``build`` as they are).
    """

    def __init__(self, model, build):
        self.model = model
        self.build = build
        self._compiled = {}  # (database, shape) -> (sql, params, slots) or None when empty

    def __call__(self, **values):
        db, sql, params = self._bind(values)
        if sql is None:  # the ORM knew without asking: nothing matches (an empty list)
            return self.model.objects.none()
        return self.model.objects.db_manager(db).raw(sql, params)

    def rows(self, **values):
        """The rows of a ``values_list()`` queryset as tuples, as the database driver gives
        them: only for columns Django does not convert (text and numbers, not times)."""
        db, sql, params = self._bind(values)
        if sql is None:
            return []
        with connections[db].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def count(self, **values):
        """How many rows the query gives, counted by the database."""
        db, sql, params = self._bind(values)
        if sql is None:
            return 0
        with connections[db].cursor() as cursor:
            # ``sql`` is the ORM's own, every value in it a parameter.
            cursor.execute(f"SELECT COUNT(*) FROM ({sql}) counted", params)  # noqa: S608
            return cursor.fetchone()[0]

    def _bind(self, values):
        db = router.db_for_read(self.model)
        shape = tuple(sorted((name, *_kind(value)) for name, value in values.items()))
        try:
            compiled = self._compiled[db, shape]
        except KeyError:
            if len(self._compiled) >= MAX_SHAPES:
                self._compiled.clear()
            compiled = self._compiled[db, shape] = self._compile(db, shape)
        if compiled is None:
            return db, None, None
        sql, params, slots = compiled
        params = list(params)
        ops = connections[db].ops
        for index, name, item in slots:
            value = values[name] if item is None else values[name][item]
            params[index] = _adapt(ops, value)
        return db, sql, params

    def _compile(self, db, shape):
        counter = itertools.count(1)
        stand_ins, wanted = {}, {}
        for name, kind, length in shape:
            if kind is slice:
                stand_ins[name] = slice(*length)
            elif length is None:
                stand_ins[name] = wanted[name, None] = _stand_in(kind, next(counter))
            else:
                stand_ins[name] = [_stand_in(kind, next(counter)) for _ in range(length)]
                wanted.update(((name, i), value) for i, value in enumerate(stand_ins[name]))
        queryset = self.build(**stand_ins).using(db)
        try:
            sql, params = queryset.query.sql_with_params()
        except EmptyResultSet:
            return None
        ops = connections[db].ops
        expected = {key: _adapt(ops, stand_in) for key, stand_in in wanted.items()}
        slots, found = [], set()
        for index, param in enumerate(params):
            for (name, item), value in expected.items():
                if type(param) is type(value) and param == value:
                    slots.append((index, name, item))
                    found.add((name, item))
        # A value the ORM rewrote ("%word%" for contains) or wrote into the SQL itself would
        # keep the stand-in there: refused. Text that is nowhere (an annotation a count leaves
        # out) is unused; other values must all be there.
        missing = set()
        for name, item in set(wanted) - found:
            stand_in = wanted[name, item]
            rewritten = isinstance(stand_in, str) and (
                stand_in in sql
                or any(isinstance(param, str) and stand_in in param for param in params)
            )
            if rewritten or not isinstance(stand_in, str):
                missing.add(name)
        if missing:
            raise PreparationError(f"not SQL parameters of the prepared query: {sorted(missing)}")
        return sql, tuple(params), tuple(slots)


def _kind(value):
    """A value's type and, for a list, its length (for a slice, its bounds): the shape a
    stand-in must have."""
    if isinstance(value, slice):
        return slice, (value.start, value.stop)
    if isinstance(value, list | tuple):
        return (type(value[0]) if value else int), len(value)
    return type(value), None


def _adapt(ops, value):
    """``value`` as the ORM passes it to the database driver: times and dates as the backend
    wants them (text on SQLite), anything else as it is."""
    if isinstance(value, datetime):
        return ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return ops.adapt_datefield_value(value)
    return value


def _stand_in(kind, n):
    if issubclass(kind, datetime):
        return _STAND_IN_TIME + timedelta(microseconds=n)
    if issubclass(kind, date):
        return _STAND_IN_DAY + timedelta(days=n)
    if issubclass(kind, str):
        return f"\x00stand-in-{n}\x00"
    if issubclass(kind, int):
        return _STAND_IN_NUMBER - n
    raise PreparationError(f"cannot prepare a query for a value of type {kind.__name__}")
