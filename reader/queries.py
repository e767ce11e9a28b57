"""Every compiled query of the reader's site, in one place.

The busiest public querysets are ``Prepared`` (``newsroom/prepared.py``): written with the
usual methods, ``published(at=now)`` first, built and compiled by the ORM once per process and
shape, then run on every request with the request's clock and values bound. Building and
compiling a queryset cost more than running it on these pages (``docs/performance.md``, the
ablation table). Each query here still starts from ``Article.objects.published()``: the one
public rule (``articles/models/queries.py``), evaluated by the database on every request.
"""

from collections import Counter

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from articles.models import (
    RELATED_SHORTLIST,
    Article,
    Byline,
    Mention,
    Tag,
    TaggedArticle,
)
from articles.rendering import RELATED_FIELDS
from newsroom.prepared import Prepared

from .pagination import PreparedStories

FRONT_PAGE_SIZE = 12
STORIES_PER_PERSON = 20
FEED_SIZE = 30


def public_cards(now=None):
    """What readers may see, with what a story card needs, newest first."""
    return Article.objects.published(at=now).for_cards().newest_first()


def tag_cards(tag, now=None):
    """``public_cards()`` carrying ``tag`` (an id). An EXISTS rather than a join, so the newest
    stories are walked and the walk stops at a page (a join made PostgreSQL sort every story of
    a big topic first)."""
    links = TaggedArticle.objects.filter(content_object=OuterRef("pk"), tag=tag)
    return public_cards(now).filter(Exists(links))


# The front page, and the pages of a topic's stories.
FRONT_PAGE = Prepared(Article, lambda now: public_cards(now)[:FRONT_PAGE_SIZE])
TAG_STORIES = PreparedStories(tag_cards)


def listed_stories(narrowed):
    """The pages of the list of stories, filtered or searched: ``narrowed(queryset, chosen)``
    applies a reader's choices as the list's filterset does (``ArticleFilter.narrowed``)."""
    return PreparedStories(
        lambda now, **chosen: narrowed(public_cards(now), chosen),
        pick=lambda ids, now: public_cards(now).among(ids).order_by(),
    )


# Every list page's topics select: the topics readers can see.
TOPICS_IN_USE = Prepared(
    Tag, lambda now: Tag.objects.in_use(at=now).order_by("name").values_list("slug", "name", "pk")
)


def newest_credited(credits):
    """A person's newest public stories through ``credits`` (bylines or mentions): the person's
    page runs one for each.

    Driven from the person's own rows (indexed by person): walking the newest public stories to
    find theirs cost more the rarer they are in a large archive. The candidates are their most
    recently added credits, a few times more than are shown, so drafts and scheduled pieces
    among them rarely leave the list short."""

    def build(person, now):
        recent = (
            credits.objects.filter(person=person)
            .order_by("-article_id")
            .values("article_id")[: STORIES_PER_PERSON * 5]
        )
        published = Article.objects.published(at=now).for_cards()
        return published.among(recent).newest_first()[:STORIES_PER_PERSON]

    return Prepared(Article, build)


BYLINED = newest_credited(Byline)
MENTIONED = newest_credited(Mention)

# What a feed item shows: summary, tags and authors come from page_data (stored when the story
# was saved), the enclosure from the renditions. Nothing else is read, nor turned into Python
# values for 30 rows (the text, the rendered card and page, the editorial fields).
FEED_FIELDS = (
    "pk",
    "slug",
    "headline",
    "published_at",
    "updated_at",
    "page_data",
    "lead_image",
    "lead_image_renditions",
)


def feed_stories(build):
    """A feed's items, newest first, from ``build(now, **values)``, a queryset starting from
    ``published(at=now)``. Tags, authors and summary come from the data stored when each story
    was saved (Article.page_data): one row per item and no relation read."""
    return Prepared(
        Article,
        lambda **values: build(**values).only(*FEED_FIELDS).newest_first()[:FEED_SIZE],
    )


LATEST_FEED = feed_stories(lambda now: Article.objects.published(at=now))
TAG_FEED = feed_stories(lambda now, owner: Article.objects.published(at=now).filter(tags=owner))
PERSON_FEED = feed_stories(
    lambda now, owner: Article.objects.published(at=now).filter(
        Q(pk__in=Byline.objects.filter(person=owner).values("article"))
        | Q(pk__in=Mention.objects.filter(person=owner).values("article"))
    )
)

# The article page's two queries: the story, and the public ones among its related stories'
# shortlist. It is the most requested page of a news site.
PUBLIC_PAGE = Prepared(
    Article,
    lambda slug, now: (
        Article.objects.published(at=now).defer("body", "body_html", "card_html").filter(slug=slug)
    ),
)
PUBLIC_AMONG = Prepared(
    Article,
    lambda ids, now: Article.objects.published(at=now).only(*RELATED_FIELDS).among(ids).order_by(),
)


def public_page(slug):
    """The public story at ``slug`` as its page reads it (the card parts and the page
    rendered on save, not the Markdown nor any relation), or None."""
    return next(iter(PUBLIC_PAGE(slug=slug, now=timezone.now())), None)


def related_stories(article, limit=4, tag_ids=None, person_ids=None):
    """Other public stories sharing tags or people mentioned with ``article``, those sharing
    the most first, then the newest, with what the related list shows (a list, each with
    ``shared``, the number of tags and people in common). The ids of the story's tags and
    people mentioned are read from it unless given (the article page has them stored)."""
    if tag_ids is None:
        tag_ids = [tag.pk for tag in article.tags.all()]
    if person_ids is None:
        person_ids = [mention.person_id for mention in article.mentions.all()]
    # Only the most recent links of the shared tags and people are candidates, so the cost
    # stays flat however many stories a big tag has gathered over the years. Each link is
    # one thing in common, so counting a candidate's links counts what it shares.
    shared = Counter(Article.objects.newest_links(tag_ids, person_ids))
    shared.pop(article.pk, None)
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
