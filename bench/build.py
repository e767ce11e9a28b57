"""Build one benchmark database: ``python -m bench.build --n 2000 --sidecar path.json``.

Runs against whatever ``DATABASE_URL`` names (the runner points it at a fresh SQLite file or
PostgreSQL database), migrates it, and bulk-inserts N published articles with their tags, bylines
and mentions, drawn from 500 tags and 2,000 people, plus 20 shared lead images. Deterministic: the
same N gives the same data. ``Article.save()`` is bypassed (bulk_create), so the body HTML is
rendered here, once per distinct body, and the stored cards and pages by ``render_articles``
afterwards. No revisions or events are created: public pages never read them.
"""

import argparse
import datetime
import io
import json
import os
import random
import sys
import time
from pathlib import Path

import django

from bench import common

SEED = 20240601
TAGS = 500
PEOPLE = 2000
AUTHORS = 300  # the first 300 people are the staff who write; anyone can be mentioned
IMAGES = 20
BODIES = 200  # distinct bodies, rendered to HTML once each
BATCH = 2000
YEARS = 8
SEARCH_WORD = "harbour"  # in about 4% of headlines and 10% of bodies


def words(text, sep=None):
    return text.split(sep)


WORDS = words(
    "council budget minister election court ruling river flood harvest market strike union port "
    "rail airport hospital school teachers nurses energy prices inflation bank rates housing rent "
    "coast storm drought wildfire police inquiry report committee vote senate parliament treaty "
    "border talks ceasefire aid summit export tariffs factory jobs workers farmers fishermen "
    "ferry bridge tunnel museum festival league final cup season record scientists study vaccine "
    "climate emissions solar wind turbines grid water supply mayor city region province village "
    "district island mountain valley desert forest"
)
ADJECTIVES = words(
    "new old rising falling quiet bitter long short sudden rare major minor local national "
    "regional early late final first second historic modest surprise disputed"
)
VERBS = words(
    "approves rejects delays backs blocks opens closes wins loses faces warns promises cuts "
    "raises expands halts reviews probes"
)
PLACES = words(
    "Northport Eastvale Westbridge Southmere Lakeside Hillford Ashby Brookton Claymoor Dunmore "
    "Elmstead Fairhaven Glenrock Highcliff Ironbridge Kingsbay Longford Marsden Newholm Oakridge"
)
FIRST = words(
    "Ada Ben Cara Dev Elena Farid Grace Hugo Ines Jonas Kemi Liam Maya Nils Omar Priya Quinn Rosa "
    "Sami Tara Uma Victor Wen Xavier Yara Zane Alma Bruno Chloe Dario Esme Felix Gita Hana Ivan "
    "Jade Kofi Lena Marco Noor"
)
LAST = words(
    "Abbott Baptiste Castillo Dimitrov Eriksen Fontaine Gallagher Haddad Ishikawa Jensen Kowalski "
    "Lindqvist Moreau Nakamura Okafor Petrov Quintero Rahman Schneider Takahashi Umarov Varga "
    "Whitfield Xu Yilmaz Zielinski Alvarez Brennan Chandra Duarte Egan Ferreira Grant Horvath "
    "Iqbal Jovanovic Kaur Laine Mensah Novak Ortega Park Quist Rossi Sato Tanaka Urban Vogel "
    "Weber Young"
)
ROLES = words(
    "Mayor of {place}|Minister for {word}|Chair of the {word} committee|Spokesperson|"
    "Local resident|Union leader|Chief executive|Opposition leader|Researcher|Head teacher",
    sep="|",
)


