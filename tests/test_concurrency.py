"""Concurrency and faults: many readers and writers at once, failures half-way through a save."""

import os
import subprocess
import sys

import pytest

from tests.test_operations import ROOT


@pytest.mark.sqlite
def test_readers_and_writers_at_once_on_file_backed_sqlite_see_no_locked_database(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'busy.sqlite3'}",
        DJANGO_SECRET_KEY="concurrency-test-key-" + "c" * 40,
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_CACHE_URL="dummy://",
        DJANGO_ALLOWED_HOSTS="testserver",
        DJANGO_DEBUG="1",  # plain static storage: no collectstatic for this run
    )
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "concurrent_writers.py")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    summary = result.stdout.splitlines()[0]
    assert summary.endswith("errors=0"), result.stdout
    reads, writes = (int(part.split("=")[1]) for part in summary.split()[:2])
    assert reads > 20 and writes > 20, summary
