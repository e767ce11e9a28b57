"""The change form's live preview and checks, for ``ArticleAdmin``: what the form holds now, not
the last save.

Both endpoints take the change form as it is posted (its fields and its byline and mention
inlines) and build the story in memory: an unsaved ``Article`` with the form's values, wrapped
with the tags, bylines, people and corrections the form would save (``LiveArticle``). Nothing is
written: no row, no file (a newly chosen image is not sent; the preview shows the stored one),
no revision, no lock. ``live-preview/`` renders the public article template with the preview
banner; ``live-checks/`` runs ``articles.checks`` and returns them as JSON with the panel's HTML.
"""

from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from articles import checks, rendering
from articles.markdown import render_markdown
from articles.models import Article, Byline, Correction, Mention, Tag

from ..forms import form_copy
from .guards import is_id

CHECKS_LIST = "admin/articles/article/desk/checks_list.html"
# The form's fields whose errors stop a preview; others (the slug, the workflow, the change
# kind) do not change what readers would read, and the checks report the rest.
CONTENT_FIELDS = [
    "headline", "kind", "standfirst", "body", "tags", "published_at",
    "lead_image_caption", "lead_image_credit",
]  # fmt: skip


class Listing:
    """A relation as the templates read it (``article.tags.all``), from a list."""

    def __init__(self, items):
        self.items = list(items)

    def all(self):
        return self.items

    def count(self):
        return len(self.items)


class LiveArticle:
    """An unsaved article and the relations its form would save, for the public templates."""

    def __init__(self, article, *, tags, bylines, mentions, corrections):
        self._article = article
        self.tags = Listing(tags)
        self.bylines = Listing(bylines)
        self.mentions = Listing(mentions)
        self.corrections = Listing(corrections)

    def __getattr__(self, name):
        return getattr(self._article, name)


def preview_form(form_class):
    """The change form, made to check content only: a preview saves nothing, so it takes no
    lock (``check_version``) and asks for no change kind or fixes before publishing."""

    def nothing(self, *args):
        return None

    return type(
        "LivePreviewForm",
        (form_class,),
        {
            "check_version": nothing,
            "check_change_kind": nothing,
            "check_before_publishing": nothing,
        },
    )


def no_store(response):
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def bad_request(errors):
    return no_store(JsonResponse({"errors": errors}, status=400))


