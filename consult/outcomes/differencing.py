"""Each snapshot's differencing (operations.differencing), computed once per data version.

The snapshots list and every deck page say, for each snapshot, whether it sits too close to
another snapshot, published or not (deck_guard). Working that out decodes the snapshot's
response ids and those of every snapshot of a similar size, and reads the responses both
cover: seconds for a list of large snapshots, on every load. The answer only changes when a
response is written (the change log and the counts move), a snapshot is frozen or one is
published, so it is kept in the summaries' shared cache (OutcomeSummaryCache, kind
"differencing"), valid for that version, like the summaries. Publishing still computes it
afresh (operations.publish). No Flask here.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from consult.db import utcnow
from consult.outcomes import data, operations
from consult.outcomes.models import OutcomePublication, OutcomeSnapshot, OutcomeSummaryCache
from consult.outcomes.operations import Differencing

#: The kind of the cache rows this module writes.
KIND = "differencing"


def version(connection: Connection) -> str:
    """What a differencing depends on: the responses' counts and newest change, the snapshots
    frozen (each one's deck can be shown) and the publications made (withdrawn ones count too:
    they were shown)."""
    published = connection.execute(
        select(func.count(OutcomePublication.id), func.max(OutcomePublication.id))
    ).one()
    frozen = connection.execute(
        select(func.count(OutcomeSnapshot.id), func.max(OutcomeSnapshot.id))
    ).one()
    return "|".join(str(v) for v in (*data.response_figures(connection), *published, *frozen))


def cache_key(snapshot_id: int, threshold: int) -> str:
    """The cache key of one snapshot's differencing at ``threshold``."""
    return hashlib.sha256(f"{KIND}|{snapshot_id}|{threshold}".encode()).hexdigest()


def _encode(close: Differencing | None) -> str:
    if close is None:
        return "null"
    return json.dumps(
        {
            "earlier": close.earlier.id,
            "published_at": close.published_at and close.published_at.isoformat(),
            "differing": close.differing,
            "unknown": close.unknown,
        }
    )


def _decode(session: Session, payload: str) -> Differencing | None:
    stored = json.loads(payload)
    if stored is None:
        return None
    # The listed snapshots are in the session already: no query for them.
    earlier = session.get(OutcomeSnapshot, stored["earlier"])
    if earlier is None:
        raise LookupError("the earlier snapshot is gone")
    return Differencing(
        earlier,
        datetime.fromisoformat(stored["published_at"]) if stored["published_at"] else None,
        int(stored["differing"]),
        int(stored["unknown"]),
    )


def cached_differencing(
    session: Session, engine: Engine, snapshots: Sequence[OutcomeSnapshot], threshold: int
) -> dict[int, Differencing | None]:
    """Each snapshot's differencing by id: read from the cache in one query, computed (and
    stored) for those whose stored answer is of another data version."""
    if not snapshots:
        return {}
    connection = session.connection()
    # Read before computing: what is stored under a version never reflects older data.
    now = version(connection)
    keys = {cache_key(snapshot.id, threshold): snapshot for snapshot in snapshots}
    stored = dict(
        connection.execute(
            select(OutcomeSummaryCache.cache_key, OutcomeSummaryCache.payload).where(
                OutcomeSummaryCache.cache_key.in_(list(keys)),
                OutcomeSummaryCache.kind == KIND,
                OutcomeSummaryCache.data_version == now,
            )
        ).all()
    )
    result: dict[int, Differencing | None] = {}
    for key, snapshot in keys.items():
        if key in stored:
            try:
                result[snapshot.id] = _decode(session, stored[key])
                continue
            except (LookupError, ValueError, KeyError, TypeError):
                pass  # computed again below
        started = time.perf_counter()
        close = operations.differencing(session, snapshot, threshold)
        seconds = time.perf_counter() - started
        data.store(engine, key, now, _encode(close), seconds, utcnow(), kind=KIND)
        result[snapshot.id] = close
    return result
