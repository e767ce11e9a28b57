"""Load the provided article plus a few clearly marked demo stories, people and accounts.

Idempotent and non-destructive: what exists already is left as it is, so running it again
creates nothing twice and never undoes an editor's edit or a moderator's take-down. Demo
accounts are only created when DEBUG is on, so a production database never gets known passwords.
"""

import io
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management import BaseCommand, call_command
from django.db import transaction
from PIL import Image, ImageDraw

from articles.models import Article, Byline, Mention, Person, Revision

FIXTURE = settings.BASE_DIR / "fixtures" / "provided_article.json"
PROVIDED_SLUG = "us-says-no-to-russias-initiative-to-launch-broad-political-dialogue-on-syria"

DEMO_ACCOUNTS = [
    ("editor", "editor-demo-pass", "Editors"),
    ("moderator", "moderator-demo-pass", "Moderators"),
]

DEMO_NOTE = "(a fictional journalist, for sample content)"
DEMO_PEOPLE = [
    ("jane-example", "Jane Example", f"Demo reporter {DEMO_NOTE}"),
    ("tomas-sample", "Tomás Sample", f"Demo photographer {DEMO_NOTE}"),
    ("priya-placeholder", "Priya Placeholder", f"Demo analyst {DEMO_NOTE}"),
]

# (slug, headline, kind, published on, bylines as (person slug, role), tags, mentions, colour)
DEMO_ARTICLES = [
    (
        "demo-city-council-approves-new-tram-line",
        "Demo: City council approves new tram line after year-long debate",
        Article.Kind.NEWS,
        datetime(2015, 10, 15, 9, 30, tzinfo=UTC),
        [("jane-example", "reporting"), ("tomas-sample", "photos")],
        ["Transport", "Local politics", "Demo"],
        [],
        (38, 84, 124),
    ),
    (
        "demo-what-the-talks-on-syria-could-achieve",
        "Demo: What talks on Syria could achieve, and what they cannot",
        Article.Kind.ANALYSIS,
        datetime(2015, 10, 12, 14, 0, tzinfo=UTC),
        [("priya-placeholder", "")],
        ["Syria", "Russia", "Diplomacy", "Demo"],
        [("vladimir-putin", "Russian President"), ("barack-obama", "US President")],
        (120, 72, 40),
    ),
    (
        "demo-the-case-for-quieter-cities",
        "Demo: The case for quieter cities",
        Article.Kind.OPINION,
        datetime(2015, 10, 8, 7, 15, tzinfo=UTC),
        [("jane-example", "")],
        ["Transport", "Environment", "Demo"],
        [],
        (46, 110, 70),
    ),
    (
        "demo-harvest-festival-draws-record-crowds",
        "Demo: Harvest festival draws record crowds despite the rain",
        Article.Kind.NEWS,
        datetime(2015, 10, 4, 16, 45, tzinfo=UTC),
        [("tomas-sample", "reporting and photos")],
        ["Culture", "Local", "Demo"],
        [],
        (150, 100, 30),
    ),
]

DEMO_BODY = """*This is demo content, written to show how the site looks. It is not news.*

Paragraphs are written in Markdown. A blank line starts a new paragraph, and editors can add
**emphasis**, [links](https://www.djangoproject.com/) and subheadings.

## A subheading

> A quotation from someone in the story stands out from the text around it.

The rest of the story continues here, in as many paragraphs as it needs."""


def demo_image(colour, label, name):
    """A plain coloured picture made here, so the demo needs nothing from the network."""
    image = Image.new("RGB", (1200, 675), colour)
    draw = ImageDraw.Draw(image)
    for step in range(0, 1200, 60):
        draw.line([(step, 675), (step + 300, 0)], fill=tuple(min(c + 25, 255) for c in colour))
    draw.text((40, 600), label, fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return ContentFile(buffer.getvalue(), name=name)


class Command(BaseCommand):
    help = "Load the provided article, demo stories and (with DEBUG on) demo accounts."

    def handle(self, *args, **options):
        with transaction.atomic():
            if not Article.objects.filter(slug=PROVIDED_SLUG).exists():
                call_command("loaddata", FIXTURE, verbosity=0)
            people = self.load_people()
            self.load_articles(people)
            # The fixture's rows are loaded raw, without Article.save: render what they show.
            call_command("render_articles", verbosity=0, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Loaded the provided article and the demo stories."))
        self.create_accounts()

    def load_people(self):
        people = {}
        for slug, name, description in DEMO_PEOPLE:
            people[slug], _ = Person.objects.get_or_create(
                slug=slug, defaults={"name": name, "description": description}
            )
        for person in Person.objects.filter(slug__in=["vladimir-putin", "barack-obama"]):
            people[person.slug] = person
        return people

    def load_articles(self, people):
        for slug, headline, kind, published_at, bylines, tags, mentions, colour in DEMO_ARTICLES:
            if Article.objects.filter(slug=slug).exists():
                continue
            # A seed: created in its initial state, like the fixture, not moved through the
            # workflow (there is no actor to record).
            article = Article(
                slug=slug,
                headline=headline,
                kind=kind,
                standfirst="Demo story: sample content that shows how the site looks.",
                body=DEMO_BODY,
                status=Article.Status.PUBLISHED,
                published_at=published_at,
                updated_at=published_at,
                lead_image_alt="A demo picture: diagonal stripes in one colour.",
                lead_image_caption="Demo image, generated for the sample content.",
                lead_image_credit="Newsroom demo",
                lead_image=demo_image(colour, headline, name=f"{slug}.jpg"),
            )
            article.save(record_revision=False)
            article.tags.set(tags)
            for position, (person_slug, role) in enumerate(bylines):
                Byline.objects.create(
                    article=article, person=people[person_slug], role=role, position=position
                )
            for person_slug, role in mentions:
                Mention.objects.create(article=article, person=people[person_slug], role=role)
            Revision.capture(article, note="Demo content")

    def create_accounts(self):
        if not settings.DEBUG:
            self.stdout.write("DEBUG is off: no demo accounts were created.")
            return
        User = get_user_model()
        for username, password, group_name in DEMO_ACCOUNTS:
            user, _ = User.objects.get_or_create(username=username)
            user.is_staff = True
            user.set_password(password)
            user.save()
            user.groups.add(Group.objects.get(name=group_name))
            self.stdout.write(f"Demo account: {username} / {password} ({group_name})")
