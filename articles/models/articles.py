"""Articles: the story itself, its states and the queries readers' pages start from."""

import html
from collections import Counter
from datetime import datetime, time, timedelta

from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, models, transaction
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator, slugify
from taggit.managers import TaggableManager

from .. import images, rendering, search, signals
from ..addresses import slug_url
from ..markdown import render_markdown
from ..prepared import Prepared
from ..publication import same_columns
from ..suggestions import find_people
from ..workflow import TRANSITIONS, Status, available
from .people import Byline, Mention, MentionSuggestion, Person
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
        ``at``, for a query compiled once and run at many times: see ``articles.prepared``).
        """
        now = at or timezone.now()
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=now)

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
        driven = Article.objects.filter(pk__in=ids).filter(
            models.Exists(self.filter(pk=models.OuterRef("pk")))
        )
        return same_columns(driven, self)

    def for_cards(self):
        """What a list of story cards reads: the cards rendered on save, in one query."""
        return self.only(*rendering.CARD_FIELDS)

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
        return self.filter(status=Article.Status.WITHDRAWN)

    def scheduled(self):
        """Published pieces whose time has not come yet, soonest first."""
        return self.filter(
            status=Article.Status.PUBLISHED, published_at__gt=timezone.now()
        ).order_by("published_at", "pk")

    def counts_by_state(self):
        """How many articles are in each state, scheduled ones apart from those already public,
        as (label, count) pairs in the order of the states."""
        counts = dict(self.values_list("status").annotate(n=models.Count("pk")).order_by())
        scheduled = self.scheduled().count()
        rows = []
        for value, label in Article.Status.choices:
            if value == Article.Status.PUBLISHED:
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

        ``data`` is an ``articles.importing.ArticleData``. A new article is created as a draft
        (recorded as created by ``actor``, or by the system) and, with ``publish``, published
        through ``Article.publish`` by ``actor`` at ``data.published_at`` or now. An existing
        article keeps its status and publication time. Tags are replaced by the document's,
        through aliases; authors and people mentioned that the data names are linked; the
        people its text names are offered as suggestions. Returns ``(article, created)``.
        """
        # Rendered once at the end (signals.batched), not once per tag, byline and mention.
        with transaction.atomic(), signals.batched():
            article = self.select_for_update().filter(slug=data.slug).first()
            created = article is None
            if created:
                article = Article(slug=data.slug, kind=data.kind or Article.Kind.NEWS)
            elif data.kind:
                article.kind = data.kind
            article.headline = data.headline
            article.body = data.body
            if data.standfirst is not None:
                article.standfirst = data.standfirst
            if data.lead_image is not None:
                article.lead_image = data.lead_image
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

    def _newest_links(self, tag_ids, person_ids):
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


