"""What every statistic shares: the constants of the summary format, shares, counts, ordered
distributions over a question's options, and the figures every question carries (its base)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from consult.core.vocabulary import YES_NO_LABELS
from consult.questionnaires.definition import YES_NO_KEYS, Question

ANSWER_PARTS = ("question_key", "part_key", "value")
CHOICE_TYPES = ("single_choice", "yes_no", "region", "country")
TEXT_TYPES = ("short_text", "long_text")
ARTICLE_KEYS = tuple(f"art{n:02d}" for n in range(1, 13))
#: The profile question that gives the population band, when a questionnaire has it.
POPULATION_BAND_QUESTION = "population_band"
EXAMPLE_QUOTES = 3
TOP_TERMS = 12
#: A multiple choice's average number of options chosen and its base (consult.outcomes.closed.
#: mean_choices): printed, or withheld, together.
MEAN_CHOICES = ("mean_choices", "mean_choices_base")


def identifying_keys(questions: Iterable[Question]) -> frozenset[str]:
    """The keys of the questions whose answers identify the respondent (``identifying: true``
    in the definitions): counted, never quoted, listed nor mined for terms."""
    return frozenset(q.key for q in questions if q.identifying)


def share(count: int | float, base: int) -> float | None:
    """Return count / base, or None without a base."""
    return float(count) / base if base else None


def count_values(series: pd.Series) -> dict[str, int]:
    """Return how often each value occurs, keys as text."""
    return {str(k): int(v) for k, v in series.value_counts(sort=False).items()}


def options_of(question: Question, region_labels: Mapping[str, Mapping[str, str]]) -> list[dict]:
    """Return the options of a choice question with their labels (countries are named later)."""
    if question.type == "yes_no":
        return [{"key": k, "label": YES_NO_LABELS[k]} for k in YES_NO_KEYS]
    if question.type == "region":
        return [{"key": k, "label": dict(v)} for k, v in region_labels.items()]
    if question.type == "country":
        return []
    return [{"key": o.key, "label": dict(o.label)} for o in question.options]


def ordered_distribution(
    options: Sequence[Mapping], counts: Mapping[str, int], base: int
) -> list[dict[str, Any]]:
    """Return one entry per option (defined ones first, in order, then any unknown value)."""
    known = [o["key"] for o in options]
    entries = []
    for option in options:
        count = int(counts.get(option["key"], 0))
        entries.append(
            {
                "key": option["key"],
                "label": option["label"],
                "count": count,
                "share": share(count, base),
            }
        )
    extra = sorted(
        (k for k in counts if k not in known), key=lambda k: (-counts[k], k)
    )  # countries, or values of options removed in a later version
    for key in extra:
        entries.append(
            {
                "key": key,
                "label": None,
                "count": int(counts[key]),
                "share": share(counts[key], base),
            }
        )
    return entries


def question_base(question: Question, answered: int, asked: int) -> dict[str, Any]:
    """Return the figures every question carries: who was asked, who answered, the base."""
    return {
        "key": question.key,
        "type": question.type,
        "label": dict(question.label),
        "section": question.section_key,
        "required": question.required,
        "conditional": question.when is not None,
        "asked": asked,
        "answered": answered,
        "not_answered": max(asked - answered, 0),
        #: Every percentage of this question is a share of this many respondents.
        "base": answered,
    }


def rebase_options(result: dict[str, Any], bases: Mapping[str, tuple[int, list[int]]]) -> None:
    """Give options that only some versions offered their own base (in place).

    An option added in version 2 is a share of the respondents who were offered it, never of
    everyone who answered the question; the entry says so (``base`` and ``offered_in``).
    """
    for entry in result.get("options") or []:
        if entry["key"] not in bases:
            continue
        base, versions = bases[entry["key"]]
        entry["base"] = base
        entry["offered_in"] = versions
        if "share" in entry:
            entry["share"] = share(entry["count"], base)
        if "share_first" in entry:
            entry["share_first"] = share(entry["first"], base)
            entry["share_ranked"] = share(entry["ranked"], base)
