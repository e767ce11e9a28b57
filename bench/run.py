"""The benchmark runner: ``make bench`` (or ``python -m bench.run --help``).

For each size N it builds (or reuses) a database of N articles, serves the site with gunicorn on
127.0.0.1 with production settings, and drives wrk against each page for a few seconds, first
uncached (``DJANGO_CACHE_URL=dummy://``), then with a shared cache (a file cache, or Redis). The
floor, a bare Django view answering the article page's bytes behind the same middleware, is
measured between the pages of the same run. The figure that matters is the server's CPU time per
request: utime+stime of the gunicorn workers (and of the PostgreSQL server's processes) read from
/proc before and after each wrk run, divided by the requests wrk completed. Results are printed
and written to bench/var/results.md (and .json).
"""

import argparse
import contextlib
import datetime
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from . import common

CLK_TCK = os.sysconf("SC_CLK_TCK")

# The targets (issue 6, item 2).
ARTICLE_CPU_MS = 2.0
LIST_CPU_MS = 4.0
CACHED_FLOOR_RATIO = 0.5
GROWTH_MAX = 1.5
WORKER_RSS_MB = 150
REFERENCE_FLOOR_MS = 0.24  # the floor on the reference machine


# -- /proc accounting ------------------------------------------------------------------------


def proc_stat(pid):
    """(ppid, utime+stime, cutime+cstime) in clock ticks, or None if the process is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = raw[raw.rindex(")") + 2 :].split()  # after "pid (comm) "
    ppid = int(fields[1])
    own = int(fields[11]) + int(fields[12])
    children = int(fields[13]) + int(fields[14])
    return ppid, own, children


def children_of(parent):
    pids = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            stat = proc_stat(int(entry.name))
            if stat is not None and stat[0] == parent:
                pids.append(int(entry.name))
    return sorted(pids)


def rss_mb(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return None


class CpuMeter:
    """CPU ticks of a server: its parent's children (live ones) plus the parent's reaped-children
    total, so a worker or backend that exits during a run still counts."""

    def __init__(self, parent_pids, own_pids=()):
        self.parent_pids = parent_pids
        self.own_pids = own_pids  # servers counted by their own time (redis-server)

    def snapshot(self):
        total, pids = 0, {}
        for pid in self.own_pids:
            stat = proc_stat(pid)
            if stat is not None:
                total += stat[1]
        for parent in self.parent_pids:
            stat = proc_stat(parent)
            if stat is None:
                continue
            total += stat[2]
            for pid in children_of(parent):
                child = proc_stat(pid)
                if child is not None:
                    total += child[1]
                    pids[pid] = child[1]
        return total, pids


# -- wrk -------------------------------------------------------------------------------------

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def parse_duration_ms(text):
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    return float(match.group(1)) * UNITS[match.group(2)] if match else None


def parse_wrk(output):
    result = {"requests": 0, "rps": 0.0, "p50": None, "p99": None, "non2xx": 0, "errors": 0}
    if match := re.search(r"(\d+) requests in ([\d.]+\w+)", output):
        result["requests"] = int(match.group(1))
    if match := re.search(r"Requests/sec:\s+([\d.]+)", output):
        result["rps"] = float(match.group(1))
    for pct, key in (("50", "p50"), ("99", "p99")):
        if match := re.search(rf"^\s+{pct}%\s+(\S+)", output, re.MULTILINE):
            result[key] = parse_duration_ms(match.group(1))
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        result["non2xx"] = int(match.group(1))
    if match := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        result["errors"] = sum(int(x) for x in match.groups())
    return result


# -- gunicorn --------------------------------------------------------------------------------


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

    def start(self):
        gunicorn = Path(sys.executable).parent / "gunicorn"
        self.log = open(self.log_path, "ab")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [
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
            ],
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

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None


# -- databases -------------------------------------------------------------------------------


def python():
    return sys.executable


def ensure_database(db, n, key, cluster):
    """The DATABASE_URL and sidecar of a built database of N articles, building it if needed."""
    sidecar = common.sidecar_path(db, n, key)
    common.DB_DIR.mkdir(parents=True, exist_ok=True)
    name = common.db_name(n, key)
    if db == "sqlite":
        path = common.sqlite_path(n, key)
        url = f"sqlite:///{path}"
        if path.exists() and sidecar.exists():
            return url, json.loads(sidecar.read_text())
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
        return url, json.loads(sidecar.read_text())
    url = common.pg_url(name)
    existing = cluster.databases()
    if name in existing and sidecar.exists():
        return url, json.loads(sidecar.read_text())
    for old in existing:
        if old.startswith(f"bench_{n}_"):
            cluster.drop(old)
    tmp = name + "_building"
    cluster.create(tmp)
    print(f"Building PostgreSQL database of {n} articles ({name})", flush=True)
    run_build(n, common.pg_url(tmp), sidecar)
    cluster.rename(tmp, name)
    return url, json.loads(sidecar.read_text())


def run_build(n, url, sidecar):
    env = common.base_env(url, "dummy://")
    subprocess.run(
        [python(), "-m", "bench.build", "--n", str(n), "--sidecar", str(sidecar)],
        env=env,
        cwd=common.ROOT,
        check=True,
    )


def collectstatic():
    env = common.base_env("sqlite:///:memory:", "dummy://")
    subprocess.run(
        [python(), "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        env=env,
        cwd=common.ROOT,
        check=True,
    )


# -- the pages -------------------------------------------------------------------------------


def pages(info):
    return [
        ("front", "/", "list"),
        ("list", "/articles/", "list"),
        # Half-way through the archive: past the numbered pages, "older stories" pages follow
        # a keyset cursor (articles/pagination.py).
        ("deep (half-way)", f"/articles/?before={info['deep_cursor']}", "list"),
        ("filtered (tag)", f"/articles/?tag={info['filter_tag_slug']}", "list"),
        ("search", f"/articles/?q={info['search_word']}", "list"),
        ("article", f"/articles/{info['article_slug']}/", "article"),
        ("tag page", f"/tags/{info['tag_slug']}/", "list"),
        ("person page", f"/people/{info['person_slug']}/", "list"),
        ("RSS feed", "/feeds/latest/", "list"),
    ]


FLOOR = ("FLOOR", "/__floor__/", "floor")


def schedule(page_list):
    """The floor before the first page, after every third and after the last."""
    order = [FLOOR]
    for i, page in enumerate(page_list, 1):
        order.append(page)
        if i % 3 == 0:
            order.append(FLOOR)
    if order[-1] is not FLOOR:
        order.append(FLOOR)
    return order


def wait_idle(meter, limit=180.0):
    """Wait until the server has stopped using CPU (at most ``limit`` seconds); returns the
    seconds waited, or None if it was still busy."""
    started = time.monotonic()
    last, _ = meter.snapshot()
    quiet = 0
    while time.monotonic() - started < limit:
        time.sleep(0.3)
        now, _ = meter.snapshot()
        quiet = quiet + 1 if now - last <= 1 else 0
        last = now
        if quiet >= 2:
            return time.monotonic() - started
    return None


def measure(server, meter, page, args):
    """One wrk run. CPU is read when the server is idle before and after, so it covers exactly
    the requests the server handled: the ones wrk completed plus the one still in flight on each
    connection when wrk stopped (the server finishes those too). Nothing spills into the next
    page's figures."""
    path = page[1]
    wait_idle(meter)
    workers_before = server.worker_pids()
    before, _ = meter.snapshot()
    completed = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{args.connections}",
            f"-d{args.duration}s",
            "--latency",
            "--timeout",
            "60s",
            server.base + path,
        ],
        capture_output=True,
        text=True,
        timeout=args.duration + 90,
        check=False,
    )
    drained = wait_idle(meter)
    after, _ = meter.snapshot()
    result = parse_wrk(completed.stdout)
    served = result["requests"] + args.connections if result["requests"] else 0
    result["served"] = served
    result["cpu_ms"] = (after - before) * 1000 / CLK_TCK / served if served else None
    result["drain_s"] = None if drained is None else round(drained, 1)
    if drained is None:
        result["note"] = "server still busy 180 s after wrk stopped: CPU figure unreliable"
    # Gunicorn workers only: database backends come and go, and their CPU still counts.
    result["restarted"] = sorted(set(workers_before) - set(server.worker_pids()))
    if result["restarted"]:
        result["note"] = f"worker(s) {result['restarted']} restarted during the run"
    if completed.returncode != 0:
        result["wrk_error"] = completed.stderr.strip()[-300:]
    return result


