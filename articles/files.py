"""Writing and removing media files so that a failure leaves nothing behind.

Storage can fail: a full disk (ENOSPC), a read-only or forbidden folder (EROFS, EACCES), an S3
endpoint that errors or does not answer. ``save_whole`` turns each into a ``StorageFault`` with
a sentence an editor can read, after removing whatever part of the file was written (Django's
``FileSystemStorage`` leaves a truncated file behind when a write fails half-way).
"""

import errno
import logging

logger = logging.getLogger(__name__)

REASONS = {
    errno.ENOSPC: "the media storage is full",
    errno.EDQUOT: "the media storage is full",
    errno.EROFS: "the media storage is read-only",
    errno.EACCES: "the site is not allowed to write to the media storage",
    errno.EPERM: "the site is not allowed to write to the media storage",
}


class StorageFault(Exception):
    """A file could not be stored; ``message`` says why, for the editor."""

    def __init__(self, reason):
        self.message = (
            f"The image could not be stored: {reason}. Nothing was saved, and what you typed is "
            "still in the form: save again later, or save without the image."
        )
        super().__init__(self.message)


def save_whole(storage, name, content):
    """Store ``content`` under ``name`` (or a free name like it) and return the name used; on
    failure remove what was written and raise ``StorageFault``."""
    try:
        # Chosen first, so a failure removes this file and never another one of the same name.
        name = storage.get_available_name(name)
        return storage.save(name, content)
    except Exception as error:
        # Any backend's failure (boto's errors are not OSError) is the storage's, not a bug here.
        logger.warning("Could not store %s: %r", name, error)
        delete_quietly(storage, [name])
        raise StorageFault(describe(error)) from error


def describe(error):
    if isinstance(error, OSError) and error.errno in REASONS:
        return REASONS[error.errno]
    return "the media storage did not accept the file"


def delete_quietly(storage, names):
    """Remove ``names``; a file that is already gone or cannot be removed is logged, never
    raised: this runs while cleaning up after another failure, or after a commit."""
    for name in names:
        try:
            storage.delete(name)
        except Exception as error:
            logger.warning("Could not remove %s: %r", name, error)
