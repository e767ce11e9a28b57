"""The newsroom's domain: articles, the people they credit or mention, and their tags."""

import functools
import html
import re
from collections import Counter
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, models, transaction
from django.db.models.functions import Coalesce, Least, Lower, TruncDate
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator, slugify
from taggit.managers import TaggableManager
from taggit.models import TagBase, TaggedItemBase

from . import images, rendering, search, signals
from .markdown import render_markdown
from .prepared import Prepared
from .suggestions import find_people

ASCII_SLUG = re.compile(r"[-a-zA-Z0-9_]+")
SLUG_MARKER = "slug-goes-here"


@functools.lru_cache(maxsize=64)
def _reversed(name, prefix, **kwargs):
    # reverse() reads the script prefix itself; it is a key here so each prefix has its own.
    return reverse(name, kwargs=kwargs or None)


def reversed_once(name, **kwargs):
    """``reverse(name, kwargs=kwargs)``, worked out once per script prefix (the URLconf does
    not change at run time): pages link the same addresses many times, and reversing was a
    tenth of a feed's time and showed on every page."""
    return _reversed(name, get_script_prefix(), **kwargs)


def slug_url(name, slug):
    """``reverse(name, kwargs={"slug": slug})`` for any slug, from the route reversed once:
    feeds, sitemaps and related stories link dozens of stories per request. An ASCII slug is
    put in as it is, as ``reverse()`` would; anything else goes through ``reverse()`` (quoting,
    validation)."""
    if not ASCII_SLUG.fullmatch(slug):
        return reverse(name, kwargs={"slug": slug})
    before, after = reversed_once(name, slug=SLUG_MARKER).split(SLUG_MARKER)
    return f"{before}{slug}{after}"


