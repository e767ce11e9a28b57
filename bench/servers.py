"""The servers a bench run starts, all on 127.0.0.1: gunicorn serving the site, a throwaway
redis-server for the cached pass, and the PostgreSQL cluster kept under bench/var/pg. Each has
``start()`` and ``stop()``; the runner stops them in ``finally``."""

import contextlib
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from . import common
from .procs import children_of

AS_PG = ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--reset-env"]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url, timeout=120, quiet=True):
    """(status, body bytes) of a GET; never raises for an HTTP error status. A connection error
    or a timeout is status 0 when ``quiet``."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # 127.0.0.1 only
            LAST_HEADERS.clear()
            LAST_HEADERS.update((k.lower(), v) for k, v in response.headers.items())
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        LAST_HEADERS.clear()
        LAST_HEADERS.update((k.lower(), v) for k, v in error.headers.items())
        return error.code, error.read()
    except OSError:
        if not quiet:
            raise
        LAST_HEADERS.clear()
        return 0, b""


LAST_HEADERS = {}  # the headers of the last fetch()


class Gunicorn:
    def __init__(self, env, workers, log_path):
        self.env = env
        self.workers = workers
        self.port = free_port()
        self.log_path = log_path
        self.process = None

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def command(self):
        gunicorn = Path(sys.executable).parent / "gunicorn"
        return [
            str(gunicorn),
            "bench.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            "sync",
            "--no-control-socket",
            "--timeout",
            "60",
            "--chdir",
            str(common.ROOT),
        ]

    def start(self):
        self.log = open(self.log_path, "ab")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            self.command(),
            env={**self.env, "DJANGO_SITE_URL": self.base},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            cwd=common.ROOT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log_path}")
            if len(children_of(self.process.pid)) >= self.workers:
                try:
                    fetch(self.base + "/__bench_ready__/", timeout=5, quiet=False)  # 404 is fine
                    return
                except (OSError, urllib.error.URLError):
                    pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within 60 s; see {self.log_path}")

    def worker_pids(self):
        return children_of(self.process.pid) if self.process else []

    def stop(self):
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        self.log.close()


class Redis:
    """A throwaway redis-server on 127.0.0.1 with no persistence, for the cached pass."""

    def __init__(self):
        self.port = free_port()
        self.process = None

    def start(self):
        server = shutil.which("redis-server")
        if server is None:
            sys.exit("redis-server is not installed (apt-get install -y redis-server).")
        self.process = subprocess.Popen(
            [server, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(100):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port)):
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def flush(self):
        subprocess.run(
            ["redis-cli", "-p", str(self.port), "FLUSHALL"], capture_output=True, check=False
        )

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None


class PostgresCluster:
    """A PostgreSQL cluster kept under bench/var/pg (so built databases survive between runs),
    started on 127.0.0.1 only and stopped by ``stop()``, which the runner calls in ``finally``."""

    def __init__(self, port=common.PG_PORT):
        self.port = port
        self.data = common.PG_DIR / "data"
        self.started = False

    def _as_pg(self, *args, **kwargs):
        return subprocess.run([*AS_PG, *map(str, args)], check=True, **kwargs)

    def start(self):
        if not (common.PG_BIN / "initdb").exists():
            sys.exit(f"PostgreSQL binaries not found in {common.PG_BIN} (set PGBIN).")
        common.PG_DIR.mkdir(parents=True, exist_ok=True)
        shutil.chown(common.PG_DIR, "postgres", "postgres")
        if not (self.data / "PG_VERSION").exists():
            self._as_pg(
                common.PG_BIN / "initdb", "-D", self.data, "-U", "postgres", "-A", "trust",
                "-E", "UTF8", "--no-locale", "--no-sync", stdout=subprocess.DEVNULL,
            )  # fmt: skip
        # The port is in the ephemeral range: a client socket (even one in TIME_WAIT, up to a
        # minute) may hold it. Wait for it rather than fail.
        deadline = time.monotonic() + 75
        while True:
            started = subprocess.run(
                [
                    *AS_PG,
                    common.PG_BIN / "pg_ctl",
                    "-D",
                    self.data,
                    "-l",
                    common.PG_DIR / "log",
                    "-w",
                    "-o",
                    f"-k {common.PG_DIR} -h 127.0.0.1 -p {self.port} -F",
                    "start",
                ],
                stdout=subprocess.DEVNULL,
                check=False,
            )
            if started.returncode == 0:
                break
            if time.monotonic() > deadline:
                sys.exit(f"PostgreSQL did not start; see {common.PG_DIR / 'log'}")
            time.sleep(1)
        self.started = True
        print(f"PostgreSQL started on 127.0.0.1:{self.port} ({self.data})", flush=True)

    def stop(self):
        if self.started:
            subprocess.run(
                [*AS_PG, common.PG_BIN / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop"],
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


def cache_url(kind, redis, index=0):
    """The DJANGO_CACHE_URL of a cached pass, emptied first: a file cache under bench/var, or
    the Redis server's database ``index`` (one per code base when two are compared)."""
    if kind == "redis":
        redis.flush()
        return f"redis://127.0.0.1:{redis.port}/{index}"
    cache_dir = common.VAR / ("cache" if index == 0 else f"cache-{index}")
    shutil.rmtree(cache_dir, ignore_errors=True)
    return f"file://{cache_dir}"
