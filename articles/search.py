"""Full-text search over articles: PostgreSQL's own where we run on it, SQLite's FTS5 otherwise.

Both index the headline, the standfirst and the body, with the headline counting most, and both
stem English words ("elections" finds "election"). The index is kept up to date by the database
itself (triggers), so bulk changes and fixtures are covered and nothing runs on a reader's
request but the query.

- PostgreSQL: ``Article.search_vector`` (a ``tsvector``) is filled by a trigger and covered by a
  GIN index; queries use ``websearch_to_tsquery`` (quotes, ``or`` and ``-word`` work as on web
  search engines and no input is a syntax error) and ``ts_rank`` for the order.
- SQLite: an FTS5 table, ``articles_article_search``, that keeps its own copy of the text, fed by
  triggers; each word of the query must match (``bm25`` orders them). SQLite rebuilds a table to
  alter it, which drops its triggers, so ``install_sqlite_index`` runs after every ``migrate``
  and rebuilds the index when it finds a trigger missing.
- Any other database: every word must appear in the headline, standfirst or body
  (case-insensitive), newest first. Slower, and documented as a fallback only.
"""

import json
import re

from django.conf import settings
from django.core.exceptions import FullResultSet
from django.db import connections
from django.db.models import CharField, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Concat, StrIndex

# The language of the stories: stemming and stop words follow it.
POSTGRES_CONFIG = "english"
MAX_WORDS = 16
WORD = re.compile(r"\w+")

SQLITE_TABLE = "articles_article_search"
SQLITE_TRIGGERS = {
    f"{SQLITE_TABLE}_insert": f"""
        CREATE TRIGGER IF NOT EXISTS {SQLITE_TABLE}_insert AFTER INSERT ON articles_article
        BEGIN
            INSERT INTO {SQLITE_TABLE}(rowid, headline, standfirst, body)
            VALUES (new.id, new.headline, new.standfirst, new.body);
        END""",
    f"{SQLITE_TABLE}_update": f"""
        CREATE TRIGGER IF NOT EXISTS {SQLITE_TABLE}_update
        AFTER UPDATE OF id, headline, standfirst, body ON articles_article
        BEGIN
            DELETE FROM {SQLITE_TABLE} WHERE rowid = old.id;
            INSERT INTO {SQLITE_TABLE}(rowid, headline, standfirst, body)
            VALUES (new.id, new.headline, new.standfirst, new.body);
        END""",
    f"{SQLITE_TABLE}_delete": f"""
        CREATE TRIGGER IF NOT EXISTS {SQLITE_TABLE}_delete AFTER DELETE ON articles_article
        BEGIN
            DELETE FROM {SQLITE_TABLE} WHERE rowid = old.id;
        END""",
}


# Search shows at most the numbered pages (ARTICLES_NUMBERED_PAGES of ARTICLES_PER_PAGE).
SHOWN = settings.ARTICLES_NUMBERED_PAGES * settings.ARTICLES_PER_PAGE
# The best matches are chosen among this many of the newest: a common word matches more
# stories every year, and ranking them all would make search slower as the archive grows. A
# newsroom's readers look for recent stories first; older ones are found with more words or a
# date filter, which narrow the matches before this limit applies.
CANDIDATES = 300

