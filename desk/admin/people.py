"""People in the admin."""

from django.contrib import admin

from articles.models import Person

from ..forms import PersonAdminForm
from .guards import GuardedAdminMixin


@admin.register(Person)
class PersonAdmin(GuardedAdminMixin, admin.ModelAdmin):
    form = PersonAdminForm
    list_display = ["name", "description", "slug"]
    search_fields = ["name", "aliases", "description"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "description", "bio", "photo", "aliases"]
