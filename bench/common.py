"""Paths, database keys and the throwaway PostgreSQL cluster shared by the bench scripts.

Nothing here imports Django: the runner uses it before any settings exist.
"""

import hashlib
import os
import shutil
import subprocess
import sys
import time
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
AS_PG = ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--reset-env"]

SECRET_KEY = "bench-only-not-a-secret-0123456789-abcdefghijklmnopqrstuvwxyz"


def schema_key():
    """A short hash of everything that shapes a built database: every migration file in the
    project, the Django version and the generator's version."""
    digest = hashlib.sha256(GENERATOR_VERSION.encode())
    files = sorted(
        path
        for path in ROOT.glob("*/migrations/*.py")
        if ".venv" not in path.parts and "bench" not in path.parts
    )
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode())
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


def base_env(database_url, cache_url):
    """The environment of every Django process the bench starts: production settings (DEBUG
    off), plain HTTP on 127.0.0.1, the bench's own database, media and static folders."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DJANGO_") and key != "DATABASE_URL"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DJANGO_SECRET_KEY=SECRET_KEY,
        DJANGO_SECURE_SSL_REDIRECT="0",
        # The gunicorn server overrides this with its own address (bench/run.py).
        DJANGO_SITE_URL="http://127.0.0.1",
        DJANGO_MEDIA_ROOT=str(MEDIA_ROOT),
        DJANGO_STATIC_ROOT=str(STATIC_ROOT),
        DJANGO_CACHE_URL=cache_url,
        DATABASE_URL=database_url,
        PYTHONPATH=str(ROOT),
    )
    return env


class PostgresCluster:
    """A PostgreSQL cluster kept under bench/var/pg (so built databases survive between runs),
    started on 127.0.0.1 only and stopped by ``stop()``, which the runner calls in ``finally``."""

    def __init__(self, port=PG_PORT):
        self.port = port
        self.data = PG_DIR / "data"
        self.started = False

    def _as_pg(self, *args, **kwargs):
        return subprocess.run([*AS_PG, *map(str, args)], check=True, **kwargs)

    def start(self):
        if not (PG_BIN / "initdb").exists():
            sys.exit(f"PostgreSQL binaries not found in {PG_BIN} (set PGBIN).")
        PG_DIR.mkdir(parents=True, exist_ok=True)
        shutil.chown(PG_DIR, "postgres", "postgres")
        if not (self.data / "PG_VERSION").exists():
            self._as_pg(
                PG_BIN / "initdb", "-D", self.data, "-U", "postgres", "-A", "trust",
                "-E", "UTF8", "--no-locale", "--no-sync", stdout=subprocess.DEVNULL,
            )  # fmt: skip
        # The port is in the ephemeral range: a client socket (even one in TIME_WAIT, up to a
        # minute) may hold it. Wait for it rather than fail.
        deadline = time.monotonic() + 75
        while True:
            started = subprocess.run(
                [
                    *AS_PG,
                    PG_BIN / "pg_ctl",
                    "-D",
                    self.data,
                    "-l",
                    PG_DIR / "log",
                    "-w",
                    "-o",
                    f"-k {PG_DIR} -h 127.0.0.1 -p {self.port} -F",
                    "start",
                ],
                stdout=subprocess.DEVNULL,
                check=False,
            )
            if started.returncode == 0:
                break
            if time.monotonic() > deadline:
                sys.exit(f"PostgreSQL did not start; see {PG_DIR / 'log'}")
            time.sleep(1)
        self.started = True
        print(f"PostgreSQL started on 127.0.0.1:{self.port} ({self.data})", flush=True)

    def stop(self):
        if self.started:
            subprocess.run(
                [*AS_PG, PG_BIN / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop"],
                stdout=subprocess.DEVNULL,
                check=False,
            )
            self.started = False
            print("PostgreSQL stopped", flush=True)

    def postmaster_pid(self):
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def connect(self, dbname="postgres"):
        import psycopg

        return psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=dbname, autocommit=True
        )

    def databases(self):
        with self.connect() as conn:
            return {row[0] for row in conn.execute("SELECT datname FROM pg_database")}

    def drop(self, name):
        with self.connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def create(self, name):
        self.drop(name)
        with self.connect() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')

    def rename(self, old, new):
        for _ in range(50):  # the build's connections may take a moment to close
            try:
                with self.connect() as conn:
                    conn.execute(f'ALTER DATABASE "{old}" RENAME TO "{new}"')
                return
            except Exception:
                time.sleep(0.1)
        raise RuntimeError(f"could not rename database {old} to {new}")
