"""Measuring one server: wrk against each page with the server's CPU read before and after
(``measure``), a whole pass of pages and floors (``run_pass``), and the query count of each page
in-process (``probe``)."""

import json
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from . import common
from .pages import FLOOR, pages, schedule
from .procs import CLK_TCK, CpuMeter, rss_mb, wait_idle
from .report import line_for
from .servers import LAST_HEADERS, Gunicorn, fetch

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


def run_wrk(url, args):
    return subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{args.connections}",
            f"-d{args.duration}s",
            "--latency",
            "--timeout",
            "60s",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=args.duration + 90,
        check=False,
    )


def measure(server, meter, page, args):
    """One wrk run. CPU is read when the server is idle before and after, so it covers exactly
    the requests the server handled: the ones wrk completed plus the one still in flight on each
    connection when wrk stopped (the server finishes those too). Nothing spills into the next
    page's figures."""
    path = page[1]
    wait_idle(meter)
    workers_before = server.worker_pids()
    before, _ = meter.snapshot()
    completed = run_wrk(server.base + path, args)
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


def least_disturbed(kept, result):
    """Of a page's runs (``--rounds``), the one that cost the least CPU per request: other work
    on the machine only ever adds to a page's cost. Every run's figure stays in ``cpu_rounds``."""
    if not kept or kept.get("cpu_ms") is None:
        result["cpu_rounds"] = [result["cpu_ms"]]
        return result
    rounds = [*kept["cpu_rounds"], result["cpu_ms"]]
    best = result if result["cpu_ms"] is not None and result["cpu_ms"] < kept["cpu_ms"] else kept
    best["cpu_rounds"] = rounds
    return best


class ServedPass:
    """One gunicorn server through one pass: started, every page checked and warmed, then each
    page (and the floor, several times) measured; ``results`` is {path: result}."""

    def __init__(self, label, env, args, floor_file, log="gunicorn.log", app_root=common.ROOT):
        self.label = label
        self.args = args
        self.floor_file = floor_file
        self.app_root = app_root  # where the served code must come from
        log = common.VAR / log
        self.server = Gunicorn({**env, "BENCH_FLOOR_FILE": str(floor_file)}, args.workers, log)
        self.results = {}
        self.checks = {}
        self.meter = None

    def say(self, text):
        print(f"  [{self.label}] {text}", flush=True)

    def start(self, page_list, db_meter_parents, own_pids=()):
        # The floor answers the article page's bytes, read by each worker on its first floor
        # request: write them before anything asks for the floor.
        server = self.server
        server.start()
        workers = server.worker_pids()
        self.say(f"gunicorn {server.base}: {len(workers)} sync workers, pids {workers}")
        status, served_root = fetch(server.base + "/__bench_root__/")
        if status != 200 or Path(served_root.decode()) != Path(self.app_root).resolve():
            raise RuntimeError(f"[{self.label}] serves {served_root!r}, not {self.app_root}")
        article_path = next(path for _, path, kind in page_list if kind == "article")
        status, article_bytes = fetch(server.base + article_path)
        self.floor_file.write_bytes(article_bytes if status == 200 else b"article page missing")
        self.meter = CpuMeter([server.process.pid, *db_meter_parents], own_pids)

    def check(self, page_list):
        """Fetch and warm every page; note its status, size and whether the page cache
        answered."""
        bodies = {}
        for _, path, _ in [*page_list, FLOOR]:
            status, body = fetch(self.server.base + path)
            self.checks[path], bodies[path] = (status, len(body)), body
            # Warm both workers (imports, templates, connections): a few requests, at most ~3 s.
            warm_until = time.monotonic() + 3
            for i in range(self.args.warmup):
                if i >= 2 and time.monotonic() > warm_until:
                    break
                fetch(self.server.base + path)
            # Whether the page cache answered (main's PageCacheMiddleware says so in a header).
            page_cache = self.results.setdefault("_page_cache", {})
            page_cache[path] = LAST_HEADERS.get("x-page-cache", "-")
        # If the list stops taking ?before= (its keyset links change), the deep page would
        # silently be page 1: say so, so the runner gets taught the new links.
        deep = page_list[2][1]
        if bodies.get(deep) == bodies.get("/articles/"):
            self.say(f"WARNING: {deep} answers the same bytes as page 1 (see bench/pages.py)")
            self.results["_deep_is_page_one"] = True

    def measure_page(self, page):
        name, path, kind = page
        status, size = self.checks[path]
        if time.monotonic() > self.args.deadline:
            self.say(f"time budget spent: {name} not measured")
            self.results.setdefault(path, {"skipped": "time budget"})
            return
        if not 200 <= status < 300:
            self.results[path] = {"status": status, "bytes": size, "skipped": f"HTTP {status}"}
            return
        result = measure(self.server, self.meter, page, self.args)
        result.update(status=status, bytes=size)
        if kind == "floor":
            self.results.setdefault(path, {}).setdefault("runs", []).append(result)
        else:
            self.results[path] = least_disturbed(self.results.get(path), result)
        self.say(line_for(name, result))

    def record_memory(self):
        self.results["_rss_mb"] = [rss_mb(pid) for pid in self.server.worker_pids()]
        self.results["_workers"] = len(self.server.worker_pids())

    def stop(self):
        self.server.stop()

    def summarise_floor(self):
        """The floor's figures: the median of its runs (their spread shows the noise)."""
        floor = self.results.get(FLOOR[1], {})
        if not floor.get("runs"):
            return
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
            bytes=len(self.floor_file.read_bytes()),
            cpu_spread=[round(r["cpu_ms"], 3) for r in runs if r["cpu_ms"] is not None],
        )


def run_pass(label, env, info, args, db_meter_parents, floor_file, own_pids=()):
    """One server, every page and the floor; returns {path: result}."""
    served = ServedPass(label, env, args, floor_file)
    page_list = pages(info)
    try:
        served.start(page_list, db_meter_parents, own_pids)
        served.check(page_list)
        for _ in range(args.rounds):
            for page in schedule(page_list):
                served.measure_page(page)
        served.record_memory()
    finally:
        served.stop()
    served.summarise_floor()
    return served.results


def probe(env, info):
    """{path: {"status", "queries", "bytes"}} of each page, requested once in-process (with the
    code of the checkout that ``env`` names)."""
    urls = [path for _, path, _ in pages(info)]
    completed = subprocess.run(
        [sys.executable, "-m", "bench.probe", *urls],
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
