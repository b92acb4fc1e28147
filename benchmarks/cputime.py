"""CPU time spent by a server, for figures that do not depend on how busy the machine is.

On a machine shared with other jobs, requests per second measure the share of the CPUs a run
won as much as the cost of a request. The CPU seconds a server's processes (and, on
PostgreSQL, its database backends) spent per request do not: they are what the request costs.
Linux only (/proc); elsewhere every figure is None.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_cpu_seconds(pid: int) -> float | None:
    """Return the user + system CPU seconds of process ``pid`` so far (None if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # After the command: state is field 3, utime 14 and stime 15 (1-based, man 5 proc).
    return (int(fields[11]) + int(fields[12])) / _TICKS


def group_pids(pgid: int) -> list[int]:
    """Return the processes of the process group ``pgid`` (a server and its workers)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid:
            pids.append(int(entry.name))
    return pids


def backend_pids(engine: Engine | None, application_name: str) -> list[int]:
    """Return the PostgreSQL backends serving connections named ``application_name``."""
    if engine is None:
        return []
    with engine.connect() as connection:
        return list(
            connection.execute(
                text("SELECT pid FROM pg_stat_activity WHERE application_name = :name"),
                {"name": application_name},
            ).scalars()
        )


class CpuMeter:
    """CPU seconds of one server: its process group, plus its database backends if any."""

    def __init__(self, pgid: int, admin: Engine | None = None, application_name: str = "") -> None:
        self.pgid = pgid
        self.admin = admin
        self.application_name = application_name

    def snapshot(self) -> dict[int, float]:
        """Return pid -> CPU seconds for every process counted now."""
        pids = group_pids(self.pgid) + backend_pids(self.admin, self.application_name)
        return {pid: cpu for pid in pids if (cpu := process_cpu_seconds(pid)) is not None}

    @staticmethod
    def spent(before: dict[int, float], after: dict[int, float]) -> float:
        """Return the CPU seconds spent between two snapshots (new processes counted whole)."""
        return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())
