"""Tags in the admin: aliases inline, and merging tags."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.template.response import TemplateResponse

from articles.models import Tag, TagAlias

from .guards import GuardedAdminMixin


class TagAliasFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            name = (form.cleaned_data or {}).get("name")
            if not name or form.cleaned_data.get("DELETE"):
                continue
            if name.casefold() in seen:
                raise ValidationError(f"“{name}” is listed twice.")
            seen.add(name.casefold())
            parent = self.instance.name or ""
            if name.casefold() == parent.casefold():
                form.add_error("name", "This is the tag's own name.")


class TagAliasInline(admin.TabularInline):
    model = TagAlias
    formset = TagAliasFormSet
    extra = 1
    fields = ["name"]
    verbose_name = "alias"
    verbose_name_plural = "Aliases (typed as tags, these names become this tag, e.g. “U.S.”)"


class TagForm(forms.ModelForm):
    """A slug left empty is made from the name by the rule every tag follows (never empty, even
    for "!!!" or an emoji, which the browser's own slug maker turns into nothing)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        self.fields["slug"].help_text = "The tag page's address; left empty, made from the name."

    def clean_slug(self):
        slug, name = self.cleaned_data.get("slug"), self.cleaned_data.get("name")
        if not slug and name:
            return Tag.objects.free_slug(name, exclude=self.instance.pk)
        return slug


@admin.register(Tag)
class TagAdmin(GuardedAdminMixin, admin.ModelAdmin):
    form = TagForm
    list_display = ["name", "slug", "alias_list", "article_count"]
    search_fields = ["name", "aliases__name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [TagAliasInline]
    actions = ["merge_tags"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(article_count=Count("tagged_articles", distinct=True))
            .prefetch_related("aliases")
        )

    @admin.display(description="aliases")
    def alias_list(self, obj):
        return ", ".join(alias.name for alias in obj.aliases.all())

    @admin.display(description="articles", ordering="article_count")
    def article_count(self, obj):
        return obj.article_count

    @admin.action(description="Merge selected tags into one", permissions=["change", "delete"])
    def merge_tags(self, request, queryset):
        """Ask which tag to keep, then move every article of the others to it. The others'
        names become aliases of the kept tag and their pages redirect (301) to it."""
        tags = list(queryset.order_by("-article_count", "name"))
        if len(tags) < 2:
            self.message_user(request, "Select at least two tags to merge.", messages.WARNING)
            return None
        kept_pk = request.POST.get("keep")
        kept = next((tag for tag in tags if str(tag.pk) == kept_pk), None)
        if request.POST.get("post") and kept is not None:
            merged = [tag for tag in tags if tag.pk != kept.pk]
            with transaction.atomic():
                for tag in merged:
                    self.log_change(request, kept, f"Merged tag “{tag.name}” into this tag.")
                    tag.merge_into(kept)
            names = ", ".join(f"“{tag.name}”" for tag in merged)
            self.message_user(request, f"Merged {names} into “{kept.name}”.", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Merge tags",
            "opts": self.model._meta,
            "tags": tags,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "error": bool(request.POST.get("post")),
        }
        return TemplateResponse(request, "admin/articles/tag/merge_tags.html", context)
