# PostgreSQL: the newest stories' search vectors in a small table with its own GIN index, so
# that a search's first windows (articles/search.py) read the matches of the newest stories
# only. The GIN index of the whole table hands over every match of a word at once, and a common
# word matches more stories every year: at 100,000 stories that bitmap cost 1.4 ms of a search
# (13,528 matches of "harbour"); from this table 0.55 ms, however big the archive grows.
#
# articles_recent_search holds every story whose id is at least its floor (the one row of
# articles_recent_search_floor), and nothing below it. Triggers keep both: a story inserted at
# or above the floor is added, and when the newest id passes floor + 2 * RECENT the floor moves
# up to newest - RECENT and the rows under it go; a changed search vector is copied, a deleted
# story removed, and emptying articles_article (TRUNCATE) empties the table and drops the floor
# to 0. A search reads a window from this table only when the window lies above the floor, and
# from articles_article otherwise (decided in the same statement, so with the same snapshot):
# what the triggers do never changes what a search finds.
# Nothing on SQLite (FTS5 walks its index newest first already).

from django.db import migrations

# Stories kept above the floor at least (the search's first two windows span 15,000 ids).
RECENT = 20000

FORWARD = [
    """
    CREATE TABLE articles_recent_search (
        id bigint PRIMARY KEY,
        search_vector tsvector
    )
    """,
    "CREATE INDEX articles_recent_search_gin ON articles_recent_search USING gin (search_vector)",
    "CREATE TABLE articles_recent_search_floor (floor bigint NOT NULL)",
    f"""
    INSERT INTO articles_recent_search_floor (floor)
    SELECT greatest(coalesce(max(id), 0) - {RECENT}, 0) FROM articles_article
    """,
    """
    INSERT INTO articles_recent_search (id, search_vector)
    SELECT id, search_vector FROM articles_article
    WHERE id >= (SELECT floor FROM articles_recent_search_floor)
    """,
    f"""
    CREATE FUNCTION articles_recent_search_keep() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        current_floor bigint;
    BEGIN
        SELECT floor INTO current_floor FROM articles_recent_search_floor;
        IF TG_OP = 'INSERT' THEN
            IF NEW.id >= current_floor THEN
                INSERT INTO articles_recent_search (id, search_vector)
                VALUES (NEW.id, NEW.search_vector)
                ON CONFLICT (id) DO UPDATE SET search_vector = EXCLUDED.search_vector;
            END IF;
            IF NEW.id - {RECENT} * 2 > current_floor THEN
                UPDATE articles_recent_search_floor SET floor = NEW.id - {RECENT};
                DELETE FROM articles_recent_search WHERE id < NEW.id - {RECENT};
            END IF;
        ELSIF TG_OP = 'UPDATE' THEN
            IF NEW.search_vector IS DISTINCT FROM OLD.search_vector THEN
                UPDATE articles_recent_search SET search_vector = NEW.search_vector
                WHERE id = NEW.id;
            END IF;
        ELSE
            DELETE FROM articles_recent_search WHERE id = OLD.id;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER articles_recent_search_keep
    AFTER INSERT OR UPDATE OR DELETE ON articles_article
    FOR EACH ROW EXECUTE FUNCTION articles_recent_search_keep()
    """,
    """
    CREATE FUNCTION articles_recent_search_empty() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        TRUNCATE articles_recent_search;
        UPDATE articles_recent_search_floor SET floor = 0;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER articles_recent_search_empty
    AFTER TRUNCATE ON articles_article
    FOR EACH STATEMENT EXECUTE FUNCTION articles_recent_search_empty()
    """,
]

BACKWARD = [
    "DROP TRIGGER IF EXISTS articles_recent_search_empty ON articles_article",
    "DROP FUNCTION IF EXISTS articles_recent_search_empty()",
    "DROP TRIGGER IF EXISTS articles_recent_search_keep ON articles_article",
    "DROP FUNCTION IF EXISTS articles_recent_search_keep()",
    "DROP TABLE IF EXISTS articles_recent_search_floor",
    "DROP TABLE IF EXISTS articles_recent_search",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0008_public_probe_index"),
    ]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
