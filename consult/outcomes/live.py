"""The live summary: the unfiltered summary kept up to date one changed response at a time.

A full summary reads every answer (counted by the database for closed questions) and cuts
every text into words: 25 s and more at 100,000 responses, paid again after each new response.
Here a process keeps, in memory, what every submitted response adds to the summary's inputs:

- the responses frame (drafts too), as the full summary reads it;
- counts per (question, part, value) of closed questions and their answerers per version, as
  consult.outcomes.tallies counts them, plus the closed answers each response gave (as small
  integer codes), so that an edit or a withdrawal can take its old contribution away;
- the rows of number questions, the "other" texts of multiple choices and the answers that
  conditions look at, as the frames the summary reads;
- the text answers, analysed once each (consult.outcomes.live_texts): their figures, and per
  response the codes of what its texts added (the texts themselves stay in the database).

It must fit in a worker: `consult serve` retires a worker past 512 MiB (consult.serving), and
a state that cannot stay is built again after every recycle. Kept as Python objects per
response and per text, it took 1,010 MiB at 100,000 demo responses (the worker: 172 to 1,188
MiB); kept compactly (per-response integer records in one numpy buffer,
consult.outcomes.live_records; shared strings; no text kept), 81 MiB (the worker: 170 to
337 MiB, 351 after five refreshes), built in 27 s of CPU instead of 36, a refresh 0.2 s of CPU
instead of 0.35 to 0.45.

Which responses changed comes from the change log that database triggers write in the same
transaction as every change (consult.outcomes.changes): a refresh reads the log entries after
the last one it applied, removes those responses' contributions, re-reads them and adds them
back. Work is proportional to the change. The summary itself is then made by the very same
functions as the full one (summary.summarise with these inputs as its source), so the two are
equal figure for figure (tests/outcomes/test_live.py feeds random changes on SQLite and
PostgreSQL and compares after each).

Why in each process rather than in a shared table: reading and writing the state at each
refresh would cost what it saves. Workers and hosts share
the result instead: the summary is stored in the shared cache (data.cached_summary) under its
data version, so a worker whose version matches reads it; each worker's state is its own, so
two refreshes at once never corrupt anything. A state is built on the first refresh a process
makes (as long as a full summary), and rebuilt when the definitions, codebook or labels change
or when it was not refreshed for longer than the log keeps entries. Any failure drops the state
and the caller falls back to the full summary. What a state holds and how a response goes in
and out of it: consult.outcomes.live_state. No Flask here.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import logging
import pickle
import threading
import time
from collections.abc import Iterator
from typing import Any

from sqlalchemy.engine import Connection, Engine

from consult.db import utcnow, writing
from consult.geography import region_labels
from consult.outcomes import changes, data, tallies
from consult.outcomes import contributions as contribution_data
from consult.outcomes.live_state import Layout, LiveState
from consult.outcomes.sources import article_titles, stored_definitions
from consult.outcomes.summary import SummaryFilter, summarise
from consult.outcomes.text import load_codebook

log = logging.getLogger(__name__)


# -- one state per process ------------------------------------------------------------------------

_lock = threading.Lock()
_state: LiveState | None = None
_pruned_at = -3600.0


def _identity(engine: Engine, sources: data.SummarySources, connection: Connection) -> tuple:
    stored = stored_definitions(connection)
    return (
        # Another engine (a test's app, a reconfigured process) is another database.
        id(engine),
        str(engine.url),
        sources.fingerprint(),
        tuple(sorted((i, d.version, d.checksum) for i, d in stored.items())),
    )


def live_summary(engine: Engine, sources: data.SummarySources) -> tuple[dict[str, Any], str]:
    """Return the unfiltered summary from this process's live state (built on first use),
    and its data version (data.data_version, read in the same snapshot).

    Raises whatever went wrong after dropping the state: the caller computes in full.
    """
    global _state
    with _lock:
        try:
            with _snapshot(engine) as connection:
                figures = data.response_figures(connection)
                version = data.data_version(connection, sources, figures)
                state = _brought_up_to_date(engine, sources, connection, figures)
                summary = _summarise(connection, sources, state, version)
            _give_back_freed_memory()
            _prune(engine)
            return summary, version
        except Exception:
            _state = None
            raise


def _brought_up_to_date(
    engine: Engine, sources: data.SummarySources, connection: Connection, figures: tuple
) -> LiveState:
    """This process's state, caught up with the log, or built anew when it cannot be."""
    global _state
    identity = _identity(engine, sources, connection)
    if _state is not None and (
        _state.identity != identity
        or time.monotonic() - _state.refreshed_at > changes.PRUNED_AFTER_SECONDS / 2
        # The log went back: another database behind the same address (a restore).
        or changes.newest_id(connection) < _state.cursor.last_id
    ):
        _state = None
    if _state is not None:
        _state.catch_up(connection)
        if _state.agrees_with(figures):
            return _state
        log.warning("the live outcomes state disagreed with the data; building it again")
        _state = None
    definitions = stored_definitions(connection).values()
    state = LiveState(
        identity,
        Layout.of([*definitions, *sources.current.values()]),
        tuple(load_codebook(sources.codebook_path)),
    )
    state.build(connection)
    _spare_from_the_collector()
    _state = state
    return state


