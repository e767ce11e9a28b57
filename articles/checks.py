"""Checks before publishing: what an editor should look at before readers see a story.

The same rules run for the desk's side panel (on every pause in typing), for ``Article.publish``
(which refuses a story with a *blocking* problem, whoever publishes it: the form, the list's
action, an import) and for anything else that publishes. They read a ``Copy``, made either from a
saved article and its relations (``Copy.of``) or from a form that is not saved yet.

Which problems block, and why: the ones that make the public page unusable for some readers and
that nobody can fix quietly once it is out (a fix to a public story is a recorded change):

- ``image_alt``: a lead image without alt text says nothing to readers who cannot see it;
- ``empty_heading``: a subheading with no words is an empty landmark for screen readers;
- ``empty_link``: a link with no text (``[](https://...)``) cannot be read or followed by name.

The rest are warnings: a story may rightly go out without a byline (agency copy, an editorial),
without tags, with a long headline, or with a headline another story already had.

The limits are those readers meet: search results cut a title at about 60 to 70 characters and
a description at about 155 to 160, so headlines get ``HEADLINE_LIMIT`` and standfirsts (the page's
meta description and the feeds' summary, ``Article.summary``) ``STANDFIRST_LIMIT``.
"""

import math
from dataclasses import dataclass, field

from django.apps import apps
from django.utils.html import strip_tags

from .markdown import parse_markdown, render_markdown
from .names import clean_name
from .suggestions import find_people

HEADLINE_LIMIT = 70
STANDFIRST_LIMIT = 160
# Words a minute for news prose read on a screen (the usual estimate is 200 to 250).
READING_SPEED = 230

# Where each check's field is on the change form (Django's ids for fields and inline groups).
FIELDS = {
    "headline": "id_headline",
    "standfirst": "id_standfirst",
    "body": "id_body",
    "tags": "id_tags",
    "lead_image_alt": "id_lead_image_alt",
    "lead_image_credit": "id_lead_image_credit",
    "bylines": "bylines-group",
    "mentions": "mentions-group",
}


@dataclass(frozen=True)
class Check:
    code: str
    message: str
    field: str
    blocks: bool = False

    @property
    def anchor(self):
        return FIELDS[self.field]


@dataclass
class Copy:
    """What the checks read of a story, saved or not."""

    headline: str = ""
    standfirst: str = ""
    body: str = ""
    has_image: bool = False
    image_alt: str = ""
    image_credit: str = ""
    tags: list = field(default_factory=list)
    byline_count: int = 0
    linked_people: set = field(default_factory=set)
    pk: int | None = None

    @classmethod
    def of(cls, article, relations=True):
        """A saved article with its tags, bylines and people mentioned as they are stored
        (without them if not ``relations``: the blocking checks do not read them)."""
        if not relations or article.pk is None:
            return cls(
                headline=article.headline,
                standfirst=article.standfirst,
                body=article.body,
                has_image=bool(article.lead_image),
                image_alt=article.lead_image_alt,
                image_credit=article.lead_image_credit,
                pk=article.pk,
            )
        return cls(
            headline=article.headline,
            standfirst=article.standfirst,
            body=article.body,
            has_image=bool(article.lead_image),
            image_alt=article.lead_image_alt,
            image_credit=article.lead_image_credit,
            tags=list(article.tags.names()),
            byline_count=article.bylines.count(),
            linked_people=set(article.mentions.values_list("person_id", flat=True)),
            pk=article.pk,
        )


def word_count(copy):
    text = strip_tags(render_markdown(copy.body))
    return len(text.split())


def stats(copy):
    """The counters the panel shows: words, minutes to read, headline and standfirst length."""
    words = word_count(copy)
    return {
        "words": words,
        "reading_minutes": math.ceil(words / READING_SPEED) if words else 0,
        "headline_length": len(clean_name(copy.headline)),
        "headline_limit": HEADLINE_LIMIT,
        "standfirst_length": len(copy.standfirst.strip()),
        "standfirst_limit": STANDFIRST_LIMIT,
    }


def run(copy):
    """Every problem found in ``copy``, blocking ones first."""
    found = [
        *length_checks(copy),
        *image_checks(copy),
        *body_checks(copy.body),
        *relation_checks(copy),
    ]
    return sorted(found, key=lambda check: not check.blocks)


