"""Make the lead-image renditions of articles that lack them (images saved before renditions
existed, or restored from a backup without the renditions folder). Idempotent."""

from django.core.management import BaseCommand

from articles import images
from articles.models import Article


class Command(BaseCommand):
    help = "Make missing lead-image renditions (all of them again with --all)."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Remake every article's renditions.")

    def handle(self, *args, **options):
        made = []
        articles = Article.objects.exclude(lead_image="").only(
            "pk", "lead_image", "lead_image_renditions"
        )
        for article in articles.iterator(chunk_size=200):
            info = article.lead_image_renditions or {}
            files_missing = any(
                not article.lead_image.storage.exists(r["name"]) for r in info.get("jpeg", [])
            )
            if options["all"] or not info.get("jpeg") or files_missing:
                article.lead_image_renditions = images.make_renditions(article.lead_image)
                # Not save(): this is no edit of the story, its update time stays.
                Article.objects.filter(pk=article.pk).update(
                    lead_image_renditions=article.lead_image_renditions
                )
                made.append(article.pk)
        if made:
            # Cards and pages name the renditions (caches of pages are told: stored.rerendered).
            Article.objects.filter(pk__in=made).rerender()
        self.stdout.write(f"Made renditions for {len(made)} article(s).")
