"""A summary filter in words and links: its query-string form, one phrase per condition, how it
treats each channel (responses, contributions), and the coverage note of a filtered view."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from consult.db import db
from consult.outcomes import coverage, data, dimensions, presenting
from consult.outcomes.filter_reading import (
    closed_questions,
    region_names,
    resolve_closed,
    respondent_type_choices,
)
from consult.outcomes.filters import AnswerCondition, SummaryFilter
from consult.outcomes.formatting import long_date
from consult.questionnaires.registry import current_questionnaires


def filter_args(filters: SummaryFilter) -> dict[str, Any]:
    """The query-string form of a filter, for links that keep it (answers as a list)."""
    values: dict[str, Any] = {
        "questionnaire": filters.questionnaire,
        "region": filters.region,
        "respondent_type": filters.respondent_type,
        "country": filters.country,
        "language": filters.language,
        "from": filters.submitted_from.isoformat() if filters.submitted_from else None,
        "to": filters.submitted_to.isoformat() if filters.submitted_to else None,
        "answer": [c.as_text() for c in filters.answers],
    }
    return {k: v for k, v in values.items() if v}


def filter_description(filters: SummaryFilter) -> list[str]:
    """Say in words what a filter keeps, one phrase per condition (empty: everything)."""
    return [row["phrase"] for row in filter_coverage(filters)]


#: How a filter treats a channel, in words (consult.outcomes.coverage's three cases).
COVERAGE_WORDS = {
    coverage.APPLIED: _l("filtered"),
    coverage.NOT_APPLIED: _l("not filtered: all are shown"),
    coverage.LEFT_OUT: _l("left out of this view"),
}


def _condition_phrase(row: coverage.FilterCoverage) -> str:
    if row.kind == "questionnaire":
        # Its short name, as each answer condition names it: the full title (over a hundred
        # characters) would crowd a slide's coverage note.
        short = presenting.short_questionnaire(row.value)
        if short == row.value:
            found = current_questionnaires().get(row.value)
            short = presenting.t(found.title) if found else row.value
        return _("the “%(questionnaire)s” questionnaire", questionnaire=short)
    if row.kind == "region":
        return region_names().get(row.value, row.value)
    if row.kind == "respondent_type":
        labels = {key: label for _group, key, label in respondent_type_choices()}
        return labels.get(row.value, row.value)
    if row.kind in ("country", "language"):
        return closed_questions()[row.kind]["options"].get(row.value, row.value)
    if row.kind in ("submitted_from", "submitted_to"):
        day = long_date(date.fromisoformat(row.value))
        if row.kind == "submitted_from":
            return _("submitted from %(day)s", day=day)
        return _("submitted until %(day)s", day=day)
    condition = AnswerCondition.parse(row.value)
    if condition is None:
        return row.value
    return answer_phrase(condition)


def _catalogues() -> Iterator[dict[str, dict[str, Any]]]:
    """Where a condition's wording is read: the current questionnaires, then every stored
    version, newest first (an older snapshot's condition can name a question, or an answer,
    that a later version no longer has)."""
    yield closed_questions(profile=False)
    stored = data.stored_definitions(db.session.connection())
    for definition in sorted(stored.values(), key=lambda d: (d.key, -d.version)):
        yield dimensions.closed_dimensions({definition.key: definition}, {}, profile=False)


def answer_phrase(condition: AnswerCondition) -> str:
    """An answer condition in words, from the definitions of the questionnaire versions that
    ask it (the first that offers its answer): never its raw key."""
    fallback = None
    for closed in _catalogues():
        found = resolve_closed(condition.question_id, closed)
        # An older snapshot's condition without questionnaire, on a key several ask: any.
        key = found.key or (found.choices[0] if found.choices else None)
        if key is None:
            continue
        fallback = fallback or (closed[key], found.key is None)
        if condition.option in closed[key]["options"]:
            return _answer_words(closed[key], condition, found.key is None)
    if fallback is None:
        return _("an answer to a question that no version of the questionnaires defines")
    return _answer_words(fallback[0], condition, fallback[1])


def _answer_words(question: Mapping[str, Any], condition: AnswerCondition, shared: bool) -> str:
    answer = question["options"].get(condition.option) or _("an answer no longer offered")
    if not condition.questionnaire and shared:
        return _("“%(question)s”: %(answer)s", question=question["label"], answer=answer)
    return _(
        "“%(question)s” (%(questionnaire)s): %(answer)s",
        question=question["label"],
        questionnaire=question["short"],
        answer=answer,
    )


def filter_coverage(filters: SummaryFilter) -> list[dict[str, str]]:
    """Each condition of a filter in words, with how it treats each channel (responses,
    contributions): the table the pages and downloads show beside a filtered view."""
    return [
        {
            "kind": row.kind,
            "phrase": _condition_phrase(row),
            "responses": row.responses,
            "contributions": row.contributions,
            "responses_text": str(COVERAGE_WORDS[row.responses]),
            "contributions_text": str(COVERAGE_WORDS[row.contributions]),
        }
        for row in coverage.coverage(filters)
    ]


def coverage_note(filters: SummaryFilter | Mapping[str, Any] | None) -> str:
    """The sentence every public output of a filtered view carries (the public page, the
    deck's title and methodology slides and notes, each Charter article page): which part of
    the consultation its figures cover. Empty for an unfiltered view. ``filters``: the
    filter, or a summary's record of it (``summary["filters"]``)."""
    if not isinstance(filters, SummaryFilter):
        filters = SummaryFilter.from_dict(filters)
    phrases = filter_description(filters)
    if not phrases:
        return ""
    return _(
        "These outcomes cover part of the consultation only: %(filters)s.",
        filters=presenting.listed(phrases),
    )


def left_out_contributions(filters: SummaryFilter, as_of: Any = None) -> int | None:
    """How many published contributions (at ``as_of``) a view with ``filters`` leaves out
    because a filter cannot apply to them (None when the view shows contributions)."""
    if coverage.covers_contributions(filters):
        return None
    ids = data.covered_contribution_ids(
        db.session.connection(), coverage.contribution_filter(filters), as_of
    )
    return len(ids)


def coverage_table_rows(filters: SummaryFilter, width: int) -> list[list[Any]]:
    """The filter coverage as rows to add under a downloaded table (``width`` cells each)."""
    rows = filter_coverage(filters)
    if not rows:
        return []
    lines: list[list[Any]] = [
        [],
        [_("Filter"), _("Questionnaire responses"), _("Open contributions")],
    ]
    for row in rows:
        lines.append([row["phrase"], row["responses_text"], row["contributions_text"]])
    if width < 3:
        lines = [[line[0], " · ".join(line[1:])] if line else [] for line in lines]
    return [(line + [None] * width)[:width] for line in lines]
