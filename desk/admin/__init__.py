"""The desk's admin, one module per model (the admin's autodiscovery imports this package)."""

from . import articles, people, tags

__all__ = ["articles", "people", "tags"]
