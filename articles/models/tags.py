"""Subject tags (our own table through django-taggit), their aliases and merged addresses."""

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from taggit.models import TagBase, TaggedItemBase

from .. import stored
from ..addresses import slug_url
from ..names import clean_name, tag_slug
from ..publication import first_publication, has_public_article


class TagQuerySet(models.QuerySet):
    def in_use(self, at=None):
        """Tags of at least one public article. A tag used only by drafts stays hidden: its name
        alone can give a story away.

        Read from ``public_since`` (see ``refresh_public_since``), so it costs one indexed
        comparison per tag rather than a search of the tag's stories. ``at`` as for
        ``ArticleQuerySet.published()``."""
        return self.filter(public_since__lte=at or timezone.now())

    def refresh_public_since(self):
        """Store when each tag's first story became (or becomes) public."""
        links = TaggedArticle.objects.filter(tag=models.OuterRef("pk"))
        return self.update(public_since=first_publication(links, "tag", "content_object"))

    def with_article_counts(self):
        """``in_use()`` with how many public articles each tag has (the tag index)."""
        links = TaggedArticle.objects.filter(tag=models.OuterRef("pk"))
        counts = (
            has_public_article(links, "content_object_id")
            .order_by()
            .values("tag")
            .annotate(n=models.Count("pk"))
            .values("n")
        )
        return self.in_use().annotate(article_count=models.Subquery(counts))

    def free_slug(self, name, exclude=None):
        """The address a tag named ``name`` gets when none is typed: ``names.tag_slug``, with
        django-taggit's "_1", "_2"... when another tag (not ``exclude``) has it already."""
        others = self.exclude(pk=exclude) if exclude else self.all()
        base = tag_slug(name, self.model._meta.get_field("slug").max_length)
        taken = set(others.filter(slug__startswith=base).values_list("slug", flat=True))
        slug, number = base, 0
        while slug in taken:
            number += 1
            slug = f"{base}_{number}"
        return slug

    def canonical_names(self, names):
        """The names to tag with, as editors and the importer type them: an alias becomes its tag
        ("U.S." becomes "US"), an existing tag keeps its spelling whatever the case typed, and the
        same tag typed twice counts once. Names that are neither stay as typed, cleaned of
        invisible characters (``names.clean_name``); a name with none left is no tag."""
        names = [clean_name(name) for name in names]
        names = [name for name in names if name]
        if not names:
            return []
        lookup = models.Q()
        for name in names:
            lookup |= models.Q(name__iexact=name)
        aliases = {
            alias.name.casefold(): alias.tag.name
            for alias in TagAlias.objects.filter(lookup).select_related("tag")
        }
        existing = {tag.name.casefold(): tag.name for tag in self.filter(lookup)}
        canonical = {}
        for name in names:
            key = name.casefold()
            chosen = aliases.get(key) or existing.get(key) or name
            canonical.setdefault(chosen.casefold(), chosen)
        return list(canonical.values())


