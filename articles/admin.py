from django.contrib import admin
from django.utils.html import format_html

from .forms import ArticleAdminForm
from .models import Article, Byline, Mention, Person, Tag


class BylineInline(admin.TabularInline):
    model = Byline
    extra = 0
    autocomplete_fields = ["person"]
    fields = ["person", "role", "position"]
    verbose_name = "byline"
    verbose_name_plural = "Bylines (in the order they are credited)"


class MentionInline(admin.TabularInline):
    model = Mention
    extra = 0
    autocomplete_fields = ["person"]
    fields = ["person", "role"]
    verbose_name = "person mentioned"
    verbose_name_plural = "People mentioned (who the story is about)"


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    inlines = [BylineInline, MentionInline]
    prepopulated_fields = {"slug": ["headline"]}
    readonly_fields = ["lead_image_preview", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["headline", "slug", "kind", "standfirst", "body"]}),
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
        ("Publication", {"fields": ["status", "published_at", "created_at", "updated_at"]}),
    ]
    list_display = ["headline", "status", "kind", "published_at", "tag_list", "byline_list"]
    list_filter = ["status", "kind", "published_at", ("tags", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["headline", "standfirst", "slug"]
    date_hierarchy = "published_at"
    list_per_page = 50

    class Media:
        css = {"all": ["css/admin.css"]}

    def get_queryset(self, request):
        # Tags and bylines in two queries for the whole page, not two per row.
        return super().get_queryset(request).with_list_data()

    @admin.display(description="tags")
    def tag_list(self, obj):
        return ", ".join(tag.name for tag in obj.tags.all())

    @admin.display(description="bylines")
    def byline_list(self, obj):
        return ", ".join(byline.person.name for byline in obj.bylines.all())

    @admin.display(description="preview")
    def lead_image_preview(self, obj):
        if not obj.lead_image:
            return "No image yet."
        return format_html(
            '<img src="{}" alt="{}">',
            obj.lead_image.url,
            obj.lead_image_alt,
        )


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "description", "slug"]
    search_fields = ["name", "aliases", "description"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "description", "bio", "photo", "aliases"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
