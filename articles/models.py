"""The newsroom's domain: articles, the people they credit or mention, and their tags."""

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from taggit.managers import TaggableManager
from taggit.models import TagBase, TaggedItemBase

from .markdown import render_markdown


class TagQuerySet(models.QuerySet):
    def in_use(self):
        """Tags of at least one public article, with how many. A tag used only by drafts stays
        hidden: its name alone can give a story away."""
        return self.filter(
            tagged_articles__content_object__in=Article.objects.published()
        ).annotate(article_count=models.Count("tagged_articles"))


class Tag(TagBase):
    """A subject tag, case-insensitive (``TAGGIT_CASE_INSENSITIVE``): "US" and "us" are one."""

    objects = TagQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = "tag"
        verbose_name_plural = "tags"

    def get_absolute_url(self):
        return reverse("articles:tag_detail", kwargs={"slug": self.slug})


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
        """People credited on, or mentioned in, at least one public article."""
        published = Article.objects.published()
        return self.annotate(
            has_byline=models.Exists(
                Byline.objects.filter(person=models.OuterRef("pk"), article__in=published)
            ),
            has_mention=models.Exists(
                Mention.objects.filter(person=models.OuterRef("pk"), article__in=published)
            ),
        ).filter(models.Q(has_byline=True) | models.Q(has_mention=True))

    def authors(self):
        """People credited on at least one public article."""
        published = Article.objects.published()
        return self.filter(
            models.Exists(
                Byline.objects.filter(person=models.OuterRef("pk"), article__in=published)
            )
        )

    def matching(self, text):
        """People whose page slug is ``text``, or whose name or an alias contains it."""
        text = text.strip()
        return self.filter(
            models.Q(slug=text) | models.Q(name__icontains=text) | models.Q(aliases__icontains=text)
        )


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

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:person_detail", kwargs={"slug": self.slug})

    @property
    def alias_list(self):
        return [line.strip() for line in self.aliases.splitlines() if line.strip()]


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """The one rule for what readers may see. Every public surface starts here.

        A scheduled article (published, with a publication time in the future) becomes public by
        itself when its time comes: the rule compares with the clock at query time.
        """
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=timezone.now())

    def with_list_data(self):
        """Everything a story card shows, in a fixed number of queries whatever the page size."""
        return self.prefetch_related(
            "tags",
            models.Prefetch("bylines", queryset=Byline.objects.select_related("person")),
        )

    def newest_first(self):
        return self.order_by("-published_at", "-pk")


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
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.NEWS)
    status = models.CharField(
        max_length=20,
        choices=Status.choices,
        default=Status.DRAFT,
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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        indexes = [
            # The public list: published stories, newest first.
            models.Index(fields=["status", "-published_at", "-id"], name="article_status_pub"),
            models.Index(fields=["kind", "status", "-published_at"], name="article_kind_pub"),
        ]

    def __str__(self):
        return self.headline

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.headline)[:255]
        self.body_html = render_markdown(self.body)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body" in update_fields:
            kwargs["update_fields"] = {*update_fields, "body_html"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:article_detail", kwargs={"slug": self.slug})

    @property
    def is_public(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
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
