"""What search engines and sharing cards read: sitemaps, robots.txt, canonical URLs, meta tags
and schema.org JSON-LD."""

import json
import re
from datetime import datetime, timedelta
from xml.etree import ElementTree

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from tests.factories import (
    ArticleFactory,
    BylineFactory,
    MentionFactory,
    PersonFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


def xml(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    return ElementTree.fromstring(response.content)  # noqa: S314 (our own output)


def locations(root):
    return [loc.text for loc in root.iter(f"{SITEMAP}loc")]


def test_sitemap_index_lists_sections_for_articles_tags_and_people(client):
    story = ArticleFactory(slug="a-story", tags=["Climate"])
    MentionFactory(article=story, person=PersonFactory(slug="greta"))
    index = xml(client, reverse("reader:sitemap"))
    assert index.tag == f"{SITEMAP}sitemapindex"
    sections = locations(index)
    assert sections == [
        "http://testserver/sitemap-articles.xml",
        "http://testserver/sitemap-tags.xml",
        "http://testserver/sitemap-people.xml",
    ]
    urls = {}
    for section in sections:
        root = xml(client, section.removeprefix("http://testserver"))
        urls.update({url.find(f"{SITEMAP}loc").text: url for url in root})
    assert set(urls) == {
        "http://testserver/articles/a-story/",
        "http://testserver/tags/climate/",
        "http://testserver/people/greta/",
    }
    lastmod = urls["http://testserver/articles/a-story/"].find(f"{SITEMAP}lastmod").text
    assert lastmod == timezone.now().date().isoformat()


def test_a_scheduled_story_enters_the_sitemap_with_its_publication_day_as_lastmod(client):
    ArticleFactory(slug="scheduled", published_at=timezone.now() + timedelta(seconds=1))
    assert "scheduled" not in client.get("/sitemap-articles.xml").content.decode()
    Article.objects.filter(slug="scheduled").update(
        published_at=timezone.now() - timedelta(seconds=1)
    )
    assert (
        "http://testserver/articles/scheduled/"
        in client.get("/sitemap-articles.xml").content.decode()
    )


def test_an_unknown_sitemap_section_or_page_is_a_404(client):
    ArticleFactory()
    assert client.get("/sitemap-nothing.xml").status_code == 404
    assert client.get("/sitemap-articles.xml?p=9").status_code == 404
    assert client.get("/sitemap-articles.xml?p=x%00").status_code == 404


def test_news_sitemap_holds_the_last_two_days_in_google_news_format(client):
    fresh = ArticleFactory(
        headline="Fresh <news> & \x0bmore",
        slug="fresh",
        published_at=timezone.now() - timedelta(hours=3),
    )
    ArticleFactory(slug="old", published_at=timezone.now() - timedelta(days=3))
    root = xml(client, reverse("reader:sitemap_news"))
    [url] = list(root)
    assert url.find(f"{SITEMAP}loc").text == "http://testserver/articles/fresh/"
    news = url.find(f"{NEWS}news")
    assert news.find(f"{NEWS}publication/{NEWS}name").text == "Newsroom"
    assert news.find(f"{NEWS}publication/{NEWS}language").text == "en"
    assert news.find(f"{NEWS}title").text == "Fresh <news> & more"
    published = datetime.fromisoformat(news.find(f"{NEWS}publication_date").text)
    assert abs(published - fresh.published_at) < timedelta(seconds=1)


def test_robots_txt_names_both_sitemaps(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "Sitemap: http://testserver/sitemap-news.xml" in lines
    assert "User-agent: *" in lines


@pytest.fixture
def story(geneva_story):
    """The Geneva story by one author, about one person."""
    article = geneva_story
    BylineFactory(article=article, person=PersonFactory(name="Ann Writer", slug="ann-writer"))
    MentionFactory(
        article=article,
        person=PersonFactory(name="Sergey Lavrov", slug="sergey-lavrov"),
        role="Russian Foreign Minister",
    )
    return article


def head_of(client, url):
    return client.get(url).content.decode().split("</head>")[0]


def meta(head, attribute, name):
    match = re.search(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)">', head)
    return match and match[1]


def json_ld(client, url):
    content = client.get(url).content.decode()
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', content, re.S)
    assert len(scripts) == 1
    return json.loads(scripts[0]), scripts[0]


def test_article_page_has_canonical_url_description_open_graph_and_twitter_card(client, story):
    head = head_of(client, story.get_absolute_url())
    url = "http://testserver/articles/talks-resume-in-geneva/"
    assert f'<link rel="canonical" href="{url}">' in head
    assert meta(head, "name", "description") == "Delegates return after a week."
    assert meta(head, "property", "og:type") == "article"
    assert meta(head, "property", "og:title") == "Talks resume in Geneva"
    assert meta(head, "property", "og:url") == url
    assert meta(head, "property", "og:description") == "Delegates return after a week."
    image = meta(head, "property", "og:image")
    assert image.startswith("http://testserver/media/renditions/") and image.endswith(".jpg")
    assert meta(head, "property", "og:image:width") == "1280"
    assert meta(head, "property", "og:image:alt") == "Delegates at a table"
    assert meta(head, "name", "twitter:card") == "summary_large_image"
    assert meta(head, "name", "twitter:image") == image
    assert re.search(r'<meta property="article:tag" content="Diplomacy">', head)


def test_article_without_standfirst_describes_itself_with_the_start_of_its_body(client):
    article = ArticleFactory(standfirst="", body="The **talks** resumed & went on.\n\nMore.")
    head = head_of(client, article.get_absolute_url())
    assert meta(head, "name", "description") == "The talks resumed &amp; went on. More."
    assert meta(head, "name", "twitter:card") == "summary"


def test_article_json_ld_is_a_news_article_with_everything_search_engines_read(client, story):
    data, _ = json_ld(client, story.get_absolute_url())
    url = "http://testserver/articles/talks-resume-in-geneva/"
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "Talks resume in Geneva"
    assert data["url"] == data["mainEntityOfPage"] == url
    published = datetime.fromisoformat(data["datePublished"])
    assert abs(published - story.published_at) < timedelta(seconds=1)
    assert datetime.fromisoformat(data["dateModified"]) >= published
    assert data["author"] == [
        {"@type": "Person", "name": "Ann Writer", "url": "http://testserver/people/ann-writer/"}
    ]
    assert data["publisher"]["@type"] == "NewsMediaOrganization"
    assert data["publisher"]["name"] == "Newsroom"
    assert data["publisher"]["logo"]["url"].startswith("http://testserver/static/")
    assert sorted(data["keywords"]) == ["Diplomacy", "Russia"]
    assert data["mentions"] == [
        {
            "@type": "Person",
            "name": "Sergey Lavrov",
            "url": "http://testserver/people/sergey-lavrov/",
            "description": "Russian Foreign Minister",
        }
    ]
    [image] = data["image"]
    assert image["url"].startswith("http://testserver/media/renditions/")
    assert (image["width"], image["height"]) == (1280, 720)


def test_opinion_piece_is_an_opinion_news_article_and_invents_no_author(client):
    article = ArticleFactory(kind=Article.Kind.OPINION)
    data, _ = json_ld(client, article.get_absolute_url())
    assert data["@type"] == "OpinionNewsArticle"
    assert "author" not in data
    assert "image" not in data


def test_json_ld_cannot_be_broken_out_of_by_a_headline(client):
    article = ArticleFactory(
        headline='</script><script>alert("x")</script> & <!-- Ben & Jerry\'s',
        tags=["</script>"],
    )
    data, raw = json_ld(client, article.get_absolute_url())
    assert data["headline"] == article.headline
    assert data["keywords"] == ["</script>"]
    assert "<" not in raw and ">" not in raw and "&" not in raw
    assert "<script>alert" not in client.get(article.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    "url_name, args",
    [
        ("reader:home", []),
        ("reader:tag_detail", ["diplomacy"]),
        ("reader:person_detail", ["ann-writer"]),
    ],
)
def test_front_tag_and_person_pages_have_a_canonical_url_and_open_graph_title(
    client, story, url_name, args
):
    url = reverse(url_name, args=args)
    head = head_of(client, url)
    assert f'<link rel="canonical" href="http://testserver{url}">' in head
    assert meta(head, "property", "og:url") == f"http://testserver{url}"
    assert meta(head, "property", "og:title")
    assert meta(head, "property", "og:site_name") == "Newsroom"


def test_unicode_tag_pages_are_in_the_sitemap_as_uris(client):
    ArticleFactory(tags=[TagFactory(name="Café", slug="café")])
    root = xml(client, "/sitemap-tags.xml")
    assert locations(root) == ["http://testserver/tags/caf%C3%A9/"]
    assert client.get("/tags/caf%C3%A9/").status_code == 200
