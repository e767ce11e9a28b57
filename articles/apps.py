from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Newsroom"

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

        from . import models, rendering
        from .cache import invalidate
        from .search import install_after_migrate

        post_migrate.connect(install_after_migrate, sender=self)

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

        # Cards and article pages are rendered when what they show changes (rendering.py).
        # Connected after the page cache's handlers, which only bump a number.
        post_save.connect(rendering.article_saved, sender=models.Article, dispatch_uid="render")
        for model in [models.Byline, models.Mention, models.TaggedArticle, models.Correction]:
            post_save.connect(rendering.part_changed, sender=model, dispatch_uid="render-save")
            post_delete.connect(rendering.part_changed, sender=model, dispatch_uid="render-del")
        m2m_changed.connect(
            rendering.tags_changed, sender=models.TaggedArticle, dispatch_uid="render"
        )
        post_save.connect(rendering.person_saved, sender=models.Person, dispatch_uid="render")
        post_save.connect(rendering.tag_saved, sender=models.Tag, dispatch_uid="render")
