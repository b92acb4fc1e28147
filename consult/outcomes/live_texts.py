"""The figures of text questions, kept up to date one text at a time (for the live summary).

free_text.summarise_texts cuts every text of a questionnaire into words at each summary: most
of a full summary's time at 100,000 responses. Every figure it gives is a sum over texts, each
text judged on its own (its language from its stop words, the distinct terms it uses, the
themes whose phrases it holds, whether it is short enough to quote), so each text is analysed
once, when it arrives, with the very same Corpus functions, and its contribution kept:

- answered: respondents with a non-blank text (identifying questions included; a response has
  at most one text per question);
- languages and (language, term) counts, as Counters;
- per theme, the texts that match it and those readable enough to quote, as sorted arrays of
  (response, answer) keys, so that the quotes are the first ones, as in the full summary;
- texts matching no theme (uncoded).

A change removes the contribution of the response's old texts and adds the new ones. The
figures then come from the Counters and arrays, never from the texts again, and equal the full
summary's figure for figure (tests/outcomes/test_live.py).

What a response's texts added is kept as one int32 record (consult.outcomes.live_records):
per text its question, answer id, language, themes and terms as small integer codes; the text
itself is not kept (150 characters on average, 300,000 texts at 100,000 responses): the few
quoted ones are read back from the database by answer id when a summary is made, in the same
snapshot as the state was brought up to date in. No Flask here.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from consult.outcomes import text as text_tools
from consult.outcomes.distribution import (
    EXAMPLE_QUOTES,
    TOP_TERMS,
    question_base,
    share,
)
from consult.outcomes.live_records import Records
from consult.questionnaires.definition import Question

#: (response id, answer id): the order texts are read, compared and quoted in.
TextKey = tuple[int, int]
#: Answer ids -> their texts, read from the database (the quotes).
TextReader = Callable[[Sequence[int]], Mapping[int, str]]
#: Language code of a text that is not mined (identifying questions): counted as answered only.
NOT_MINED = -1


@dataclass(frozen=True)
class NewText:
    """A text answer to analyse: where it belongs and the respondent's interface language."""

    questionnaire: str
    question: str
    key: TextKey
    text: str
    language: str


def _key(response_id: int, answer_id: int) -> int:
    """A text's (response, answer) key as one int64, in the same order."""
    if not 0 <= answer_id < 2**32:
        raise OverflowError(f"answer id out of range: {answer_id}")
    return (response_id << 32) | answer_id


_NO_KEYS = np.zeros(0, dtype=np.int64)


@dataclass
class _QuestionTexts:
    """The running totals of one question's texts."""

    themes: int
    #: Respondents with a non-blank text (identifying questions included).
    answered: int = 0
    #: Texts mined (non-blank, not identifying).
    mined: int = 0
    languages: Counter = field(default_factory=Counter)
    terms: dict[str, Counter] = field(default_factory=dict)
    uncoded: int = 0

    def __post_init__(self) -> None:
        #: Per theme, the keys (see _key) of the texts it matches / of those readable, sorted.
        self.hits: list[np.ndarray] = [_NO_KEYS] * self.themes
        self.readable: list[np.ndarray] = [_NO_KEYS] * self.themes