def run_pass(label, env, info, args, db_meter_parents, floor_file, own_pids=()):
    """One server, every page and the floor; returns {path: result}."""
    log = common.VAR / "gunicorn.log"
    server = Gunicorn({**env, "BENCH_FLOOR_FILE": str(floor_file)}, args.workers, log)
    results = {}
    page_list = pages(info)
    try:
        # The floor answers the article page's bytes, read by each worker on its first floor
        # request: write them before anything asks for the floor.
        server.start()
        workers = server.worker_pids()
        print(
            f"  [{label}] gunicorn {server.base}: {len(workers)} sync workers, pids {workers}",
            flush=True,
        )
        article_path = next(path for _, path, kind in page_list if kind == "article")
        status, article_bytes = fetch(server.base + article_path)
        floor_file.write_bytes(article_bytes if status == 200 else b"article page missing")
        meter = CpuMeter([server.process.pid, *db_meter_parents], own_pids)
        checks, bodies = {}, {}
        for _, path, _ in [*page_list, FLOOR]:
            status, body = fetch(server.base + path)
            checks[path], bodies[path] = (status, len(body)), body
            # Warm both workers (imports, templates, connections): a few requests, at most ~3 s.
            warm_until = time.monotonic() + 3
            for i in range(args.warmup):
                if i >= 2 and time.monotonic() > warm_until:
                    break
                fetch(server.base + path)
            # Whether the page cache answered (main's PageCacheMiddleware says so in a header).
            results.setdefault("_page_cache", {})[path] = LAST_HEADERS.get("x-page-cache", "-")
        # If the list stops taking ?before= (its keyset links change), the deep page would
        # silently be page 1: say so, so the runner gets taught the new links.
        deep = page_list[2][1]
        if bodies.get(deep) == bodies.get("/articles/"):
            print(f"  [{label}] WARNING: {deep} answers the same bytes as page 1", flush=True)
            results["_deep_is_page_one"] = True
        for page in schedule(page_list):
            name, path, kind = page
            status, size = checks[path]
            if time.monotonic() > args.deadline:
                print(f"  [{label}] time budget spent: {name} not measured", flush=True)
                results.setdefault(path, {"skipped": "time budget"})
                continue
            if not 200 <= status < 300:
                results[path] = {"status": status, "bytes": size, "skipped": f"HTTP {status}"}
                continue
            result = measure(server, meter, page, args)
            result.update(status=status, bytes=size)
            if kind == "floor":
                results.setdefault(path, {}).setdefault("runs", []).append(result)
            else:
                results[path] = result
            print(f"  [{label}] {line_for(name, result)}", flush=True)
        results["_rss_mb"] = [rss_mb(pid) for pid in server.worker_pids()]
        results["_workers"] = len(server.worker_pids())
    finally:
        server.stop()
    floor = results.get(FLOOR[1], {})
    if floor.get("runs"):
        runs = floor["runs"]
        floor.update(
            cpu_ms=statistics.median(r["cpu_ms"] for r in runs if r["cpu_ms"] is not None),
            rps=statistics.median(r["rps"] for r in runs),
            p50=statistics.median(r["p50"] for r in runs if r["p50"] is not None),
            p99=statistics.median(r["p99"] for r in runs if r["p99"] is not None),
            requests=sum(r["requests"] for r in runs),
            non2xx=sum(r["non2xx"] for r in runs),
            errors=sum(r["errors"] for r in runs),
            status=200,
            bytes=len(floor_file.read_bytes()),
            cpu_spread=[round(r["cpu_ms"], 3) for r in runs if r["cpu_ms"] is not None],
        )
    return results


