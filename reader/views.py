"""Public pages. Every queryset here starts from ``Article.objects.published()``."""

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView, ListView
from django_filters.views import FilterView

from articles import rendering
from articles.models import (
    Article,
    Correction,
    Event,
    Person,
    Tag,
)

from . import queries
from .filters import ArticleFilter
from .pagination import PaginationMixin


class PublishedArticlesMixin(PaginationMixin):
    """Scopes a view to what readers may see, with what a story card needs, newest first."""

    paginate_by = settings.ARTICLES_PER_PAGE

    def get_queryset(self):
        return queries.public_cards()


class HomeView(PublishedArticlesMixin, ListView):
    template_name = "articles/home.html"
    paginate_by = None

    def get_queryset(self):
        return queries.FRONT_PAGE(now=timezone.now())


class ArticleListView(PublishedArticlesMixin, FilterView):
    filterset_class = ArticleFilter
    template_name = "articles/article_filter.html"

    def is_ranked(self):
        return self.filterset.is_ranked

    def get_filterset_kwargs(self, filterset_class):
        # Bound even to an empty query string, so that the unfiltered list too is read through
        # the filterset's filter_queryset() (the compiled list query).
        return {**super().get_filterset_kwargs(filterset_class), "data": self.request.GET}

    def get_context_data(self, **kwargs):
        # What the template asks about more than once, worked out once (a template lookup on
        # the filterset tries it as a key first, and is_ranked validates).
        ranked = self.is_ranked()
        form = self.filterset.form
        return super().get_context_data(
            ranked=ranked,
            words=form.cleaned_data.get("q", "") if ranked else "",
            errors=bool(form.errors),
            **kwargs,
        )


class ArticleDetailView(DetailView):
    """An article as readers see it; for staff too (they preview at ``PreviewView``)."""

    template_name = "articles/article_detail.html"

    def get_object(self, queryset=None):
        # published() compiled once (queries.PUBLIC_PAGE) rather than get_queryset(): with the
        # related stories' compiled query it takes the page from 4.29 to 2.59 ms of CPU (SQLite,
        # 2,000 articles, make ablation). The rule is still published(), in reader/queries.py.
        story = queries.public_page(self.kwargs["slug"])
        if story is None:
            raise Http404("No public story at this address.")
        return story

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            withdrawn = Article.objects.withdrawn().filter(slug=kwargs["slug"]).first()
            if withdrawn is not None:
                template, context = "articles/article_withdrawn.html", {"article": withdrawn}
            elif Event.was_purged(kwargs["slug"]):
                # A story readers saw, deleted by a superuser: gone, saying nothing of it.
                template, context = "articles/article_removed.html", {}
            else:
                raise
            response = TemplateResponse(request, template, context, status=410)
            response["X-Robots-Tag"] = "noindex"
            return response

    def get_context_data(self, **kwargs):
        article = self.object
        meta = article.page_data or rendering.page_data(article)
        related = queries.related_stories(
            article,
            tag_ids=[pk for pk, _ in meta["tags"]],
            person_ids=[pk for pk, *_ in meta["mentions"]],
        )
        return super().get_context_data(meta=meta, related=related, **kwargs)


@method_decorator(never_cache, name="dispatch")
class PreviewView(LoginRequiredMixin, PermissionRequiredMixin, DetailView):
    """Staff see any article, whatever its state, with a banner saying what readers get."""

    permission_required = "articles.view_article"
    template_name = "articles/article_detail.html"
    login_url = reverse_lazy("admin:login")

    def get_queryset(self):
        return Article.objects.with_page_data()

    def get_context_data(self, **kwargs):
        # Rendered live, from the relations as they are now, whatever is stored.
        return super().get_context_data(
            preview=True, meta=rendering.page_data(self.object), **kwargs
        )

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        # Never kept by a browser or a shared cache, never indexed.
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex"
        return response


class CorrectionListView(PaginationMixin, ListView):
    """Every published correction and clarification, newest first."""

    template_name = "articles/correction_list.html"
    context_object_name = "corrections"
    paginate_by = 50
    paginator_class = Paginator
    keyset = False

    def get_queryset(self):
        return (
            Correction.objects.filter(
                kind__in=Correction.LISTED_KINDS, article__in=Article.objects.published()
            )
            .select_related("article")
            .order_by("-created_at", "-pk")
        )


class TagListView(ListView):
    template_name = "articles/tag_list.html"
    context_object_name = "tags"

    def get_queryset(self):
        return Tag.objects.with_article_counts().order_by("name")


class TagDetailView(PublishedArticlesMixin, ListView):
    """A tag's stories. A tag with no published story is a 404, so drafts do not leak by name;
    a merged tag's old address is redirected on that 404 (reader/redirects.py)."""

    template_name = "articles/tag_detail.html"

    def get_queryset(self):
        self.tag = get_object_or_404(Tag, slug=self.kwargs["slug"])
        # tag_cards(), compiled once: the pages and the capped count are read through it.
        return queries.TAG_STORIES.bind(tag=self.tag.pk, now=timezone.now())

    def paginate_queryset(self, queryset, page_size):
        # Empty is a 404, told from the count the page needs anyway rather than from one more
        # query (ListView's allow_empty = False asks the database first).
        paginator, page, object_list, is_paginated = super().paginate_queryset(queryset, page_size)
        if paginator is not None and paginator.count == 0:
            raise Http404("No public stories carry this tag.")
        return paginator, page, object_list, is_paginated

    def get_context_data(self, **kwargs):
        return super().get_context_data(tag=self.tag, **kwargs)


class PersonListView(PaginationMixin, ListView):
    template_name = "articles/person_list.html"
    context_object_name = "people"
    paginate_by = 100
    paginator_class = Paginator
    keyset = False

    def get_queryset(self):
        return Person.objects.in_use().order_by("name")


class PersonDetailView(DetailView):
    """A person's page: the stories they wrote and the stories about them, shown apart."""

    template_name = "articles/person_detail.html"
    context_object_name = "person"

    def get_queryset(self):
        return Person.objects.in_use()

    def get_context_data(self, **kwargs):
        values = {"person": self.object.pk, "now": timezone.now()}
        return super().get_context_data(
            bylined=list(queries.BYLINED(**values)),
            mentioned=list(queries.MENTIONED(**values)),
            **kwargs,
        )
