# PostgreSQL: "is this story public?" answered from an index alone.
#
# Many public queries check stories one by one against published() (ArticleQuerySet.among(): the
# related stories, a person's stories, search results; a topic's stories joined to its links).
# With only the primary key, each check reads the story's row from the table; this index carries
# the two columns published() reads, so PostgreSQL checks them in the index (an index-only scan)
# and, for a topic's capped count, merges the topic's links with it in id order instead of
# hashing every link of the topic first. At 100,000 stories the topic page's server time fell
# from 2.3 to 1.0 ms and the filtered list's from 2.5 to 1.3 ms (docs/performance.md).
#
# SQLite has no covering indexes with INCLUDE, and looks a row up by its rowid cheaply: nothing
# is created there (Django's Index(include=...) would create a plain copy of the rowid and warn).

from django.db import migrations

NAME = "article_public_probe"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {NAME} ON articles_article (id) "
            "INCLUDE (status, published_at)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0007_stored_for_readers"),
    ]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
