from django.apps import AppConfig


class DeskConfig(AppConfig):
    """The desk: the Django admin as editors and moderators use it (the domain's models, forms
    and views for changing them). It depends on the domain, ``articles``; nothing there
    depends on it."""

    name = "desk"
    verbose_name = "The desk"
