"""The live summary: the unfiltered summary kept up to date one changed response at a time.

A full summary reads every answer (counted by the database for closed questions) and cuts
every text into words: 25 s and more at 100,000 responses, paid again after each new response.
Here a process keeps, in memory, what every submitted response adds to the summary's inputs:

- the responses frame (drafts too), as the full summary reads it;
- counts per (question, part, value) of closed questions and their answerers per version, as
  consult.outcomes.tallies counts them, plus the closed answers each response gave (as small
  integer codes), so that an edit or a withdrawal can take its old contribution away;
- the rows of number questions, the "other" texts of multiple choices and the answers that
  conditions look at, per question and response;
- the text answers, analysed once each (consult.outcomes.live_texts).

Which responses changed comes from the change log that database triggers write in the same
transaction as every change (consult.outcomes.changes): a refresh reads the log entries after
the last one it applied, removes those responses' contributions, re-reads them and adds them
back. Work is proportional to the change. The summary itself is then made by the very same
functions as the full one (summary.summarise with these inputs as its source), so the two are
equal figure for figure (tests/outcomes/test_live.py feeds random changes on SQLite and
PostgreSQL and compares after each).

Why in each process rather than in a shared table: the state is large (every text's analysis),
and reading and writing it at each refresh would cost what it saves. Workers and hosts share
the result instead: the summary is stored in the shared cache (data.cached_summary) under its
data version, so a worker whose version matches reads it; each worker's state is its own, so
two refreshes at once never corrupt anything. A state is built on the first refresh a process
makes (as long as a full summary), and rebuilt when the definitions, codebook or labels change
or when it was not refreshed for longer than the log keeps entries. Any failure drops the state
and the caller falls back to the full summary. No Flask here.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import logging
import pickle
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from consult.db import utcnow, writing
from consult.geography import region_labels
from consult.outcomes import changes, data, tallies
from consult.outcomes import contributions as contribution_data
from consult.outcomes.distribution import TEXT_TYPES
from consult.outcomes.live_texts import NewText, TextFigures
from consult.outcomes.participation import ParticipationCounts
from consult.outcomes.summary import SummaryFilter, summarise
from consult.outcomes.text import load_codebook
from consult.questionnaires.definition import OTHER_PART, Questionnaire
from consult.questionnaires.models import Answer

log = logging.getLogger(__name__)

#: Responses whose answers are read per round trip; texts analysed per Corpus.
RESPONSES_READ = 2_500
BATCH = 50_000
TALLIED, NUMBER, TEXT, OTHER = "tallied", "number", "text", "other"


class LiveUnavailable(Exception):
    """The live summary cannot serve these definitions: the caller computes in full."""


@dataclass(frozen=True)
class Layout:
    """How each questionnaire's answers feed the summary, from every stored definition."""

    #: (questionnaire, question) -> TALLIED, NUMBER or TEXT.
    kinds: Mapping[tuple[str, str], str]
    #: Multiple choices, whose "other" texts are kept as rows.
    multiple: frozenset[tuple[str, str]]
    #: questionnaire -> (question, part, value) that a condition looks at.
    conditions: Mapping[str, frozenset[tuple[str, str, str]]]

    @classmethod
    def of(cls, definitions: Iterable[Questionnaire]) -> Layout:
        """Every question any stored version asks, by kind; conditions of every version."""
        kinds: dict[tuple[str, str], str] = {}
        multiple = set()
        conditions: dict[str, set[tuple[str, str, str]]] = {}
        for definition in definitions:
            plan = tallies.plan_for(definition.questions, [definition])
            for question in definition.questions:
                where = (definition.key, question.key)
                if question.type in tallies.TALLIED_TYPES:
                    kind = TALLIED
                elif question.type in TEXT_TYPES:
                    kind = TEXT
                else:
                    kind = NUMBER
                if kinds.setdefault(where, kind) != kind:
                    raise LiveUnavailable(f"{where} changes kind between versions")
                if question.type == "multiple_choice":
                    multiple.add(where)
            conditions.setdefault(definition.key, set()).update(plan.conditions)
        return cls(kinds, frozenset(multiple), {k: frozenset(v) for k, v in conditions.items()})


