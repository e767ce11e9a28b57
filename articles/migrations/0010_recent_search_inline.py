# PostgreSQL: the newest stories' search vectors (migration 0009) kept in their table's rows
# rather than out of line. A vector is about 2 KB, just over the size at which PostgreSQL moves
# a value to the table's TOAST storage, where reading it costs an index lookup and a copy per
# story: ranking a search's 260 candidates spent 0.4 ms of its 0.6 ms there. STORAGE MAIN
# keeps a value in the row unless the row cannot fit in a page; the table holds nothing else,
# so every vector short of about 8 KB stays in. The rows already there are written again so
# that they move in too. Nothing on SQLite.

from django.db import migrations

FORWARD = [
    "ALTER TABLE articles_recent_search ALTER COLUMN search_vector SET STORAGE MAIN",
    # A new value (the same words) is stored under the new rule; the same value would keep
    # its out-of-line pointer.
    "UPDATE articles_recent_search SET search_vector = search_vector || ''::tsvector",
]

BACKWARD = [
    "ALTER TABLE articles_recent_search ALTER COLUMN search_vector SET STORAGE EXTENDED",
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
        ("articles", "0009_recent_search"),
    ]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
