"""``ArticleQuerySet``: the queries every surface starts from (``published()``, the one public
rule), the desk's counts, the import of one article, and related stories' candidates."""

from datetime import datetime, time, timedelta

from django.db import connections, models, transaction
from django.db.models.functions import TruncDate
from django.utils import timezone

from .. import files, images, rendering, search, stored
from ..publication import same_columns
from ..workflow import Status
from .people import Byline, Mention, Person
from .records import Correction, Event, Revision
from .tags import Tag, TaggedArticle

# How many of the newest stories per shared tag or person "related stories" chooses from.
RELATED_CANDIDATES = 300
# How many of the best candidates, per story shown, are checked by the database.
RELATED_SHORTLIST = 3


class ArticleQuerySet(models.QuerySet):
    def published(self, at=None):
        """The one rule for what readers may see. Every public surface starts here.

        A scheduled article (published, with a publication time in the future) becomes public by
        itself when its time comes: the rule compares with the clock at query time (or with
        ``at``, for a query compiled once and run at many times: see ``newsroom.prepared``).
        """
        now = at or timezone.now()
        return self.filter(status=Status.PUBLISHED, published_at__lte=now)

    def with_list_data(self):
        """Everything a story card shows, in a fixed number of queries whatever the page size."""
        return self.prefetch_related(
            "tags",
            models.Prefetch("bylines", queryset=Byline.objects.select_related("person")),
        )

    def among(self, ids):
        """The stories of ``ids`` (a list or a subquery) that this queryset would give, looked up
        by primary key. Its filters (``published()`` first of all) are checked per row as an
        EXISTS, so the planner cannot choose to walk every public story and test each against
        the ids instead, which is what SQLite does with the filters side by side. PostgreSQL,
        given a list of ids, always looks each one up by primary key, and checks the filters
        beside it at a third of an EXISTS's cost; given a subquery it gets the EXISTS too."""
        if isinstance(ids, list | tuple) and connections[self.db].vendor == "postgresql":
            return self.filter(pk__in=ids)
        driven = self.model.objects.filter(pk__in=ids).filter(
            models.Exists(self.filter(pk=models.OuterRef("pk")))
        )
        return same_columns(driven, self)

    def for_cards(self):
        """What a list of story cards reads: the cards rendered on save, in one query."""
        return self.only(*rendering.CARD_FIELDS)

    def rerender(self):
        """Render and store the card and page of these articles again (``rendering.store``),
        ``rendering.BATCH`` at a time: each batch prefetches its relations in a fixed number of
        queries. A plain UPDATE: no signal, no new version or revision, "last saved" unchanged;
        ``stored.rerendered`` tells caches of pages. Returns how many were rendered."""
        ids = list(self.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), rendering.BATCH):
            chunk = ids[start : start + rendering.BATCH]
            batch = list(self.model.objects.filter(pk__in=chunk).with_page_data())
            for article in batch:
                rendering.store(article)
            self.model.objects.bulk_update(batch, ["card_html", "page_html", "page_data"])
        if ids:
            stored.rerendered.send(sender=self.model, ids=ids)
        return len(ids)

    def with_page_data(self):
        """Everything the article page shows, in a fixed number of queries."""
        return self.prefetch_related(
            "tags",
            models.Prefetch("bylines", queryset=Byline.objects.select_related("person")),
            models.Prefetch("mentions", queryset=Mention.objects.select_related("person")),
            models.Prefetch(
                "corrections",
                queryset=Correction.objects.exclude(kind=Correction.Kind.TYPO),
            ),
        )

    def newest_first(self):
        return self.order_by("-published_at", "-pk")

    def withdrawn(self):
        """Withdrawn pieces: not public, but their URL answers 410 with the public notice."""
        return self.filter(status=Status.WITHDRAWN)

    def scheduled(self):
        """Published pieces whose time has not come yet, soonest first."""
        return self.filter(status=Status.PUBLISHED, published_at__gt=timezone.now()).order_by(
            "published_at", "pk"
        )

    def counts_by_state(self):
        """How many articles are in each state, scheduled ones apart from those already public,
        as (label, count) pairs in the order of the states."""
        counts = dict(self.values_list("status").annotate(n=models.Count("pk")).order_by())
        scheduled = self.scheduled().count()
        rows = []
        for value, label in Status.choices:
            if value == Status.PUBLISHED:
                rows.append(("Scheduled", scheduled))
                rows.append(("Published", counts.get(value, 0) - scheduled))
            else:
                rows.append((label, counts.get(value, 0)))
        return rows

    def published_per_day(self, days=30):
        """(date, count) for each of the last ``days`` days, today included, of articles public
        now that were published that day (in the site's time zone); days without any count 0."""
        today = timezone.localdate()
        first = today - timedelta(days=days - 1)
        start = timezone.make_aware(datetime.combine(first, time.min))
        counts = dict(
            self.published()
            .filter(published_at__gte=start)
            .annotate(day=TruncDate("published_at", tzinfo=timezone.get_current_timezone()))
            .values_list("day")
            .annotate(n=models.Count("pk"))
            .order_by()
        )
        return [
            (first + timedelta(days=n), counts.get(first + timedelta(days=n), 0))
            for n in range(days)
        ]

    def save_imported(self, data, *, publish=False, actor=None):
        """Create or update the article an import describes, matched by its slug.

        ``data`` is an ``articles.exchange.data.ArticleData``. A new article is created as a draft
        (recorded as created by ``actor``, or by the system) and, with ``publish``, published
        through ``Article.publish`` by ``actor`` at ``data.published_at`` or now. An existing
        article keeps its status and publication time. Tags are replaced by the document's,
        through aliases; authors and people mentioned that the data names are linked; the
        people its text names are offered as suggestions. Returns ``(article, created)``.
        """
        renditions, made = self._renditions_before_saving(data)
        try:
            return self._save_imported(data, publish, actor, renditions)
        except BaseException:
            # The row was not written: the renditions made for it would be orphans.
            files.delete_quietly(self.model._meta.get_field("lead_image").storage, made)
            raise

    def _renditions_before_saving(self, data):
        """The renditions of the document's lead image, made before the save's transaction so a
        slow image holds no write lock (as the admin does, ``articles/media.py``); ``({}, [])``
        if it has none or they cannot be made (the save then reports why, as before)."""
        if not data.lead_image:
            return {}, []
        known = (
            self.filter(lead_image=data.lead_image, lead_image_renditions__source=data.lead_image)
            .values_list("lead_image_renditions", flat=True)
            .first()
        )
        if known:
            return known, []
        probe = self.model(lead_image=data.lead_image)
        try:
            made = images.refresh_renditions(probe) or []
        except Exception:
            return {}, []
        return probe.lead_image_renditions, made

    def _save_imported(self, data, publish, actor, renditions):
        # Rendered once at the end (stored.batched), not once per tag, byline and mention.
        with transaction.atomic(), stored.batched():
            article = self.select_for_update().filter(slug=data.slug).first()
            created = article is None
            if created:
                article = self.model(slug=data.slug, kind=data.kind or self.model.Kind.NEWS)
            elif data.kind:
                article.kind = data.kind
            article.headline = data.headline
            article.body = data.body
            if data.standfirst is not None:
                article.standfirst = data.standfirst
            if data.lead_image is not None:
                article.lead_image = data.lead_image
                if renditions:
                    article.lead_image_renditions = renditions
                article.lead_image_alt = data.lead_image_alt
                article.lead_image_caption = data.lead_image_caption
                article.lead_image_credit = data.lead_image_credit
            article.full_clean(exclude=["slug", "lead_image"], validate_unique=False)
            # The revision is captured once tags and people are saved too, as the admin does.
            article.save(actor=actor, record_revision=False)
            if created:
                Event.objects.create(
                    article=article,
                    actor=actor,
                    action=Event.Action.CREATED,
                    to_status=article.status,
                    reason="Imported",
                )
            article.tags.set(Tag.objects.canonical_names(data.tags))
            if data.authors is not None:
                article.bylines.all().delete()
                for position, (name, slug) in enumerate(data.authors):
                    person = Person.objects.for_import(name, slug)
                    Byline.objects.get_or_create(
                        article=article, person=person, defaults={"position": position}
                    )
            for name, slug in data.mentioned:
                person = Person.objects.for_import(name, slug)
                Mention.objects.get_or_create(article=article, person=person)
            article.refresh_mention_suggestions()
            Revision.capture(article, actor, note="Imported")
            if created and publish:
                article.publish(actor, at=data.published_at)
        return article, created

    def search(self, text):
        """Stories matching the words in ``text``, best matches first (then newest).

        PostgreSQL ranks with its full-text search over a stored, GIN-indexed vector; SQLite uses
        an FTS5 index. See ``articles/search.py``.
        """
        return search.search(self, text)

    def newest_links(self, tag_ids, person_ids):
        """The article ids of the newest ``RELATED_CANDIDATES`` tag links of ``tag_ids`` and as
        many mentions of ``person_ids``, one per link, in one query. Plain SQL because the
        ORM cannot combine two sliced querysets, and two queries cost twice the round trip."""
        parts, params = [], []
        for model, owner, article, ids in [
            (TaggedArticle, "tag", "content_object", tag_ids),
            (Mention, "person", "article", person_ids),
        ]:
            if not ids:
                continue
            article = model._meta.get_field(article).column
            owner = model._meta.get_field(owner).column
            placeholders = ", ".join(["%s"] * len(ids))
            parts.append(  # table and column names from _meta, values as parameters
                f"SELECT {article} FROM (SELECT {article} FROM {model._meta.db_table} "  # noqa: S608
                f"WHERE {owner} IN ({placeholders}) ORDER BY {article} DESC LIMIT %s) AS l"
                f"{len(parts)}"
            )
            params += [*ids, RELATED_CANDIDATES]
        if not parts:
            return []
        with connections[self.db].cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            return [row[0] for row in cursor.fetchall()]
