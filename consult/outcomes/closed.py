"""Statistics of closed questions: choices, multiple choices, matrices, rankings and numbers.

Each function takes one question's answers (consult.outcomes.tallies: counts per part and value
and respondents for closed questions, rows for numbers; already limited to the responses the
summary covers) and returns JSON-ready figures with their bases. No Flask here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from consult.core.vocabulary import OTHER_LABEL
from consult.outcomes import number_bins
from consult.outcomes.distribution import (
    options_of,
    ordered_distribution,
    question_base,
    share,
)
from consult.outcomes.tallies import QuestionAnswers
from consult.questionnaires.definition import OTHER_PART, Question


def summarise_choice(
    question: Question,
    answers: QuestionAnswers,
    asked: int,
    region_labels: Mapping[str, Mapping[str, str]],
) -> dict[str, Any]:
    """Single choice, yes/no, region, country: respondents per option and their share."""
    counts = answers.counts
    values = counts.loc[counts["part_key"] == ""]
    answered = answers.plain
    tallies = _sum_by(values, "value")
    result = question_base(question, answered, asked)
    result["options"] = ordered_distribution(options_of(question, region_labels), tallies, answered)
    return result


def _sum_by(counts: pd.DataFrame, column: str) -> dict[str, int]:
    """Return the counts summed per value of ``column``, keys as text."""
    summed: dict[str, int] = {}
    for key, n in zip(counts[column], counts["n"], strict=True):
        summed[str(key)] = summed.get(str(key), 0) + int(n)
    return summed


def summarise_multiple_choice(question: Question, answers: QuestionAnswers, asked: int) -> dict:
    """Multiple choice: per option, how many respondents chose it and their share of answerers."""
    answered = answers.answered
    counts = answers.counts
    parts = counts.loc[counts["part_key"] != OTHER_PART]
    tallies = _sum_by(parts.loc[parts["value"] == "1"], "part_key")
    other = answers.rows.loc[answers.rows["part_key"] == OTHER_PART]
    options = options_of(question, {})
    if question.other:
        options = [*options, {"key": OTHER_PART, "label": OTHER_LABEL}]
        tallies[OTHER_PART] = int(other["response_id"].nunique())
    result = question_base(question, answered, asked)
    result["options"] = ordered_distribution(options, tallies, answered)
    result.update(mean_choices(question, tallies, answers.with_parts))
    result["other_texts"] = [
        {"response_id": int(r), "text": str(t)}
        for r, t in zip(other["response_id"], other["value"], strict=True)
    ]
    return result


def mean_choices(question: Question, tallies: Mapping[str, int], with_parts: int) -> dict[str, Any]:
    """The average number of substantive options chosen, over the respondents who chose one.

    Substantive: a listed option that is neither "Other" nor exclusive ("None of these yet"):
    an exclusive option says that nothing was chosen, so it neither counts as a choice nor puts
    its respondent in the base. ``with_parts`` counts the respondents with any listed option;
    the answer validator (consult.questionnaires.answers) refuses an exclusive option beside
    any other, so each exclusive choice is one respondent to take out of that base.
    Options only older versions listed count like the others. Returns ``mean_choices`` (None
    without a base), ``mean_choices_base`` (the respondents it is over) and
    ``exclusive_options`` (the keys it leaves out besides "Other", for the sentence to name).
    """
    exclusive = question.exclusive_keys
    chosen = int(sum(n for k, n in tallies.items() if k not in exclusive and k != OTHER_PART))
    base = max(0, with_parts - int(sum(tallies.get(k, 0) for k in exclusive)))
    return {
        "mean_choices": chosen / base if base else None,
        "mean_choices_base": base,
        "exclusive_options": sorted(exclusive),
    }


def summarise_matrix(question: Question, answers: QuestionAnswers, asked: int) -> dict:
    """Matrix: per row, the distribution over the scale, and a mean score if the scale is ordinal.

    Scale points without a score ("don't know") are counted and shown, but left out of the mean.
    """
    answered = answers.answered
    scores = {p.key: p.score for p in question.scale if p.score is not None}
    per_row: dict[str, dict[str, int]] = {}
    for part, value, n in sorted(
        zip(answers.counts["part_key"], answers.counts["value"], answers.counts["n"], strict=True)
    ):
        counts = per_row.setdefault(str(part), {})
        counts[str(value)] = counts.get(str(value), 0) + int(n)
    scale = [{"key": p.key, "label": dict(p.label), "score": p.score} for p in question.scale]
    rows = []
    for row in question.rows:
        counts = per_row.get(row.key, {})
        row_answered = int(sum(counts.values()))
        unscored = {k: v for k, v in counts.items() if k not in scores}
        scored = {k: v for k, v in counts.items() if k in scores}
        scored_n = int(sum(scored.values()))
        # Exact: the scores are whole (or binary) numbers, so the sum is the one pandas makes.
        total = sum(float(scores[k]) * v for k, v in scored.items())
        rows.append(
            {
                "key": row.key,
                "label": dict(row.label),
                "answered": row_answered,
                "base": row_answered,
                "counts": counts,
                "distribution": ordered_distribution(scale, counts, row_answered),
                "scored": scored_n,
                "mean": float(total / scored_n) if scored_n else None,
                "unscored": int(sum(unscored.values())),
            }
        )
    result = question_base(question, answered, asked)
    result["scale"] = scale
    result["ordinal"] = question.is_ordinal
    score_values = [p.score for p in question.scale if p.score is not None]
    result["score_range"] = [min(score_values), max(score_values)] if score_values else None
    result["rows"] = rows
    return result


def summarise_ranking(question: Question, answers: QuestionAnswers, asked: int) -> dict:
    """Ranking: per option, times ranked, mean rank, first places, and a Borda score.

    Borda: an option ranked r-th of N earns N + 1 - r points from that respondent (N is the
    number of places to fill), so the first place is worth N and an unranked option nothing.
    """
    answered = answers.answered
    counts = answers.counts
    ranks = pd.to_numeric(counts["value"], errors="coerce")
    ranked = counts.assign(rank=ranks).dropna(subset=["rank"])
    places = question.rank or int(ranked["rank"].max() if len(ranked) else 0)
    ranked = ranked.assign(
        points=(places + 1 - ranked["rank"]) * ranked["n"],
        weighted=ranked["rank"] * ranked["n"],
        first=np.where(ranked["rank"] == 1, ranked["n"], 0),
    )
    grouped = ranked.groupby("part_key")
    stats = pd.DataFrame(
        {
            "ranked": grouped["n"].sum(),
            "rank_sum": grouped["weighted"].sum(),
            "first": grouped["first"].sum(),
            "borda": grouped["points"].sum(),
        }
    )
    options = []
    for option in question.options:
        if option.key in stats.index and stats.loc[option.key, "ranked"] > 0:
            row = stats.loc[option.key]
            entry = {
                "ranked": int(row["ranked"]),
                "mean_rank": float(row["rank_sum"]) / int(row["ranked"]),
                "first": int(row["first"]),
                "borda": float(row["borda"]),
            }
        else:
            entry = {"ranked": 0, "mean_rank": None, "first": 0, "borda": 0.0}
        entry.update(
            key=option.key,
            label=dict(option.label),
            share_ranked=share(entry["ranked"], answered),
            share_first=share(entry["first"], answered),
            counts={str(r): 0 for r in range(1, places + 1)},
        )
        options.append(entry)
    per_rank = ranked.groupby(["part_key", "rank"])["n"].sum()
    by_key = {o["key"]: o for o in options}
    for (key, rank), n in per_rank.items():
        if key in by_key:
            by_key[key]["counts"][str(int(rank))] = int(n)
    result = question_base(question, answered, asked)
    result["places"] = places
    result["max_borda"] = places * answered
    result["options"] = sorted(options, key=lambda o: (-o["borda"], o["key"]))
    return result


def summarise_number(question: Question, answers: QuestionAnswers, asked: int) -> dict:
    """Number: how many answered, median and quartiles (linear interpolation), min, max, mean."""
    frame = answers.rows
    numbers = pd.to_numeric(frame.loc[frame["part_key"] == "", "value"], errors="coerce").dropna()
    answered = int(len(numbers))
    result = question_base(question, answered, asked)
    result["year"] = question.is_year
    # Whole numbers: an interval [2015, 2020) is labelled "2015 – 2019" (figure_charts).
    result["integer"] = question.integer
    if answered:
        q1, median, q3 = numbers.quantile([0.25, 0.5, 0.75]).tolist()
        result.update(
            count=answered,
            median=float(median),
            q1=float(q1),
            q3=float(q3),
            min=float(numbers.min()),
            max=float(numbers.max()),
            mean=float(numbers.mean()),
        )
        result["histogram"] = number_bins.histogram(numbers, question)
    else:
        result.update(
            count=0, median=None, q1=None, q3=None, min=None, max=None, mean=None, histogram=[]
        )
    return result
