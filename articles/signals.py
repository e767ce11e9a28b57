"""The signal handlers that keep what is stored for readers current (``articles/stored.py``):
connected in ``articles/apps.py`` to every save and delete that can change an article's card
and page or a tag's or person's ``public_since``, each says what went stale; ``store_fresh``
does the work, once per ``stored.batched()`` block."""

from functools import partial

from django.db import transaction
from django.db.models import Q

from .models import Article, Byline, Mention, Person, Tag, TaggedArticle
from .stored import refresh


def store_fresh(sender, pending, **kwargs):
    """Render the articles ``pending`` names again and recompute ``public_since`` for their
    tags and people and the ones it names (the ``stored.stale`` signal)."""
    if pending.render:
        Article.objects.filter(pk__in=pending.render).rerender()
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
    if instance.lead_image:
        # Once the deletion commits; a rolled-back deletion keeps the row and its files.
        release = partial(
            Article.release_image, instance.lead_image.name, instance.lead_image_renditions
        )
        transaction.on_commit(release)


def person_deleted(sender, instance, **kwargs):
    if instance.photo:
        transaction.on_commit(partial(Person.release_photo, instance.photo.name))


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
    if not raw:
        stories = Article.objects.filter(Q(bylines__person=instance) | Q(mentions__person=instance))
        refresh(articles=stories.distinct().values_list("pk", flat=True), owners=False)


def tag_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        stories = Article.objects.filter(tags=instance).values_list("pk", flat=True)
        refresh(articles=stories, owners=False)
