"""Search and image renditions.

Full-text search needs database-specific objects that Django's model state cannot describe, so
they are created here by the vendor of the connection (see articles/search.py):

- PostgreSQL: a trigger that fills ``search_vector`` from the headline, standfirst and body (the
  headline weighs most), a GIN index on it, and a fill of the existing rows.
- SQLite: an FTS5 table fed by triggers (``install_sqlite_index``, which also runs after every
  ``migrate`` to restore triggers that a table rebuild dropped).
"""

import django.contrib.postgres.search
from django.db import migrations, models

POSTGRES_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION articles_article_search_vector() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_vector :=
            setweight(to_tsvector('pg_catalog.english', coalesce(NEW.headline, '')), 'A')
            || setweight(to_tsvector('pg_catalog.english', coalesce(NEW.standfirst, '')), 'B')
            || setweight(to_tsvector('pg_catalog.english', coalesce(NEW.body, '')), 'C');
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER articles_article_search_vector
    BEFORE INSERT OR UPDATE OF headline, standfirst, body, search_vector ON articles_article
    FOR EACH ROW EXECUTE FUNCTION articles_article_search_vector()
    """,
    "UPDATE articles_article SET search_vector = NULL",
    "CREATE INDEX articles_article_search_gin ON articles_article USING gin (search_vector)",
]

POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS articles_article_search_gin",
    "DROP TRIGGER IF EXISTS articles_article_search_vector ON articles_article",
    "DROP FUNCTION IF EXISTS articles_article_search_vector()",
]


def install_search(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        for sql in POSTGRES_FORWARD:
            schema_editor.execute(sql)
    elif connection.vendor == "sqlite":
        from articles.search import install_sqlite_index

        install_sqlite_index(connection)


def uninstall_search(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        for sql in POSTGRES_BACKWARD:
            schema_editor.execute(sql)
    elif connection.vendor == "sqlite":
        from articles.search import uninstall_sqlite_index

        uninstall_sqlite_index(connection)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0005_editor_tools"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="lead_image_renditions",
            field=models.JSONField(blank=True, default=dict, editable=False),
        ),
        migrations.AddField(
            model_name="article",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(install_search, uninstall_search),
    ]
