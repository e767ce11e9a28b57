"""Image uploads in the admin, made ready before the save's transaction (``articles/media.py``).

``changeform_view`` wraps its work in ``prepared_images``: each uploaded image named in
``prepared_image_fields`` is checked, re-encoded, given its renditions and stored first, with
no transaction open, so a slow image never holds the database's write lock; the form then
takes the stored name, or shows why there is none (a bad file, a full or read-only storage).
Once the transaction is over, prepared files that no row points at are removed: a form error
elsewhere, a conflict, a rollback or a crash leaves nothing in storage.
"""

from contextlib import contextmanager

from articles.media import prepare_image


class PreparedImagesMixin:
    # Image field name -> whether readers get renditions of it.
    prepared_image_fields = {}

    @contextmanager
    def prepared_images(self, request, object_id):
        prepared = {}
        if request.method == "POST" and self._may_save(request, object_id):
            for name, renditions in self.prepared_image_fields.items():
                upload = request.FILES.get(name)
                if upload is not None:
                    field = self.model._meta.get_field(name)
                    prepared[name] = prepare_image(upload, field, renditions=renditions)
        request.prepared_images = prepared
        try:
            yield
        except BaseException:
            # The transaction rolled back: no row can point at these files.
            for item in prepared.values():
                item.discard()
            raise
        for name, item in prepared.items():
            if not self.model._default_manager.filter(**{name: item.name or None}).exists():
                item.discard()

    def _may_save(self, request, object_id):
        # Nobody gets an image processed who could not save it.
        if object_id is None:
            return self.has_add_permission(request)
        return self.has_change_permission(request)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        prepared = getattr(request, "prepared_images", {})
        return type(form.__name__, (form,), {"prepared_images": prepared})
