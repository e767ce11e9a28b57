from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Newsroom"

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

        from . import models
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