class Tag(TagBase):
    """A subject tag, case-insensitive (``TAGGIT_CASE_INSENSITIVE``): "US" and "us" are one."""

    # When the tag's first story became (or, scheduled, becomes) public; empty without one.
    # Kept up to date whenever a story or its tags change (articles/stored.py).
    public_since = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)

    objects = TagQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = "tag"
        verbose_name_plural = "tags"

    def get_absolute_url(self):
        return slug_url("reader:tag_detail", self.slug)

    def slugify(self, tag, i=None):
        # django-taggit's hook for a new tag's slug: never empty (see names.tag_slug), and
        # short enough for the "_1" it adds when two names give one slug.
        slug = tag_slug(tag, self._meta.get_field("slug").max_length)
        return slug if i is None else f"{slug}_{i}"

    def save(self, *args, **kwargs):
        # Every way in (the admin, an article's tags, the importer, the shell) stores the name
        # readers see: "US\u200b" would be a second "US".
        self.name = clean_name(self.name)
        if not self.name:
            raise ValueError("A tag needs a name with at least one visible character.")
        return super().save(*args, **kwargs)

    def clean(self):
        self.name = clean_name(self.name)
        if not self.name:
            raise ValidationError({"name": "A tag needs at least one visible character."})
        # One tag whatever the case, and a name that is another tag's alias stays that tag's:
        # the database's own uniqueness check is case-sensitive.
        others = Tag.objects.exclude(pk=self.pk) if self.pk else Tag.objects.all()
        same = others.filter(name__iexact=self.name).first()
        if same is not None:
            raise ValidationError(
                {"name": f"The tag “{same.name}” exists already: tags are one whatever the case."}
            )
        alias = TagAlias.objects.filter(name__iexact=self.name).select_related("tag").first()
        if alias is not None and alias.tag_id != self.pk:
            raise ValidationError(
                {"name": f"“{alias.name}” is an alias of the tag “{alias.tag.name}”."}
            )

    def merge_into(self, kept):
        """Move every article tagged with this tag to ``kept`` and delete this tag.

        An article that already has both keeps one row. This tag's name becomes an alias of
        ``kept`` and its address answers with a permanent redirect to ``kept``'s page, so links
        and later imports that use the old name still arrive at the kept tag.
        """
        if kept.pk == self.pk:
            raise ValueError("A tag cannot be merged into itself.")
        with transaction.atomic():
            already_kept = TaggedArticle.objects.filter(tag=kept).values("content_object")
            self.tagged_articles.filter(content_object__in=already_kept).delete()
            self.tagged_articles.update(tag=kept)
            self.aliases.update(tag=kept)
            self.redirects.update(tag=kept)
            if self.name.casefold() != kept.name.casefold():
                alias = TagAlias.objects.filter(name__iexact=self.name).first()
                if alias is None:
                    TagAlias.objects.create(name=self.name, tag=kept)
                else:
                    alias.tag = kept
                    alias.save(update_fields=["tag"])
            TagRedirect.objects.update_or_create(old_slug=self.slug, defaults={"tag": kept})
            self.delete()
            # The bulk update above sent no signals: the moved stories show the kept tag now.
            stored.refresh(
                articles=TaggedArticle.objects.filter(tag=kept).values_list(
                    "content_object", flat=True
                ),
                tags=[kept.pk],
            )


class TagAlias(models.Model):
    """Another way of writing a tag: "U.S." and "United States" are both the tag "US"."""

    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(
        max_length=100,
        help_text="Typed as a tag, this name becomes the tag it belongs to, whatever its case.",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "tag alias"
        verbose_name_plural = "tag aliases"
        constraints = [
            models.UniqueConstraint(Lower("name"), name="unique_tag_alias_name_ci"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        name = clean_name(self.name)
        self.name = name
        clash = Tag.objects.filter(name__iexact=name)
        if self.tag_id:
            clash = clash.exclude(pk=self.tag_id)
        if clash.exists():
            raise ValidationError(
                {"name": "A tag with this name exists; merge that tag into this one instead."}
            )
        if self.tag_id and name.casefold() == self.tag.name.casefold():
            raise ValidationError({"name": "This is the tag's own name."})
        other = TagAlias.objects.filter(name__iexact=name).exclude(pk=self.pk)
        if name and other.exists():
            raise ValidationError({"name": "This alias already belongs to a tag."})


class TagRedirect(models.Model):
    """The address of a tag merged into another: /tags/<old_slug>/ answers 301 to the kept tag."""

    old_slug = models.CharField(max_length=100, unique=True)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="redirects")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "merged tag address"

    def __str__(self):
        return f"{self.old_slug} → {self.tag.slug}"

    @classmethod
    def kept_tag(cls, slug):
        """The tag that ``slug``, the address of a tag merged away, now belongs to; None when
        no merge left it or a tag has that address again. The tag page and feeds redirect."""
        merged = cls.objects.filter(old_slug=slug).select_related("tag").first()
        if merged is None or Tag.objects.filter(slug=slug).exists():
            return None
        return merged.tag


class TaggedArticle(TaggedItemBase):
    # TaggedItemBase already points `tag` at taggit's own Tag; declaring it again sends the rows
    # to our table instead of silently to taggit's.
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="tagged_articles")
    content_object = models.ForeignKey("Article", on_delete=models.CASCADE)

    class Meta:
        verbose_name = "article tag"
        constraints = [
            models.UniqueConstraint(fields=["content_object", "tag"], name="unique_article_tag")
        ]
        indexes = [models.Index(fields=["tag", "content_object"], name="taggedarticle_tag_article")]
