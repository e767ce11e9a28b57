"""Paths, database keys and the Django environment shared by the bench scripts.

Nothing here imports Django: the runner uses it before any settings exist.
"""

import hashlib
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "bench" / "var"
DB_DIR = VAR / "db"
MEDIA_ROOT = VAR / "media"
STATIC_ROOT = VAR / "static"

# Bump when the generated data changes shape, so built databases are rebuilt.
GENERATOR_VERSION = "1"

PG_BIN = Path(os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin"))
PG_PORT = int(os.environ.get("BENCH_PG_PORT", "55480"))
PG_DIR = VAR / "pg"

SECRET_KEY = "bench-only-not-a-secret-0123456789-abcdefghijklmnopqrstuvwxyz"


def schema_key(root=ROOT):
    """A short hash of everything that shapes a built database: every migration file of the
    project checked out at ``root``, the Django version and the generator's version."""
    digest = hashlib.sha256(GENERATOR_VERSION.encode())
    # Parts below the root only: a checkout that lives in a folder named "bench" (or ".venv")
    # must still count its migrations.
    files = sorted(
        path
        for path in root.glob("*/migrations/*.py")
        if not {".venv", "bench"} & set(path.relative_to(root).parts)
    )
    for path in files:
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    try:
        import django

        digest.update(django.get_version().encode())
    except ImportError:  # pragma: no cover - the venv always has Django
        pass
    return digest.hexdigest()[:12]


def db_name(n, key):
    return f"bench_{n}_{key}"


def sqlite_path(n, key):
    return DB_DIR / f"{db_name(n, key)}.sqlite3"


def sidecar_path(db, n, key):
    """The JSON that the build writes next to a database: the slugs the runner requests."""
    return DB_DIR / f"{db}-{db_name(n, key)}.json"


def pg_url(name):
    return f"postgres://postgres@127.0.0.1:{PG_PORT}/{name}"


def base_env(database_url, cache_url, app_root=None, static_root=STATIC_ROOT):
    """The environment of every Django process the bench starts: production settings (DEBUG
    off), plain HTTP on 127.0.0.1, the bench's own database, media and static folders. With
    ``app_root`` (another checkout: ``--compare``) that checkout's code is served; see
    ``use_app_root()``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DJANGO_") and key != "DATABASE_URL"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DJANGO_SECRET_KEY=SECRET_KEY,
        DJANGO_SECURE_SSL_REDIRECT="0",
        # The gunicorn server overrides this with its own address (bench/servers.py).
        DJANGO_SITE_URL="http://127.0.0.1",
        DJANGO_MEDIA_ROOT=str(MEDIA_ROOT),
        DJANGO_STATIC_ROOT=str(static_root),
        DJANGO_CACHE_URL=cache_url,
        DATABASE_URL=database_url,
        PYTHONPATH=str(app_root or ROOT),
    )
    if app_root:
        env["BENCH_APP_ROOT"] = str(app_root)
    return env


def use_app_root():
    """In a process the bench started for another checkout (``BENCH_APP_ROOT``, a --compare
    REF's worktree): put that checkout first on sys.path and work in it, so its newsroom,
    articles, reader... are imported, while this package (already imported, from this checkout)
    stays the current bench. Call before the first import of the project's code."""
    root = os.environ.get("BENCH_APP_ROOT")
    if root:
        sys.path.insert(0, root)
        os.chdir(root)
