"""What search engines are given: sitemaps and robots.txt.

``/sitemap.xml`` is an index of sections (articles, tags, people), each split into pages of at
most ``limit`` URLs as the protocol wants; ``/sitemap-news.xml`` lists the stories of the last two
days in the Google News format. All start from ``Article.objects.published()`` (tags and people
through their ``in_use()``) and lean on ``get_absolute_url()``.
"""

from datetime import timedelta
from urllib.parse import urlsplit

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.contrib.sitemaps.views import SitemapIndexItem
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import iri_to_uri
from django.views.decorators.http import require_GET

from articles.models import Article, Person, Tag
from newsroom import origin


class IriSitemap(Sitemap):
    """Addresses on the configured origin (Django's sitemaps take the request's host)."""

    @property
    def protocol(self):
        return origin.scheme()

    def get_domain(self, site=None):
        return origin.netloc()

    def location(self, item):
        # Tag slugs may hold non-ASCII letters; a sitemap's <loc> must be a URI.
        return iri_to_uri(item.get_absolute_url())


class ArticleSitemap(IriSitemap):
    limit = 10_000

    def items(self):
        return (
            Article.objects.published().newest_first().only("slug", "published_at", "modified_at")
        )

    def lastmod(self, article):
        # Any saved change to the page (``modified_at``), or its publication if later: a
        # scheduled story was last saved before it went public, and changed for readers then.
        return max(article.modified_at, article.published_at)


class TagSitemap(IriSitemap):
    limit = 10_000

    def items(self):
        return Tag.objects.in_use().order_by("name").only("slug")


class PersonSitemap(IriSitemap):
    limit = 10_000

    def items(self):
        return Person.objects.in_use().order_by("name").only("slug")


class NewsSitemap(IriSitemap):
    """Stories published in the last two days; Google News reads at most 1,000."""

    limit = 1_000
    window = timedelta(days=2)

    def items(self):
        since = timezone.now() - self.window
        return (
            Article.objects.published()
            .filter(published_at__gte=since)
            .newest_first()
            .only("slug", "headline", "published_at")[: self.limit]
        )


SECTIONS = {"articles": ArticleSitemap, "tags": TagSitemap, "people": PersonSitemap}
NEWS = {"news": NewsSitemap}


def index(request, **kwargs):
    """Django's sitemap index, its entries moved onto the configured origin: the index view
    writes the request's host into them and offers no hook for the domain."""
    response = sitemap_views.index(request, **kwargs)
    response.context_data["sitemaps"] = [
        SitemapIndexItem(origin.absolute(on_this_site(entry.location)), entry.last_mod)
        for entry in response.context_data["sitemaps"]
    ]
    return response


def on_this_site(url):
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


@require_GET
def robots_txt(request):
    """Names the sitemaps. Filtered and searched lists are endless combinations of one set of
    stories: crawlers are asked to leave them and use the sitemaps instead."""
    lines = [
        "User-agent: *",
        f"Disallow: {reverse('reader:article_list')}?",
        "",
        f"Sitemap: {origin.absolute(reverse('reader:sitemap'))}",
        f"Sitemap: {origin.absolute(reverse('reader:sitemap_news'))}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