# PostgreSQL: the newest CANDIDATES matches. The GIN index finds every match of a word at
# once, but each match's row must then be read to check it, and a common word matches a tenth
# of the archive: that reading grew with the archive (3.8x from 1,000 to 100,000 stories). So
# the matches are looked for among the newest FIRST_WINDOW ids first, then among the next
# WIDER times as many, and only then in the rest of the archive, stopping as soon as there are
# enough: for a common word only the rows of the first window are read. The first window holds
# enough matches of a word found in one story in ten. The rest is searched as it was before
# the windows (every older match read), so a rare or old word costs no more than it did.
FIRST_WINDOW = 10 * CANDIDATES
WIDER = 4
MATCH = "search_vector @@ websearch_to_tsquery(%s::regconfig, %s)"
# The rank, written plainly (the search's statement writes it with QUERY below; the tests rank
# the whole table with this to compare).
RANK = "ts_rank(search_vector, websearch_to_tsquery(%s::regconfig, %s))"
# In a search's own statement the query is parsed once, in a subquery: that statement is
# prepared and planned for any words (a generic plan), where a call to websearch_to_tsquery
# with the words as parameters was made again for every story ranked.
QUERY = "(SELECT websearch_to_tsquery(%s::regconfig, %s))"
# The newest stories' vectors, with a GIN index of their own (migration 0009): the first
# RECENT_WINDOWS windows read them there, so a common word's matches in the rest of the archive
# are not handed over first (that bitmap grew with the archive: 1.4 ms at 100,000 stories).
# Measured with and without, same run (make ablation, PostgreSQL, 2,000 articles): 16% of the
# search page's CPU (5.09 -> 4.30 ms); no other page uses it.
RECENT_TABLE = "articles_recent_search"
RECENT_FLOOR_TABLE = "articles_recent_search_floor"
RECENT_WINDOWS = 2


def windows(top):
    """Ranges of ids ``(lower, upper)``, newest first, that the search reads in turn: the
    newest ``FIRST_WINDOW`` ids, ``WIDER`` times as many below them, then the rest."""
    ranges, upper = [], int(top) + 1
    for width in (FIRST_WINDOW, FIRST_WINDOW * WIDER, upper):
        lower = max(upper - width, 0)
        ranges.append((lower, upper))
        upper = lower
        if upper == 0:
            break
    return ranges


def branch(table, condition, rule):
    """The UNION ALL branch reading ``table``'s matches under ``condition``, ranked, with
    ``rule`` (the WHERE clause of the stories allowed) checked on ``articles_article``."""
    if rule and table == RECENT_TABLE:
        condition += (
            f" AND EXISTS (SELECT 1 FROM articles_article "
            f"WHERE articles_article.id = {table}.id AND {rule})"
        )
    elif rule:
        condition += f" AND {rule}"
    return (
        f"(SELECT id, rank FROM (SELECT id, ts_rank(search_vector, {QUERY}) AS rank "
        f"FROM {table} WHERE search_vector @@ {QUERY} AND {condition} OFFSET 0) found "
        "ORDER BY id DESC)"
    )


