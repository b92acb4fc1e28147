"""Loopback ports for the servers the tests start (PostgreSQL, PgBouncer, nginx, `consult serve`,
SMTP, Redis): one chokepoint, so no two of them can collide.

A port the kernel hands out for ``bind(0)`` lies in its ephemeral range, where every outgoing
connection (a database client, a health check) also takes its local port. Between "free a moment
ago" and the server's own bind, such a connection can take it: CI once saw gunicorn fail with
"Address already in use" that way. So the ports come from below the ephemeral range, each one at
most once per process, and are probed before they are handed out. Parallel processes start from
different offsets, and CI's two passes use separate halves.
"""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

# CI runs its SQLite and PostgreSQL passes side by side: each takes its own half of the range.
_LOW, _HIGH = (26000, 32000) if os.environ.get("CONSULT_TEST_DATABASE_URL") else (20000, 26000)
_lock = threading.Lock()
_given: set[int] = set()
_next = _LOW + (os.getpid() * 97) % (_HIGH - _LOW)


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port() -> int:
    """Return a loopback port nobody listens on, outside the ephemeral range, never given out
    before by this process."""
    global _next
    ephemeral_low, ephemeral_high = _ephemeral_range()
    with _lock:
        for _ in range(_HIGH - _LOW):
            port = _next
            _next = _LOW + (_next - _LOW + 1) % (_HIGH - _LOW)
            if port in _given or ephemeral_low <= port <= ephemeral_high:
                continue
            if _bindable(port):
                _given.add(port)
                return port
    raise RuntimeError("no free loopback port left for the test servers")
