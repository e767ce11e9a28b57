"""The articles in the admin: the change form with its inlines, the moderation queue,
the actions, and the desk's extra pages (take-down confirmation, versions, restore, dashboard)."""

from datetime import timedelta

from django.contrib import admin, messages
from django.contrib.admin import actions as admin_actions
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import router, transaction
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.text import capfirst

from articles import stored
from articles.models import Article, Byline, Event, Mention, Revision
from articles.workflow import STEPS

from ..forms import ArticleAdminForm
from .events import EventInline
from .guards import GuardedAdminMixin
from .images import PreparedImagesMixin
from .pages import DeskPagesMixin, error_text, report
from .preview import LivePreviewMixin

SUGGESTIONS_FIELDSET = "People the text names"


class LabelledInlineFormSet(BaseInlineFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs.setdefault("aria-label", "Delete")


class LabelledTabularInline(GuardedAdminMixin, admin.TabularInline):
    """Django's tabular inlines name their inputs only by the column header: each input gets
    its own label for screen readers (axe's "label" rule)."""

    formset = LabelledInlineFormSet

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None:
            field.widget.attrs.setdefault("aria-label", capfirst(field.label))
        return field


class BylineInline(LabelledTabularInline):
    model = Byline
    extra = 0
    autocomplete_fields = ["person"]
    fields = ["person", "role", "position"]
    verbose_name = "byline"
    verbose_name_plural = "Bylines (in the order they are credited)"


class MentionInline(LabelledTabularInline):
    model = Mention
    extra = 0
    autocomplete_fields = ["person"]
    fields = ["person", "role"]
    verbose_name = "person mentioned"
    verbose_name_plural = "People mentioned (who the story is about)"


class ModerationQueueFilter(admin.SimpleListFilter):
    title = "moderation queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [
            ("recent", "Published in the last 7 days"),
            ("scheduled", "Scheduled"),
            ("review", "Waiting for review"),
            ("takedowns", "Taken down in the last 30 days"),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "recent":
            return queryset.published().filter(published_at__gte=now - timedelta(days=7))
        if self.value() == "scheduled":
            return queryset.scheduled().order_by("published_at")
        if self.value() == "review":
            return queryset.filter(status=Article.Status.IN_REVIEW)
        if self.value() == "takedowns":
            return queryset.filter(
                pk__in=Event.objects.filter(
                    action__in=[Event.Action.UNPUBLISHED, Event.Action.WITHDRAWN],
                    created_at__gte=now - timedelta(days=30),
                ).values("article"),
                status__in=[Article.Status.UNPUBLISHED, Article.Status.WITHDRAWN],
            )
        return queryset


@admin.register(Article)
class ArticleAdmin(
    GuardedAdminMixin, PreparedImagesMixin, LivePreviewMixin, DeskPagesMixin, admin.ModelAdmin
):
    form = ArticleAdminForm
    prepared_image_fields = {"lead_image": True}
    inlines = [BylineInline, MentionInline, EventInline]
    prepopulated_fields = {"slug": ["headline"]}
    readonly_fields = [
        "state",
        "lead_image_preview",
        "created_at",
        "modified_at",
        "updated_at",
        "withdrawn_at",
        "withdrawal_note",
    ]
    list_display = [
        "headline",
        "state",
        "kind",
        "published_at",
        "tag_list",
        "byline_list",
        "preview_link",
    ]
    list_filter = [
        ModerationQueueFilter,
        "status",
        "kind",
        "published_at",
        ("tags", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["headline", "standfirst", "slug"]
    date_hierarchy = "published_at"
    list_per_page = 50
    actions = [
        "publish_selected",
        "unpublish_selected",
        "withdraw_selected",
        "republish_selected",
        "link_suggested_people",
        "delete_selected",
    ]

    class Media:
        css = {"all": ["css/admin.css"]}
        js = ["desk/checks.js", "desk/preview.js"]

    def get_queryset(self, request):
        # Tags and bylines in two queries for the whole page, not two per row.
        return super().get_queryset(request).with_list_data()

    def get_fieldsets(self, request, obj=None):
        content = ["headline", "slug", "kind", "standfirst", "body"]
        publication = ["state", "published_at"]
        can_edit = self.has_change_permission(request, obj) if obj else True
        if can_edit:
            content.append("opened_version")
            publication.append("workflow")
        if obj and obj.status == Article.Status.WITHDRAWN:
            publication += ["withdrawn_at", "withdrawal_note"]
        publication += ["created_at", "updated_at", "modified_at"]
        fieldsets = [
            (None, {"fields": content}),
            ("Tags", {"fields": ["tags"]}),
            (
                "Lead image",
                {
                    "fields": [
                        "lead_image",
                        "lead_image_preview",
                        "lead_image_alt",
                        "lead_image_caption",
                        "lead_image_credit",
                    ]
                },
            ),
            ("Publication", {"fields": publication}),
        ]
        if can_edit and obj and obj.mention_suggestions.pending().exists():
            fieldsets.insert(
                2,
                (
                    SUGGESTIONS_FIELDSET,
                    {
                        "fields": ["accept_people", "link_all_people", "dismiss_people"],
                        "description": "Known people whose name or alias the text uses. Nothing "
                        "is linked until you tick them and save.",
                    },
                ),
            )
        if can_edit and obj and obj.is_public:
            fieldsets.append(
                (
                    "Changing a published story",
                    {
                        "fields": ["change_kind", "change_note"],
                        "description": "Readers have seen this story. If you change its "
                        "headline, standfirst or text, say what kind of change it is.",
                    },
                )
            )
        return fieldsets

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        # The form offers only the workflow steps this user may take.
        return type(form.__name__, (form,), {"user": request.user})

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # The take-downs this user may make from the article's state (workflow.TRANSITIONS).
        context["confirmed_moves"] = obj.confirmed_moves(request.user) if obj else []
        return super().render_change_form(request, context, add, change, form_url, obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The story is rendered once for the whole save (article, tags, inlines, workflow
        # step), at its end and inside its transaction, rather than once per signal.
        # The lead image and its renditions are stored before it opens (desk/admin/images.py).
        with (
            self.prepared_images(request, object_id),
            transaction.atomic(using=router.db_for_write(self.model)),
            stored.batched(),
        ):
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        # The revision is recorded in save_related, once tags and inlines are saved as well.
        obj.save(actor=request.user, record_revision=False)
        if not change:
            Event.objects.create(
                article=obj,
                actor=request.user,
                action=Event.Action.CREATED,
                to_status=obj.status,
            )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        article = form.instance
        self.link_people(request, form, article)
        Revision.capture(article, request.user)
        if change and form.cleaned_data.get("change_kind"):
            article.record_change(
                request.user, form.cleaned_data["change_kind"], form.cleaned_data["change_note"]
            )
        step = form.cleaned_data.get("workflow")
        try:
            if step == "publish":
                article.publish(request.user, at=form.cleaned_data.get("published_at"))
            elif step in STEPS:
                getattr(article, STEPS[step].name)(request.user)
        except (PermissionDenied, ValidationError) as error:
            # The choices were checked when the form was built; this is someone else's change
            # landing in between. Undo the whole save rather than keep half of it.
            transaction.set_rollback(True)
            messages.error(request, f"Nothing was saved: {error_text(error)}")

    def link_people(self, request, form, article):
        """Link the suggested people the editor ticked, turn down the others ticked, and scan
        the saved text again for people to suggest."""
        if form.cleaned_data.get("link_all_people"):
            accepted = article.accept_mention_suggestions()
        else:
            accepted = article.accept_mention_suggestions(form.cleaned_data.get("accept_people"))
        article.dismiss_mention_suggestions(form.cleaned_data.get("dismiss_people") or [])
        if accepted:
            names = ", ".join(person.name for person in accepted)
            self.message_user(request, f"Linked as people mentioned: {names}.", messages.SUCCESS)
        pending = article.refresh_mention_suggestions()
        if pending:
            names = ", ".join(suggestion.person.name for suggestion in pending)
            self.message_user(
                request,
                f"The text of “{article.headline}” names {names}. Open the article to link "
                "them as people mentioned.",
                messages.INFO,
            )

    # Columns.

    @admin.display(description="state", ordering="status")
    def state(self, obj):
        return obj.state_label

    @admin.display(description="tags")
    def tag_list(self, obj):
        return ", ".join(tag.name for tag in obj.tags.all())

    @admin.display(description="bylines")
    def byline_list(self, obj):
        return ", ".join(byline.person.name for byline in obj.bylines.all())

    @admin.display(description="preview")
    def preview_link(self, obj):
        return format_html('<a href="{}">Preview</a>', obj.get_preview_url())

    @admin.display(description="preview")
    def lead_image_preview(self, obj):
        if not obj.lead_image:
            return "No image yet."
        return format_html('<img src="{}" alt="{}">', obj.lead_image.url, obj.lead_image_alt)

    # Permissions for actions and views beyond add/change/delete/view.

    def has_publish_permission(self, request, obj=None):
        return request.user.has_perm("articles.publish_article")

    def has_takedown_permission(self, request, obj=None):
        return request.user.has_perm("articles.takedown_article")

    # Actions. Each calls the model's transition method for every article, so every change is
    # checked and recorded one by one; none is a bulk update.

    @admin.action(description="Publish selected articles now", permissions=["publish"])
    def publish_selected(self, request, queryset):
        done, failed = 0, []
        for article in queryset:
            try:
                with transaction.atomic():
                    article.publish(request.user)
                done += 1
            except (PermissionDenied, ValidationError) as error:
                failed.append(f"“{article}”: {error_text(error)}")
        report(self, request, "Published", done, failed)

    def _to_confirmation(self, action, queryset):
        ids = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True))
        url = reverse("admin:articles_article_transition", args=[action])
        return HttpResponseRedirect(f"{url}?{urlencode({'ids': ids})}")

    @admin.action(description="Un-publish selected articles…", permissions=["takedown"])
    def unpublish_selected(self, request, queryset):
        return self._to_confirmation("unpublish", queryset)

    @admin.action(description="Withdraw selected articles with a notice…", permissions=["takedown"])
    def withdraw_selected(self, request, queryset):
        return self._to_confirmation("withdraw", queryset)

    @admin.action(description="Re-publish selected articles…", permissions=["takedown"])
    def republish_selected(self, request, queryset):
        return self._to_confirmation("republish", queryset)

    @admin.action(description="Link the people their text names", permissions=["change"])
    def link_suggested_people(self, request, queryset):
        linked = 0
        for article in queryset:
            with transaction.atomic():
                accepted = article.accept_mention_suggestions()
                if accepted:
                    Revision.capture(article, request.user)
            linked += len(accepted)
        self.message_user(
            request, f"Linked {linked} people mentioned on {len(queryset)} article(s)."
        )

    # Deleting: a draft nobody has read may go; a story once published is taken down, and
    # only a superuser may purge it, with a reason (Article.may_be_deleted_by). Either way
    # the record keeps a "deleted" event.

    def has_delete_permission(self, request, obj=None):
        if obj is None:
            return super().has_delete_permission(request)
        return obj.may_be_deleted_by(request.user)

    def delete_view(self, request, object_id, extra_context=None):
        article = self.get_object(request, object_id)
        if article is not None and article.was_published:
            if not request.user.is_superuser and super().has_delete_permission(request):
                self.message_user(
                    request,
                    f"“{article}” has been published, so it cannot be deleted: a moderator can "
                    "un-publish or withdraw it.",
                    messages.ERROR,
                )
                return HttpResponseRedirect(
                    reverse("admin:articles_article_change", args=[article.pk])
                )
            if request.method == "POST" and not request.POST.get("reason", "").strip():
                self.message_user(
                    request, "Nothing was deleted: give the reason for the purge.", messages.ERROR
                )
                return HttpResponseRedirect(request.path)
        return super().delete_view(request, object_id, extra_context)

    def delete_model(self, request, obj):
        obj.delete_recorded(request.user, request.POST.get("reason", ""))

    def delete_queryset(self, request, queryset):
        for article in queryset:
            article.delete_recorded(request.user)

    @admin.action(description="Delete selected drafts", permissions=["delete"])
    def delete_selected(self, request, queryset):
        published = [f"“{article}”" for article in queryset if article.was_published]
        if published:
            self.message_user(
                request,
                f"Nothing was deleted: {', '.join(published)} have been published. Published "
                "stories are taken down, not deleted.",
                messages.ERROR,
            )
            return None
        return admin_actions.delete_selected(self, request, queryset)
