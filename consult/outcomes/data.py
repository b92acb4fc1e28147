"""From the database to a summary: compute it from its sources, and cache it.

What a summary is read from lives in consult.outcomes.sources (SummarySources is imported here
and used as ``data.SummarySources`` throughout); a snapshot's response ids are encoded in
consult.outcomes.response_ids.

Flask-free: every function takes a SQLAlchemy connection or session, so the CLI, the views, the
benchmark and the tests share it.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import logging
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import case, func, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from consult.analysis.data import (
    ResponseFilter,
    load_responses,
)
from consult.contributions.models import Contribution
from consult.db import utcnow, writing
from consult.geography import region_labels
from consult.outcomes import changes, tallies
from consult.outcomes import contributions as contribution_data
from consult.outcomes.asked import split_answers
from consult.outcomes.coverage import contribution_filter, covers_contributions
from consult.outcomes.models import OutcomeSummaryCache
from consult.outcomes.sources import (
    ANSWER_COLUMNS,
    SummarySources,
    article_titles,
    fetch_answers,
    fetch_responses,
    stored_definitions,
)
from consult.outcomes.summary import SUMMARY_FORMAT, SummaryFilter, summarise
from consult.outcomes.text import load_codebook
from consult.questionnaires.models import Answer, Response

log = logging.getLogger(__name__)


def compute_summary(
    connection: Connection,
    sources: SummarySources,
    filters: SummaryFilter = SummaryFilter(),
    *,
    as_of: datetime | None = None,
    data_version: str | None = None,
    every_answer: bool = False,
) -> tuple[dict[str, Any], list[int]]:
    """Compute the summary from the database; return it with the submitted ids it covers.

    With ``as_of``, only responses submitted by then count, and drafts are the responses started
    by then and not yet submitted at that moment. The database counts the answers of closed
    questions; ``every_answer`` reads every answer into memory instead (the reference the tests
    hold the counted summary to: same figures, much slower).
    """
    with _collector_paused():
        return _compute(connection, sources, filters, as_of, data_version, every_answer)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while millions of rows are in memory.

    Reading 100,000 responses allocates millions of short-lived tuples and lists; each automatic
    collection then walks every live object again, which made the summary grow faster than the
    data. Nothing here creates reference cycles, so one collection at the end suffices.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _compute(
    connection: Connection,
    sources: SummarySources,
    filters: SummaryFilter,
    as_of: datetime | None,
    data_version: str | None,
    every_answer: bool = False,
) -> tuple[dict[str, Any], list[int]]:
    responses = fetch_responses(connection, filters.questionnaire)
    if as_of is not None:
        started = responses["started_at"] <= pd.Timestamp(as_of)
        submitted_then = (responses["status"] == "submitted") & (
            responses["submitted_at"] <= pd.Timestamp(as_of)
        )
        responses = responses[started].copy()
        responses.loc[~submitted_then[started], "status"] = "draft"
    # The filter's answer conditions look at a few answers; the statistics read the rest from
    # the database as they need it (closed questions counted there: consult.outcomes.tallies).
    condition_answers = (
        fetch_answers(connection, filters.questionnaire)
        if every_answer
        else _filter_answers(connection, filters)
    )
    clause = tallies.covered_clause(filters, as_of)

    def counted(
        key: str, plan: tallies.Plan, covered: pd.DataFrame
    ) -> tallies.QuestionnaireAnswers:
        of_questionnaire = [*clause, Response.questionnaire_key == key]
        found = connection.scalar(select(func.count(Response.id)).where(*of_questionnaire))
        if found != len(covered):
            # The database's reading of the filter disagrees with the frame's: never guess,
            # read every answer of the covered responses instead (slower, same figures).
            log.warning("summary filter read %s responses, expected %s", found, len(covered))
            split = split_answers(fetch_answers(connection, key), covered)
            return tallies.from_frames(split.get(key, {}), covered, plan)
        return tallies.read_answers(
            connection, of_questionnaire, [int(v) for v in covered["version_id"].unique()], plan
        )

    contribution_frame = contribution_data.load(connection, as_of)
    summary = summarise(
        responses,
        condition_answers,
        current=sources.current,
        definitions=stored_definitions(connection),
        themes=load_codebook(sources.codebook_path),
        region_labels=region_labels(str(sources.questionnaires_path)),
        article_titles=article_titles(sources.questionnaires_path),
        article_short_titles=article_titles(sources.questionnaires_path, "short_title"),
        contributions=contribution_frame,
        filters=filters,
        generated_at=utcnow(),
        data_version=data_version,
        source=None if every_answer else counted,
    )
    covered = responses.loc[responses["status"] == "submitted"]
    covered = covered[filters.select(covered, answers=condition_answers)]
    return summary, [int(i) for i in covered["response_id"]]


def _filter_answers(connection: Connection, filters: SummaryFilter) -> pd.DataFrame:
    """Return the answers that meet one of the filter's answer conditions (all it looks at)."""
    if not filters.answers:
        return tallies.empty_rows()
    query = select(Answer.response_id, Answer.question_key, Answer.part_key, Answer.value).where(
        or_(*(tallies.meets(condition) for condition in filters.answers))
    )
    return tallies.rows_frame(tallies.fetch_rows(connection, query))


