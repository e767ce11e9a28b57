"""The site as gunicorn serves it in the bench, plus the floor: ``bench.wsgi:application``.

The normal WSGI application (``newsroom.wsgi``: same settings, same middleware, same start-up)
with one extra URL appended to the root urlconf, ``/__floor__/``: a bare Django view answering
the bytes of the benchmarked article page, read once per worker from the file the runner writes
(``BENCH_FLOOR_FILE``). Nothing else differs, so the floor is the cost of Django's request cycle
and middleware with no page work.

With ``BENCH_APP_ROOT`` (``--compare REF``) the site is another checkout's, imported from there
(``common.use_app_root()``), served through this module; ``/__bench_root__/`` answers the folder
the site's code came from, so the runner can check which code a server runs.
"""

import os
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

from django.conf import settings
from django.http import HttpResponse
from django.urls import clear_url_caches, path
from django.utils.module_loading import import_string

from bench import common

common.use_app_root()

# What gunicorn serves, as in production (imported after the line above: it may be a REF's).
from newsroom.wsgi import application  # noqa: E402, F401

_floor_body = None


def floor(request):
    global _floor_body
    if _floor_body is None:
        _floor_body = Path(os.environ["BENCH_FLOOR_FILE"]).read_bytes()
    response = HttpResponse(_floor_body, content_type="text/html; charset=utf-8")
    # Never stored by a page cache: the floor is a view doing nothing, not a cache hit. Behind a
    # page-cache middleware it still pays that middleware's lookups, as every page does.
    response["Cache-Control"] = "private"
    return response


def app_root(request):
    import newsroom

    return HttpResponse(str(Path(newsroom.__file__).resolve().parent.parent))


urlconf = import_string(settings.ROOT_URLCONF + ".urlpatterns")
urlconf.append(path("__floor__/", floor, name="bench_floor"))
urlconf.append(path("__bench_root__/", app_root, name="bench_root"))
clear_url_caches()
