"""The desk's pages beyond the change form, for ``ArticleAdmin``: the confirmation of
take-downs and re-publishing (``workflow.CONFIRMED``), an article's versions with their
differences, restoring one, and the dashboard; and how actions report what they did."""

import difflib

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html_join

from articles.models import Article, Revision
from articles.workflow import CONFIRMED

from .. import dashboard
from ..forms import TransitionForm
from .guards import ids_from


class DeskPagesMixin:
    """``get_urls()`` and the views of the extra pages; mixed into ``ArticleAdmin``."""

    def get_urls(self):
        dashboard_view = dashboard.DashboardView.as_view(model_admin=self)
        return [
            path(
                "dashboard/",
                self.admin_site.admin_view(dashboard_view),
                name="articles_article_dashboard",
            ),
            path(
                "transition/<str:action>/",
                self.admin_site.admin_view(self.transition_view),
                name="articles_article_transition",
            ),
            path(
                "<int:pk>/revisions/",
                self.admin_site.admin_view(self.revisions_view),
                name="articles_article_revisions",
            ),
            path(
                "<int:pk>/revisions/<int:number>/restore/",
                self.admin_site.admin_view(self.restore_view),
                name="articles_article_restore",
            ),
            *super().get_urls(),
        ]

    def transition_view(self, request, action):
        """The confirmation page for un-publishing, withdrawing or re-publishing articles."""
        move = CONFIRMED.get(action)
        if move is None:
            raise PermissionDenied
        if not self.has_takedown_permission(request):
            raise PermissionDenied
        raw_ids = request.POST.get("ids") or request.GET.get("ids", "")
        ids = ids_from(raw_ids)
        articles = list(Article.objects.filter(pk__in=ids).order_by("-published_at"))
        if not articles:
            self.message_user(request, "Select at least one article.", messages.WARNING)
            return HttpResponseRedirect(reverse("admin:articles_article_changelist"))
        form = TransitionForm(request.POST or None, action=action)
        if request.method == "POST" and form.is_valid():
            done, failed = 0, []
            for article in articles:
                try:
                    with transaction.atomic():
                        if action == "unpublish":
                            article.unpublish(request.user, form.cleaned_data["reason"])
                        elif action == "withdraw":
                            article.withdraw(
                                request.user,
                                form.cleaned_data["reason"],
                                form.cleaned_data["public_note"],
                            )
                        else:
                            article.republish(request.user, form.cleaned_data["reason"])
                    done += 1
                except (PermissionDenied, ValidationError) as error:
                    failed.append(f"“{article}”: {error_text(error)}")
            report(self, request, move.done, done, failed)
            return HttpResponseRedirect(reverse("admin:articles_article_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"{move.label} {len(articles)} article(s)",
            "action": action,
            "action_label": move.label,
            "articles": articles,
            "ids": ",".join(str(a.pk) for a in articles),
            "form": form,
        }
        return TemplateResponse(request, "admin/articles/article/transition.html", context)

    def revisions_view(self, request, pk):
        article = get_object_or_404(Article, pk=pk)
        if not self.has_view_or_change_permission(request, article):
            raise PermissionDenied
        revisions = list(article.revisions.select_related("author"))
        rows = []
        for index, revision in enumerate(revisions):
            older = revisions[index + 1] if index + 1 < len(revisions) else None
            rows.append({"revision": revision, "diff": revision_diff(older, revision)})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Versions of “{article}”",
            "article": article,
            "rows": rows,
            "can_restore": self.has_change_permission(request, article),
        }
        return TemplateResponse(request, "admin/articles/article/revisions.html", context)

    def restore_view(self, request, pk, number):
        article = get_object_or_404(Article, pk=pk)
        revision = get_object_or_404(Revision, article=article, number=number)
        if not self.has_change_permission(request, article):
            raise PermissionDenied
        if request.method == "POST":
            article.restore_revision(revision, request.user)
            self.message_user(
                request, f"Restored version {number}. The state of the article did not change."
            )
            return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Restore version {number} of “{article}”?",
            "article": article,
            "revision": revision,
            "diff": revision_diff(article.revisions.first(), revision),
        }
        return TemplateResponse(request, "admin/articles/article/restore.html", context)


def error_text(error):
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


def report(model_admin, request, verb, done, failed):
    if done:
        model_admin.message_user(
            request, f"{verb} {done} article{'s' if done != 1 else ''}.", messages.SUCCESS
        )
    for line in failed:
        model_admin.message_user(request, f"Not changed: {line}", messages.ERROR)


def revision_diff(older, newer):
    """Changed fields between two versions, with words removed and added marked up."""
    before = older.readable() if older else {}
    after = newer.readable() if newer else {}
    changes = []
    for label, new_text in after.items():
        old_text = before.get(label, "")
        if old_text == new_text:
            continue
        old_words, new_words = old_text.split(" "), new_text.split(" ")
        parts = []
        matcher = difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False)
        for op, a1, a2, b1, b2 in matcher.get_opcodes():
            if op == "equal":
                parts.append(("span", " ".join(old_words[a1:a2])))
                continue
            if a2 > a1:
                parts.append(("del", " ".join(old_words[a1:a2])))
            if b2 > b1:
                parts.append(("ins", " ".join(new_words[b1:b2])))
        html = format_html_join(" ", "<{0}>{1}</{0}>", parts)
        changes.append({"label": label, "html": html})
    return changes