def first_publication(rows, owner, article):
    """The earliest publication time among the published (or scheduled) articles that ``rows``
    (tag links, bylines or mentions of one tag or person, ``owner``) point to through
    ``article``, as a subquery. Compared with the clock it says whether that tag or person has
    a public story now, by the same rule as ``published()``: a scheduled story counts from its
    time, and an un-published or withdrawn one not at all."""
    earliest = (
        rows.filter(**{f"{article}__status": Article.Status.PUBLISHED})
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
    return rows.filter(models.Exists(Article.objects.published().filter(pk=models.OuterRef(field))))


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

    def canonical_names(self, names):
        """The names to tag with, as editors and the importer type them: an alias becomes its tag
        ("U.S." becomes "US"), an existing tag keeps its spelling whatever the case typed, and the
        same tag typed twice counts once. Names that are neither stay as typed."""
        names = [name.strip() for name in names if name and name.strip()]
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
    # Kept up to date whenever a story or its tags change (articles/signals.py).
    public_since = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)

    objects = TagQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = "tag"
        verbose_name_plural = "tags"

    def get_absolute_url(self):
        return slug_url("articles:tag_detail", self.slug)

    def clean(self):
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
            signals.refresh(
                articles=Article.objects.filter(tags=kept).values_list("pk", flat=True),
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
        name = (self.name or "").strip()
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
        only one with that name, else a new person (with a free slug)."""
        name = name.strip()
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
    bio = models.TextField("short bio", blank=True, help_text="A few sentences for their page.")
    photo = models.ImageField(upload_to="people/", blank=True)
    aliases = models.TextField(
        blank=True,
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

    def get_absolute_url(self):
        return slug_url("articles:person_detail", self.slug)

    @property
    def alias_list(self):
        return [line.strip() for line in self.aliases.splitlines() if line.strip()]


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

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "review", "In review"
        PUBLISHED = "published", "Published"
        UNPUBLISHED = "unpublished", "Un-published"
        WITHDRAWN = "withdrawn", "Withdrawn"

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

    # Editorial transitions. Each checks the actor's permission and the move's validity, saves,
    # and records an event; admin actions, views and commands call these and nothing else.

    def submit_for_review(self, actor):
        self._transition(
            actor, Event.Action.SUBMITTED, self.Status.IN_REVIEW,
            permission="articles.change_article", allowed_from={self.Status.DRAFT},
        )  # fmt: skip

    def return_to_draft(self, actor):
        self._transition(
            actor, Event.Action.RETURNED, self.Status.DRAFT,
            permission="articles.change_article", allowed_from={self.Status.IN_REVIEW},
        )  # fmt: skip

    def publish(self, actor, at=None):
        """Publish now, or at ``at``: a time in the future schedules the article, which then
        becomes public by itself when the time comes."""
        at = at or timezone.now()
        if self.status == self.Status.PUBLISHED and self.is_public:
            raise ValidationError("This article is already published.", code="invalid_transition")
        self._transition(
            actor,
            Event.Action.SCHEDULED if at > timezone.now() else Event.Action.PUBLISHED,
            self.Status.PUBLISHED,
            permission="articles.publish_article",
            allowed_from={self.Status.DRAFT, self.Status.IN_REVIEW, self.Status.PUBLISHED},
            published_at=at,
            updated_at=at,
        )

    def unpublish(self, actor, reason):
        self._transition(
            actor, Event.Action.UNPUBLISHED, self.Status.UNPUBLISHED,
            permission="articles.takedown_article", allowed_from={self.Status.PUBLISHED},
            reason=reason, reason_required=True,
        )  # fmt: skip

    def withdraw(self, actor, reason, public_note):
        if not (public_note or "").strip():
            raise ValidationError("Write the public note readers will see.", code="note_required")
        self._transition(
            actor, Event.Action.WITHDRAWN, self.Status.WITHDRAWN,
            permission="articles.takedown_article",
            allowed_from={self.Status.PUBLISHED, self.Status.UNPUBLISHED},
            reason=reason, reason_required=True, public_note=public_note,
            withdrawn_at=timezone.now(), withdrawal_note=public_note.strip(),
        )  # fmt: skip

    def republish(self, actor, reason=""):
        """Put an un-published or withdrawn piece back, at its original publication time."""
        self._transition(
            actor, Event.Action.REPUBLISHED, self.Status.PUBLISHED,
            permission="articles.takedown_article",
            allowed_from={self.Status.UNPUBLISHED, self.Status.WITHDRAWN},
            reason=reason, published_at=self.published_at or timezone.now(),
            withdrawn_at=None, withdrawal_note="",
        )  # fmt: skip

    def _transition(
        self, actor, action, to_status, *, permission, allowed_from, reason="",
        reason_required=False, public_note="", **changes,
    ):  # fmt: skip
        if actor is None or not actor.has_perm(permission):
            raise PermissionDenied(f"You may not {Event.Action(action).label.lower()} articles.")
        reason = (reason or "").strip()
        if reason_required and not reason:
            raise ValidationError("Give a reason: it is kept in the article's record.", "reason")
        with transaction.atomic():
            # Re-read the state under a lock so two moderators (or a moderator and an editor)
            # acting at once cannot both move the article from the same state.
            current = Article.objects.select_for_update().only("status").get(pk=self.pk)
            if current.status not in allowed_from:
                raise ValidationError(
                    "A %(from)s article cannot be %(action)s.",
                    code="invalid_transition",
                    params={
                        "from": self.Status(current.status).label.lower(),
                        "action": Event.Action(action).label.lower(),
                    },
                )
            from_status = current.status
            self.status = to_status
            for field, value in changes.items():
                setattr(self, field, value)
            self.save(actor=actor)
            Event.objects.create(
                article=self,
                actor=actor,
                action=action,
                from_status=from_status,
                to_status=to_status,
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


class Byline(models.Model):
    """A credited author of an article, in the order the byline lists them."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="bylines")
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

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="mentions")
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

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    from_status = models.CharField(max_length=20, choices=Article.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Article.Status.choices, blank=True)
    reason = models.TextField(blank=True, help_text="Internal: why, for the record.")
    public_note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["action", "-created_at"], name="event_action_time")]

    def __str__(self):
        return f"{self.get_action_display()} by {self.actor or 'system'}"


class Correction(models.Model):
    """A dated public note on a published article."""

    class Kind(models.TextChoices):
        TYPO = "typo", "Typo fix (no public note)"
        UPDATE = "update", "Update"
        CORRECTION = "correction", "Correction"
        CLARIFICATION = "clarification", "Clarification"

    # Listed at /corrections/; updates are only shown on the article.
    LISTED_KINDS = [Kind.CORRECTION, Kind.CLARIFICATION]

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="corrections")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    note = models.TextField(blank=True)
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

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
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
