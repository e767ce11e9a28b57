"""List, and with --delete remove, media files no row points at: originals of lead images and
people's photos, and renditions. Such files are left by saves that failed before the clean-up
could run (a killed worker, a crash while the storage was down). Dry run by default.

Files younger than --min-age minutes are left alone: an upload is stored before the
transaction that writes its row, so a file seconds old may be one an editor is saving now.
"""

from datetime import timedelta

from django.core.management import BaseCommand
from django.utils import timezone

from articles import files, images
from articles.models import Article, Person


class Command(BaseCommand):
    help = "List media files no article or person points at; --delete removes them."

    def add_arguments(self, parser):
        parser.add_argument("--delete", action="store_true", help="Remove the files listed.")
        parser.add_argument(
            "--min-age",
            type=int,
            default=60,
            metavar="MINUTES",
            help="Leave files younger than this alone (default 60).",
        )

    def handle(self, *args, **options):
        storage = Article._meta.get_field("lead_image").storage
        cutoff = timezone.now() - timedelta(minutes=options["min_age"])
        kept = referenced()
        orphans = [
            name
            for folder in folders()
            for name in walk(storage, folder)
            if name not in kept and storage.get_modified_time(name) <= cutoff
        ]
        for name in orphans:
            self.stdout.write(name)
        if options["delete"]:
            files.delete_quietly(storage, orphans)
            self.stdout.write(f"Removed {len(orphans)} file(s) no row points at.")
        else:
            self.stdout.write(f"{len(orphans)} file(s) no row points at (--delete removes them).")


def referenced():
    """Every file name a row points at."""
    names = set(Person.objects.exclude(photo="").values_list("photo", flat=True))
    rows = Article.objects.exclude(lead_image="").values_list("lead_image", "lead_image_renditions")
    for name, info in rows.iterator(chunk_size=1000):
        names.add(name)
        names.update(r["name"] for key in images.FORMATS for r in (info or {}).get(key, []))
    return names


def folders():
    """The folders uploads and renditions are stored in, and nothing else in the storage."""
    upload_folders = {
        str(model._meta.get_field(name).upload_to).split("%", 1)[0].rstrip("/")
        for model, name in [(Article, "lead_image"), (Person, "photo")]
    }
    return sorted(upload_folders | {images.FOLDER})


def walk(storage, folder):
    try:
        directories, names = storage.listdir(folder)
    except FileNotFoundError:  # nothing was ever stored there
        return
    for name in names:
        yield f"{folder}/{name}"
    for directory in directories:
        yield from walk(storage, f"{folder}/{directory}")
