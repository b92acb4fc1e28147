"""The db:// rate-limit storage: atomic counting per fixed window on SQLite and PostgreSQL,
shared by every worker (storage instance) and app on the database; redis:// still usable."""

from __future__ import annotations

import contextlib
import logging
import shutil
import socket
import subprocess
import threading
import time

import pytest
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from consult.extensions import limiter
from consult.ratelimits.storage import DatabaseStorage, stored_key
from tests.ports import free_port


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def engine(app):
    with app.app_context():
        from consult.db import db

        yield db.engine


@pytest.fixture
def clock():
    return Clock()


def test_the_scheme_is_registered_and_the_default(app):
    assert app.config["RATELIMIT_STORAGE_URI"] == "db://"
    with app.app_context():
        assert isinstance(storage_from_string("db://"), DatabaseStorage)


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        # (seconds to move the clock, amount) before each hit -> counts returned
        ([(0, 1), (0, 1), (0, 1)], [1, 2, 3]),
        ([(0, 1), (59, 1), (0, 1)], [1, 2, 3]),  # still inside the 60 s window
        ([(0, 1), (60, 1), (0, 1)], [1, 1, 2]),  # the window ended: counting starts again
        ([(0, 3), (0, 2), (61, 4)], [3, 5, 4]),  # amounts
        ([(0, 1), (3600, 1), (3600, 1)], [1, 1, 1]),
    ],
)
def test_counts_per_fixed_window(engine, clock, steps, expected):
    storage = DatabaseStorage(engine=engine, clock=clock)
    counts = []
    for move, amount in steps:
        clock.now += move
        counts.append(storage.incr("LIMITER/192.0.2.1/contributions.new", 60, amount=amount))
    assert counts == expected


def test_get_expiry_clear_and_reset(engine, clock):
    storage = DatabaseStorage(engine=engine, clock=clock)
    assert storage.get("k") == 0 and storage.get_expiry("k") == clock.now
    storage.incr("k", 60)
    storage.incr("k", 60)
    storage.incr("other", 60)
    assert storage.get("k") == 2 and storage.get_expiry("k") == clock.now + 60
    clock.now += 61
    assert storage.get("k") == 0, "an ended window counts nothing"
    clock.now -= 61
    storage.clear("k")
    assert storage.get("k") == 0 and storage.get("other") == 1
    assert storage.reset() == 1 and storage.get("other") == 0
    assert storage.check()


@pytest.mark.parametrize("length", [10, 255, 256, 5000])
def test_keys_of_any_length(engine, clock, length):
    storage = DatabaseStorage(engine=engine, clock=clock)
    key = "LIMITER/" + "2001:db8::1/" * (length // 12 + 1)
    key = key[:length]
    assert storage.incr(key, 60) == 1 and storage.incr(key, 60) == 2
    assert len(stored_key(key)) <= 255
    assert storage.get(key) == 2


def test_two_workers_share_the_counts(engine, clock):
    """Two storage instances (two gunicorn workers) on one database count together."""
    first, second = (DatabaseStorage(engine=engine, clock=clock) for _ in range(2))
    limit = parse("5 per hour")
    limiters = [FixedWindowRateLimiter(first), FixedWindowRateLimiter(second)]
    allowed = [limiters[n % 2].hit(limit, "192.0.2.9", "contributions.new") for n in range(10)]
    assert allowed == [True] * 5 + [False] * 5


def test_concurrent_hits_are_all_counted(engine):
    storage = DatabaseStorage(engine=engine)
    barrier = threading.Barrier(8)
    results: list[int] = []

    def hit() -> None:
        barrier.wait()
        for _ in range(10):
            results.append(storage.incr("busy-key", 3600))

    threads = [threading.Thread(target=hit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == list(range(1, 81)), "every hit counted once, none lost"


@pytest.mark.sqlite_only
def test_one_limiter_counts_in_the_current_apps_database(make_app):
    """The Limiter is created once per process: its db:// storage follows the current app."""
    first = make_app(RATELIMIT_ENABLED=True)
    second = make_app(RATELIMIT_ENABLED=True)
    with first.app_context():
        limiter.storage.incr("LIMITER/192.0.2.3/x", 60)
        limiter.storage.incr("LIMITER/192.0.2.3/x", 60)
    with second.app_context():
        assert limiter.storage.get("LIMITER/192.0.2.3/x") == 0
        limiter.storage.incr("LIMITER/192.0.2.3/x", 60)
    with first.app_context():
        assert limiter.storage.get("LIMITER/192.0.2.3/x") == 2


# -- redis:// stays usable for several hosts -----------------------------------------------------


@contextlib.contextmanager
def redis_server(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_redis_storage_shares_limits_between_hosts(make_app, tmp_path):
    pytest.importorskip("redis", reason="the redis client is not installed")
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    with redis_server(tmp_path) as url:
        hosts = [
            make_app(
                RATELIMIT_ENABLED=True,
                RATELIMIT_STORAGE_URI=url,
                CONTRIBUTIONS_POST_RATE_LIMIT="3 per hour",
                WTF_CSRF_ENABLED=False,
            )
            for _ in range(2)
        ]
        codes = [
            hosts[n % 2].test_client().post("/contributions/new").status_code for n in range(5)
        ]
        assert codes[:3] == [422] * 3 and codes[3:] == [429, 429], codes
        # The counts are in redis itself, where any other host reads them.
        import redis

        client = redis.Redis.from_url(url)
        # (The 3-an-hour limit's own counter: the address's ceiling beside it counts apart.)
        keys = client.keys("LIMITS:LIMITER/*contributions.new/3/1/hour")
        assert keys and sum(int(client.get(key)) for key in keys) == 5  # every hit, both hosts
        client.close()


def test_an_unreachable_redis_lets_requests_through_and_says_so(make_app, caplog):
    """A shared limits service that is down pauses the limits; it never answers 500."""
    pytest.importorskip("redis", reason="the redis client is not installed")
    port = free_port()  # nothing listens there
    app = make_app(
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{port}/0",
        CONTRIBUTIONS_POST_RATE_LIMIT="1 per hour",
        WTF_CSRF_ENABLED=False,
    )
    with caplog.at_level(logging.ERROR):
        codes = [app.test_client().post("/contributions/new").status_code for _ in range(3)]
    assert codes == [422] * 3  # the form's own answer (nothing typed), never 500 nor 429
    assert any("rate limit" in r.getMessage().lower() for r in caplog.records), caplog.text
