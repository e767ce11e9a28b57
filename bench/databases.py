"""The built databases (one per size and schema key, reused between runs) and the collected
static files: what a run needs before any server starts."""

import json
import subprocess
import sys
from pathlib import Path

from . import common


def ensure_database(db, n, key, cluster, app_root=None, keep=()):
    """The DATABASE_URL and sidecar of a built database of N articles, building it if needed
    (with the code of ``app_root``, another checkout, when given). Builds of this N under
    another schema key go, except those of the keys in ``keep``."""
    sidecar = common.sidecar_path(db, n, key)
    common.DB_DIR.mkdir(parents=True, exist_ok=True)
    build = Build(n, sidecar, app_root, {key, *keep})
    url = ensure_sqlite(build, key) if db == "sqlite" else ensure_postgresql(build, key, cluster)
    return url, json.loads(sidecar.read_text())


class Build:
    """What a database build needs beside its URL."""

    def __init__(self, n, sidecar, app_root, keep):
        self.n, self.sidecar, self.app_root, self.keep = n, sidecar, app_root, keep

    def kept(self, name):
        return any(common.db_name(self.n, key) in name for key in self.keep)

    def run(self, url):
        run_build(self.n, url, self.sidecar, self.app_root)


def ensure_sqlite(build, key):
    n, sidecar = build.n, build.sidecar
    path = common.sqlite_path(n, key)
    url = f"sqlite:///{path}"
    if path.exists() and sidecar.exists():
        return url
    # Older builds of this N (another schema) go: each is hundreds of MB at 100k.
    for old in common.DB_DIR.glob(f"bench_{n}_*.sqlite3*"):
        if not build.kept(old.name):
            old.unlink()
    tmp = path.with_suffix(".building")
    for leftover in common.DB_DIR.glob(tmp.name + "*"):
        leftover.unlink()
    print(f"Building SQLite database of {n} articles ({path.name})", flush=True)
    build.run(f"sqlite:///{tmp}")
    for suffix in ("-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    tmp.rename(path)
    return url


def ensure_postgresql(build, key, cluster):
    n, sidecar = build.n, build.sidecar
    name = common.db_name(n, key)
    url = common.pg_url(name)
    existing = cluster.databases()
    if name in existing and sidecar.exists():
        return url
    for old in existing:
        if old.startswith(f"bench_{n}_") and not build.kept(old):
            cluster.drop(old)
    tmp = name + "_building"
    cluster.create(tmp)
    print(f"Building PostgreSQL database of {n} articles ({name})", flush=True)
    build.run(common.pg_url(tmp))
    cluster.rename(tmp, name)
    return url


def run_build(n, url, sidecar, app_root=None):
    env = common.base_env(url, "dummy://", app_root)
    subprocess.run(
        [sys.executable, "-m", "bench.build", "--n", str(n), "--sidecar", str(sidecar)],
        env=env,
        cwd=common.ROOT,
        check=True,
    )


def collectstatic(app_root=None, static_root=common.STATIC_ROOT):
    """Static files of this checkout (or of ``app_root``) into ``static_root``."""
    env = common.base_env("sqlite:///:memory:", "dummy://", app_root, static_root)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        env=env,
        cwd=app_root or common.ROOT,
        check=True,
    )