class LivePreviewMixin:
    """``get_urls()`` and the views of the live preview and checks; mixed into ``ArticleAdmin``."""

    def get_urls(self):
        views = [
            ("live-preview", self.live_preview_view, "articles_article_live_preview"),
            ("live-checks", self.live_checks_view, "articles_article_live_checks"),
        ]
        urls = []
        for part, view, name in views:
            wrapped = self.admin_site.admin_view(require_POST(view))
            urls += [
                path(f"add/{part}/", wrapped, name=f"{name}_add"),
                path(f"<str:object_id>/{part}/", wrapped, name=name),
            ]
        return [*urls, *super().get_urls()]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # The checks as the stored story stands, so the panel says something without script.
        copy = checks.Copy.of(obj) if obj else checks.Copy()
        context.update(
            desk_checks=checks.run(copy),
            desk_stats=checks.stats(copy),
            live_preview_url=live_url("articles_article_live_preview", obj),
            live_checks_url=live_url("articles_article_live_checks", obj),
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def live_preview_view(self, request, object_id=None):
        draft = self.live_draft(request, object_id)
        if isinstance(draft, JsonResponse):
            return draft
        article, _ = draft
        context = {
            "article": article,
            "meta": rendering.page_data(article),
            "preview": True,
            "live": True,
        }
        return no_store(TemplateResponse(request, "articles/article_detail.html", context))

    def live_checks_view(self, request, object_id=None):
        draft = self.live_draft(request, object_id)
        if isinstance(draft, JsonResponse):
            return draft
        _, copy = draft
        found = checks.run(copy)
        data = {
            "checks": [
                {"code": c.code, "message": c.message, "field": c.anchor, "blocks": c.blocks}
                for c in found
            ],
            "stats": checks.stats(copy),
            "html": render_to_string(CHECKS_LIST, {"desk_checks": found}, request),
        }
        return no_store(JsonResponse(data))

    def live_draft(self, request, object_id):
        """The story the posted form holds, as (``LiveArticle``, ``checks.Copy``), or a 400."""
        obj = None
        if object_id is not None:
            if not is_id(object_id):
                raise Http404("No such article.")
            obj = get_object_or_404(Article, pk=object_id)
            if not self.has_view_or_change_permission(request, obj):
                raise PermissionDenied
        elif not self.has_add_permission(request):
            raise PermissionDenied
        fieldsets = self.get_fieldsets(request, obj)
        form_class = self.get_form(
            request, obj, change=obj is not None, fields=flatten_fieldsets(fieldsets)
        )
        article = obj or Article()
        # No files: an upload is not stored for a preview.
        form = preview_form(form_class)(request.POST, instance=article)
        form.is_valid()
        errors = {name: form.errors[name] for name in CONTENT_FIELDS if name in form.errors}
        if errors:
            return bad_request(errors)
        data = form.cleaned_data
        article = form.instance
        article.body_html = render_markdown(article.body)
        article.slug = article.slug or slugify(article.headline) or "preview"
        bylines, mentions = self.live_relations(request, obj, article)
        tags = live_tags(data["tags"] if "tags" in data else (obj.tags.names() if obj else []))
        corrections = list(obj.corrections.all()) if obj else []
        kind = data.get("change_kind")
        if obj and obj.is_public and kind in {Correction.Kind.UPDATE, *Correction.LISTED_KINDS}:
            # As Article.record_change would: the note and the "Updated" line readers would get.
            now = timezone.now()
            article.updated_at = now
            if kind in Correction.LISTED_KINDS:
                corrections.append(
                    Correction(kind=kind, note=data.get("change_note", ""), created_at=now)
                )
        live = LiveArticle(
            article, tags=tags, bylines=bylines, mentions=mentions, corrections=corrections
        )
        copy = form_copy(
            form,
            data,
            relations={
                "tags": [tag.name for tag in tags],
                "byline_count": len(bylines),
                "linked_people": {mention.person_id for mention in mentions},
            },
        )
        return live, copy

    def live_relations(self, request, obj, article):
        """The bylines and people mentioned the inlines hold, in credit order; the stored ones
        for an inline the form did not send (a moderator's form has none)."""
        found = {}
        formsets, _ = self._create_formsets(request, article, change=obj is not None)
        for formset in formsets:
            if formset.model not in {Byline, Mention} or not formset.management_form.is_valid():
                continue
            formset.is_valid()
            rows = []
            for form in formset.forms:
                data = getattr(form, "cleaned_data", None) or {}
                if data.get("person") and not data.get("DELETE"):
                    fields = {"person": data["person"], "role": data.get("role") or ""}
                    if formset.model is Byline:
                        fields["position"] = data.get("position") or 0
                    rows.append(formset.model(**fields))
            found[formset.model] = rows
        bylines = found.get(Byline)
        if bylines is None:
            bylines = list(obj.bylines.select_related("person")) if obj else []
        mentions = found.get(Mention)
        if mentions is None:
            mentions = list(obj.mentions.select_related("person")) if obj else []
        bylines.sort(key=lambda byline: byline.position)
        return bylines, mentions


def live_tags(names):
    """The tags the names would be saved as: the stored ones, and new ones not yet saved."""
    names = list(names)
    stored = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    return [stored.get(name) or Tag(name=name, slug=slugify(name)) for name in names]


def live_url(name, obj):
    if obj is None:
        return reverse(f"admin:{name}_add")
    return reverse(f"admin:{name}", args=[obj.pk])