def covered_ids(
    connection: Connection, filters: SummaryFilter = SummaryFilter(), as_of: datetime | None = None
) -> list[int]:
    """Return the ids of the submitted responses a summary with ``filters`` (and ``as_of``)
    covers, by the same rule as compute_summary, reading only the answers the filter names."""
    kept = covered_responses(connection, filters, as_of)
    return sorted(int(i) for i in kept["response_id"])


def covered_responses(
    connection: Connection, filters: SummaryFilter = SummaryFilter(), as_of: datetime | None = None
) -> pd.DataFrame:
    """Return the submitted responses (one row each, with the respondent's profile) that a
    summary with ``filters`` (and ``as_of``) covers (covered_ids' rule)."""
    responses = load_responses(
        connection, ResponseFilter(questionnaire=filters.questionnaire, submitted_only=True)
    )
    if as_of is not None:
        responses = responses[responses["submitted_at"] <= pd.Timestamp(as_of)]
    answers = None
    if filters.answers:
        questions = sorted({c.question for c in filters.answers})
        rows = connection.execute(
            select(Answer.response_id, Answer.question_key, Answer.part_key, Answer.value).where(
                Answer.question_key.in_(questions)
            )
        ).all()
        answers = pd.DataFrame(rows, columns=ANSWER_COLUMNS)
    return responses[filters.select(responses, answers=answers)].reset_index(drop=True)


def answers_of(
    connection: Connection, ids: Iterable[int], questions: Iterable[str]
) -> pd.DataFrame:
    """Return the long-form answers of responses ``ids`` to ``questions`` (a few questions)."""
    wanted = set(int(i) for i in ids)
    rows = connection.execute(
        select(Answer.response_id, Answer.question_key, Answer.part_key, Answer.value).where(
            Answer.question_key.in_(sorted(set(questions)))
        )
    ).all()
    frame = pd.DataFrame(rows, columns=ANSWER_COLUMNS)
    return frame[frame["response_id"].isin(wanted)].reset_index(drop=True)


def covered_contribution_ids(
    connection: Connection, filters: SummaryFilter = SummaryFilter(), as_of: datetime | None = None
) -> list[int]:
    """Return the published contributions a summary with ``filters`` (and ``as_of``) counts."""
    if not covers_contributions(filters):
        return []  # e.g. an answer filter: contributions answer no question
    frame = contribution_data.select(
        contribution_data.load(connection, as_of), contribution_filter(filters)
    )
    return sorted(int(i) for i in frame["contribution_id"])


# -- the shared cache -----------------------------------------------------------------------------


def response_figures(connection: Connection) -> tuple:
    """Return (responses, submitted, newest change, highest id) of the responses table.

    The newest entry of the change log (consult.outcomes.changes) moves with every write to a
    response or an answer, and costs one look-up; the counts walk the (questionnaire, status)
    index, not the table.
    """
    counts = connection.execute(
        select(
            func.count(Response.id),
            func.sum(case((Response.status == "submitted", 1), else_=0)),
            func.max(Response.id),
        )
    ).one()
    return (counts[0], counts[1], changes.newest_id(connection), counts[2])


def data_version(
    connection: Connection, sources: SummarySources, figures: tuple | None = None
) -> str:
    """Describe the data cheaply: counts and last change of responses (and contributions).

    Any submission, edit, deletion or new draft changes it; so does an edit of the codebook or
    the definitions. ``figures``: response_figures, when the caller read them already.
    """
    row = figures if figures is not None else response_figures(connection)
    parts = [str(v) for v in row]
    # Publishing, hiding, withdrawing or supporting a contribution changes one of these.
    published = Contribution.status == "published"
    contributions = connection.execute(
        select(
            func.sum(case((published, 1), else_=0)),
            func.sum(case((published, Contribution.support_count), else_=0)),
            func.max(case((published, Contribution.id))),
            func.max(Contribution.moderated_at),
        )
    ).one()
    parts.extend(str(v) for v in contributions)
    parts.append(sources.fingerprint())
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32] + f":{row[1] or 0}"


