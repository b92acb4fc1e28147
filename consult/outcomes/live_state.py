"""What one process keeps of the live summary's inputs, and how a changed response goes in
and out of it (consult.outcomes.live holds the one state per process and makes the summary).

Each submitted response leaves its contribution in the state (closed-answer counts and their
answerers, the rows of number questions, "other" texts and conditions, its texts' analysis),
with enough to take it away again when it changes or goes. The summary's inputs are then read
back in the shape the full summary reads them (answers_of). No Flask here.

What is kept per response is kept compactly, because a worker must hold the whole state under
its memory bound (consult.serving, 512 MiB) at 100,000 responses: the codes of its closed
answers in one shared int32 buffer (consult.outcomes.live_records; which questions it answered
follows from them), its rows only in the per-question frames the summary reads (no second copy
by response), and every repeated string (a region, a number typed by thousands) as one shared
object. The figures, before and after: consult.outcomes.live.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Connection

from consult.outcomes import changes, tallies
from consult.outcomes.distribution import TEXT_TYPES, identifying_keys
from consult.outcomes.live_records import Records
from consult.outcomes.live_texts import NewText, TextFigures, TextReader
from consult.outcomes.participation import ParticipationCounts
from consult.outcomes.sources import fetch_responses
from consult.questionnaires.definition import OTHER_PART, Questionnaire
from consult.questionnaires.models import Answer

#: Responses whose answers are read per round trip; texts analysed per Corpus. Small enough
#: that a build's passing peak stays low (2,500 and 50,000 left the worker 115 MiB larger).
RESPONSES_READ = 1_000
BATCH = 10_000
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
    #: Questions flagged identifying in any version: counted, never mined for terms.
    identifying: frozenset[str] = frozenset()

    @classmethod
    def of(cls, definitions: Iterable[Questionnaire]) -> Layout:
        """Every question any stored version asks, by kind; conditions of every version."""
        kinds: dict[tuple[str, str], str] = {}
        multiple = set()
        identifying: set[str] = set()
        conditions: dict[str, set[tuple[str, str, str]]] = {}
        for definition in definitions:
            identifying |= identifying_keys(definition.questions)
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
        return cls(
            kinds,
            frozenset(multiple),
            {k: frozenset(v) for k, v in conditions.items()},
            frozenset(identifying),
        )


@dataclass
class _Rows:
    """Rows read since a question's frame was last built, in (response, answer) order."""

    response_ids: list[int] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)
    values: list[str] = field(default_factory=list)

    def drop(self, response_id: int) -> None:
        """Forget a response's rows (it changed again before the frame was built)."""
        kept = [i for i, r in enumerate(self.response_ids) if r != response_id]
        self.response_ids = [self.response_ids[i] for i in kept]
        self.parts = [self.parts[i] for i in kept]
        self.values = [self.values[i] for i in kept]

    def frame(self, question: str) -> pd.DataFrame:
        """These rows as tallies.rows_frame makes them (plain object columns)."""
        size = len(self.response_ids)
        columns = {}
        for name, listed in (
            ("question_key", None),
            ("part_key", self.parts),
            ("value", self.values),
        ):
            column = np.empty(size, dtype=object)
            column[:] = question if listed is None else listed
            columns[name] = pd.Series(column, dtype=object)
        frame = pd.DataFrame(
            {"response_id": np.asarray(self.response_ids, dtype=np.int64), **columns}
        )
        if size and not frame["response_id"].is_monotonic_increasing:
            frame = frame.sort_values("response_id", kind="stable", ignore_index=True)
        return frame


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
    #: Per submitted response: [questionnaire (index in self.questionnaires), version id,
    #: codes of its closed answers...]: what remove() takes away.
    closed: Records = field(default_factory=Records)
    questionnaires: list[str] = field(default_factory=list)
    texts: TextFigures | None = None
    #: questionnaire -> the participation counts of its responses (drafts too).
    participation: dict[str, ParticipationCounts] = field(default_factory=dict)
    refreshed_at: float = 0.0
    #: (questionnaire, question) -> its rows (numbers, "other" texts of multiple choices; under
    #: ("?" + questionnaire, question), rows meeting a condition) as the summary reads them;
    #: rows read since, and the responses whose rows were taken away since.
    _frames: dict[tuple[str, str], pd.DataFrame] = field(default_factory=dict)
    _pending: dict[tuple[str, str], _Rows] = field(default_factory=dict)
    _touched: dict[tuple[str, str], set[int]] = field(default_factory=dict)
    #: One object per distinct part or value string in the rows (a number typed by thousands).
    _strings: dict[str, str] = field(default_factory=dict)
    #: Questionnaires with a changed response since their summary was last made.
    dirty: set[str] = field(default_factory=set)
    #: The last summary of each questionnaire, pickled (reused while it is not dirty).
    made: dict[str, bytes] = field(default_factory=dict)

    # -- taking a response in and out ---------------------------------------------------------

    def remove(self, response_id: int) -> None:
        """Take a response's contribution away (it changed or is gone)."""
        record = self.closed.pop(response_id)
        if record is None:
            return
        questionnaire, version_id = self.questionnaires[record[0]], int(record[1])
        codes = record[2:].tolist()
        for code in codes:
            left = self.counts[code] - 1
            if left:
                self.counts[code] = left
            else:
                del self.counts[code]
        for question, (with_parts, plain) in self._answered(codes).items():
            key = (questionnaire, version_id, question)
            figures = self.answerers[key]
            figures[0] -= 1
            figures[1] -= with_parts
            figures[2] -= plain
            if not figures[0]:
                del self.answerers[key]
        for prefix in (questionnaire, "?" + questionnaire):
            for where, _question in self._rows_of(prefix):
                self._touched.setdefault(where, set()).add(response_id)
                if where in self._pending:
                    self._pending[where].drop(response_id)
        self.dirty.add(questionnaire)
        assert self.texts is not None
        self.texts.remove(response_id)

    def _answered(self, codes: Iterable[int]) -> dict[str, tuple[bool, bool]]:
        """Closed questions answered by these codes: question -> (with a part other than
        "other", plain), as consult.outcomes.tallies counts answerers."""
        flags: dict[str, tuple[bool, bool]] = {}
        for code in codes:
            _questionnaire, question, part, _value = self.triples[code]
            with_parts, plain = flags.get(question, (False, False))
            flags[question] = (with_parts or part != OTHER_PART, plain or part == "")
        return flags

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
        if questionnaire not in self.questionnaires:
            self.questionnaires.append(questionnaire)
        closed: list[int] = [self.questionnaires.index(questionnaire), version_id]
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
                if part == OTHER_PART and where in self.layout.multiple:
                    self._row(where, response_id, part, value)
            elif kind == NUMBER:
                self._row(where, response_id, part, value)
            elif kind == TEXT and part == "":
                texts.append(
                    NewText(questionnaire, question, (response_id, answer_id), value, language)
                )
            if (question, part, value) in conditions:
                self._row(("?" + questionnaire, question), response_id, part, value)
        for question, (with_parts, plain) in self._answered(closed[2:]).items():
            figures = self.answerers.setdefault((questionnaire, version_id, question), [0, 0, 0])
            figures[0] += 1
            figures[1] += with_parts
            figures[2] += plain
        self.closed.put(response_id, closed)

    def _row(self, where: tuple[str, str], response_id: int, part: str, value: str) -> None:
        pending = self._pending.get(where)
        if pending is None:
            pending = self._pending[where] = _Rows()
        share = self._strings.setdefault
        pending.response_ids.append(response_id)
        pending.parts.append(share(part, part))
        pending.values.append(share(value, value))

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
        self.texts = TextFigures(self.themes, self.layout.identifying)
        self.responses = _plain(fetch_responses(connection))
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
        fresh = _plain(fetch_responses(connection, ids=changed))
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

    @staticmethod
    def quote_reader(connection: Connection) -> TextReader:
        """A TextReader reading quoted texts by answer id, in the refresh's snapshot."""

        def read(answer_ids: Sequence[int]) -> dict[int, str]:
            found: dict[int, str] = {}
            for start in range(0, len(answer_ids), RESPONSES_READ):
                chunk = list(answer_ids[start : start + RESPONSES_READ])
                query = select(Answer.id, Answer.value).where(Answer.id.in_(chunk))
                found.update((int(i), str(v)) for i, v in tallies.fetch_rows(connection, query))
            return found

        return read

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
        wheres = [*self._frames, *(w for w in self._pending if w not in self._frames)]
        return [(where, where[1]) for where in wheres if where[0] == prefix]

    def _frame(self, questionnaire: str, question: str, where: tuple[str, str]) -> pd.DataFrame:
        """One question's rows as a frame in (response, answer) order: built once, then only
        the rows of the responses that changed are dropped and read again."""
        frame = self._frames.get(where)
        touched = self._touched.pop(where, None)
        pending = self._pending.pop(where, None)
        if frame is not None and touched:
            ids = np.fromiter(touched, dtype=np.int64, count=len(touched))
            kept = ~np.isin(frame["response_id"].to_numpy(), ids)
            if not kept.all():
                frame = frame.loc[kept].reset_index(drop=True)
        if pending is not None and (frame is None or pending.response_ids):
            again = pending.frame(question)
            if frame is None or not len(frame):
                frame = again
            elif len(again):
                merged = pd.concat([frame, again], ignore_index=True)
                if again["response_id"].iloc[0] < frame["response_id"].iloc[-1]:
                    merged = merged.sort_values("response_id", kind="stable", ignore_index=True)
                frame = merged
        assert frame is not None
        self._frames[where] = frame
        return frame

    def nbytes(self) -> dict[str, int]:
        """Approximate bytes held by each part of the state (benchmarks)."""
        assert self.responses is not None and self.texts is not None
        strings = sum(len(s) + 49 for s in self._strings)
        return {
            "responses": int(self.responses.memory_usage(index=True).sum()),
            "closed answers": self.closed.nbytes(),
            "rows": sum(int(f.memory_usage(index=True).sum()) for f in self._frames.values())
            + strings,
            "texts": self.texts.nbytes(),
            "summaries": sum(len(made) for made in self.made.values()),
        }


def _plain(responses: pd.DataFrame) -> pd.DataFrame:
    """The responses frame with its text columns as plain objects: pandas' string columns cost
    a copy and a null check per operation, which the live summary would pay at every refresh.
    Missing values stay missing (None), so every figure is the same. Each distinct value is
    one object (the driver gives a new string per row: 40 MiB at 100,000 responses)."""
    texts = [c for c in responses.columns if pd.api.types.is_string_dtype(responses[c].dtype)]
    plain = responses.astype({c: object for c in texts})
    for column in texts:
        codes, distinct = pd.factorize(plain[column].to_numpy(dtype=object))
        shared = np.empty(len(distinct) + 1, dtype=object)
        shared[: len(distinct)] = list(distinct)
        shared[-1] = None  # code -1: missing
        plain[column] = pd.Series(shared[codes], index=plain.index, dtype=object)
    return plain
