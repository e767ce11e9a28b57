"""What derives from the public rule, ``ArticleQuerySet.published()``, for the models that hang
off articles: whether a tag or person has a public story, and since when."""

from django.db import models

from .workflow import Status


def first_publication(rows, owner, article):
    """The earliest publication time among the published (or scheduled) articles that ``rows``
    (tag links, bylines or mentions of one tag or person, ``owner``) point to through
    ``article``, as a subquery. Compared with the clock it says whether that tag or person has
    a public story now, by the same rule as ``published()``: a scheduled story counts from its
    time, and an un-published or withdrawn one not at all."""
    earliest = (
        rows.filter(**{f"{article}__status": Status.PUBLISHED})
        .order_by()
        .values(owner)
        .annotate(first=models.Min(f"{article}__published_at"))
        .values("first")
    )
    return models.Subquery(earliest)


def same_columns(queryset, model_on):
    """``queryset`` reading the columns ``model_on`` reads (its ``only()`` or ``defer()``)."""
    fields, deferred = model_on.query.deferred_loading
    if fields:
        return queryset.defer(*fields) if deferred else queryset.only(*fields)
    return queryset


def has_public_article(rows, field):
    """``rows`` (bylines, mentions, tag links) narrowed to those whose article, ``field``, is
    public. A nested EXISTS on ``published()``: each row's article is looked up by primary key,
    so the cost follows the rows, not the size of the archive, and the planner cannot choose to
    walk every public article instead."""
    articles = rows.model._meta.get_field(field.removesuffix("_id")).related_model
    return rows.filter(
        models.Exists(articles.objects.published().filter(pk=models.OuterRef(field)))
    )
