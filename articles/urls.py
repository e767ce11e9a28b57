from django.urls import path

from . import views

app_name = "articles"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("articles/", views.ArticleListView.as_view(), name="article_list"),
    path("articles/<slug:slug>/", views.ArticleDetailView.as_view(), name="article_detail"),
    path("preview/<int:pk>/", views.PreviewView.as_view(), name="preview"),
    path("corrections/", views.CorrectionListView.as_view(), name="correction_list"),
    path("tags/", views.TagListView.as_view(), name="tag_list"),
    path("tags/<str:slug>/", views.TagDetailView.as_view(), name="tag_detail"),
    path("people/", views.PersonListView.as_view(), name="person_list"),
    path("people/<slug:slug>/", views.PersonDetailView.as_view(), name="person_detail"),
]
