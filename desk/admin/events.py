"""The editorial record in the admin: on each article (an inline) and as a whole; read-only
for everyone, and kept when an article is deleted."""

from django.contrib import admin

from articles.models import Event

from .guards import GuardedAdminMixin


class EventInline(admin.TabularInline):
    """The article's editorial record, read-only for everyone."""

    model = Event
    extra = 0
    fields = ["created_at", "action", "actor", "from_status", "to_status", "reason", "public_note"]
    readonly_fields = fields
    verbose_name_plural = "History: who did what, when and why"
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(GuardedAdminMixin, admin.ModelAdmin):
    """The whole editorial record, newest first; nobody edits it."""

    list_display = ["created_at", "story", "action", "actor", "reason", "public_note"]
    list_filter = ["action", "created_at"]
    search_fields = ["article__headline", "headline", "reason", "public_note"]
    list_select_related = ["article", "actor"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="article")
    def story(self, obj):
        # A deleted article's events keep its headline.
        return obj.article or f"{obj.headline} (deleted)"
