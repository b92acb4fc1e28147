"""The staff summary page never waits for a refresh: it shows the latest figures it has, says
how old they are, and one refresh at a time brings them up to date in the background.

A page's figures are rendered once per data version and kept in the shared cache (data.store,
kind "html"). When the data changed since (a response arrived, was edited or withdrawn), the
page serves the figures it has at once, with a notice saying the moment they are as of and how
much the submitted responses grew since (trilingual, see summary.html), and starts a
refresh: a thread of this worker that computes the summary (the live one when unfiltered,
consult.outcomes.live), renders it and stores it. At most one refresh per page runs across
every worker and host: a claim row in the same cache table, taken by an atomic update or
insert and given back when done (a claim whose holder died lapses after CLAIM_SECONDS). The
next view shows the new figures.

Nothing else reads these stale pages: snapshots, exports and filtered downloads compute their
own summary (data.cached_summary), so a frozen snapshot never holds stale figures. A page with
no figures stored at all (the first view) waits for them. With OUTCOMES_PAGE_WAITS set (the
test configuration), every view waits for figures of the current data, as before.

A refresh is quick once the worker holds its live state (consult.outcomes.live), which is
built from nothing the first time: about two minutes at 100,000 responses. With
OUTCOMES_WARM_LIVE, a worker that `consult serve` starts builds it at once, in a thread of its
own (warm_live_state, gunicorn's post_worker_init hook in consult/serving.py), while it already
answers requests: the first refresh after a deploy or a worker's replacement then only catches
up.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from consult.db import db, utcnow, writing
from consult.outcomes import data, live
from consult.outcomes.models import OutcomeSummaryCache
from consult.questionnaires.registry import current_questionnaires

log = logging.getLogger(__name__)

#: A claim older than this is taken over (its holder died or hangs): longer than a live
#: state's build from nothing at 100,000 responses on a loaded machine.
CLAIM_SECONDS = 900


@dataclass(frozen=True)
class StoredPage:
    """The rendered figures of a page, whatever data version they were made for."""

    payload: str
    data_version: str
    #: The moment the figures' data was read (the summary's generated_at).
    as_of: datetime


def stored_page(engine: Engine, key: str) -> StoredPage | None:
    """Return the figures stored for a page key, current or not."""
    with engine.connect() as connection:
        row = connection.execute(
            select(
                OutcomeSummaryCache.payload,
                OutcomeSummaryCache.data_version,
                OutcomeSummaryCache.computed_at,
            ).where(OutcomeSummaryCache.cache_key == key, OutcomeSummaryCache.kind == "html")
        ).one_or_none()
    return None if row is None else StoredPage(row.payload, row.data_version, row.computed_at)


def submitted_in(version: str) -> int:
    """The submitted responses a data version counts (data.data_version ends with them)."""
    _digest, _sep, count = version.rpartition(":")
    return int(count) if count.isdigit() else 0


def _claim_key(key: str) -> str:
    return "claim|" + key[:58]


def claim(engine: Engine, key: str, version: str) -> bool:
    """Take the refresh of a page, unless a live claim is held; True if taken."""
    now = utcnow()
    lapsed = now - timedelta(seconds=CLAIM_SECONDS)
    values = {"kind": "claim", "data_version": version, "payload": "", "computed_at": now}
    try:
        with writing(), engine.begin() as connection:
            taken = connection.execute(
                update(OutcomeSummaryCache)
                .where(
                    OutcomeSummaryCache.cache_key == _claim_key(key),
                    OutcomeSummaryCache.computed_at < lapsed,
                )
                .values(**values)
            ).rowcount
            if not taken:
                connection.execute(
                    insert(OutcomeSummaryCache).values(cache_key=_claim_key(key), **values)
                )
    except IntegrityError:
        return False  # held by another refresh
    return True


def release(engine: Engine, key: str) -> None:
    """Give a claim back (the refresh ended, well or not)."""
    try:
        with writing(), engine.begin() as connection:
            connection.execute(
                delete(OutcomeSummaryCache).where(OutcomeSummaryCache.cache_key == _claim_key(key))
            )
    except Exception:  # noqa: BLE001 - the claim then lapses by itself
        log.exception("could not release the refresh claim of an outcomes page")


#: The refreshes this process started and that may still run, by page key (tests wait for
#: them; a view of a page this process refreshes already does not try the claim again).
_running: dict[str, threading.Thread] = {}


def refresh_in_background(
    app: Flask, engine: Engine, key: str, version: str, make: Callable[[], None]
) -> bool:
    """Start ``make`` (compute, render and store the page) in a thread of this worker if this
    worker takes the page's claim; False when another refresh already runs."""
    running = _running.get(key)
    if running is not None and running.is_alive():
        return False
    if not claim(engine, key, version):
        return False

    def run() -> None:
        try:
            with app.app_context():
                make()
        except Exception:  # noqa: BLE001 - the page keeps its figures; the next view retries
            log.exception("the background refresh of an outcomes page failed")
        finally:
            release(engine, key)
            if _running.get(key) is threading.current_thread():
                del _running[key]

    thread = threading.Thread(target=run, name="outcomes-page-refresh", daemon=True)
    _running[key] = thread
    thread.start()
    return True


def warm_live_state(app: Flask) -> threading.Thread | None:
    """Build this process's live outcomes state in a background thread; return the thread.

    For a worker just started, when OUTCOMES_WARM_LIVE is set (see consult.config: the state's
    memory): the first refresh of the staff summary then finds the state built. A failure is
    logged and changes nothing: the first refresh builds the state, as without warming.
    """
    if not app.config.get("OUTCOMES_WARM_LIVE", False):
        return None
    with app.app_context():
        engine = db.engine
        sources = data.SummarySources(
            current_questionnaires(), Path(app.config["QUESTIONNAIRES_PATH"])
        )

    def run() -> None:
        started = time.perf_counter()
        try:
            live.live_summary(engine, sources)
        except Exception:  # noqa: BLE001 - the first refresh builds the state instead
            log.exception("could not warm the live outcomes state")
            return
        log.info("live outcomes state warm in %.1f s", time.perf_counter() - started)

    thread = threading.Thread(target=run, name="outcomes-warm", daemon=True)
    thread.start()
    return thread


def wait_for_refreshes(timeout: float = 60.0) -> None:
    """Wait until the refreshes this process started have ended (tests, benchmarks)."""
    deadline = time.monotonic() + timeout
    for thread in list(_running.values()):
        thread.join(max(0.0, deadline - time.monotonic()))


def waits() -> bool:
    """Whether pages wait for current figures instead (OUTCOMES_PAGE_WAITS: tests)."""
    return bool(current_app.config.get("OUTCOMES_PAGE_WAITS", False))