def _spare_from_the_collector() -> None:
    """Keep the collector's full passes off the state just built (gc.freeze).

    When the state held millions of small objects (a text's analysis, a response's
    contribution), each full pass of the cyclic garbage collector walked them all, seconds at
    100,000 responses. It now holds few (its records are numpy buffers), but freezing still
    spares each pass the app's own long-lived objects. Frozen objects are still freed by
    reference counting when the state drops them; they are only no longer walked. Collected
    first, so that no garbage is frozen with them.
    """
    gc.collect()
    gc.freeze()


def _give_back_freed_memory() -> None:
    """Return the memory a refresh freed to the system (glibc's malloc_trim), if it can.

    A build reads and analyses every answer in chunks, a refresh makes frames and a summary;
    freed, their memory stays with the process until the allocator trims it, and a worker is
    retired by its resident size (consult.serving.recycle_when_large). At 100,000 responses
    each trim gave back 30 to 45 MiB (after the build and after each refresh) in 10 to 25 ms."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to trim with
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)


def _summarise(
    connection: Connection, sources: data.SummarySources, state: LiveState, version: str | None
) -> dict[str, Any]:
    assert state.responses is not None and state.texts is not None
    texts, read = state.texts, state.quote_reader(connection)
    unchanged = {
        key: pickle.loads(made)  # noqa: S301 - our own pickles, made in this process
        for key, made in state.made.items()
        if key not in state.dirty
    }
    summary = summarise(
        state.responses,
        tallies.empty_rows(),
        current=sources.current,
        definitions=stored_definitions(connection),
        themes=state.themes,
        region_labels=region_labels(str(sources.questionnaires_path)),
        article_titles=article_titles(sources.questionnaires_path),
        article_short_titles=article_titles(sources.questionnaires_path, "short_title"),
        contributions=contribution_data.load(connection, None),
        filters=SummaryFilter(),
        generated_at=utcnow(),
        data_version=version,
        source=lambda key, _plan, _covered: state.answers_of(key),
        texts_source=lambda key, questions, asked: texts.figures(key, questions, asked, read),
        known=unchanged,
        participation_source=state.participation_of,
    )
    # Kept as pickles: whoever receives the summary may change it; the next one must not see it.
    for entry in summary["questionnaires"]:
        if entry["key"] not in unchanged:
            state.made[entry["key"]] = pickle.dumps(entry, pickle.HIGHEST_PROTOCOL)
    state.dirty.clear()
    return summary


@contextlib.contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection in one read transaction: PostgreSQL's REPEATABLE READ (one snapshot for
    every statement), SQLite's deferred transaction (a snapshot from the first read)."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin() as transaction:
            yield connection
            transaction.rollback()


def _prune(engine: Engine) -> None:
    """Delete old log entries, at most once an hour per process; never fails the refresh."""
    global _pruned_at
    if time.monotonic() - _pruned_at < 3600:
        return
    _pruned_at = time.monotonic()
    try:
        with writing(), engine.begin() as connection:
            changes.prune(connection)
    except Exception:  # noqa: BLE001 - pruning is housekeeping; the next hour tries again
        log.exception("could not prune the response change log")


def state_size() -> dict[str, int] | None:
    """Bytes held by this process's live state, by part (benchmarks); None without one."""
    with _lock:
        return None if _state is None else _state.nbytes()


def reset() -> None:
    """Forget this process's state (tests; after a restore)."""
    global _state
    with _lock:
        _state = None