def blocking(checks):
    return [check for check in checks if check.blocks]


def blocking_problems(copy):
    """Only the checks that block publication (they read no relations and no other row)."""
    return blocking([*image_checks(copy), *body_checks(copy.body)])


def length_checks(copy):
    headline = clean_name(copy.headline)
    if len(headline) > HEADLINE_LIMIT:
        yield Check(
            "headline_long",
            f"The headline has {len(headline)} characters: search results show about "
            f"{HEADLINE_LIMIT}.",
            "headline",
        )
    standfirst = copy.standfirst.strip()
    if not standfirst:
        yield Check(
            "standfirst_missing",
            "No standfirst: lists, feeds and search results will show the first words of the "
            "text instead.",
            "standfirst",
        )
    elif len(standfirst) > STANDFIRST_LIMIT:
        yield Check(
            "standfirst_long",
            f"The standfirst has {len(standfirst)} characters: search results show about "
            f"{STANDFIRST_LIMIT}.",
            "standfirst",
        )


def image_checks(copy):
    if not copy.has_image:
        return
    if not copy.image_alt.strip():
        yield Check(
            "image_alt",
            "The lead image has no alt text: describe it for readers who cannot see it.",
            "lead_image_alt",
            blocks=True,
        )
    if not copy.image_credit.strip():
        yield Check("image_credit", "The lead image has no credit.", "lead_image_credit")


def body_checks(body):
    """Headings and links in the Markdown, read from its parse (``articles.markdown``)."""
    tokens = parse_markdown(body)
    previous = 1  # the headline is the page's level-1 heading
    empty_headings = skipped = empty_links = 0
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            level = int(token.tag[1])
            inline = tokens[index + 1]
            if not inline_text(inline.children or []).strip():
                empty_headings += 1
            if level > previous + 1 or level == 1:
                skipped += 1
            previous = max(level, 2)
        elif token.type == "inline":
            empty_links += count_empty_links(token.children or [])
    if empty_headings:
        yield Check(
            "empty_heading",
            f"{plural(empty_headings, 'subheading')} with no words in the text.",
            "body",
            blocks=True,
        )
    if empty_links:
        yield Check(
            "empty_link",
            f"{plural(empty_links, 'link')} with no text in the text: write the words readers "
            "click, as in [the report](https://...).",
            "body",
            blocks=True,
        )
    if skipped:
        yield Check(
            "skipped_heading",
            f"{plural(skipped, 'subheading')} skipping a level: start with ## and go down one "
            "# at a time (## then ###).",
            "body",
        )


def inline_text(children):
    return "".join(child.content for child in children if child.type in {"text", "code_inline"})


def count_empty_links(children):
    empty, inside, text = 0, False, ""
    for child in children:
        if child.type == "link_open":
            inside, text = True, ""
        elif child.type == "link_close":
            empty += not text.strip()
            inside = False
        elif inside and child.type in {"text", "code_inline"}:
            text += child.content
    return empty


def relation_checks(copy):
    if not copy.tags:
        yield Check("no_tags", "No tags: the story will be on no topic page.", "tags")
    if not copy.byline_count:
        yield Check("no_byline", "No byline: readers will not see who wrote it.", "bylines")
    article_model = apps.get_model("articles", "Article")
    headline = clean_name(copy.headline)
    if (
        headline
        and article_model.objects.filter(headline__iexact=headline).exclude(pk=copy.pk).exists()
    ):
        yield Check("duplicate_headline", "Another story already has this headline.", "headline")
    person_model = apps.get_model("articles", "Person")
    text = "\n\n".join([copy.headline, copy.standfirst, copy.body])
    people = person_model.objects.only("pk", "name", "aliases")
    named = [item for item in find_people(text, people) if item.person_id not in copy.linked_people]
    if named:
        names = dict(
            person_model.objects.filter(pk__in=[i.person_id for i in named]).values_list(
                "pk", "name"
            )
        )
        listed = ", ".join(names[item.person_id] for item in named)
        yield Check(
            "person_not_linked",
            f"The text names {listed} but not as people mentioned.",
            "mentions",
        )


def plural(count, noun):
    return f"1 {noun}" if count == 1 else f"{count} {noun}s"
