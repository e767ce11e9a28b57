"""What happened to an article: the editorial record (events), the public corrections and the
saved versions (revisions)."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from ..workflow import Status


class Event(models.Model):
    """The editorial record: who did what to which article, when and why."""

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        SUBMITTED = "submitted", "Sent for review"
        RETURNED = "returned", "Returned to draft"
        PUBLISHED = "published", "Published"
        SCHEDULED = "scheduled", "Scheduled"
        UNPUBLISHED = "unpublished", "Un-published"
        WITHDRAWN = "withdrawn", "Withdrawn"
        REPUBLISHED = "republished", "Re-published"
        CORRECTED = "corrected", "Corrected"
        DELETED = "deleted", "Deleted"

    # The record outlives the article: deleting one leaves its events, with the story's
    # headline and address copied onto them (Article.delete_recorded).
    article = models.ForeignKey(
        "Article", null=True, on_delete=models.SET_NULL, related_name="events"
    )
    headline = models.CharField(max_length=255, blank=True, editable=False)
    slug = models.CharField(max_length=255, blank=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    reason = models.TextField(
        blank=True, max_length=2000, help_text="Internal: why, for the record."
    )
    public_note = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["action", "-created_at"], name="event_action_time")]

    def __str__(self):
        return f"{self.get_action_display()} by {self.actor or 'system'}"

    @classmethod
    def was_purged(cls, slug):
        """Whether a story readers may have seen was deleted from this address."""
        return (
            cls.objects.filter(action=cls.Action.DELETED, slug=slug)
            .exclude(from_status__in=[Status.DRAFT, Status.IN_REVIEW])
            .exists()
        )


class Correction(models.Model):
    """A dated public note on a published article."""

    class Kind(models.TextChoices):
        TYPO = "typo", "Typo fix (no public note)"
        UPDATE = "update", "Update"
        CORRECTION = "correction", "Correction"
        CLARIFICATION = "clarification", "Clarification"

    # Listed at /corrections/; updates are only shown on the article.
    LISTED_KINDS = [Kind.CORRECTION, Kind.CLARIFICATION]

    article = models.ForeignKey("Article", on_delete=models.CASCADE, related_name="corrections")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    note = models.TextField(blank=True, max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["kind", "-created_at"], name="correction_kind_time")]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.article}"


class Revision(models.Model):
    """A saved version of an article: its text, image, tags, bylines and people, as JSON.

    Captured after the tags and inlines are saved, so a version is the article as the editor
    saw it, relations included. Restoring one brings the content back and keeps the state.
    """

    CONTENT_FIELDS = [
        "headline", "slug", "standfirst", "body", "kind", "lead_image", "lead_image_alt",
        "lead_image_caption", "lead_image_credit",
    ]  # fmt: skip

    article = models.ForeignKey("Article", on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    data = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="unique_revision_number")
        ]

    def __str__(self):
        return f"Version {self.number} of {self.article}"

    @classmethod
    def capture(cls, article, author=None, note=""):
        data = {field: str(getattr(article, field) or "") for field in cls.CONTENT_FIELDS}
        data["tags"] = sorted(article.tags.names(), key=str.lower)
        data["bylines"] = [
            {"person": b.person_id, "name": b.person.name, "role": b.role, "position": b.position}
            for b in article.bylines.select_related("person")
        ]
        data["mentions"] = [
            {"person": m.person_id, "name": m.person.name, "role": m.role}
            for m in article.mentions.select_related("person")
        ]
        data["status"] = article.status
        data["published_at"] = article.published_at.isoformat() if article.published_at else ""
        last = cls.objects.filter(article=article).order_by("-number").first()
        if last is not None and last.data == data:
            return last  # nothing changed: no new version
        return cls.objects.create(
            article=article,
            number=(last.number + 1) if last else 1,
            author=author if getattr(author, "pk", None) else None,
            note=note,
            data=data,
        )

    def readable(self):
        """The version as label/text pairs for the diff view."""
        data = self.data

        def people(key):
            return "\n".join(
                f"{row['name']} ({row['role']})" if row["role"] else row["name"]
                for row in data.get(key, [])
            )

        return {
            "Headline": data.get("headline", ""),
            "Slug": data.get("slug", ""),
            "Kind": data.get("kind", ""),
            "Standfirst": data.get("standfirst", ""),
            "Body": data.get("body", ""),
            "Tags": ", ".join(data.get("tags", [])),
            "Bylines": people("bylines"),
            "People mentioned": people("mentions"),
            "Lead image": data.get("lead_image", ""),
            "Alt text": data.get("lead_image_alt", ""),
            "Caption": data.get("lead_image_caption", ""),
            "Credit": data.get("lead_image_credit", ""),
        }
