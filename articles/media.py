"""An uploaded image made ready before the database transaction that saves its row.

Checking, re-encoding and making renditions take time and memory; done inside the save's
transaction they would hold the database's write lock for as long as the image takes (on SQLite
every writer waits). So the desk prepares each upload first (``prepare_image``): the clean copy
and its renditions are stored, or the reason they could not be (a bad file, a storage fault)
is kept for the form to show. The transaction then only writes the names. Whoever prepared the
files removes them (``PreparedImage.discard``) when no row points at them once the
transaction is over: a form error, a conflict, a rollback, a crash.
"""

from dataclasses import dataclass, field

from django import forms

from . import files, images
from .uploads import DAMAGED, DECODING_ERRORS, clean_image_upload


@dataclass
class PreparedImage:
    storage: object
    name: str = ""
    renditions: dict = field(default_factory=dict)
    written: list = field(default_factory=list)
    error: forms.ValidationError | None = None

    def accept(self):
        """The stored name for the form's cleaned data, or the reason as a form error."""
        if self.error is not None:
            raise self.error
        return self.name

    def discard(self):
        files.delete_quietly(self.storage, self.written)
        self.written = []


def prepare_image(upload, model_field, renditions=False):
    """Check ``upload`` for ``model_field`` (an ``ImageField``), store its clean copy and, with
    ``renditions``, the renditions readers get. Never raises for the file or the storage."""
    storage = model_field.storage
    try:
        clean = clean_image_upload(upload)
    except forms.ValidationError as error:
        return PreparedImage(storage, error=error)
    prepared = PreparedImage(storage)
    try:
        name = files.save_whole(storage, model_field.generate_filename(None, clean.name), clean)
        prepared.written.append(name)
        if renditions:
            clean.seek(0)
            prepared.renditions = images.renditions_for(
                storage, name, clean.read(), prepared.written
            )
    except files.StorageFault as fault:
        prepared.discard()
        prepared.error = forms.ValidationError(fault.message, code="storage")
        return prepared
    except DECODING_ERRORS as error:
        # The clean copy decoded, but its renditions could not be made from it.
        prepared.discard()
        prepared.error = forms.ValidationError(DAMAGED, code="damaged")
        prepared.error.__cause__ = error
        return prepared
    prepared.name = name
    return prepared
