from django.apps import AppConfig


class ReaderConfig(AppConfig):
    """The public site: pages, feeds, sitemaps and the page cache, on top of the domain."""

    name = "reader"
    verbose_name = "Reader's site"

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from articles import models, stored

        from .cache import invalidate

        # Anything a public page shows: a change to it makes every cached page stale.
        for model in [
            models.Article,
            models.Byline,
            models.Mention,
            models.Tag,
            models.TaggedArticle,
            models.Person,
            models.Correction,
        ]:
            post_save.connect(invalidate, sender=model, dispatch_uid=f"pagecache-save-{model}")
            post_delete.connect(invalidate, sender=model, dispatch_uid=f"pagecache-del-{model}")
        m2m_changed.connect(invalidate, sender=models.TaggedArticle, dispatch_uid="pagecache-m2m")
        # Cards and pages written again in bulk (render_articles, make_renditions) send no
        # post_save.
        stored.rerendered.connect(invalidate, dispatch_uid="pagecache-rerendered")
