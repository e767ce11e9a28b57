"""``--compare REF``: another commit's code and this checkout's, side by side in one run.

REF is checked out into a git worktree under bench/var/ (``git worktree add --detach``, removed
when the run ends) with its own collected static files. At each size both code bases serve the
same built database when their migrations hash alike (else each gets a database built with its
own code), each from its own gunicorn with the same venv and settings, and their passes are
interleaved: every page and floor run is measured on one server and then on the other, the order
swapped each time, so that the machine's slow spells hit both alike. REF is served through this
checkout's bench/wsgi.py (the floor) with the worktree first on sys.path
(``common.use_app_root()``); the measuring code is this checkout's for both.
"""

import subprocess

from . import common
from .databases import collectstatic, ensure_database
from .measure import ServedPass, probe
from .pages import pages, schedule
from .servers import cache_url


def git(*args, cwd=common.ROOT):
    return subprocess.run(
        ["git", *map(str, args)], cwd=cwd, capture_output=True, text=True, check=True
    ).stdout.strip()


class Side:
    """One code base of the comparison: where its code is, its static files, its schema key,
    and at each size its database and sidecar."""

    def __init__(self, label, app_root, static_root, key):
        self.label = label
        self.app_root = app_root  # None: this checkout
        self.static_root = static_root
        self.key = key
        self.url = self.info = None

    @property
    def root(self):
        return self.app_root or common.ROOT

    def env(self, cache):
        return common.base_env(self.url, cache, self.app_root, self.static_root)


class Comparison:
    """The REF's worktree, and both code bases measured at each size (``run_size``)."""

    def __init__(self, ref):
        self.ref = ref
        self.sha = git("rev-parse", "--verify", f"{ref}^{{commit}}")
        self.subject = git("log", "-1", "--format=%h %s", self.sha)
        self.worktree = common.VAR / f"ref-{self.sha[:12]}"
        self.added = False
        self.sides = None

    def start(self, new_key):
        """Check REF out (reusing a worktree of it left by an earlier run) and collect its
        static files; returns what the report says about it."""
        if self.worktree.exists():
            head = subprocess.run(
                ["git", "rev-parse", "HEAD"], cwd=self.worktree, capture_output=True, text=True
            ).stdout.strip()
            if head != self.sha:
                git("worktree", "remove", "--force", self.worktree)
        if not self.worktree.exists():
            # --force: a worktree folder deleted by hand (make clean) is still registered.
            git("worktree", "add", "--force", "--detach", self.worktree, self.sha)
        self.added = True
        static_root = common.VAR / f"static-ref-{self.sha[:12]}"
        collectstatic(self.worktree, static_root)
        ref_key = common.schema_key(self.worktree)
        self.sides = (
            Side("new", None, common.STATIC_ROOT, new_key),
            Side("old", self.worktree, static_root, ref_key),
        )
        same = ref_key == new_key
        print(
            f"Comparing with {self.ref} ({self.subject[:60]}) in {self.worktree}: schema key "
            f"{ref_key}, {'the same database' if same else 'a database of its own'}",
            flush=True,
        )
        return {"ref": self.ref, "commit": self.subject[:70], "same_schema": same}

    def stop(self):
        if self.added:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(self.worktree)],
                cwd=common.ROOT,
                capture_output=True,
                check=False,
            )
            self.added = False

    def run_size(self, n, args, cluster, redis):
        """Both code bases at one size: the new one's results as a plain run's, with the old
        one's under "ref"."""
        keep = {side.key for side in self.sides}
        for side in self.sides:
            side.url, side.info = ensure_database(
                args.db, n, side.key, cluster, side.app_root, keep
            )
            print(f"{n} articles, {side.label} code: {side.url}", flush=True)
        db_parents = [cluster.postmaster_pid()] if cluster else []
        new, old = ({"info": side.info} for side in self.sides)
        for res, side in zip((new, old), self.sides, strict=True):
            res["queries"] = probe(side.env("dummy://"), side.info)
        caches = ["dummy://"] * 2
        new["uncached"], old["uncached"] = interleaved_pass(
            "uncached", self.sides, caches, n, args, db_parents
        )
        if args.cache != "none":
            caches = [cache_url(args.cache, redis, i) for i in range(2)]
            redis_pids = [redis.process.pid] if redis else []
            new["cached"], old["cached"] = interleaved_pass(
                "cached", self.sides, caches, n, args, db_parents, redis_pids
            )
        new["ref"] = old
        return new


def interleaved_pass(pass_key, sides, caches, n, args, db_parents, own_pids=()):
    """One pass of both servers, running side by side: each page (and floor) measured on one and
    then the other, first new then old, then old then new, and so on. Returns both results."""
    passes = [
        ServedPass(
            f"{pass_key}, {side.label}",
            side.env(cache),
            args,
            common.VAR / f"floor-{args.db}-{n}-{side.label}.html",
            log=f"gunicorn-{side.label}.log",
            app_root=side.root,
        )
        for side, cache in zip(sides, caches, strict=True)
    ]
    page_lists = [pages(side.info) for side in sides]
    try:
        for served, page_list in zip(passes, page_lists, strict=True):
            served.start(page_list, db_parents, own_pids)
            served.check(page_list)
        turns = list(zip(*(schedule(page_list) for page_list in page_lists), strict=True))
        for i, turn in enumerate(turns * args.rounds):
            pairs = list(zip(passes, turn, strict=True))
            for served, page in pairs if i % 2 == 0 else reversed(pairs):
                served.measure_page(page)
        for served in passes:
            served.record_memory()
    finally:
        for served in passes:
            served.stop()
    for served in passes:
        served.summarise_floor()
    return [served.results for served in passes]
