"""The figures of text questions, kept up to date one text at a time (for the live summary).

free_text.summarise_texts cuts every text of a questionnaire into words at each summary: most
of a full summary's time at 100,000 responses. Every figure it gives is a sum over texts, each
text judged on its own (its language from its stop words, the distinct terms it uses, the
themes whose phrases it holds, whether it is short enough to quote), so each text is analysed
once, when it arrives, with the very same Corpus functions, and its contribution kept:

- answered: respondents with a non-blank text (identifying questions included);
- languages and (language, term) counts, as Counters;
- per theme, the texts that match it and those readable enough to quote, as lists sorted in
  (response, answer) order, so that the quotes are the first ones, as in the full summary;
- texts matching no theme (uncoded).

A change removes the contribution of the response's old texts and adds the new ones. The
figures then come from the Counters and lists, never from the texts again, and equal the full
summary's figure for figure (tests/outcomes/test_live.py). No Flask here.
"""

from __future__ import annotations

import bisect
import heapq
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from consult.outcomes import text as text_tools
from consult.outcomes.distribution import (
    EXAMPLE_QUOTES,
    IDENTIFYING_QUESTIONS,
    TOP_TERMS,
    question_base,
    share,
)
from consult.questionnaires.definition import Question

#: (response id, answer id): the order texts are read, compared and quoted in.
TextKey = tuple[int, int]


@dataclass(frozen=True)
class NewText:
    """A text answer to analyse: where it belongs and the respondent's interface language."""

    questionnaire: str
    question: str
    key: TextKey
    text: str
    language: str


@dataclass
class _Analysed:
    text: str
    language: str
    terms: tuple[str, ...]
    themes: tuple[int, ...]
    readable: bool


@dataclass
class _QuestionTexts:
    """The running totals of one question's texts."""

    themes: int
    #: Non-blank texts per respondent (identifying questions included).
    answered: Counter = field(default_factory=Counter)
    #: Texts mined (non-blank, not identifying), by key.
    texts: dict[TextKey, _Analysed] = field(default_factory=dict)
    languages: Counter = field(default_factory=Counter)
    terms: dict[str, Counter] = field(default_factory=dict)
    uncoded: int = 0

    def __post_init__(self) -> None:
        self.hits: list[list[TextKey]] = [[] for _ in range(self.themes)]
        self.readable: list[list[TextKey]] = [[] for _ in range(self.themes)]


class TextFigures:
    """Every analysed text answer of every questionnaire, and the figures they add up to."""

    def __init__(self, themes: Sequence[text_tools.Theme]) -> None:
        self.themes = tuple(themes)
        self._questions: dict[tuple[str, str], _QuestionTexts] = {}
        #: response id -> (questionnaire, question, key) of its texts: what a change removes.
        self._of_response: dict[int, list[tuple[str, str, TextKey, bool]]] = {}
        self._interned: dict[str, str] = {}

    def _question(self, questionnaire: str, question: str) -> _QuestionTexts:
        found = self._questions.get((questionnaire, question))
        if found is None:
            found = self._questions[(questionnaire, question)] = _QuestionTexts(len(self.themes))
        return found

    def add(self, texts: Sequence[NewText]) -> None:
        """Analyse new text answers (all at once: one Corpus) and add them to the figures."""
        kept = [t for t in texts if str(t.text).strip()]
        minable = [t for t in kept if t.question not in IDENTIFYING_QUESTIONS]
        for item in kept:
            self._question(item.questionnaire, item.question).answered[item.key[0]] += 1
            self._of_response.setdefault(item.key[0], []).append(
                (
                    item.questionnaire,
                    item.question,
                    item.key,
                    item.question not in IDENTIFYING_QUESTIONS,
                )
            )
        if not minable:
            return
        corpus = text_tools.Corpus(pd.Series([t.text for t in minable], dtype=object))
        detected = corpus.languages(np.asarray([t.language for t in minable], dtype=object))
        matches = (
            corpus.themes(self.themes).to_numpy()
            if self.themes
            else np.zeros((len(minable), 0), dtype=bool)
        )
        counts = corpus.term_counts(np.arange(len(minable), dtype=np.int64), detected)
        terms: list[list[str]] = [[] for _ in minable]
        intern = self._interned.setdefault
        for position, term in zip(counts["group"].to_numpy(), counts["term"], strict=True):
            terms[int(position)].append(intern(str(term), str(term)))
        for position, item in enumerate(minable):
            text = str(item.text)
            analysed = _Analysed(
                text=text,
                language=str(detected[position]),
                terms=tuple(terms[position]),
                themes=tuple(int(c) for c in np.flatnonzero(matches[position])),
                readable=40 <= len(text) <= 400,
            )
            self._include(self._question(item.questionnaire, item.question), item.key, analysed)

    def _include(self, question: _QuestionTexts, key: TextKey, analysed: _Analysed) -> None:
        question.texts[key] = analysed
        question.languages[analysed.language] += 1
        by_term = question.terms.setdefault(analysed.language, Counter())
        for term in analysed.terms:
            by_term[term] += 1
        for column in analysed.themes:
            bisect.insort(question.hits[column], key)
            if analysed.readable:
                bisect.insort(question.readable[column], key)
        if not analysed.themes:
            question.uncoded += 1

    def remove(self, response_id: int) -> None:
        """Take a response's texts out of the figures (before an edit or a withdrawal)."""
        for questionnaire, question_key, key, mined in self._of_response.pop(response_id, []):
            question = self._questions[(questionnaire, question_key)]
            _decrement(question.answered, response_id)
            if not mined:
                continue
            analysed = question.texts.pop(key)
            _decrement(question.languages, analysed.language)
            by_term = question.terms[analysed.language]
            for term in analysed.terms:
                _decrement(by_term, term)
            for column in analysed.themes:
                _discard(question.hits[column], key)
                if analysed.readable:
                    _discard(question.readable[column], key)
            if not analysed.themes:
                question.uncoded -= 1

    def figures(
        self, questionnaire: str, questions: Sequence[Question], asked: Mapping[str, int]
    ) -> dict[str, dict[str, Any]]:
        """The figures free_text.summarise_texts gives for these text questions."""
        results = {}
        for question in questions:
            kept = self._questions.get((questionnaire, question.key))
            answered = len(kept.answered) if kept is not None else 0
            result = question_base(question, answered, asked.get(question.key, 0))
            result["identifying"] = question.key in IDENTIFYING_QUESTIONS
            if result["identifying"] or kept is None or not kept.texts:
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
                if not hits:
                    continue
                readable = kept.readable[column]
                chosen = (readable if len(readable) >= EXAMPLE_QUOTES else hits)[:EXAMPLE_QUOTES]
                themes.append(
                    {
                        "key": theme.key,
                        "label": dict(theme.label),
                        "count": len(hits),
                        "share": share(len(hits), answered),
                        "quotes": [
                            {"response_id": int(key[0]), "text": kept.texts[key].text}
                            for key in chosen
                        ],
                    }
                )
            result["themes"] = sorted(themes, key=lambda t: (-t["count"], t["key"]))
            result["uncoded"] = int(kept.uncoded)
            results[question.key] = result
        return results


def _decrement(counter: Counter, key: Any) -> None:
    counter[key] -= 1
    if counter[key] <= 0:
        del counter[key]


def _discard(ordered: list[TextKey], key: TextKey) -> None:
    position = bisect.bisect_left(ordered, key)
    if position < len(ordered) and ordered[position] == key:
        del ordered[position]
