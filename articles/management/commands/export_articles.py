"""Write the published articles as IPTC ninjs (News in JSON): a JSON list of ninjs 1.8 items.

    python manage.py export_articles --base-url https://news.example.com > articles.json
    python manage.py export_articles --output articles.json --since 2015-10-01

``import_articles`` reads such a file back. See ``articles/exchange/ninjs.py`` for what goes where.
"""

import json
from datetime import datetime, time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.dateparse import parse_date

from articles.exchange.ninjs import to_ninjs
from articles.models import Article, Byline, Mention


class Command(BaseCommand):
    help = "Write published articles as ninjs JSON (a list of items) to stdout or --output."

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url",
            help="the site's public address, for the items' uri and image links "
            "(default: DJANGO_SITE_URL)",
        )
        parser.add_argument("--output", "-o", help="write to this file instead of stdout")
        parser.add_argument("--since", help="only articles published on or after this date")

    def handle(self, *args, base_url, output, since, **options):
        articles = (
            Article.objects.published()
            .prefetch_related(
                "tags",
                Prefetch("bylines", queryset=Byline.objects.select_related("person")),
                Prefetch("mentions", queryset=Mention.objects.select_related("person")),
            )
            .newest_first()
        )
        if since:
            try:
                day = parse_date(since)
            except ValueError:
                day = None
            if day is None:
                raise CommandError(f"--since needs a date like 2015-10-01, not “{since}”.")
            start = timezone.make_aware(datetime.combine(day, time.min))
            articles = articles.filter(published_at__gte=start)
        base_url = base_url or settings.SITE_URL
        items = [to_ninjs(article, base_url) for article in articles]
        text = json.dumps(items, ensure_ascii=False, indent=2) + "\n"
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
            self.stderr.write(f"Wrote {len(items)} article(s) to {output}.")
        else:
            self.stdout.write(text, ending="")
