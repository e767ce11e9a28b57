"""WSGI entry point, e.g. ``gunicorn newsroom.wsgi``.

A server that cannot serve pages refuses to start with one line saying why (a setting missing
from the environment, static files not collected) instead of answering every request with a
500. Exit status 3 is gunicorn's "worker failed to boot": the arbiter stops instead of retrying.
"""

import os
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")


def static_files_collected():
    """False when production's manifest storage has no manifest: every page would then fail
    on its first ``{% static %}`` ("Missing staticfiles manifest entry")."""
    from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage

    if not isinstance(staticfiles_storage, ManifestFilesMixin):
        return True
    return staticfiles_storage.exists(staticfiles_storage.manifest_name)


try:
    application = get_wsgi_application()
    if not static_files_collected():
        from django.conf import settings

        raise ImproperlyConfigured(
            f"static files are not collected in {settings.STATIC_ROOT}: run "
            "`python manage.py collectstatic --noinput` before starting the server."
        )
except ImproperlyConfigured as error:
    print(f"newsroom: {error}", file=sys.stderr)
    sys.exit(3)