@dataclass
class _Kept:
    """What one submitted response added: enough to take it away again."""

    questionnaire: str
    version_id: int
    #: Codes of its closed answers (question, part, value), see LiveState.codes.
    closed: tuple[int, ...]
    #: Closed questions it answered: (question, with a part other than "other", plain).
    answered: tuple[tuple[str, bool, bool], ...]
    #: (questionnaire, question) of the rows it added.
    rows: tuple[tuple[str, str], ...]


@dataclass
class LiveState:
    """One process's inputs of the unfiltered summary, and how far it has read the change log."""

    identity: tuple
    layout: Layout
    themes: tuple
    cursor: changes.ChangeCursor = field(default_factory=changes.ChangeCursor)
    responses: pd.DataFrame | None = None
    #: (questionnaire, question, part, value) -> code, and back.
    codes: dict[tuple[str, str, str, str], int] = field(default_factory=dict)
    triples: list[tuple[str, str, str, str]] = field(default_factory=list)
    counts: dict[int, int] = field(default_factory=dict)
    #: (questionnaire, version id, question) -> [answered, with parts, plain].
    answerers: dict[tuple[str, int, str], list[int]] = field(default_factory=dict)
    #: (questionnaire, question) -> response id -> [(answer id, part, value)]: numbers, "other"
    #: texts, and (under the key ("?" + questionnaire, question)) rows meeting a condition.
    rows: dict[tuple[str, str], dict[int, list[tuple[int, str, str]]]] = field(default_factory=dict)
    kept: dict[int, _Kept] = field(default_factory=dict)
    texts: TextFigures | None = None
    #: questionnaire -> the participation counts of its responses (drafts too).
    participation: dict[str, ParticipationCounts] = field(default_factory=dict)
    refreshed_at: float = 0.0
    #: Frames of self.rows already built, and the responses changed in each since.
    _frames: dict[tuple[str, str], pd.DataFrame] = field(default_factory=dict)
    _touched: dict[tuple[str, str], set[int]] = field(default_factory=dict)
    #: Questionnaires with a changed response since their summary was last made.
    dirty: set[str] = field(default_factory=set)
    #: The last summary of each questionnaire, pickled (reused while it is not dirty).
    made: dict[str, bytes] = field(default_factory=dict)

    # -- taking a response in and out ---------------------------------------------------------

    def remove(self, response_id: int) -> None:
        """Take a response's contribution away (it changed or is gone)."""
        kept = self.kept.pop(response_id, None)
        if kept is None:
            return
        for code in kept.closed:
            left = self.counts[code] - 1
            if left:
                self.counts[code] = left
            else:
                del self.counts[code]
        for question, with_parts, plain in kept.answered:
            key = (kept.questionnaire, kept.version_id, question)
            figures = self.answerers[key]
            figures[0] -= 1
            figures[1] -= with_parts
            figures[2] -= plain
            if not figures[0]:
                del self.answerers[key]
        for where in kept.rows:
            self.rows[where].pop(response_id, None)
            self._touched.setdefault(where, set()).add(response_id)
        self.dirty.add(kept.questionnaire)
        assert self.texts is not None
        self.texts.remove(response_id)

    def add(
        self,
        response_id: int,
        questionnaire: str,
        version_id: int,
        language: str,
        answers: Sequence[tuple[str, str, str, int]],
        texts: list[NewText],
    ) -> None:
        """Add a submitted response's answers (question, part, value, answer id), in answer
        order; its texts are appended to ``texts`` for analysis in one batch."""
        kinds, conditions = self.layout.kinds, self.layout.conditions.get(questionnaire, ())
        self.dirty.add(questionnaire)
        closed: list[int] = []
        flags: dict[str, list[bool]] = {}
        rows: set[tuple[str, str]] = set()
        for question, part, value, answer_id in answers:
            where = (questionnaire, question)
            kind = kinds.get(where)
            if kind == TALLIED:
                triple = (questionnaire, question, part, value)
                code = self.codes.get(triple)
                if code is None:
                    code = self.codes[triple] = len(self.triples)
                    self.triples.append(triple)
                closed.append(code)
                self.counts[code] = self.counts.get(code, 0) + 1
                flag = flags.setdefault(question, [False, False])
                flag[0] |= part != OTHER_PART
                flag[1] |= part == ""
                if part == OTHER_PART and where in self.layout.multiple:
                    self._row(where, response_id, answer_id, part, value, rows)
            elif kind == NUMBER:
                self._row(where, response_id, answer_id, part, value, rows)
            elif kind == TEXT and part == "":
                texts.append(
                    NewText(questionnaire, question, (response_id, answer_id), value, language)
                )
            if (question, part, value) in conditions:
                meets = ("?" + questionnaire, question)
                self._row(meets, response_id, answer_id, part, value, rows)
        for question, (with_parts, plain) in flags.items():
            figures = self.answerers.setdefault((questionnaire, version_id, question), [0, 0, 0])
            figures[0] += 1
            figures[1] += with_parts
            figures[2] += plain
        self.kept[response_id] = _Kept(
            questionnaire,
            version_id,
            tuple(closed),
            tuple((q, bool(f[0]), bool(f[1])) for q, f in flags.items()),
            tuple(rows),
        )

    def _row(self, where, response_id, answer_id, part, value, rows) -> None:
        self.rows.setdefault(where, {}).setdefault(response_id, []).append((part, value))
        self._touched.setdefault(where, set()).add(response_id)
        rows.add(where)

    # -- reading from the database -------------------------------------------------------------

    def take_in(self, connection: Connection, responses: pd.DataFrame) -> None:
        """Read and add the answers of the submitted ones among ``responses``."""
        submitted = responses.loc[responses["status"] == "submitted"]
        about = {
            int(r): (str(q), int(v), str(lang) if isinstance(lang, str) else "en")
            for r, q, v, lang in zip(
                submitted["response_id"],
                submitted["questionnaire"],
                submitted["version_id"],
                submitted["language"].fillna("en"),
                strict=True,
            )
        }
        texts: list[NewText] = []
        ids = sorted(about)
        columns = (Answer.response_id, Answer.question_key, Answer.part_key, Answer.value)
        for start in range(0, len(ids), RESPONSES_READ):
            chunk = ids[start : start + RESPONSES_READ]
            query = (
                select(*columns, Answer.id)
                .where(Answer.response_id.in_(chunk))
                .order_by(Answer.response_id, Answer.id)
            )
            answers = tallies.fetch_rows(connection, query)
            by_response: dict[int, list[tuple[str, str, str, int]]] = {r: [] for r in chunk}
            for response_id, question, part, value, answer_id in answers:
                by_response[int(response_id)].append((question, part, value, int(answer_id)))
            for response_id, given in by_response.items():
                questionnaire, version_id, language = about[response_id]
                self.add(response_id, questionnaire, version_id, language, given, texts)
            if len(texts) >= BATCH:
                assert self.texts is not None
                self.texts.add(texts)
                texts = []
        assert self.texts is not None
        self.texts.add(texts)

    def build(self, connection: Connection) -> None:
        """Read everything once (the first refresh of a process)."""
        self.cursor.start(connection)
        self.texts = TextFigures(self.themes)
        self.responses = _plain(data.fetch_responses(connection))
        self._count_participation(self.responses, 1)
        self.take_in(connection, self.responses)
        self.refreshed_at = time.monotonic()

    def catch_up(self, connection: Connection) -> int:
        """Apply the changes logged since the last refresh; return how many responses."""
        changed = sorted(self.cursor.read(connection))
        self.refreshed_at = time.monotonic()
        if not changed:
            return 0
        for response_id in changed:
            self.remove(response_id)
        fresh = _plain(data.fetch_responses(connection, ids=changed))
        assert self.responses is not None
        gone = self.responses["response_id"].isin(changed)
        # A draft counts in its questionnaire's participation: its summary is remade too.
        self.dirty.update(self.responses.loc[gone, "questionnaire"].astype(str))
        self.dirty.update(fresh["questionnaire"].astype(str))
        self._count_participation(self.responses.loc[gone], -1)
        self._count_participation(fresh, 1)
        kept = self.responses.loc[~gone]
        merged = pd.concat([kept, fresh], ignore_index=True) if len(fresh) else kept
        if len(fresh) and len(kept) and fresh["response_id"].min() < kept["response_id"].max():
            merged = merged.sort_values("response_id", kind="stable")
        self.responses = merged.reset_index(drop=True)
        self.take_in(connection, fresh)
        return len(changed)

    def _count_participation(self, responses: pd.DataFrame, sign: int) -> None:
        """Add (1) or take away (-1) these responses' participation counts."""
        submitted = responses["status"] == "submitted"
        for questionnaire, of_questionnaire in responses.groupby("questionnaire", sort=False):
            counts = self.participation.setdefault(str(questionnaire), ParticipationCounts())
            is_submitted = submitted.loc[of_questionnaire.index]
            counts.add(of_questionnaire[is_submitted], of_questionnaire[~is_submitted], sign)

    def participation_of(self, questionnaire: str) -> ParticipationCounts:
        """The participation counts of a questionnaire's responses and drafts."""
        return self.participation.get(questionnaire) or ParticipationCounts()

    def agrees_with(self, figures: tuple) -> bool:
        """Whether the kept responses have the counts and highest id of the table's."""
        assert self.responses is not None
        frame = self.responses
        submitted = int((frame["status"] == "submitted").sum())
        highest = int(frame["response_id"].max()) if len(frame) else None
        return (len(frame), submitted, highest) == (
            int(figures[0]),
            int(figures[1] or 0),
            None if figures[3] is None else int(figures[3]),
        )

    # -- the summary's inputs ------------------------------------------------------------------

    def answers_of(self, questionnaire: str) -> tallies.QuestionnaireAnswers:
        """The QuestionnaireAnswers the full summary would read for one questionnaire."""
        counts = sorted(
            (*self.triples[code][1:], n)
            for code, n in self.counts.items()
            if self.triples[code][0] == questionnaire
        )
        answerers = [
            (version_id, question, *figures)
            for (key, version_id, question), figures in sorted(self.answerers.items())
            if key == questionnaire
        ]
        rows = {q: self._frame(questionnaire, q, w) for w, q in self._rows_of(questionnaire)}
        conditions = {
            q: self._frame(questionnaire, q, w) for w, q in self._rows_of("?" + questionnaire)
        }
        return tallies.QuestionnaireAnswers(
            tallies._typed_counts(pd.DataFrame(counts, columns=tallies.COUNT_COLUMNS)),
            tallies._typed_answerers(pd.DataFrame(answerers, columns=tallies.ANSWERER_COLUMNS)),
            {q: f for q, f in rows.items() if len(f)},
            {q: f for q, f in conditions.items() if len(f)},
        )

    def _rows_of(self, prefix: str) -> list[tuple[tuple[str, str], str]]:
        return [(where, where[1]) for where in self.rows if where[0] == prefix]

    def _frame(self, questionnaire: str, question: str, where: tuple[str, str]) -> pd.DataFrame:
        """One question's kept rows as a frame in (response, answer) order: built once, then
        only the rows of the responses that changed are dropped and read again."""
        frame = self._frames.get(where)
        touched = self._touched.pop(where, set())
        by_response = self.rows[where]
        if frame is None:
            frame = self._rows_frame(by_response, sorted(by_response), question)
        elif touched:
            kept = frame.loc[~np.isin(frame["response_id"].to_numpy(), list(touched))]
            again = self._rows_frame(
                by_response, sorted(r for r in touched if r in by_response), question
            )
            if len(again):
                frame = pd.concat([kept, again], ignore_index=True)
                if len(kept) and again["response_id"].min() < kept["response_id"].max():
                    frame = frame.sort_values("response_id", kind="stable")
            else:
                frame = kept
            frame = frame.reset_index(drop=True)
        self._frames[where] = frame
        return frame

    @staticmethod
    def _rows_frame(
        by_response: Mapping[int, list[tuple[str, str]]], order: list[int], question: str
    ) -> pd.DataFrame:
        listed = [by_response[response_id] for response_id in order]
        sizes = np.fromiter((len(rows) for rows in listed), np.int64, len(listed))
        flat = list(itertools.chain.from_iterable(listed))
        parts = np.empty(len(flat), dtype=object)
        values = np.empty(len(flat), dtype=object)
        parts[:] = [part for part, _value in flat]
        values[:] = [value for _part, value in flat]
        questions = np.empty(len(flat), dtype=object)
        questions[:] = question
        return pd.DataFrame(
            {
                "response_id": np.repeat(np.asarray(order, dtype=np.int64), sizes),
                # Plain object columns, as tallies.rows_frame makes them.
                "question_key": pd.Series(questions, dtype=object),
                "part_key": pd.Series(parts, dtype=object),
                "value": pd.Series(values, dtype=object),
            }
        )


