"""The two newsroom roles exist on every fresh install, with the permissions product.md gives them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR_PERMISSIONS = [
    f"{action}_{model}"
    for model in ["article", "person", "tag", "byline", "mention", "taggedarticle"]
    for action in ["add", "change", "delete", "view"]
]
MODERATOR_PERMISSIONS = [
    f"view_{model}" for model in ["article", "person", "tag", "byline", "mention", "taggedarticle"]
]


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations have run; create them now so the
    # groups can be given them on a fresh database.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in [
        ("Editors", EDITOR_PERMISSIONS),
        ("Moderators", MODERATOR_PERMISSIONS),
    ]:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="articles", codename__in=codenames)
        )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Editors", "Moderators"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
