# PostgreSQL: the topics in use, in name order, read from one index alone.
#
# Every list page (the list, a filtered list, a search) shows the topics readers can choose from:
# every tag whose public_since has come, by name. PostgreSQL read the table and sorted the
# rows (about 500 topics in the bench: 0.18 ms of the server's time, on every list page); this
# index holds the rows in name order with the columns the query reads, so it is one pass over
# the index (0.10 ms). SQLite reads the tags in name order from the unique index on the name
# already; nothing is created there (Index(include=...) is PostgreSQL's).

from django.db import migrations

NAME = "articles_tag_by_name"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {NAME} ON articles_tag (name) "
            "INCLUDE (slug, public_since, id)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0010_recent_search_inline"),
    ]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
