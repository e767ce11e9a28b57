"""Tags saved before the slug rule of ``articles.names.tag_slug`` with an empty slug (django-taggit
gave "!!!" or an emoji the slug ""), which no address can hold: every page naming them was a
server error. They get the address the rule gives now; the rule is copied here, as a
migration must not change when the code does."""

import hashlib
import unicodedata

from django.db import migrations


def give_empty_slugs_an_address(apps, schema_editor):
    Tag = apps.get_model("articles", "Tag")
    for tag in Tag.objects.filter(slug=""):
        name = unicodedata.normalize("NFC", tag.name).strip()
        base = "tag-" + hashlib.sha256(name.casefold().encode("utf-8", "replace")).hexdigest()[:12]
        slug, number = base, 0
        while Tag.objects.filter(slug=slug).exists():
            number += 1
            slug = f"{base}_{number}"
        tag.slug = slug
        tag.save(update_fields=["slug"])


class Migration(migrations.Migration):
    dependencies = [("articles", "0013_event_outlives_article")]

    operations = [migrations.RunPython(give_empty_slugs_an_address, migrations.RunPython.noop)]
