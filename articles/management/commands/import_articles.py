"""Import articles from plain-text documents shaped like the provided one, or from ninjs JSON.

    python manage.py import_articles incoming/*.txt --kind news
    python manage.py import_articles opinion.txt --publish --user alice --kind opinion
    python manage.py import_articles old-site/*.txt --encoding latin-1
    python manage.py import_articles export.json --publish --user alice

Each document is saved in a transaction of its own: one that fails, whatever the reason, leaves
nothing behind and the others still import. Failures are listed with the file, the reason and,
when one line is the reason, its number. The exit status is 0 when every document was imported,
1 when any was not (the others were), and 2 when the command line itself is wrong (nothing was
tried).

Publishing is an editorial act, recorded with who did it: ``--publish`` needs ``--user``, a
user allowed to publish, and goes through ``Article.publish`` like the admin.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from articles.exchange.data import DocumentError
from articles.exchange.reading import read_path
from articles.models import Article

# The exit status when the command line is wrong, as argparse's own errors: nothing was tried.
USAGE = 2


def unexpected(error):
    """The reason to report for a fault the checks did not foresee."""
    return f"it could not be imported ({error.__class__.__name__}: {error})"


class Command(BaseCommand):
    help = (
        "Import plain-text documents (headline, paragraphs, an optional final “Tags:” line) or "
        "ninjs JSON. New articles are drafts unless --publish; re-importing updates the article "
        "with the same slug and keeps its status and publication time."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="files to import")
        parser.add_argument(
            "--publish",
            action="store_true",
            help="publish new articles now (ninjs: at their firstcreated time), as --user; "
            "articles that exist keep their status and publication time",
        )
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="who the import is recorded as (needed with --publish: someone allowed to "
            "publish); without it, drafts are recorded as created by the system",
        )
        parser.add_argument(
            "--kind",
            choices=Article.Kind.values,
            help="the kind of the imported articles (new ones default to news)",
        )
        parser.add_argument(
            "--encoding",
            help="the files' text encoding, e.g. latin-1 or cp1252 (default UTF-8, BOM or not)",
        )
        parser.add_argument(
            "--base-url",
            default="",
            help="for ninjs: the address the export was made for, to find its images here",
        )

    def handle(self, *args, paths, publish, kind, encoding, base_url, user, **options):
        self.actor = self.find_actor(user, publish)
        if encoding:
            try:
                "".encode(encoding)
            except LookupError:
                raise CommandError(f"Unknown encoding: {encoding}", returncode=USAGE) from None
        self.verbose = options["verbosity"] >= 2
        self.progress = self.stdout.isatty() and options["verbosity"] >= 1
        counts = {"created": 0, "updated": 0, "failed": 0, "suggested": 0}
        failures = []
        for number, path in enumerate(paths, start=1):
            self.show_progress(number - 1, len(paths), path)
            for label, error in self.import_file(path, publish, counts, encoding, kind, base_url):
                counts["failed"] += 1
                failures.append((label, error))
        self.show_progress(len(paths), len(paths), "")
        if self.progress:
            self.stdout.write("")
        for label, reason in failures:
            self.stderr.write(f"{label}: not imported: {reason}")
        self.stdout.write(
            f"Imported {counts['created']} new and updated {counts['updated']} existing "
            f"article(s); {counts['failed']} failed. People to confirm as mentioned: "
            f"{counts['suggested']}."
        )
        if failures:
            raise CommandError(f"{len(failures)} document(s) could not be imported.", returncode=1)

    def import_file(self, path, publish, counts, encoding, kind, base_url):
        """Import what one file holds; yield ``(label, reason)`` for each part not imported.
        Nothing in one file, not even a fault of ours, stops the rest of the batch: the
        document's transaction is rolled back and the fault reported as its reason."""
        try:
            entries = read_path(path, encoding=encoding, kind=kind, base_url=base_url)
        except DocumentError as error:
            entries = [(path, error)]
        except Exception as error:
            entries = [(path, unexpected(error))]
        for label, data in entries:
            if isinstance(data, DocumentError):
                yield label, data
                continue
            try:
                error = self.save(label, data, publish, counts)
            except Exception as fault:
                error = unexpected(fault)
            if error is not None:
                yield label, error

    def save(self, label, data, publish, counts):
        """Save one document; return the reason it failed, or None."""
        try:
            article, created = Article.objects.save_imported(
                data, publish=publish, actor=self.actor
            )
        except PermissionDenied as error:
            return str(error)
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                return " ".join(error.messages)
            return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in
                             error.message_dict.items())  # fmt: skip
        except DatabaseError as error:
            return f"the database refused it ({error.__class__.__name__}: {error})"
        counts["created" if created else "updated"] += 1
        suggestions = article.mention_suggestions.pending().count()
        counts["suggested"] += suggestions
        for note in data.notes:
            self.stderr.write(f"{label}: {note}")
        if self.verbose:
            action = "created" if created else "updated"
            self.stdout.write(
                f"{label}: {action} “{article.headline}” ({article.get_status_display()}, "
                f"{suggestions} people to confirm)"
            )
        return None

    def find_actor(self, username, publish):
        if not username:
            if publish:
                raise CommandError(
                    "--publish needs --user: publishing is recorded with who did it.",
                    returncode=USAGE,
                )
            return None
        actor = get_user_model().objects.filter(username=username, is_active=True).first()
        if actor is None:
            raise CommandError(f"No active user “{username}”.", returncode=USAGE)
        if publish and not actor.has_perm("articles.publish_article"):
            raise CommandError(f"“{username}” may not publish articles.", returncode=USAGE)
        return actor

    def show_progress(self, done, total, current):
        if not self.progress:
            return
        width = 30
        filled = width * done // total
        bar = "#" * filled + "-" * (width - filled)
        name = str(current)[-40:]
        self.stdout.write(f"\r[{bar}] {done}/{total} {name:<40}", ending="")
        self.stdout.flush()
