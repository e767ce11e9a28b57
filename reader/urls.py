from django.contrib.sitemaps import views as sitemap_views
from django.urls import path, register_converter

from . import feeds, sitemaps, views


class UnicodeSlugConverter:
    """A slug that may hold non-ASCII letters, as tag slugs do (``str`` would also let a NUL
    byte through to the database, a server error on PostgreSQL)."""

    regex = r"[-\w]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(UnicodeSlugConverter, "uslug")

app_name = "reader"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("articles/", views.ArticleListView.as_view(), name="article_list"),
    path("articles/<slug:slug>/", views.ArticleDetailView.as_view(), name="article_detail"),
    path("preview/<int:pk>/", views.PreviewView.as_view(), name="preview"),
    path("corrections/", views.CorrectionListView.as_view(), name="correction_list"),
    path("tags/", views.TagListView.as_view(), name="tag_list"),
    path("tags/<uslug:slug>/", views.TagDetailView.as_view(), name="tag_detail"),
    path("tags/<uslug:slug>/feed/", feeds.TagFeed(), name="tag_feed"),
    path("tags/<uslug:slug>/feed/atom/", feeds.TagAtomFeed(), name="tag_atom_feed"),
    path("people/", views.PersonListView.as_view(), name="person_list"),
    path("people/<slug:slug>/", views.PersonDetailView.as_view(), name="person_detail"),
    path("people/<slug:slug>/feed/", feeds.PersonFeed(), name="person_feed"),
    path("people/<slug:slug>/feed/atom/", feeds.PersonAtomFeed(), name="person_atom_feed"),
    path("feeds/latest/", feeds.LatestStoriesFeed(), name="latest_feed"),
    path("feeds/latest/atom/", feeds.LatestStoriesAtomFeed(), name="latest_atom_feed"),
    path(
        "sitemap.xml",
        sitemaps.index,
        {"sitemaps": sitemaps.SECTIONS, "sitemap_url_name": "reader:sitemap_section"},
        name="sitemap",
    ),
    # Before the sections' pattern, which would take "news" for a section name.
    path(
        "sitemap-news.xml",
        sitemap_views.sitemap,
        {"sitemaps": sitemaps.NEWS, "template_name": "sitemaps/news.xml"},
        name="sitemap_news",
    ),
    path(
        "sitemap-<slug:section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": sitemaps.SECTIONS},
        name="sitemap_section",
    ),
    path("robots.txt", sitemaps.robots_txt, name="robots_txt"),
]