def postgresql_best_matches(connection, text, among=None):
    """The ids of the newest ``CANDIDATES`` stories matching ``text``, best first (``ts_rank``,
    then the newest), in two queries; only stories of ``among`` (a queryset of articles with
    filters but no joins, e.g. ``published()``) when it is given."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM articles_article")
        (top,) = cursor.fetchone()
        if top is None:
            return []
        # One branch per range, newest first; PostgreSQL runs the branches of a UNION ALL in
        # turn and stops at the LIMIT, so the older ranges are not read when the newer ones
        # are enough. The bounds are written into the query as numbers (they are integers
        # from the database): planned with them, a window combines the GIN index with a
        # range of the primary key. Given unknown bounds, the planner assumed a window of a
        # few rows and tested every story in it one by one, which cost more on a small archive.
        #
        # The first windows are read from articles_recent_search (migration 0009), whose own
        # GIN index holds only the newest stories' words, when the window lies above that
        # table's floor, and from articles_article otherwise: the two branches of a window
        # compare its lower bound with the floor in this same statement, and PostgreSQL skips
        # the one whose comparison is false without reading anything.
        #
        # Each branch ranks the stories it finds, before sorting them (the subquery with
        # OFFSET 0 keeps it so; planned for any words, PostgreSQL would otherwise sort the
        # whole vectors and rank after), from the vector it has just read: articles_recent_search
        # keeps its vectors in its rows (migration 0010), where reading articles_article's
        # again, out of line, to rank them cost more than the rest of the search.
        #
        # ``among``'s rules (its WHERE clause, compiled by the ORM: the rules stay in one place)
        # are checked in each branch, on articles_article's row (index-only for published(),
        # migration 0008), so that stories readers cannot see take no candidate's place and
        # no rank is computed for them.
        floor = f"(SELECT floor FROM {RECENT_FLOOR_TABLE})"
        rule, rule_params = where_clause(among, connection)
        branches = []
        for number, (lower, upper) in enumerate(windows(top)):
            window = f"id >= {lower} AND id < {upper}"
            if number < RECENT_WINDOWS:
                branches.append(branch(RECENT_TABLE, f"{window} AND {lower} >= {floor}", rule))
                window += f" AND {lower} < {floor}"
            branches.append(branch("articles_article", window, rule))
        params = [POSTGRES_CONFIG, text, POSTGRES_CONFIG, text, *rule_params] * len(branches)
        cursor.execute(
            "SELECT id FROM (" + " UNION ALL ".join(branches) + " LIMIT %s) newest "
            "ORDER BY rank DESC, id DESC",
            [*params, CANDIDATES],
        )
        return [row[0] for row in cursor.fetchall()]


def where_clause(queryset, connection):
    """``queryset``'s WHERE clause as SQL and its parameters, ("", []) for none: ``queryset``
    reads articles_article alone (filters on its own columns, no joins)."""
    if queryset is None:
        return "", []
    query = queryset.query
    if len(query.alias_map) > 1:
        raise ValueError("a queryset with joins cannot be checked row by row here")
    try:
        sql, params = query.where.as_sql(query.get_compiler(connection=connection), connection)
    except FullResultSet:
        return "", []
    return f"({sql})", list(params)


def keeps_among(connection):
    """Whether ``matches`` keeps only the stories of its ``among`` on this database (so a list
    narrowed by nothing else need not check them again)."""
    return connection.vendor == "postgresql"


def search(queryset, text):
    """``queryset`` narrowed to the stories matching ``text``, best first, with a ``rank``."""
    found = matches(connections[queryset.db], text)
    return queryset.none() if found is None else ranked(queryset, **found)


def matches(connection, text, among=None):
    """What ``ranked`` needs to give the stories matching ``text`` in order (a few text values,
    so that a compiled query can take them: see ``newsroom.prepared``), found and ranked with
    the database's full-text index; None when no story can match (no word in ``text``). Where
    ``keeps_among()``, only stories of ``among`` (a queryset, e.g. what readers may see)."""
    text = clean_query(text)
    words = WORD.findall(text)[:MAX_WORDS]
    if not words:
        return None
    if connection.vendor == "postgresql":
        # Ranked among the newest matches only: ranking every match of a common word would
        # cost more the bigger the archive grows (see CANDIDATES).
        best = postgresql_best_matches(connection, text, among)
        return {"found": "{" + ",".join(map(str, best)) + "}", "order": order_of(best)}
    if connection.vendor == "sqlite":
        # Each word quoted: FTS5 syntax characters typed by a reader are then plain text.
        match = " ".join(f'"{word}"' for word in words)
        with connection.cursor() as cursor:
            # The newest CANDIDATES matches (FTS5 walks its index newest first and stops
            # there), ranked by bm25 (lower is better; the weights favour the headline, then
            # the standfirst): one full-text query limited to their range of rowids.
            cursor.execute(
                f"SELECT rowid FROM {SQLITE_TABLE} WHERE {SQLITE_TABLE} MATCH %s AND rowid >= "
                f"(SELECT min(rowid) FROM (SELECT rowid FROM {SQLITE_TABLE} "
                f"WHERE {SQLITE_TABLE} MATCH %s ORDER BY rowid DESC LIMIT {CANDIDATES})) "
                f"ORDER BY bm25({SQLITE_TABLE}, 10.0, 4.0, 1.0) LIMIT {SHOWN}",
                [match, match],
            )
            best = [row[0] for row in cursor.fetchall()]
        # The ids go in as one JSON parameter: a query parameter per id cost more to build
        # than the whole query costs to run.
        return {"found": json.dumps(best), "order": order_of(best)}
    return {"words": text}


def order_of(ids):
    """``ids`` (best first) as one string, ",3,1,2,": a story's place in it is its rank, found
    by the database with a text search, where a CASE branch per id cost more to build than the
    whole query costs to run."""
    return "," + ",".join(map(str, ids)) + ","


def best_first(found):
    """The ids ``matches`` found, best first; None where the database does not rank them
    itself (any but PostgreSQL and SQLite)."""
    order = found.get("order")
    return None if order is None else [int(pk) for pk in order.split(",") if pk]


# How each database reads the ids ``matches`` found from their one parameter.
FOUND_IDS = {
    "postgresql": "SELECT unnest(%s::bigint[])",
    "sqlite": "SELECT value FROM json_each(%s)",
}


def ranked(queryset, found=None, words=None, order=None):
    """``queryset`` narrowed to the stories ``matches`` found, best first, with a ``rank``.
    The database keeps the public ones (the queryset's rules)."""
    vendor = connections[queryset.db].vendor
    if found is not None:
        ids = RawSQL(FOUND_IDS[vendor], [found])
        # SQLite's planner would rather walk every public story and test it against the ids
        # (``among`` prevents it); PostgreSQL looks each id up and checks its row, cheaper
        # than the EXISTS per id ``among`` asks for.
        narrowed = queryset.among(ids) if vendor == "sqlite" else queryset.filter(pk__in=ids)
        position = StrIndex(Value(order), Concat(Value(","), Cast("pk", CharField()), Value(",")))
        return narrowed.annotate(rank=-position).order_by("-rank", "-published_at", "-pk")
    # Any other database: every word must appear in the headline, standfirst or body.
    for word in WORD.findall(words)[:MAX_WORDS]:
        queryset = queryset.filter(
            Q(headline__icontains=word) | Q(standfirst__icontains=word) | Q(body__icontains=word)
        )
    return queryset.order_by("-published_at", "-pk")


def clean_query(text):
    return strip_control_characters(text or "").strip()


CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_control_characters(text):
    """``text`` without NUL bytes and other control characters. PostgreSQL refuses NUL in a
    string (a server error, not "no results") and HTML and XML cannot hold them."""
    return CONTROL_CHARACTERS.sub("", text)


def install_sqlite_index(connection):
    """Create the FTS5 table and its triggers if they are missing; refill the index when a
    trigger was missing, since the table may have changed while nothing kept it up to date.
    Idempotent and cheap when everything is in place."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name IN (%s, %s, %s)",
            list(SQLITE_TRIGGERS),
        )
        present = {row[0] for row in cursor.fetchall()}
        if present == set(SQLITE_TRIGGERS):
            return
        cursor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {SQLITE_TABLE} USING fts5("
            "headline, standfirst, body, tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        for sql in SQLITE_TRIGGERS.values():
            cursor.execute(sql)
        cursor.execute(f"DELETE FROM {SQLITE_TABLE}")
        cursor.execute(
            f"INSERT INTO {SQLITE_TABLE}(rowid, headline, standfirst, body) "
            "SELECT id, headline, standfirst, body FROM articles_article"
        )


def uninstall_sqlite_index(connection):
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for name in SQLITE_TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        cursor.execute(f"DROP TABLE IF EXISTS {SQLITE_TABLE}")


def install_after_migrate(sender, using, **kwargs):
    """post_migrate: put the SQLite index's triggers back if a table rebuild dropped them."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    # Only where the search migration made the index (not after migrating back before it).
    if SQLITE_TABLE in connection.introspection.table_names():
        install_sqlite_index(connection)