def cache_key(filters: SummaryFilter) -> str:
    """Return the cache key of a filtered summary."""
    payload = json.dumps({"format": SUMMARY_FORMAT, **filters.as_dict()}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass
class CachedSummary:
    """A summary and how it was obtained."""

    summary: dict[str, Any]
    from_cache: bool
    computed_at: datetime
    compute_seconds: float


def cached_summary(
    engine: Engine, sources: SummarySources, filters: SummaryFilter = SummaryFilter()
) -> CachedSummary:
    """Return the summary for ``filters``: from the shared cache if the data did not change.

    The cache is a table, so every worker and host shares it; a summary is written in its own
    short transaction, and a failure to store it never fails the page.
    """
    key = cache_key(filters)
    with engine.connect() as connection:
        version = data_version(connection, sources)
        row = connection.execute(
            select(
                OutcomeSummaryCache.data_version,
                OutcomeSummaryCache.payload,
                OutcomeSummaryCache.computed_at,
                OutcomeSummaryCache.compute_seconds,
            ).where(OutcomeSummaryCache.cache_key == key)
        ).one_or_none()
        if row is not None and row.data_version == version:
            return CachedSummary(
                json.loads(row.payload), True, row.computed_at, row.compute_seconds
            )
    started = time.perf_counter()
    summary = _live(engine, sources) if filters == SummaryFilter() else None
    if summary is not None:
        version = summary["data_version"]
    else:
        with engine.connect() as connection:
            summary, _ids = compute_summary(connection, sources, filters, data_version=version)
    seconds = time.perf_counter() - started
    computed_at = utcnow()
    store(engine, key, version, dumps(summary), seconds, computed_at)
    return CachedSummary(summary, False, computed_at, seconds)


def _live(engine: Engine, sources: SummarySources) -> dict[str, Any] | None:
    """The unfiltered summary from this process's live state (consult.outcomes.live), or None
    when it failed (logged; the caller then computes in full)."""
    from consult.outcomes import live  # live builds on this module

    try:
        summary, _version = live.live_summary(engine, sources)
    except Exception:  # noqa: BLE001 - the full summary still answers, only slower
        log.exception("the live outcomes summary failed; computing it in full")
        return None
    return summary


def cached_page(engine: Engine, key: str, version: str) -> str | None:
    """Return a rendered page part stored for ``key`` at this data version, if any."""
    with engine.connect() as connection:
        row = connection.execute(
            select(OutcomeSummaryCache.data_version, OutcomeSummaryCache.payload).where(
                OutcomeSummaryCache.cache_key == key
            )
        ).one_or_none()
    return row.payload if row is not None and row.data_version == version else None


def page_key(filters: SummaryFilter, language: str, variant: str) -> str:
    """The cache key of a rendered page part (per filter, language and template variant)."""
    return hashlib.sha256(f"html|{cache_key(filters)}|{language}|{variant}".encode()).hexdigest()


def store(
    engine: Engine,
    key: str,
    version: str,
    payload: str,
    seconds: float,
    computed_at: datetime,
    kind: str = "summary",
) -> None:
    """Write a computed summary (or rendered page part) to the shared cache."""
    values = {
        "kind": kind,
        "data_version": version,
        "payload": payload,
        "computed_at": computed_at,
        "compute_seconds": seconds,
    }
    try:
        with writing(), engine.begin() as connection:
            updated = connection.execute(
                update(OutcomeSummaryCache)
                .where(OutcomeSummaryCache.cache_key == key)
                .values(**values)
            ).rowcount
            if not updated:
                connection.execute(insert(OutcomeSummaryCache).values(cache_key=key, **values))
    except IntegrityError:
        pass  # another worker stored the same summary at the same moment
    except Exception:  # noqa: BLE001 - the cache is an optimisation; the page still answers
        log.exception("could not store the outcomes summary in the cache")


def dumps(summary: Mapping[str, Any]) -> str:
    """Serialise a summary the one way snapshots and the cache store it."""
    return json.dumps(summary, ensure_ascii=False, sort_keys=False, separators=(",", ":"))
