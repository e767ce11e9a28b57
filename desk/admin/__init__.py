"""The desk's admin, one module per model (the admin's autodiscovery imports this package)."""

from . import articles, events, people, staff, tags

__all__ = ["articles", "events", "people", "staff", "tags"]
