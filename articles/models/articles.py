"""``Article``: the story itself, its fields, its editorial moves and its public page."""

import html

from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator, slugify
from taggit.managers import TaggableManager

from .. import checks, files, images
from ..addresses import slug_url
from ..markdown import render_markdown
from ..names import clean_name
from ..suggestions import find_people
from ..workflow import TRANSITIONS, Status, available
from .people import Byline, Mention, MentionSuggestion, Person
from .queries import ArticleQuerySet
from .records import Correction, Event, Revision
from .tags import TaggedArticle


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
        max_length=600,
        help_text="One or two sentences under the headline that say what the story is about. "
        "Also used in lists, feeds and search results.",
    )
    body = models.TextField(
        # About 30,000 words: the longest long read, with room to spare.
        max_length=200_000,
        help_text="The story in Markdown: a blank line between paragraphs, **bold**, *italic*, "
        "[link text](https://example.com), ## for a subheading.",
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
        max_length=2000,
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
        # Stored as readers see it (names.clean_name): no zero-width or other invisible
        # characters, one space between words.
        self.headline = clean_name(self.headline)
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
        self._release_replaced_image()
        if record_revision:
            Revision.capture(self, actor)

    def get_absolute_url(self):
        return slug_url("reader:article_detail", self.slug)

    @classmethod
    def from_db(cls, db, field_names, values):
        # Django's documented hook for remembering loaded values: the image the row pointed at,
        # whose files go once a save that replaces or removes it commits.
        instance = super().from_db(db, field_names, values)
        loaded = dict(zip(field_names, values, strict=True))
        instance._stored_image = (
            loaded.get("lead_image") or "",
            loaded.get("lead_image_renditions") or {},
        )
        return instance

    def _release_replaced_image(self):
        old_name, old_renditions = getattr(self, "_stored_image", ("", {}))
        self._stored_image = (self.lead_image.name or "", self.lead_image_renditions or {})
        if old_name and old_name != self.lead_image.name:
            # After the commit: if the save rolls back, the row still points at the old files.
            transaction.on_commit(lambda: Article.release_image(old_name, old_renditions))

    @staticmethod
    def release_image(name, renditions):
        """Remove an original and its renditions that no article points at any more (an
        image may be shared: an import can name a file already in the media folder, and
        renditions are named after the image's bytes). Called after a commit."""
        unused = []
        if name and not Article.objects.filter(lead_image=name).exists():
            unused.append(name)
        digest = (renditions or {}).get("hash")
        if digest and not Article.objects.filter(lead_image_renditions__hash=digest).exists():
            unused += [r["name"] for key in images.FORMATS for r in renditions.get(key, [])]
        files.delete_quietly(Article._meta.get_field("lead_image").storage, unused)

    def clean(self):
        self.headline = clean_name(self.headline)
        if not self.headline:
            raise ValidationError({"headline": "A headline needs at least one visible character."})

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
        becomes public by itself when the time comes. Refused while a blocking check
        (``articles.checks``) fails, whoever publishes: the desk, an action or an import."""
        at = at or timezone.now()
        if self.status == self.Status.PUBLISHED and self.is_public:
            raise ValidationError("This article is already published.", code="invalid_transition")
        problems = checks.blocking_problems(checks.Copy.of(self, relations=False))
        if problems:
            raise ValidationError(
                [ValidationError(problem.message, code=problem.code) for problem in problems]
            )
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

    @property
    def was_published(self):
        """Readers may have seen it (or it is scheduled): no move leads from a published state
        back to draft or review (workflow.TRANSITIONS)."""
        return self.status not in {Status.DRAFT, Status.IN_REVIEW}

    def may_be_deleted_by(self, user):
        """Editors delete drafts nobody has read; a story once published is taken down, and
        only a superuser may purge it, with a reason (a court order, say)."""
        if self.was_published:
            return user.is_active and user.is_superuser
        return user.has_perm("articles.delete_article")

    def delete_recorded(self, actor, reason=""):
        """Delete the article, leaving a "deleted" event (who, why) in the record, which
        keeps all its events with the story's headline and address."""
        reason = (reason or "").strip()
        if actor is None or not self.may_be_deleted_by(actor):
            raise PermissionDenied("A published story is taken down, not deleted.")
        if self.was_published and not reason:
            raise ValidationError("Give the reason for the purge: it is kept in the record.")
        with transaction.atomic():
            self.events.update(headline=self.headline, slug=self.slug)
            Event.objects.create(
                article=self, actor=actor, action=Event.Action.DELETED,
                from_status=self.status, reason=reason or "Deleted before publication.",
                headline=self.headline, slug=self.slug,
            )  # fmt: skip
            self.delete()

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
            if self.lead_image and not self.lead_image.storage.exists(self.lead_image.name):
                # That image was replaced since, and its file removed after the commit.
                self.lead_image = ""
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
        return reverse("reader:preview", kwargs={"pk": self.pk})

    @property
    def was_updated(self):
        """True when readers should see an "Updated" line."""
        return bool(self.published_at and self.updated_at and self.updated_at > self.published_at)
