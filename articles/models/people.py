"""People in the news: who writes a story (bylines), who is in it (mentions), and the people its
text names that editors have not linked yet (suggestions)."""

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.functions import Coalesce, Least
from django.utils import timezone
from django.utils.text import slugify

from .. import files
from ..addresses import slug_url
from ..names import clean_name
from ..publication import first_publication, has_public_article


class PersonQuerySet(models.QuerySet):
    def in_use(self):
        """People credited on, or mentioned in, at least one public article (from
        ``public_since``, like ``TagQuerySet.in_use``)."""
        return self.filter(public_since__lte=timezone.now())

    def refresh_public_since(self):
        """Store when each person's first story (by or about them) became or becomes public."""
        by_them = Byline.objects.filter(person=models.OuterRef("pk"))
        about_them = Mention.objects.filter(person=models.OuterRef("pk"))
        by_them = first_publication(by_them, "person", "article")
        about_them = first_publication(about_them, "person", "article")
        # The earlier of the two, whichever exists (LEAST is NULL with a NULL on SQLite).
        return self.update(
            public_since=Least(Coalesce(by_them, about_them), Coalesce(about_them, by_them))
        )

    def authors(self):
        """People credited on at least one public article."""
        bylines = Byline.objects.filter(person=models.OuterRef("pk"))
        return self.filter(models.Exists(has_public_article(bylines, "article_id")))

    def matching(self, text):
        """People whose page slug is ``text``, or whose name or an alias contains it."""
        text = text.strip()
        return self.filter(
            models.Q(slug=text) | models.Q(name__icontains=text) | models.Q(aliases__icontains=text)
        )

    def for_import(self, name, slug=""):
        """The person an imported article names: the one with that page slug and name, else the
        only one with that name, else a new person (with a free slug). Names are compared
        without invisible characters (``names.clean_name``), as ``Person.save`` stores them."""
        name = clean_name(name)
        if slug:
            person = self.filter(slug=slug, name=name).first()
            if person:
                return person
        same_name = list(self.filter(name=name)[:2])
        if len(same_name) == 1:
            return same_name[0]
        base = slugify(slug or name)[:190] or "person"
        candidate, number = base, 1
        while self.filter(slug=candidate).exists():
            number += 1
            candidate = f"{base}-{number}"
        return self.create(name=name, slug=candidate)


class Person(models.Model):
    """Someone the newsroom writes about or who writes for it; the same person can be both."""

    name = models.CharField(max_length=200, help_text="Full name as readers should see it.")
    slug = models.SlugField(
        max_length=200,
        unique=True,
        help_text="The end of the person's page address, e.g. /people/vladimir-putin/.",
    )
    description = models.CharField(
        "general description",
        max_length=300,
        blank=True,
        help_text="Who they are in general, e.g. “President of Russia”. The role they play in one "
        "story belongs on that story's mention.",
    )
    bio = models.TextField(
        "short bio", blank=True, max_length=3000, help_text="A few sentences for their page."
    )
    photo = models.ImageField(upload_to="people/", blank=True)
    aliases = models.TextField(
        blank=True,
        max_length=2000,
        help_text="Other names the text may use, one per line, e.g. “Putin”.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # As Tag.public_since: when their first story, by or about them, became or becomes public.
    public_since = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # Stored as readers see it, so "Vladimir\u200b Putin" is found as "Vladimir Putin".
        self.name = clean_name(self.name)
        super().save(*args, **kwargs)
        old, self._stored_photo = getattr(self, "_stored_photo", ""), self.photo.name or ""
        if old and old != self.photo.name:
            transaction.on_commit(lambda: Person.release_photo(old))

    def get_absolute_url(self):
        return slug_url("reader:person_detail", self.slug)

    @classmethod
    def from_db(cls, db, field_names, values):
        # As Article.from_db: the photo the row pointed at goes once its replacement commits.
        instance = super().from_db(db, field_names, values)
        instance._stored_photo = dict(zip(field_names, values, strict=True)).get("photo") or ""
        return instance

    @staticmethod
    def release_photo(name):
        """Remove a photo file no person points at any more; called after a commit."""
        if name and not Person.objects.filter(photo=name).exists():
            files.delete_quietly(Person._meta.get_field("photo").storage, [name])

    def clean(self):
        self.name = clean_name(self.name)
        if not self.name:
            raise ValidationError({"name": "A name needs at least one visible character."})

    @property
    def alias_list(self):
        return [name for name in map(clean_name, self.aliases.splitlines()) if name]


class MentionSuggestionQuerySet(models.QuerySet):
    def pending(self):
        """Suggestions still waiting for an editor: not yet accepted nor turned down."""
        return self.filter(dismissed=False)


class MentionSuggestion(models.Model):
    """A known person the article's text names, offered to editors as a person mentioned.

    Nothing is linked until an editor accepts it; accepting makes a ``Mention`` and removes the
    suggestion. One turned down stays recorded (``dismissed``) so that it is not offered again.
    """

    article = models.ForeignKey(
        "Article", on_delete=models.CASCADE, related_name="mention_suggestions"
    )
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="mention_suggestions")
    found_as = models.CharField(
        max_length=200, help_text="The name or alias as the text writes it."
    )
    position = models.PositiveIntegerField(
        default=0, help_text="Where the text first names them: suggestions follow the text."
    )
    dismissed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MentionSuggestionQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "suggested person mentioned"
        constraints = [
            models.UniqueConstraint(fields=["article", "person"], name="unique_suggestion_person")
        ]

    def __str__(self):
        return f"{self.person} (found as “{self.found_as}”)"


class Byline(models.Model):
    """A credited author of an article, in the order the byline lists them."""

    article = models.ForeignKey("Article", on_delete=models.CASCADE, related_name="bylines")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="bylines")
    role = models.CharField(
        max_length=100, blank=True, help_text="Optional, e.g. “reporting” or “photos”."
    )
    position = models.PositiveSmallIntegerField(default=0, help_text="Lower numbers come first.")

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["article", "person"], name="unique_byline_person")
        ]
        indexes = [models.Index(fields=["person", "article"], name="byline_person_article")]

    def __str__(self):
        return f"{self.person} ({self.role})" if self.role else str(self.person)


class Mention(models.Model):
    """A person a story is about, with the role the story gives them."""

    article = models.ForeignKey("Article", on_delete=models.CASCADE, related_name="mentions")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="mentions")
    role = models.CharField(
        "role in this story",
        max_length=200,
        blank=True,
        help_text="As the story gives it, e.g. “Russian Foreign Minister” or “Republican "
        "presidential frontrunner”.",
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["article", "person"], name="unique_mention_person")
        ]
        indexes = [models.Index(fields=["person", "article"], name="mention_person_article")]

    def __str__(self):
        return f"{self.person} ({self.role})" if self.role else str(self.person)