def _plain(responses: pd.DataFrame) -> pd.DataFrame:
    """The responses frame with its text columns as plain objects: pandas' string columns cost
    a copy and a null check per operation, which the live summary would pay at every refresh.
    Missing values stay missing (None), so every figure is the same."""
    texts = [c for c in responses.columns if pd.api.types.is_string_dtype(responses[c].dtype)]
    plain = responses.astype({c: object for c in texts})
    for column in texts:
        plain[column] = plain[column].where(plain[column].notna(), None)
    return plain


# -- one state per process ------------------------------------------------------------------------

_lock = threading.Lock()
_state: LiveState | None = None
_pruned_at = -3600.0


def _identity(engine: Engine, sources: data.SummarySources, connection: Connection) -> tuple:
    stored = data.stored_definitions(connection)
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
    definitions = data.stored_definitions(connection).values()
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

    The state holds millions of small objects (every text's analysis, every response's
    contribution); each full pass of the cyclic garbage collector walks them all, seconds at
    100,000 responses, and a refresh that allocates a few thousand objects sets one off now and
    then: the refresh time jumped from 0.6 to several seconds of CPU. Frozen objects are still
    freed by reference counting when the state drops them; they are only no longer walked.
    Collected first, so that no garbage is frozen with them.
    """
    gc.collect()
    gc.freeze()


def _summarise(
    connection: Connection, sources: data.SummarySources, state: LiveState, version: str | None
) -> dict[str, Any]:
    assert state.responses is not None and state.texts is not None
    texts = state.texts
    unchanged = {
        key: pickle.loads(made)  # noqa: S301 - our own pickles, made in this process
        for key, made in state.made.items()
        if key not in state.dirty
    }
    summary = summarise(
        state.responses,
        tallies.empty_rows(),
        current=sources.current,
        definitions=data.stored_definitions(connection),
        themes=state.themes,
        region_labels=region_labels(str(sources.questionnaires_path)),
        article_titles=data.article_titles(sources.questionnaires_path),
        article_short_titles=data.article_titles(sources.questionnaires_path, "short_title"),
        contributions=contribution_data.load(connection, None),
        filters=SummaryFilter(),
        generated_at=utcnow(),
        data_version=version,
        source=lambda key, _plan, _covered: state.answers_of(key),
        texts_source=texts.figures,
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


def reset() -> None:
    """Forget this process's state (tests; after a restore)."""
    global _state
    with _lock:
        _state = None
