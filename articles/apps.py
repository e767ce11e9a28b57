from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Newsroom"

    def ready(self):
        # Handlers are connected here, once the models are loaded, as Django's docs advise.
        from django.db.models.signals import (
            m2m_changed,
            post_delete,
            post_migrate,
            post_save,
            pre_delete,
            pre_save,
        )

        from . import models, signals, stored
        from .search import install_after_migrate

        post_migrate.connect(install_after_migrate, sender=self)

        # Cards, article pages and tags' and people's public_since follow every change of what
        # they show (signals.py says what went stale, store_fresh stores it again).
        stored.stale.connect(signals.store_fresh, dispatch_uid="stored-store_fresh")

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
        connect(post_delete, signals.person_deleted, models.Person)
        connect(post_save, signals.tag_saved, models.Tag)
