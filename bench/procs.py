"""CPU and memory of the servers the bench starts, read from /proc.

A server's CPU is its parent process's live children (gunicorn workers, PostgreSQL backends)
plus the parent's reaped-children total, so a process that exits during a run still counts.
"""

import os
import time
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")


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