def sentence(rng, words=None, low=8, high=20):
    words = words or [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def paragraph(rng, search=False):
    sentences = [sentence(rng) for _ in range(rng.randint(3, 6))]
    if search:
        sentences[rng.randrange(len(sentences))] = sentence(
            rng, [*(rng.choice(WORDS) for _ in range(6)), "the", SEARCH_WORD, "said"]
        )
    text = " ".join(sentences)
    if rng.random() < 0.3:
        text += f" **{rng.choice(ADJECTIVES).capitalize()} {rng.choice(WORDS)}** remained open."
    if rng.random() < 0.2:
        text += f" [The full {rng.choice(WORDS)} report](https://example.com/{rng.choice(WORDS)})."
    return text


def body(rng, search):
    parts = [paragraph(rng, search=search and i == 1) for i in range(rng.randint(5, 9))]
    parts.insert(3, f"## {rng.choice(ADJECTIVES).capitalize()} {rng.choice(WORDS)}")
    if rng.random() < 0.3:
        parts.insert(5, f"> {sentence(rng)}")
    return "\n\n".join(parts)


def weights(count, offset):
    """A long-tailed popularity: rank r is drawn in proportion to 1 / (r + offset)."""
    return [1 / (rank + offset) for rank in range(count)]


def pick_distinct(rng, population, cum_weights, k):
    chosen = []
    while len(chosen) < k:
        item = rng.choices(population, cum_weights=cum_weights)[0]
        if item not in chosen:
            chosen.append(item)
    return chosen


def cumulative(values):
    total, out = 0.0, []
    for value in values:
        total += value
        out.append(total)
    return out


def make_images(media_root):
    """20 JPEG lead images (1200x675), generated once with Pillow and shared by every database."""
    from PIL import Image, ImageDraw

    folder = media_root / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for i in range(IMAGES):
        name = f"bench/lead-{i:02d}.jpg"
        names.append(name)
        path = media_root / name
        if path.exists():
            continue
        rng = random.Random(SEED + i)
        image = Image.new("RGB", (1200, 675), (rng.randrange(256), 90, 140))
        draw = ImageDraw.Draw(image)
        for _ in range(30):
            x, y = rng.randrange(1200), rng.randrange(675)
            r = rng.randrange(20, 200)
            colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
        image.save(path, "JPEG", quality=80)
    return names


def build(n, sidecar):
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import Count
    from django.utils import timezone
    from django.utils.text import slugify

    from articles.markdown import render_markdown
    from articles.models import Article, Byline, Mention, Person, Tag, TaggedArticle
    from reader.pagination import cursor_for

    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    images = make_images(settings.MEDIA_ROOT)
    rng = random.Random(SEED)

    # Tags and people: unique names, deterministic.
    tag_names, seen = [], set()
    while len(tag_names) < TAGS:
        name = f"{rng.choice(ADJECTIVES)} {rng.choice(WORDS)}".title()
        if rng.random() < 0.3:
            name = f"{rng.choice(PLACES)} {rng.choice(WORDS)}".title()
        if name.lower() not in seen:
            seen.add(name.lower())
            tag_names.append(name)
    people_names = [f"{first} {last}" for last in LAST for first in FIRST][:PEOPLE]
    rng.shuffle(people_names)

    with transaction.atomic():
        tags = Tag.objects.bulk_create(Tag(name=name, slug=slugify(name)) for name in tag_names)
        people = Person.objects.bulk_create(
            Person(
                name=name,
                slug=slugify(name),
                description=rng.choice(ROLES).format(
                    place=rng.choice(PLACES), word=rng.choice(WORDS)
                ),
                bio=" ".join(sentence(rng) for _ in range(3)),
                aliases=name.split()[-1] if rng.random() < 0.3 else "",
            )
            for name in people_names
        )
    tag_ids = [tag.pk for tag in tags]
    person_ids = [person.pk for person in people]
    tag_cum = cumulative(weights(TAGS, 10))
    author_cum = cumulative(weights(AUTHORS, 20))
    mention_cum = cumulative(weights(PEOPLE, 30))

    bodies = []
    for i in range(BODIES):
        text = body(rng, search=i % 10 == 0)
        bodies.append((text, render_markdown(text)))

    now = timezone.now().replace(microsecond=0)
    span = datetime.timedelta(days=365 * YEARS).total_seconds()
    kinds = [Article.Kind.NEWS] * 7 + [Article.Kind.OPINION] * 3 + [Article.Kind.ANALYSIS] * 2
    middle = None
    for start in range(0, n, BATCH):
        rows = []
        for i in range(start, min(n, start + BATCH)):
            # Oldest first, so ids grow with time as in a real archive; the newest is 1 h old.
            seconds = span * (n - 1 - i) / max(n - 1, 1) + 3600 + rng.randrange(0, 600)
            published = now - datetime.timedelta(seconds=int(seconds))
            words = [rng.choice(ADJECTIVES), rng.choice(WORDS), rng.choice(VERBS)]
            words += [rng.choice(WORDS), "in", rng.choice(PLACES)]
            if rng.random() < 0.04:
                words[1] = SEARCH_WORD
            headline = " ".join(words)
            headline = headline[0].upper() + headline[1:]
            text, html = bodies[rng.randrange(BODIES)]
            image = images[i % IMAGES]
            rows.append(
                Article(
                    headline=headline,
                    slug=f"{slugify(headline)[:200]}-{i + 1}",
                    standfirst=sentence(rng, low=14, high=26),
                    body=text,
                    body_html=html,
                    kind=rng.choice(kinds),
                    status=Article.Status.PUBLISHED,
                    published_at=published,
                    updated_at=published,
                    lead_image=image,
                    lead_image_alt=f"Illustration {image[-6:-4]}: coloured circles",
                    lead_image_caption=sentence(rng, low=6, high=12),
                    lead_image_credit=rng.choice(["Reuters", "AP", "Staff photographer", ""]),
                )
            )
        with transaction.atomic():
            created = Article.objects.bulk_create(rows, batch_size=500)
            tagged, bylines, mentions = [], [], []
            for article in created:
                for tag_id in pick_distinct(rng, tag_ids, tag_cum, 3):
                    tagged.append(TaggedArticle(tag_id=tag_id, content_object_id=article.pk))
                authors = pick_distinct(rng, person_ids[:AUTHORS], author_cum, rng.choice([1, 2]))
                for position, person_id in enumerate(authors):
                    role = "reporting" if rng.random() < 0.2 else ""
                    bylines.append(
                        Byline(
                            article_id=article.pk,
                            person_id=person_id,
                            role=role,
                            position=position,
                        )
                    )
                for person_id in pick_distinct(rng, person_ids, mention_cum, 2):
                    role = rng.choice(ROLES).format(
                        place=rng.choice(PLACES), word=rng.choice(WORDS)
                    )
                    mentions.append(Mention(article_id=article.pk, person_id=person_id, role=role))
            TaggedArticle.objects.bulk_create(tagged, batch_size=1000)
            Byline.objects.bulk_create(bylines, batch_size=1000)
            Mention.objects.bulk_create(mentions, batch_size=1000)
        if start <= n // 2 < start + BATCH:
            middle = created[n // 2 - start]
        print(f"  {min(n, start + BATCH)}/{n} articles", end="\r", flush=True)

    # bulk_create bypassed Article.save(): render the cards and pages readers are served, and
    # each tag's and person's first publication, as saving each story would have.
    print(f"  rendering {n} articles{' ' * 20}", end="\r", flush=True)
    call_command("render_articles", verbosity=0, stdout=io.StringIO())

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    elif connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # What the runner requests: the most used tag (tag page), the second (filtered list), the
    # most prolific author (person page), the article in the middle of the archive.
    by_use = sorted(
        Tag.objects.with_article_counts().values_list("slug", "article_count"),
        key=lambda row: -row[1],
    )
    top_author = Person.objects.annotate(n=Count("bylines")).order_by("-n", "pk").first()
    info = {
        "n": n,
        "vendor": connection.vendor,
        "article_slug": middle.slug,
        # The "older stories" page that starts half-way through the archive (keyset pages).
        "deep_cursor": cursor_for(middle),
        "tag_slug": by_use[0][0],
        "tag_count": by_use[0][1],
        "filter_tag_slug": by_use[1][0],
        "filter_tag_count": by_use[1][1],
        "person_slug": top_author.slug,
        "search_word": SEARCH_WORD,
        "seconds": round(time.monotonic() - started, 1),
    }
    sidecar.write_text(json.dumps(info, indent=2))
    print(f"  built {n} articles in {info['seconds']} s{' ' * 20}", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--sidecar", required=True)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    if not os.environ.get("DATABASE_URL"):
        sys.exit("DATABASE_URL must name the database to build (the runner sets it).")
    common.use_app_root()
    django.setup()
    build(args.n, Path(args.sidecar))


if __name__ == "__main__":
    main()
