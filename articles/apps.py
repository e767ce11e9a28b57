from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Newsroom"

    def ready(self):
        from django.db.models.signals import (
            m2m_changed,
            post_delete,
            post_migrate,
            post_save,
            pre_delete,
            pre_save,
        )

        from . import models, signals
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

        # Cards, article pages and tags' and people's public_since follow every change of what
        # they show (signals.py). Connected after the page cache's handlers.
        def connect(signal, handler, *senders):
            for model in senders:
                signal.connect(handler, sender=model, dispatch_uid=f"stored-{handler.__name__}")

        connect(post_save, signals.article_saved, models.Article)
        connect(pre_delete, signals.article_deleting, models.Article)
        connect(post_delete, signals.article_deleted, models.Article)
        connect(pre_save, signals.credit_changing, models.Byline, models.Mention)
        connect(post_save, signals.credit_changed, models.Byline, models.Mention)
        connect(post_delete, signals.credit_changed, models.Byline, models.Mention)
        connect(post_save, signals.tag_link_changed, models.TaggedArticle)
        connect(post_delete, signals.tag_link_changed, models.TaggedArticle)
        connect(post_save, signals.correction_changed, models.Correction)
        connect(post_delete, signals.correction_changed, models.Correction)
        connect(m2m_changed, signals.tags_changed, models.TaggedArticle)
        connect(post_save, signals.person_saved, models.Person)
        connect(post_save, signals.tag_saved, models.Tag)