def line_for(name, r):
    cpu = f"{r['cpu_ms']:.2f}" if r.get("cpu_ms") is not None else "?"
    return (
        f"{name:<16} {r['rps']:8.1f} req/s  p50 {fmt(r['p50'])} ms  p99 {fmt(r['p99'])} ms  "
        f"CPU {cpu} ms/req  non-2xx {r['non2xx']}  errors {r['errors']}"
    )


def fmt(value, digits=2):
    return "-" if value is None else f"{value:.{digits}f}"


def probe(env, info):
    urls = [path for _, path, _ in pages(info)]
    completed = subprocess.run(
        [python(), "-m", "bench.probe", *urls],
        env=env,
        cwd=common.ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    try:
        return json.loads(completed.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        print("  query probe failed:", completed.stderr[-500:], flush=True)
        return {}


# -- verdicts and the report -----------------------------------------------------------------


def cpu_verdict(kind, cpu, floor_cpu):
    """The absolute target, and the same target in units of the floor: the issue's reference
    machine served the floor at 0.24 ms, so 2 ms there is 8.3 floors and 4 ms is 16.7. On a
    slower or busier machine the second reading is the fairer one."""
    if cpu is None or kind == "floor":
        return ""
    target = ARTICLE_CPU_MS if kind == "article" else LIST_CPU_MS
    if cpu <= target:
        text = f"✓ ≤ {target:g} ms"
    else:
        text = f"✗ {cpu / target:.1f}x the {target:g} ms target (+{cpu - target:.2f} ms)"
    if floor_cpu:
        floors, allowed = cpu / floor_cpu, target / REFERENCE_FLOOR_MS
        mark = "✓" if floors <= allowed else "✗"
        text += f"; {mark} {floors:.0f} floors vs ≤ {allowed:.1f}"
    return text


def cached_verdict(rps, floor_rps):
    if not rps or not floor_rps:
        return ""
    ratio = rps / floor_rps
    if ratio >= CACHED_FLOOR_RATIO:
        return f"✓ {ratio:.2f}x floor ≥ 0.5x"
    return f"✗ {ratio:.2f}x floor; needs 0.5x ({CACHED_FLOOR_RATIO / ratio:.1f}x short)"


def page_table(label, results, info, queries, cached, pure_floor_rps=None):
    """One pass's table. In the cached pass the verdict compares with the uncached pass's floor
    (``pure_floor_rps``: a bare view, no page-cache lookups), else with this pass's floor."""
    floor = results.get(FLOOR[1], {})
    floor_cpu, floor_rps = floor.get("cpu_ms"), floor.get("rps")
    page_cache = results.get("_page_cache", {})
    head = (
        "| page | URL | HTTP | queries | page cache | req/s | p50 ms | p99 ms | CPU ms/req "
        "| CPU vs floor | req/s vs floor | non-2xx | target |"
    )
    lines = [f"#### {label}", "", head, "|" + "---|" * 13]
    for name, path, kind in [*pages(info), FLOOR]:
        r = results.get(path)
        q = queries.get(path, {}).get("queries", "-") if kind != "floor" else 0
        q = f"{q} | {page_cache.get(path, '-')}"
        if r is None:
            continue
        if r.get("skipped"):
            status = r.get("status", "-")
            note = (
                "**not measured: page missing (404)**"
                if status == 404
                else f"not measured: {r['skipped']}"
            )
            lines.append(
                f"| {name} | `{path}` | {status} | {q} | - | - | - | - | - | - | - | {note} |"
            )
            continue
        cpu = r.get("cpu_ms")
        cpu_ratio = f"{cpu / floor_cpu:.1f}x" if cpu and floor_cpu else "-"
        rps_ratio = f"{r['rps'] / floor_rps:.2f}x" if floor_rps else "-"
        if kind == "floor":
            verdict = f"median of {len(r['runs'])} runs; CPU {r['cpu_spread']}"
            cpu_ratio = rps_ratio = "1x"
        elif cached:
            # Against the bare floor of the uncached pass (no page-cache lookups), when known.
            verdict = cached_verdict(r["rps"], pure_floor_rps or floor_rps)
        else:
            verdict = cpu_verdict(kind, cpu, floor_cpu)
        if r.get("note"):
            verdict += f" ({r['note']})"
        non2xx = r["non2xx"] + r["errors"]
        lines.append(
            f"| {name} | `{path}` | {r['status']} | {q} | {r['rps']:.0f} | {fmt(r['p50'])} "
            f"| {fmt(r['p99'])} | {fmt(cpu)} | {cpu_ratio} | {rps_ratio} | {non2xx} | {verdict} |"
        )
    return lines


def growth_table(label, all_results, sizes, pass_key):
    base_n = sizes[0]
    lines = [
        f"#### Growth, {label}: CPU ms/request, and x its cost at {base_n:,} articles",
        "",
        "| page | " + " | ".join(f"{n:,}" for n in sizes) + " | target |",
        "|" + "---|" * (len(sizes) + 2),
    ]
    names = {}
    for n in sizes:
        info = all_results[n]["info"]
        for name, path, kind in [*pages(info), FLOOR]:
            key = name.split(" (p.")[0]
            names.setdefault(key, {})[n] = (path, kind)
    for key, per_n in names.items():
        base = cpu_of(all_results, base_n, pass_key, per_n.get(base_n, (None,))[0])
        cells, worst = [], None
        for n in sizes:
            cpu = cpu_of(all_results, n, pass_key, per_n.get(n, (None,))[0])
            if cpu is None:
                cells.append("-")
            elif base and n != base_n:
                ratio = cpu / base
                worst = ratio if worst is None else max(worst, ratio)
                cells.append(f"{cpu:.2f} ({ratio:.2f}x)")
            else:
                cells.append(f"{cpu:.2f}")
        if worst is None:
            verdict = ""
        elif worst <= GROWTH_MAX:
            verdict = f"✓ ≤ {GROWTH_MAX}x"
        else:
            verdict = f"✗ {worst:.2f}x, {worst / GROWTH_MAX:.1f}x over the {GROWTH_MAX}x limit"
        lines.append(f"| {key} | " + " | ".join(cells) + f" | {verdict} |")
    if len(sizes) == 1:
        lines.append("")
        lines.append("(one size only: run several sizes for growth)")
    return lines


def cpu_of(all_results, n, pass_key, path):
    r = all_results.get(n, {}).get(pass_key, {}).get(path) if path else None
    return r.get("cpu_ms") if r and not r.get("skipped") else None


def machine():
    cpu_model = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    mem_gb = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = f"{int(line.split()[1]) / 1024 / 1024:.1f} GB"
    import sqlite3

    import django

    return {
        "nproc": os.cpu_count(),
        "cpu": cpu_model,
        "ram": mem_gb,
        "python": platform.python_version(),
        "django": django.get_version(),
        "sqlite": sqlite3.sqlite_version,
        "kernel": platform.release(),
    }


def report(all_results, sizes, args, started):
    m = machine()
    lines = [
        f"### Bench run {datetime.datetime.now():%Y-%m-%d %H:%M}: {args.db}, "
        + ("no cached pass" if args.cache == "none" else f"cached pass with {args.cache} cache"),
        "",
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram']} RAM, Linux {m['kernel']}; "
        f"Python {m['python']}, Django {m['django']}, SQLite {m['sqlite']}. gunicorn "
        f"{args.workers} sync workers, wrk 2 threads, {args.connections} connections, "
        f"{args.duration} s per URL. Git: {getattr(args, 'git', None) or git_head()}.",
        "",
        "Targets: uncached article ≤ 2 ms CPU/request, list pages ≤ 4 ms (defined at 2,000 "
        "articles, marked at every size; also read in floors, 0.24 ms on the issue's machine); "
        "cached ≥ 0.5x the bare floor's req/s (the uncached pass's floor; the ratio columns use "
        "each pass's own floor); growth 1k→100k ≤ 1.5x; "
        "worker RSS < 150 MB after the largest run. req/s and latency share 2 cores with wrk "
        "and whatever else runs; CPU ms/request is the robust figure.",
        "",
    ]
    for n in sizes:
        res = all_results.get(n)
        if not res:
            continue
        info = res["info"]
        lines.append(
            f"### {n:,} articles (tag page: {info['tag_count']} stories; filter tag: "
            f"{info['filter_tag_count']} stories)"
        )
        lines.append("")
        for pass_key, label, cached in (
            ("uncached", "uncached (DJANGO_CACHE_URL=dummy://)", False),
            ("cached", f"cached ({args.cache} cache)", True),
        ):
            if pass_key in res:
                pure = res.get("uncached", {}).get(FLOOR[1], {}).get("rps")
                queries = res.get("queries", {})
                lines += page_table(label, res[pass_key], info, queries, cached, pure)
                lines.append("")
                if res[pass_key].get("_deep_is_page_one"):
                    lines += ["**Warning**: the deep page answered page 1's bytes.", ""]
    measured = [n for n in sizes if n in all_results]
    for pass_key in ("uncached", "cached"):
        if measured and any(pass_key in all_results[n] for n in measured):
            lines += growth_table(pass_key, all_results, measured, pass_key)
            lines.append("")
    if measured:
        largest = measured[-1]
        rss = [
            x
            for pass_key in ("uncached", "cached")
            for x in all_results[largest].get(pass_key, {}).get("_rss_mb", [])
            if x is not None
        ]
        if rss:
            worst = max(rss)
            verdict = (
                f"✓ < {WORKER_RSS_MB} MB"
                if worst < WORKER_RSS_MB
                else f"✗ {worst - WORKER_RSS_MB:.0f} MB over {WORKER_RSS_MB} MB"
            )
            note = "" if largest >= 100_000 else " (target is defined after the 100,000 run)"
            lines.append(
                f"**Worker memory** after the {largest:,}-article run: RSS "
                f"{', '.join(f'{x:.0f}' for x in rss)} MB: {verdict}{note}"
            )
            lines.append("")
    if started is not None:
        lines.append(f"Run took {(time.monotonic() - started) / 60:.1f} minutes.")
    return "\n".join(lines) + "\n"


def git_head():
    def git(*args):
        return subprocess.run(
            ["git", *args], cwd=common.ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()

    try:
        out = git("log", "-1", "--format=%h %s")
        dirty = git("status", "--porcelain", "--untracked-files=no")
        return f"`{out[:70]}`" + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "?"


# -- main ------------------------------------------------------------------------------------


def parse_args(argv):
    parser = argparse.ArgumentParser(description="Newsroom benchmark (issue 6).")
    parser.add_argument("--sizes", default="1000,2000,10000,100000")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--cache", choices=["file", "redis", "none"], default="file")
    parser.add_argument("--duration", type=int, default=5, help="seconds of wrk per URL")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=10, help="requests per URL before wrk")
    parser.add_argument(
        "--budget", type=float, default=45, help="minutes; later runs are skipped past it"
    )
    parser.add_argument("--output", default=str(common.VAR / "results.md"))
    parser.add_argument(
        "--report-only", action="store_true", help="re-render the .md from the saved .json"
    )
    args = parser.parse_args(argv)
    args.sizes = sorted(int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip())
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.report_only:
        return report_only(args)
    started = time.monotonic()
    args.deadline = started + args.budget * 60
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install -y wrk).")
    common.VAR.mkdir(parents=True, exist_ok=True)
    key = common.schema_key()
    print(
        f"Bench: sizes {args.sizes}, {args.db}, {args.workers} gunicorn sync workers, "
        f"{args.duration} s of wrk per URL with {args.connections} connections; schema key {key}",
        flush=True,
    )
    cluster = common.PostgresCluster() if args.db == "postgresql" else None
    redis = Redis() if args.cache == "redis" else None
    all_results = {}
    try:
        collectstatic()
        if cluster:
            cluster.start()
        if redis:
            redis.start()
        for n in args.sizes:
            if time.monotonic() > args.deadline:
                print(f"Time budget spent: {n} articles not run", flush=True)
                break
            url, info = ensure_database(args.db, n, key, cluster)
            db_parents = [cluster.postmaster_pid()] if cluster else []
            print(f"{n} articles: {url}", flush=True)
            res = all_results[n] = {"info": info}
            env = common.base_env(url, "dummy://")
            res["queries"] = probe(env, info)
            floor_file = common.VAR / f"floor-{args.db}-{n}.html"
            floor_file.unlink(missing_ok=True)
            res["uncached"] = run_pass("uncached", env, info, args, db_parents, floor_file)
            if args.cache != "none":
                if args.cache == "redis":
                    cache_url = f"redis://127.0.0.1:{redis.port}/0"
                    subprocess.run(
                        ["redis-cli", "-p", str(redis.port), "FLUSHALL"],
                        capture_output=True,
                        check=False,
                    )
                else:
                    cache_dir = common.VAR / "cache"
                    shutil.rmtree(cache_dir, ignore_errors=True)
                    cache_url = f"file://{cache_dir}"
                env = common.base_env(url, cache_url)
                # The Redis server's CPU counts too, like the database server's.
                redis_pids = [redis.process.pid] if redis else []
                res["cached"] = run_pass(
                    "cached", env, info, args, db_parents, floor_file, redis_pids
                )
            write_report(all_results, args, started)
    except KeyboardInterrupt:
        print("Interrupted", flush=True)
    finally:
        if redis:
            redis.stop()
        if cluster:
            cluster.stop()
    text = write_report(all_results, args, started)
    print()
    print(text)


def write_report(all_results, args, started):
    text = report(all_results, args.sizes, args, started)
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text)
    meta = {key: getattr(args, key) for key in ("sizes", "db", "cache", "duration")}
    meta.update(connections=args.connections, workers=args.workers, git=git_head())
    data = {"meta": meta, "results": {str(n): r for n, r in all_results.items()}}
    output.with_suffix(".json").write_text(json.dumps(data, indent=1, default=str))
    return text


def report_only(args):
    """Re-render the markdown from a saved results .json (``--report-only``)."""
    data = json.loads(Path(args.output).with_suffix(".json").read_text())
    results = data.get("results", data)
    meta = data.get("meta", {})
    for key, value in meta.items():
        setattr(args, key, value)
    all_results = {int(n): r for n, r in results.items() if n.isdigit()}
    args.sizes = sorted(all_results)
    text = report(all_results, args.sizes, args, None)
    Path(args.output).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