class Article(models.Model):
    class Kind(models.TextChoices):
        NEWS = "news", "News"
        OPINION = "opinion", "Opinion"
        ANALYSIS = "analysis", "Analysis"

    # The editorial states (articles/workflow.py).
    Status = Status

    headline = models.CharField(max_length=255, help_text="The story's title, as readers see it.")
    slug = models.SlugField(
        max_length=255,
        unique=True,
        help_text="The end of the story's address, filled in from the headline. Avoid changing it "
        "once published: old links would break.",
    )
    standfirst = models.TextField(
        blank=True,
        help_text="One or two sentences under the headline that say what the story is about. "
        "Also used in lists, feeds and search results.",
    )
    body = models.TextField(
        help_text="The story in Markdown: a blank line between paragraphs, **bold**, *italic*, "
        "[link text](https://example.com), ## for a subheading."
    )
    body_html = models.TextField(editable=False, blank=True)
    # The story's card and its page, rendered whenever the article or anything they show is
    # saved (articles/rendering.py), so readers' requests do not render them.
    card_html = models.TextField(editable=False, blank=True)
    page_html = models.TextField(editable=False, blank=True)
    page_data = models.JSONField(default=dict, blank=True, editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.NEWS)
    # Editorial state changes only through the transition methods below, never by assignment in
    # a form or a bulk update: they check permissions, record an event and a revision.
    status = models.CharField(
        max_length=20,
        choices=Status.choices,
        default=Status.DRAFT,
        editable=False,
        help_text="Only published stories whose publication time has come are shown to readers.",
    )
    published_at = models.DateTimeField(
        "publication time",
        null=True,
        blank=True,
        help_text="When readers first see the story. A time in the future schedules it.",
    )
    lead_image = models.ImageField(upload_to="articles/%Y/%m/", blank=True)
    lead_image_alt = models.CharField(
        "alt text",
        max_length=300,
        blank=True,
        help_text="What the image shows, for readers who cannot see it. Required with an image.",
    )
    lead_image_caption = models.CharField("caption", max_length=300, blank=True)
    lead_image_credit = models.CharField(
        "credit", max_length=200, blank=True, help_text="Photographer or agency, e.g. “Reuters”."
    )
    # Made from the lead image when the article is saved (articles/images.py): the sizes and
    # formats readers get, so a page never opens an image file or resizes on a request.
    lead_image_renditions = models.JSONField(default=dict, blank=True, editable=False)
    tags = TaggableManager(
        through=TaggedArticle,
        blank=True,
        help_text="Subjects, separated by commas, e.g. “Russia, Syria, US”.",
    )
    authors = models.ManyToManyField(
        Person, through="Byline", related_name="bylined_articles", blank=True
    )
    people_mentioned = models.ManyToManyField(
        Person, through="Mention", related_name="mentioned_in", blank=True
    )
    withdrawn_at = models.DateTimeField("withdrawn at", null=True, blank=True, editable=False)
    withdrawal_note = models.TextField(
        "public withdrawal note",
        blank=True,
        editable=False,
        help_text="Shown to readers at the withdrawn article's address.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The time readers see as "Updated": it moves for updates, corrections and clarifications,
    # never for typo fixes. `modified_at` is every save, for the desk.
    updated_at = models.DateTimeField("updated", default=timezone.now, editable=False)
    modified_at = models.DateTimeField("last saved", auto_now=True)
    # Bumped on every save: a form saved from an older version is a conflict, not an overwrite.
    version = models.PositiveIntegerField(default=1, editable=False)
    # PostgreSQL only: a database trigger keeps it up to date from the headline, standfirst and
    # body, and a GIN index covers it (articles/search.py). Always empty on SQLite, which searches
    # an FTS5 table instead.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        permissions = [
            ("publish_article", "Can publish and schedule articles"),
            ("takedown_article", "Can un-publish, withdraw and re-publish articles"),
        ]
        indexes = [
            # The public list: published stories, newest first.
            models.Index(fields=["status", "-published_at", "-id"], name="article_status_pub"),
            models.Index(fields=["kind", "status", "-published_at"], name="article_kind_pub"),
        ]

    def __str__(self):
        return self.headline

    def save(self, *args, actor=None, record_revision=True, **kwargs):
        """Save, render the body, bump the version and keep a revision.

        The admin saves with ``record_revision=False`` and records the revision itself once the
        tags, bylines and mentions are saved too.
        """
        if not self.slug:
            self.slug = slugify(self.headline)[:255]
        self.body_html = render_markdown(self.body)
        if self.pk is not None:
            self.version += 1
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "body_html", "version", "modified_at"}
        new_files = []
        if update_fields is None or "lead_image" in update_fields:
            # Renditions are made here, once per new image, never on a reader's request.
            new_files = images.refresh_renditions(self) or []
            if update_fields is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "lead_image_renditions"}
        try:
            super().save(*args, **kwargs)
        except Exception:
            # The row was not written: the files made for it would be orphans.
            for name in new_files:
                self.lead_image.storage.delete(name)
            raise
        if record_revision:
            Revision.capture(self, actor)

    def get_absolute_url(self):
        return slug_url("articles:article_detail", self.slug)

    @classmethod
    def public_page(cls, slug):
        """The public story at ``slug`` as its page reads it (the card parts and the page
        rendered on save, not the Markdown nor any relation), or None."""
        return next(iter(PUBLIC_PAGE(slug=slug, now=timezone.now())), None)

    def related_stories(self, limit=4, tag_ids=None, person_ids=None):
        """Other public stories sharing tags or people mentioned with this one, those sharing
        the most first, then the newest, with what the related list shows (a list, each with
        ``shared``, the number of tags and people in common). The ids of the story's tags and
        people mentioned are read from it unless given (the article page has them stored)."""
        if tag_ids is None:
            tag_ids = [tag.pk for tag in self.tags.all()]
        if person_ids is None:
            person_ids = [mention.person_id for mention in self.mentions.all()]
        # Only the most recent links of the shared tags and people are candidates, so the cost
        # stays flat however many stories a big tag has gathered over the years. Each link is
        # one thing in common, so counting a candidate's links counts what it shares.
        shared = Counter(Article.objects.all()._newest_links(tag_ids, person_ids))
        shared.pop(self.pk, None)
        if not shared:
            return []
        # The few that share the most (the newest created first among equals) go to the
        # database, which keeps the public ones; they are put in order here: most shared, then
        # newest published. A handful rather than every candidate keeps the query small;
        # enough that drafts among them rarely leave a slot empty.
        best = sorted(shared, key=lambda pk: (shared[pk], pk), reverse=True)
        found = list(PUBLIC_AMONG(ids=best[: limit * RELATED_SHORTLIST], now=timezone.now()))
        for story in found:
            story.shared = shared[story.pk]
        found.sort(key=lambda story: (story.shared, story.published_at, story.pk), reverse=True)
        return found[:limit]

    def confirmed_moves(self, user):
        """The take-downs (and re-publishing) ``user`` may make from this article's state,
        for the links above its change form (``workflow.TRANSITIONS``)."""
        return available(self.status, user, confirmed=True)

    # Editorial transitions. Each checks the actor's permission and the move's validity, saves,
    # and records an event; admin actions, views and commands call these and nothing else.

    def submit_for_review(self, actor):
        self._transition(actor, TRANSITIONS["submit_for_review"], Event.Action.SUBMITTED)

    def return_to_draft(self, actor):
        self._transition(actor, TRANSITIONS["return_to_draft"], Event.Action.RETURNED)

    def publish(self, actor, at=None):
        """Publish now, or at ``at``: a time in the future schedules the article, which then
        becomes public by itself when the time comes."""
        at = at or timezone.now()
        if self.status == self.Status.PUBLISHED and self.is_public:
            raise ValidationError("This article is already published.", code="invalid_transition")
        self._transition(
            actor,
            TRANSITIONS["publish"],
            Event.Action.SCHEDULED if at > timezone.now() else Event.Action.PUBLISHED,
            published_at=at,
            updated_at=at,
        )

    def unpublish(self, actor, reason):
        self._transition(actor, TRANSITIONS["unpublish"], Event.Action.UNPUBLISHED, reason=reason)

    def withdraw(self, actor, reason, public_note):
        if not (public_note or "").strip():
            raise ValidationError("Write the public note readers will see.", code="note_required")
        self._transition(
            actor, TRANSITIONS["withdraw"], Event.Action.WITHDRAWN,
            reason=reason, public_note=public_note,
            withdrawn_at=timezone.now(), withdrawal_note=public_note.strip(),
        )  # fmt: skip

    def republish(self, actor, reason=""):
        """Put an un-published or withdrawn piece back, at its original publication time."""
        self._transition(
            actor, TRANSITIONS["republish"], Event.Action.REPUBLISHED,
            reason=reason, published_at=self.published_at or timezone.now(),
            withdrawn_at=None, withdrawal_note="",
        )  # fmt: skip

    def _transition(self, actor, move, action, *, reason="", public_note="", **changes):
        """Make ``move`` (a ``workflow.Transition``), recorded as ``action``."""
        if actor is None or not actor.has_perm(move.permission):
            raise PermissionDenied(f"You may not {Event.Action(action).label.lower()} articles.")
        reason = (reason or "").strip()
        if move.reason_required and not reason:
            raise ValidationError("Give a reason: it is kept in the article's record.", "reason")
        with transaction.atomic():
            # Re-read the state under a lock so two moderators (or a moderator and an editor)
            # acting at once cannot both move the article from the same state.
            current = Article.objects.select_for_update().only("status").get(pk=self.pk)
            if current.status not in move.sources:
                raise ValidationError(
                    "A %(from)s article cannot be %(action)s.",
                    code="invalid_transition",
                    params={
                        "from": self.Status(current.status).label.lower(),
                        "action": Event.Action(action).label.lower(),
                    },
                )
            from_status = current.status
            self.status = move.to
            for field, value in changes.items():
                setattr(self, field, value)
            self.save(actor=actor)
            Event.objects.create(
                article=self,
                actor=actor,
                action=action,
                from_status=from_status,
                to_status=move.to,
                reason=reason,
                public_note=(public_note or "").strip(),
            )

    def record_change(self, actor, kind, note=""):
        """Record what kind of change an edit to a public article was.

        Corrections and clarifications get a dated public note; an update moves the "Updated"
        time (with an optional note); a typo fix leaves no trace for readers.
        """
        if kind == Correction.Kind.TYPO:
            return None
        now = timezone.now()
        self.updated_at = now
        self.save(update_fields=["updated_at"], actor=actor, record_revision=False)
        correction = Correction.objects.create(
            article=self, kind=kind, note=note.strip(), created_by=actor, created_at=now
        )
        Event.objects.create(
            article=self,
            actor=actor,
            action=Event.Action.CORRECTED,
            from_status=self.status,
            to_status=self.status,
            public_note=f"{correction.get_kind_display()}: {correction.note}".rstrip(": "),
        )
        return correction

    def restore_revision(self, revision, actor):
        """Bring back a revision's text, image, tags, bylines and people; keep the state."""
        if not actor.has_perm("articles.change_article"):
            raise PermissionDenied("You may not edit articles.")
        data = revision.data
        with transaction.atomic():
            for field in Revision.CONTENT_FIELDS:
                setattr(self, field, data.get(field, ""))
            self.save(actor=actor, record_revision=False)
            self.tags.set(data.get("tags", []))
            people = Person.objects.in_bulk(
                [row["person"] for row in data.get("bylines", []) + data.get("mentions", [])]
            )
            self.bylines.all().delete()
            Byline.objects.bulk_create(
                Byline(article=self, person=people[row["person"]], role=row["role"],
                       position=row["position"])
                for row in data.get("bylines", []) if row["person"] in people
            )  # fmt: skip
            self.mentions.all().delete()
            Mention.objects.bulk_create(
                Mention(article=self, person=people[row["person"]], role=row["role"])
                for row in data.get("mentions", [])
                if row["person"] in people
            )
            Revision.capture(self, actor, note=f"Restored from version {revision.number}")

    def refresh_mention_suggestions(self):
        """Scan the text for the names and aliases of known people and offer those not yet
        linked as suggestions. Suggestions the text no longer supports go; ones an editor turned
        down stay turned down. Returns the pending suggestions."""
        text = "\n\n".join([self.headline, self.standfirst, self.body])
        people = Person.objects.only("pk", "name", "aliases")
        linked = set(self.mentions.values_list("person_id", flat=True))
        found = {item.person_id: item for item in find_people(text, people)}
        for person_id in linked:
            found.pop(person_id, None)
        self.mention_suggestions.exclude(person_id__in=found).delete()
        for item in found.values():
            MentionSuggestion.objects.update_or_create(
                article=self,
                person_id=item.person_id,
                defaults={"found_as": item.found_as, "position": item.position},
            )
        return list(self.mention_suggestions.pending().select_related("person"))

    def accept_mention_suggestions(self, suggestions=None):
        """Link the people suggested (all pending ones unless ``suggestions`` is given) as people
        mentioned, and return them. An editor's confirmation: nothing else calls this."""
        pending = self.mention_suggestions.pending().select_related("person")
        if suggestions is not None:
            pending = pending.filter(pk__in=[suggestion.pk for suggestion in suggestions])
        accepted = []
        with transaction.atomic():
            for suggestion in pending:
                Mention.objects.get_or_create(article=self, person=suggestion.person)
                accepted.append(suggestion.person)
                suggestion.delete()
        return accepted

    def dismiss_mention_suggestions(self, suggestions):
        """Turn suggestions down: they are kept, marked, and not offered again."""
        return self.mention_suggestions.filter(
            pk__in=[suggestion.pk for suggestion in suggestions]
        ).update(dismissed=True)

    @property
    def summary(self):
        """For meta descriptions and sharing cards: the standfirst, or the body's first words."""
        if self.standfirst:
            return Truncator(self.standfirst).chars(300)
        return Truncator(html.unescape(strip_tags(self.body_html))).words(40)

    @property
    def is_public(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def is_scheduled(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at > timezone.now()
        )

    @property
    def state_label(self):
        """The state as the desk speaks of it: "scheduled" is published with a future time."""
        return "Scheduled" if self.is_scheduled else self.get_status_display()

    def get_preview_url(self):
        return reverse("articles:preview", kwargs={"pk": self.pk})

    @property
    def was_updated(self):
        """True when readers should see an "Updated" line."""
        return bool(self.published_at and self.updated_at and self.updated_at > self.published_at)


# The article page's two queries, compiled once (see articles.prepared): the story, and the
# public ones among its related stories' shortlist. It is the most requested page of a news
# site, and building and compiling them cost more than running them.
PUBLIC_PAGE = Prepared(
    Article,
    lambda slug, now: (
        Article.objects.published(at=now).defer("body", "body_html", "card_html").filter(slug=slug)
    ),
)
PUBLIC_AMONG = Prepared(
    Article,
    lambda ids, now: (
        Article.objects.published(at=now).only(*rendering.RELATED_FIELDS).among(ids).order_by()
    ),
)