class TextFigures:
    """Every analysed text answer of every questionnaire, and the figures they add up to."""

    def __init__(self, themes: Sequence[text_tools.Theme], identifying: Iterable[str] = ()) -> None:
        self.themes = tuple(themes)
        #: Keys of the questions whose answers identify who answered: never mined.
        self.identifying = frozenset(identifying)
        self._questions: dict[tuple[str, str], _QuestionTexts] = {}
        #: Small integer codes of questions, languages and terms in the records.
        self._question_keys: list[tuple[str, str]] = []
        self._question_index: dict[tuple[str, str], int] = {}
        self._languages = _Codes()
        self._terms = _Codes()
        #: response id -> per text [question, answer id, language (NOT_MINED), readable,
        #: number of themes, themes..., number of terms, terms...]: what a change removes.
        self._records = Records()

    def _question(self, questionnaire: str, question: str) -> tuple[int, _QuestionTexts]:
        where = (questionnaire, question)
        index = self._question_index.get(where)
        if index is None:
            self._questions[where] = _QuestionTexts(len(self.themes))
            index = self._question_index[where] = len(self._question_keys)
            self._question_keys.append(where)
        return index, self._questions[where]

    def add(self, texts: Sequence[NewText]) -> None:
        """Analyse new text answers (all at once: one Corpus) and add them to the figures."""
        kept = [t for t in texts if str(t.text).strip()]
        minable = [t for t in kept if t.question not in self.identifying]
        if minable:
            corpus = text_tools.Corpus(pd.Series([t.text for t in minable], dtype=object))
            detected = corpus.languages(np.asarray([t.language for t in minable], dtype=object))
            matches = (
                corpus.themes(self.themes).to_numpy()
                if self.themes
                else np.zeros((len(minable), 0), dtype=bool)
            )
            counts = corpus.term_counts(np.arange(len(minable), dtype=np.int64), detected)
        terms: list[list[int]] = [[] for _ in minable]
        if minable:
            code = self._terms.code
            for position, term in zip(counts["group"].to_numpy(), counts["term"], strict=True):
                terms[int(position)].append(code(str(term)))
        records: dict[int, list[int]] = {}
        #: (question index, theme column) -> keys of the new texts.
        new_hits: dict[tuple[int, int], list[int]] = {}
        new_readable: dict[tuple[int, int], list[int]] = {}
        position = 0
        for item in kept:
            index, question = self._question(item.questionnaire, item.question)
            question.answered += 1
            response_id, answer_id = item.key
            record = records.setdefault(response_id, [])
            if item.question in self.identifying:
                record.extend((index, answer_id, NOT_MINED, 0, 0, 0))
                continue
            language = str(detected[position])
            themes = [int(c) for c in np.flatnonzero(matches[position])]
            readable = 40 <= len(str(item.text)) <= 400
            used = terms[position]
            position += 1
            record.extend(
                (index, answer_id, self._languages.code(language), int(readable), len(themes))
            )
            record.extend(themes)
            record.append(len(used))
            record.extend(used)
            question.mined += 1
            question.languages[language] += 1
            by_term = question.terms.setdefault(language, Counter())
            for term in used:
                by_term[self._terms.values[term]] += 1
            key = _key(response_id, answer_id)
            for column in themes:
                new_hits.setdefault((index, column), []).append(key)
                if readable:
                    new_readable.setdefault((index, column), []).append(key)
            if not themes:
                question.uncoded += 1
        for (index, column), keys in new_hits.items():
            question = self._questions[self._question_keys[index]]
            question.hits[column] = _merged(question.hits[column], keys)
        for (index, column), keys in new_readable.items():
            question = self._questions[self._question_keys[index]]
            question.readable[column] = _merged(question.readable[column], keys)
        for response_id, record in records.items():
            before = self._records.get(response_id)
            self._records.put(response_id, record if before is None else [*before, *record])

    def remove(self, response_id: int) -> None:
        """Take a response's texts out of the figures (before an edit or a withdrawal)."""
        record = self._records.pop(response_id)
        values = [] if record is None else record.tolist()
        at = 0
        while at < len(values):
            index, answer_id, language_code, readable, themes = values[at : at + 5]
            at += 5
            columns = values[at : at + themes]
            at += themes
            used = values[at + 1 : at + 1 + values[at]]
            at += 1 + len(used)
            question = self._questions[self._question_keys[index]]
            question.answered -= 1
            if language_code == NOT_MINED:
                continue
            language = self._languages.values[language_code]
            question.mined -= 1
            _decrement(question.languages, language)
            by_term = question.terms[language]
            for term in used:
                _decrement(by_term, self._terms.values[term])
            key = _key(response_id, answer_id)
            for column in columns:
                question.hits[column] = _without(question.hits[column], key)
                if readable:
                    question.readable[column] = _without(question.readable[column], key)
            if not columns:
                question.uncoded -= 1

    def figures(
        self,
        questionnaire: str,
        questions: Sequence[Question],
        asked: Mapping[str, int],
        read: TextReader,
    ) -> dict[str, dict[str, Any]]:
        """The figures free_text.summarise_texts gives for these text questions; ``read``
        gives the quoted texts by answer id."""
        results = {}
        quotes: list[dict[str, Any]] = []
        for question in questions:
            kept = self._questions.get((questionnaire, question.key))
            answered = kept.answered if kept is not None else 0
            result = question_base(question, answered, asked.get(question.key, 0))
            result["identifying"] = question.key in self.identifying or question.identifying
            if result["identifying"] or kept is None or not kept.mined:
                result.update(languages={}, terms={}, themes=[], uncoded=answered)
                if result["identifying"]:
                    result["uncoded"] = 0
                results[question.key] = result
                continue
            languages = kept.languages
            result["languages"] = {lang: int(languages[lang]) for lang in sorted(languages)}
            result["terms"] = {
                lang: [
                    [term, int(n)]
                    for term, n in heapq.nsmallest(
                        TOP_TERMS, kept.terms[lang].items(), key=lambda item: (-item[1], item[0])
                    )
                ]
                for lang in sorted(kept.terms)
                if kept.terms[lang]
            }
            themes = []
            for column, theme in enumerate(self.themes):
                hits = kept.hits[column]
                if not len(hits):
                    continue
                readable = kept.readable[column]
                chosen = (readable if len(readable) >= EXAMPLE_QUOTES else hits)[:EXAMPLE_QUOTES]
                quoted = [
                    {"response_id": int(k) >> 32, "text": int(k) & 0xFFFFFFFF} for k in chosen
                ]
                quotes.extend(quoted)
                themes.append(
                    {
                        "key": theme.key,
                        "label": dict(theme.label),
                        "count": len(hits),
                        "share": share(len(hits), answered),
                        "quotes": quoted,
                    }
                )
            result["themes"] = sorted(themes, key=lambda t: (-t["count"], t["key"]))
            result["uncoded"] = int(kept.uncoded)
            results[question.key] = result
        if quotes:
            # Until now each quote's "text" held its answer id.
            texts = read(sorted({quote["text"] for quote in quotes}))
            for quote in quotes:
                quote["text"] = texts[quote["text"]]
        return results

    def nbytes(self) -> int:
        """Approximate bytes held (benchmarks): records, theme keys, counters."""
        keys = sum(a.nbytes for q in self._questions.values() for a in (*q.hits, *q.readable))
        counters = sum(
            64 * (len(q.languages) + sum(len(c) for c in q.terms.values()))
            for q in self._questions.values()
        )
        return self._records.nbytes() + keys + counters


class _Codes:
    """Small integer codes for strings (languages, terms), and back."""

    def __init__(self) -> None:
        self.values: list[str] = []
        self._codes: dict[str, int] = {}

    def code(self, value: str) -> int:
        found = self._codes.get(value)
        if found is None:
            found = self._codes[value] = len(self.values)
            self.values.append(value)
        return found


def _merged(keys: np.ndarray, more: Iterable[int]) -> np.ndarray:
    """Sorted keys with more added."""
    return np.sort(np.concatenate([keys, np.fromiter(more, dtype=np.int64)]), kind="stable")


def _without(keys: np.ndarray, key: int) -> np.ndarray:
    """Sorted keys without ``key`` (unchanged if absent)."""
    position = int(np.searchsorted(keys, key))
    if position < len(keys) and keys[position] == key:
        return np.delete(keys, position)
    return keys


def _decrement(counter: Counter, key: Any) -> None:
    counter[key] -= 1
    if counter[key] <= 0:
        del counter[key]
