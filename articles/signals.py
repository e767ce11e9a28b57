"""What is stored from an article for readers' pages, kept up to date when anything changes.

Two things are computed when content is saved rather than on every request:

- each article's rendered card and page (``articles/rendering.py``), which show its tags,
  bylines, people mentioned, corrections and lead image;
- each tag's and person's ``public_since``, the earliest publication time of their published
  stories, which ``in_use()`` compares with the clock.

The handlers below are connected in ``articles/apps.py`` to every save and delete that can
change either. Bulk updates send no signals: code that moves rows in bulk (``Tag.merge_into``)
calls ``refresh`` itself. Rows loaded raw (fixtures) are left to ``manage.py render_articles``.
"""

import contextlib
import contextvars
from dataclasses import dataclass, field

from django.db.models import Q

from . import rendering


@dataclass
class _Pending:
    render: set = field(default_factory=set)  # articles to render again
    owners: set = field(default_factory=set)  # articles whose tags and people to recompute
    tags: set = field(default_factory=set)
    people: set = field(default_factory=set)


_batch = contextvars.ContextVar("newsroom_render_batch", default=None)


@contextlib.contextmanager
def batched():
    """Note what changes inside, and render and recompute it once, on the way out.

    One admin save sends a signal for the article, each tag change, byline, mention and
    workflow step, and each rendered the story again (five or six times for a typical save).
    Inside this block they are collected and done once at the end, still inside the caller's
    transaction. Nothing is done if the block raises (its transaction is rolled back anyway);
    a nested block leaves the work to the outermost one."""
    if _batch.get() is not None:
        yield
        return
    pending = _Pending()
    token = _batch.set(pending)
    try:
        yield
    finally:
        _batch.reset(token)
    _refresh(pending)


def refresh(articles=(), tags=(), people=(), *, owners=True):
    """Render ``articles`` (ids) again and, with ``owners``, recompute ``public_since`` for their
    tags and people; also for the ``tags`` and ``people`` (ids) given, such as those just
    unlinked. Inside ``batched()``, noted and done once at its end."""
    pending = _batch.get()
    now = pending is None
    if now:
        pending = _Pending()
    articles = {pk for pk in articles if pk is not None}
    pending.render |= articles
    if owners:
        pending.owners |= articles
    pending.tags |= {pk for pk in tags if pk is not None}
    pending.people |= {pk for pk in people if pk is not None}
    if now:
        _refresh(pending)


def _refresh(pending):
    from .models import Byline, Mention, Person, Tag, TaggedArticle

    if pending.render:
        rendering.refresh(pending.render)
    tag_ids, person_ids = set(pending.tags), set(pending.people)
    if pending.owners:
        owners = list(pending.owners)
        tag_ids.update(
            TaggedArticle.objects.filter(content_object__in=owners).values_list("tag", flat=True)
        )
        for model in (Byline, Mention):
            person_ids.update(
                model.objects.filter(article__in=owners).values_list("person", flat=True)
            )
    if tag_ids:
        Tag.objects.filter(pk__in=tag_ids).refresh_public_since()
    if person_ids:
        Person.objects.filter(pk__in=person_ids).refresh_public_since()


def article_saved(sender, instance, raw=False, **kwargs):
    # Any save may change the status, the publication time or what the card shows.
    if not raw:
        refresh(articles=[instance.pk])


def article_deleting(sender, instance, **kwargs):
    # Once the article is gone nobody can tell which tags and people it counted for.
    instance._owners = (
        list(instance.taggedarticle_set.values_list("tag", flat=True)),
        list(instance.bylines.values_list("person", flat=True))
        + list(instance.mentions.values_list("person", flat=True)),
    )


def article_deleted(sender, instance, **kwargs):
    tags, people = getattr(instance, "_owners", ((), ()))
    refresh(tags=tags, people=people)


def credit_changing(sender, instance, raw=False, **kwargs):
    """A byline or mention is about to be saved: note the person it credited before, who may
    no longer have a public story once it points at someone else."""
    if not raw and instance.pk is not None:
        instance._previous_person = (
            sender.objects.filter(pk=instance.pk).values_list("person", flat=True).first()
        )


def credit_changed(sender, instance, raw=False, **kwargs):
    """A byline or mention was saved or deleted."""
    if not raw:
        previous = getattr(instance, "_previous_person", None)
        refresh(articles=[instance.article_id], people=[instance.person_id, previous])


def tag_link_changed(sender, instance, raw=False, **kwargs):
    """One article-tag link saved or deleted (a tag's deletion deletes its links)."""
    if not raw:
        refresh(articles=[instance.content_object_id], tags=[instance.tag_id])


def correction_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        refresh(articles=[instance.article_id], owners=False)


def tags_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """``article.tags.add/remove/set/clear``, or the same from a tag's side."""
    if action == "pre_clear":
        # After the clear nobody can tell which links there were: note them now.
        links = sender.objects.filter(**{"tag" if reverse else "content_object": instance})
        instance._cleared = list(
            links.values_list("content_object" if reverse else "tag", flat=True)
        )
        return
    if not action.startswith("post_"):
        return
    others = getattr(instance, "_cleared", []) if action == "post_clear" else list(pk_set or ())
    if reverse:
        refresh(articles=others, tags=[instance.pk])
    else:
        refresh(articles=[instance.pk], tags=others)


def person_saved(sender, instance, raw=False, **kwargs):
    """A name or page address changed: every story crediting or mentioning them shows it."""
    from .models import Article

    if not raw:
        stories = Article.objects.filter(Q(bylines__person=instance) | Q(mentions__person=instance))
        refresh(articles=stories.distinct().values_list("pk", flat=True), owners=False)


def tag_saved(sender, instance, raw=False, **kwargs):
    from .models import Article

    if not raw:
        stories = Article.objects.filter(tags=instance).values_list("pk", flat=True)
        refresh(articles=stories, owners=False)
