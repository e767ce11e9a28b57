"""Store the rendered card and page of articles (articles/rendering.py) and recompute when each
tag's and person's first story became public (``public_since``, articles/stored.py).

Saving through the admin, the importer or the workflow does both already; this is for rows
written another way (the fixture, bulk inserts) and, with ``--all``, after a deploy that changes
the card or page templates. Idempotent.
"""

from django.core.management import BaseCommand
from django.db.models import Q

from articles.models import Article, Person, Tag


class Command(BaseCommand):
    help = "Render and store story cards and article pages that are missing (all with --all)."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Render every article again.")

    def handle(self, *args, **options):
        articles = Article.objects.all()
        if not options["all"]:
            articles = articles.filter(Q(card_html="") | Q(page_html=""))
        count = articles.rerender()
        Tag.objects.refresh_public_since()
        Person.objects.refresh_public_since()
        self.stdout.write(f"Rendered {count} article(s).")
