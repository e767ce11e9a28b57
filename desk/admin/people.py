"""People in the admin."""

from django.contrib import admin

from articles.models import Person

from ..forms import PersonAdminForm
from .guards import GuardedAdminMixin
from .images import PreparedImagesMixin


@admin.register(Person)
class PersonAdmin(GuardedAdminMixin, PreparedImagesMixin, admin.ModelAdmin):
    form = PersonAdminForm
    prepared_image_fields = {"photo": False}
    list_display = ["name", "description", "slug"]
    search_fields = ["name", "aliases", "description"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "description", "bio", "photo", "aliases"]

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The photo is stored before Django's own transaction opens (desk/admin/images.py).
        with self.prepared_images(request, object_id):
            return super().changeform_view(request, object_id, form_url, extra_context)
