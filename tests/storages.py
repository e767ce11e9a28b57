"""Storages that fail the way real ones do, for tests of what an editor sees then."""

import errno
import os

from django.core.files.storage import FileSystemStorage


class FullDiskStorage(FileSystemStorage):
    """A disk that fills up half-way through a file: the first half is written, then ENOSPC,
    as a real full disk leaves a truncated file behind."""

    def _save(self, name, content):
        path = self.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        data = content.read()
        with open(path, "wb") as partial:
            partial.write(data[: len(data) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)


class ReadOnlyStorage(FileSystemStorage):
    """A folder mounted read-only (tests may run as root, where chmod stops no write)."""

    def _save(self, name, content):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), self.path(name))


class ForbiddenStorage(FileSystemStorage):
    def _save(self, name, content):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), self.path(name))


class EndpointError(Exception):
    """What an S3 client raises when the endpoint answers 500 or not at all: not an OSError."""


class FailingS3Storage(FileSystemStorage):
    def _save(self, name, content):
        raise EndpointError(
            "An error occurred (InternalError) when calling the PutObject operation"
        )
