"""The benchmark runner: ``make bench`` (or ``python -m bench.run --help``).

For each size N it builds (or reuses) a database of N articles, serves the site with gunicorn on
127.0.0.1 with production settings, and drives wrk against each page for a few seconds, first
uncached (``DJANGO_CACHE_URL=dummy://``), then with a shared cache (a file cache, or Redis). The
floor, a bare Django view answering the article page's bytes behind the same middleware, is
measured between the pages of the same run. The figure that matters is the server's CPU time per
request: utime+stime of the gunicorn workers (and of the PostgreSQL server's processes) read from
/proc before and after each wrk run, divided by the requests wrk completed. Results are printed
and written to bench/var/results.md (and .json).

The parts: ``procs`` (CPU and memory from /proc), ``servers`` (gunicorn, Redis, the PostgreSQL
cluster), ``databases`` (built databases, static files), ``pages`` (what is requested),
``measure`` (wrk runs and passes, query counts), ``compare`` (``--compare REF``: another commit
served beside this one) and ``report`` (verdicts, tables, files).
"""

import argparse
import shutil
import subprocess
import sys
import time

from . import common
from .compare import Comparison
from .databases import collectstatic, ensure_database
from .measure import probe, run_pass
from .report import report_only, write_report
from .servers import PostgresCluster, Redis, cache_url


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
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measure every page this many times and keep its least disturbed run",
    )
    parser.add_argument("--output", default=str(common.VAR / "results.md"))
    parser.add_argument(
        "--compare",
        metavar="REF",
        help="also serve the code of git commit REF, side by side, and compare (bench/compare.py)",
    )
    parser.add_argument(
        "--report-only", action="store_true", help="re-render the .md from the saved .json"
    )
    args = parser.parse_args(argv)
    args.sizes = sorted(int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip())
    return args


def run_size(n, args, key, cluster, redis):
    """Both passes at one size; returns that size's results."""
    url, info = ensure_database(args.db, n, key, cluster)
    db_parents = [cluster.postmaster_pid()] if cluster else []
    print(f"{n} articles: {url}", flush=True)
    res = {"info": info}
    env = common.base_env(url, "dummy://")
    res["queries"] = probe(env, info)
    floor_file = common.VAR / f"floor-{args.db}-{n}.html"
    floor_file.unlink(missing_ok=True)
    res["uncached"] = run_pass("uncached", env, info, args, db_parents, floor_file)
    if args.cache != "none":
        env = common.base_env(url, cache_url(args.cache, redis))
        # The Redis server's CPU counts too, like the database server's.
        redis_pids = [redis.process.pid] if redis else []
        res["cached"] = run_pass("cached", env, info, args, db_parents, floor_file, redis_pids)
    return res


def run_sizes(all_results, args, key, cluster, redis, comparison, started):
    for n in args.sizes:
        if time.monotonic() > args.deadline:
            print(f"Time budget spent: {n} articles not run", flush=True)
            break
        if comparison:
            all_results[n] = comparison.run_size(n, args, cluster, redis)
        else:
            all_results[n] = run_size(n, args, key, cluster, redis)
        write_report(all_results, args, started)


def comparison_of(ref):
    try:
        return Comparison(ref) if ref else None
    except subprocess.CalledProcessError as error:
        sys.exit(f"--compare {ref}: not a commit here ({error.stderr.strip()})")


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
    comparison = comparison_of(args.compare)
    cluster = PostgresCluster() if args.db == "postgresql" else None
    redis = Redis() if args.cache == "redis" else None
    all_results = {}
    try:
        collectstatic()
        if comparison:
            args.compare_info = comparison.start(key)
        for server in (cluster, redis):
            if server:
                server.start()
        run_sizes(all_results, args, key, cluster, redis, comparison, started)
    except KeyboardInterrupt:
        print("Interrupted", flush=True)
    finally:
        for server in (redis, cluster, comparison):
            if server:
                server.stop()
    text = write_report(all_results, args, started)
    print()
    print(text)


if __name__ == "__main__":
    main()
