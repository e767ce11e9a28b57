"""The built databases (one per size and schema key, reused between runs) and the collected
static files: what a run needs before any server starts."""

import json
import subprocess
import sys
from pathlib import Path

from . import common


def ensure_database(db, n, key, cluster):
    """The DATABASE_URL and sidecar of a built database of N articles, building it if needed."""
    sidecar = common.sidecar_path(db, n, key)
    common.DB_DIR.mkdir(parents=True, exist_ok=True)
    if db == "sqlite":
        url = ensure_sqlite(n, key, sidecar)
    else:
        url = ensure_postgresql(n, key, sidecar, cluster)
    return url, json.loads(sidecar.read_text())


def ensure_sqlite(n, key, sidecar):
    path = common.sqlite_path(n, key)
    url = f"sqlite:///{path}"
    if path.exists() and sidecar.exists():
        return url
    # Older builds of this N (another schema) go: each is hundreds of MB at 100k.
    for old in common.DB_DIR.glob(f"bench_{n}_*.sqlite3*"):
        old.unlink()
    tmp = path.with_suffix(".building")
    for leftover in common.DB_DIR.glob(tmp.name + "*"):
        leftover.unlink()
    print(f"Building SQLite database of {n} articles ({path.name})", flush=True)
    run_build(n, f"sqlite:///{tmp}", sidecar)
    for suffix in ("-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    tmp.rename(path)
    return url


def ensure_postgresql(n, key, sidecar, cluster):
    name = common.db_name(n, key)
    url = common.pg_url(name)
    existing = cluster.databases()
    if name in existing and sidecar.exists():
        return url
    for old in existing:
        if old.startswith(f"bench_{n}_"):
            cluster.drop(old)
    tmp = name + "_building"
    cluster.create(tmp)
    print(f"Building PostgreSQL database of {n} articles ({name})", flush=True)
    run_build(n, common.pg_url(tmp), sidecar)
    cluster.rename(tmp, name)
    return url


def run_build(n, url, sidecar):
    env = common.base_env(url, "dummy://")
    subprocess.run(
        [sys.executable, "-m", "bench.build", "--n", str(n), "--sidecar", str(sidecar)],
        env=env,
        cwd=common.ROOT,
        check=True,
    )


def collectstatic():
    env = common.base_env("sqlite:///:memory:", "dummy://")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        env=env,
        cwd=common.ROOT,
        check=True,
    )
