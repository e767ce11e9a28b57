"""What a run ran on, for the report's first lines: the machine, the versions of Python, Django
and SQLite, and the git commit."""

import contextlib
import os
import platform
import subprocess
from pathlib import Path

from . import common


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
