"""The sentences that state figures, for the deck and the public page, each generated from the
statistic it names.

A sentence never borrows a figure from another statistic: "ranked first most often" is the
option with the most first places, and states them; "top priority overall" is the option with
the highest Borda score, and says it is a Borda score; a mean says what it leaves out. Every
sentence states its base. A superlative ("most often", "top", "highest", "lowest") is said
only over figures that are all shown (``may_lead``): on a public summary a figure withheld to
protect a smaller one may be the true leader. The deck, the public page and the PPTX/PDF
exports call ``questionnaire_headlines`` so that they say the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from consult.outcomes.filters import AnswerCondition
from consult.outcomes.formatting import (
    mean_text,
    number,
    option_label,
    percent,
    short_questionnaire,
    t,
)


@dataclass(frozen=True)
class Headline:
    """One sentence stating one figure, and the parts a slide shows in large type."""

    #: Which statistic the figure is: "share", "mean_high", "mean_low", "first_places",
    #: "borda".
    statistic: str
    question_key: str
    option_key: str
    #: The figure as computed (a share 0..1, a mean, a number of first places, Borda points).
    value: float
    #: The figure as printed large ("42%", "3.6/4", "17").
    figure: str
    #: The answer it is about.
    answer: str
    #: The whole sentence, figure, statistic and base included.
    sentence: str
    #: The question's wording.
    question: str
    #: "n = 120 respondents who answered".
    base: str


def _quoted(labels: list[str]) -> str:
    """Labels in the language's quotation marks, listed."""
    return ", ".join(_("“%(label)s”", label=label) for label in labels)


def _ties(sentence: str, others: list[str]) -> str:
    """A sentence naming one leader, completed with those level with it (never hidden)."""
    if not others:
        return sentence
    tied = _("Tied with %(others)s.", others=_quoted(others))
    return f"{sentence} {tied}"


def _n(count: int | None) -> str:
    return ngettext(
        "n = %(n)s respondent who answered",
        "n = %(n)s respondents who answered",
        count or 0,
        n=number(count),
    )


def choice_headline(
    question: Mapping[str, Any], option: Mapping[str, Any], summary: Mapping
) -> Headline:
    """The most chosen answer of a single choice, yes/no or multiple choice question (and the
    answers whose share prints the same, if any: level on stage)."""
    labels = summary.get("region_labels", {})
    answer = option_label(option, question["type"], labels)
    level = [
        option_label(o, question["type"], labels)
        for o in question["options"]
        if o is not option
        and o.get("share") is not None
        and percent(o["share"]) == percent(option["share"])
    ]
    base = option.get("base") or question["answered"]
    if question["type"] == "multiple_choice":
        sentence = ngettext(
            "%(share)s of the %(n)s respondent who answered ticked “%(answer)s” (several "
            "answers possible).",
            "%(share)s of the %(n)s respondents who answered ticked “%(answer)s” (several "
            "answers possible).",
            base or 0,
            share=percent(option["share"]),
            n=number(base),
            answer=answer,
        )
    else:
        sentence = ngettext(
            "%(share)s of the %(n)s respondent who answered chose “%(answer)s”.",
            "%(share)s of the %(n)s respondents who answered chose “%(answer)s”.",
            base or 0,
            share=percent(option["share"]),
            n=number(base),
            answer=answer,
        )
    sentence = _ties(sentence, level)
    return Headline(
        "share",
        question["key"],
        str(option["key"]),
        float(option["share"]),
        percent(option["share"]),
        answer,
        sentence,
        t(question["label"]),
        _n(base),
    )


#: The flags a public summary puts on a figure hidden although it is not small (a cell protected
#: from subtraction, a withheld table, a mean or a Borda score withheld): it may be the largest.
MAY_LEAD = {
    "share": ("secondary", "withheld"),
    "first": ("first_secondary", "first_withheld"),
    "borda": ("borda_withheld", "ranked_secondary", "ranked_withheld"),
    "mean": ("mean_withheld",),
}


def may_lead(items: list[Mapping[str, Any]], figure: str) -> bool:
    """Whether a figure hidden among ``items`` could be above (or below) every one shown: then no
    option or row is called the most chosen, first, top, highest or lowest. A figure hidden for
    its smallness alone stays out: it rests on fewer people than a headline may."""
    return any(item.get(flag) for item in items for flag in MAY_LEAD[figure])


def _shown_mean(row: Mapping[str, Any]) -> str:
    """A mean as every output prints it (formatting.mean_text): two rows that print the same
    are level on stage, whatever their next decimal says."""
    return mean_text(row["mean"])


def _scale_text(question: Mapping[str, Any]) -> str:
    low, high = question["score_range"]
    return _("on a scale from %(low)s to %(high)s", low=number(low), high=number(high))


def matrix_extremes(
    question: Mapping[str, Any], minimum: int = 1
) -> tuple[list[Mapping[str, Any]], Mapping[str, Any] | None, Mapping[str, Any] | None]:
    """The rows a sentence may name (a printed mean scored by at least ``minimum``), and the
    highest and the lowest of them, each None when it may not be named: a mean hidden although
    not small (may_lead), or a mean printed without its base (a few skipped the row, or its
    "don't know" is hidden) at or past it, which may be the true highest or lowest."""
    if may_lead(question["rows"], "mean"):
        return [], None, None
    printed = [r for r in question["rows"] if r.get("mean") is not None]
    rows = [r for r in printed if (r.get("scored") or 0) >= minimum]
    if not rows:
        return [], None, None
    unbased = [r for r in printed if r.get("scored") is None]
    high = max(rows, key=lambda r: (r["mean"], r["key"]))
    low = min(rows, key=lambda r: (r["mean"], r["key"]))
    if any(r["mean"] >= high["mean"] for r in unbased):
        high = None
    if any(r["mean"] <= low["mean"] for r in unbased):
        low = None
    return rows, high, low


def matrix_headlines(question: Mapping[str, Any], minimum: int = 1) -> list[Headline]:
    """The rows with the highest and the lowest mean score of an ordinal matrix, among rows
    scored by at least ``minimum`` respondents; rows level with either are named too, and
    when every row has the same mean only one sentence is said (no row is "lowest")."""
    rows, high, low = matrix_extremes(question, minimum)
    if high is None and low is None:
        return []
    if high is not None and low is not None and _shown_mean(high) == _shown_mean(low):
        pairs = [("mean_high", high)]
    else:
        pairs = [(s, r) for s, r in (("mean_high", high), ("mean_low", low)) if r is not None]
    # A public summary hides a small "don't know" count (None): there were some all the same.
    unscored = any(r.get("unscored", 0) != 0 for r in question["rows"])
    left_out = (
        _("“don't know” answers are left out of the mean")
        if unscored
        else _("every answer carries a score")
    )
    result = []
    for statistic, row in pairs:
        figures = {
            "row": t(row["label"]),
            "mean": _shown_mean(row),
            "scale": _scale_text(question),
            "n": number(row["scored"]),
            "left_out": left_out,
        }
        sentence = (
            ngettext(
                "“%(row)s” has the highest mean score: %(mean)s %(scale)s, from the %(n)s "
                "respondent who gave it a score (%(left_out)s).",
                "“%(row)s” has the highest mean score: %(mean)s %(scale)s, from the %(n)s "
                "respondents who gave it a score (%(left_out)s).",
                row["scored"] or 0,
                **figures,
            )
            if statistic == "mean_high"
            else ngettext(
                "“%(row)s” has the lowest mean score: %(mean)s %(scale)s, from the %(n)s "
                "respondent who gave it a score (%(left_out)s).",
                "“%(row)s” has the lowest mean score: %(mean)s %(scale)s, from the %(n)s "
                "respondents who gave it a score (%(left_out)s).",
                row["scored"] or 0,
                **figures,
            )
        )
        sentence = _ties(
            sentence,
            [t(r["label"]) for r in rows if r is not row and _shown_mean(r) == _shown_mean(row)],
        )
        result.append(
            Headline(
                statistic,
                question["key"],
                row["key"],
                float(row["mean"]),
                f"{_shown_mean(row)}/{number(question['score_range'][1])}",
                t(row["label"]),
                sentence,
                t(question["label"]),
                ngettext(
                    "n = %(n)s respondent who gave a score",
                    "n = %(n)s respondents who gave a score",
                    row["scored"] or 0,
                    n=number(row["scored"]),
                ),
            )
        )
    return result


def ranking_headlines(question: Mapping[str, Any]) -> list[Headline]:
    """The option ranked first most often (first places) and the top priority overall (Borda
    score): one sentence each, since the two can name different options."""
    # A leader with nothing (0 first places, 0 points) is no leader: a hidden option, ranked by
    # a few, is ahead of it.
    options = [o for o in question["options"] if o.get("first")]
    scored = [o for o in question["options"] if o.get("borda")]
    result = []
    if options and not may_lead(question["options"], "first"):
        first = max(options, key=lambda o: (o["first"], -_order(question, o)))
        base = first.get("base") or question["answered"]
        level = [t(o["label"]) for o in options if o is not first and o["first"] == first["first"]]
        result.append(
            Headline(
                "first_places",
                question["key"],
                first["key"],
                float(first["first"]),
                percent(first["share_first"]),
                t(first["label"]),
                _ties(
                    ngettext(
                        "“%(option)s” was ranked first most often: first choice of %(n)s of "
                        "the %(base)s respondent who answered (%(share)s).",
                        "“%(option)s” was ranked first most often: first choice of %(n)s of "
                        "the %(base)s respondents who answered (%(share)s).",
                        base or 0,
                        option=t(first["label"]),
                        n=number(first["first"]),
                        base=number(base),
                        share=percent(first["share_first"]),
                    ),
                    level,
                ),
                t(question["label"]),
                _n(base),
            )
        )
    if scored and not may_lead(question["options"], "borda"):
        top = max(scored, key=lambda o: (o["borda"], -_order(question, o)))
        level = [t(o["label"]) for o in scored if o is not top and o["borda"] == top["borda"]]
        result.append(
            Headline(
                "borda",
                question["key"],
                top["key"],
                float(top["borda"]),
                _("%(points)s pts", points=number(top["borda"])),
                t(top["label"]),
                _ties(
                    ngettext(
                        "“%(option)s” is the top priority overall by Borda score: %(points)s "
                        "points from the %(n)s respondent who ranked up to %(places)s options (a "
                        "first place earns %(places)s points, each next place one point less).",
                        "“%(option)s” is the top priority overall by Borda score: %(points)s "
                        "points from the %(n)s respondents who ranked up to %(places)s options (a "
                        "first place earns %(places)s points, each next place one point less).",
                        question["answered"] or 0,
                        option=t(top["label"]),
                        points=number(top["borda"]),
                        n=number(question["answered"]),
                        places=number(question["places"]),
                    ),
                    level,
                ),
                t(question["label"]),
                _n(question["answered"]),
            )
        )
    return result


def _order(question: Mapping[str, Any], option: Mapping[str, Any]) -> int:
    """Position of an option in the question: ties go to the option listed first."""
    return [o["key"] for o in question["options"]].index(option["key"])


def finding_headlines(
    finding: Mapping[str, Any], summary: Mapping[str, Any], minimum: int = 1
) -> list[Headline]:
    """The sentences of one key finding (see key_findings)."""
    question = finding["question"]
    if finding["kind"] == "choice":
        return [choice_headline(question, finding["option"], summary)]
    if finding["kind"] == "matrix":
        return matrix_headlines(question, minimum)
    return ranking_headlines(question)


def questionnaire_headlines(
    questionnaire: Mapping[str, Any],
    summary: Mapping[str, Any],
    limit: int = 4,
    minimum: int = 1,
) -> list[list[Headline]]:
    """The headline sentences of a questionnaire, one group per key finding; none rests on
    fewer than ``minimum`` respondents (the small-cell threshold, for a deck shown on stage).

    A question the summary's filter keeps respondents by ("only those who answered Yes") is
    no finding: "100% answered Yes" would restate the filter as a result."""
    conditioned = filtered_questions(summary, questionnaire.get("key"))
    if conditioned:
        questionnaire = {
            **questionnaire,
            "questions": [q for q in questionnaire["questions"] if q["key"] not in conditioned],
        }
    groups = (
        finding_headlines(f, summary, minimum) for f in key_findings(questionnaire, limit, minimum)
    )
    # A finding whose every sentence was left out (no leader may be named) is no finding.
    return [group for group in groups if group]


def filtered_questions(summary: Mapping[str, Any], questionnaire: str | None) -> set[str]:
    """The questions of ``questionnaire`` whose answers the summary's filter selects on."""
    raws = (summary.get("filters") or {}).get("answers") or ()
    conditions = (AnswerCondition.parse(raw) for raw in raws)
    return {
        c.question
        for c in conditions
        if c is not None and c.questionnaire in ("", questionnaire or "")
    }


def participation_sentences(summary: Mapping[str, Any]) -> list[str]:
    """Who took part, in sentences: responses per questionnaire with their countries, and the
    regions reached, counting distinct countries and regions (never breakdown rows)."""
    sentences = []
    for questionnaire in summary["questionnaires"]:
        part = questionnaire["participation"]
        if questionnaire["responses"] is None:
            # A public summary: fewer than the threshold responded (neither their number nor
            # their countries are printed).
            sentences.append(
                _(
                    "Fewer than %(n)s responses to the questionnaire for %(who)s.",
                    n=number(summary.get("suppressed_below") or 5),
                    who=short_questionnaire(questionnaire["key"]).lower(),
                )
            )
            continue
        countries = part.get("countries")
        if countries is None:  # a summary frozen before countries were counted
            countries = len([e for e in part["by_country"] if e["key"] not in (None, "_other")])
        # "1 responses" or "from 1 countries" would read as a mistake on stage: each plural
        # follows its own count.
        sentences.append(
            _(
                "%(responses)s, %(countries)s.",
                responses=ngettext(
                    "%(n)s response to the questionnaire for %(who)s",
                    "%(n)s responses to the questionnaire for %(who)s",
                    questionnaire["responses"],
                    n=number(questionnaire["responses"]),
                    who=short_questionnaire(questionnaire["key"]).lower(),
                ),
                countries=ngettext(
                    "from %(countries)s country",
                    "from %(countries)s countries",
                    countries,
                    countries=number(countries),
                ),
            )
        )
    return sentences


def regions_sentence(summary: Mapping[str, Any]) -> str:
    """How many of the UCLG regions the responses come from (not "every region" unless so)."""
    total = len(summary.get("region_labels") or {})
    regions = summary.get("regions")
    if regions is None:
        regions = len(
            {
                e["key"]
                for q in summary["questionnaires"]
                for e in q["participation"]["by_region"]
                if e["key"] and (e.get("count") or e.get("suppressed"))
            }
        )
    # The sentence follows the number of responses printed large above it: "1 response".
    responses = sum(q["responses"] or 0 for q in summary["questionnaires"])
    if total and regions == total:
        return ngettext(
            "response from all %(total)s UCLG regions",
            "responses from all %(total)s UCLG regions",
            responses,
            total=number(total),
        )
    return ngettext(
        "response from %(n)s of the %(total)s UCLG regions",
        "responses from %(n)s of the %(total)s UCLG regions",
        responses,
        n=number(regions),
        total=number(total),
    )


def key_findings(
    questionnaire: Mapping[str, Any], limit: int = 4, minimum: int = 1
) -> list[dict[str, Any]]:
    """Pick the headline figures of a questionnaire for the deck: clearest majorities first.

    For single and multiple choice questions, the most chosen option and its share; for
    ordinal matrices, the highest and lowest rows by mean; for rankings, the question (its
    sentences name the first-place leader and the Borda leader).
    """
    findings = []
    responses = questionnaire["responses"] or 1
    for question in questionnaire["questions"]:
        if question.get("suppressed") or not question["answered"]:
            continue
        if question["answered"] < minimum:
            continue
        # Headline figures speak for most respondents: skip narrow follow-up questions.
        reach = question["answered"] / responses
        if reach < 0.4:
            continue
        kind = question["type"]
        if question["key"] in ("country", "region") or kind in ("country", "region"):
            continue
        if kind in ("single_choice", "yes_no", "multiple_choice"):
            options = [o for o in question["options"] if o.get("share") is not None]
            if not options or may_lead(question["options"], "share"):
                continue
            best = max(options, key=lambda o: o["share"])
            if (best.get("base") or question["answered"]) < minimum or not best["share"]:
                # (chosen by none: a hidden answer, chosen by a few, is ahead of it)
                continue
            findings.append(
                {
                    "kind": "choice",
                    "question": question,
                    "option": best,
                    "weight": best["share"] * reach**0.5,
                }
            )
        elif kind == "matrix" and question["ordinal"]:
            rows, high, low = matrix_extremes(question, minimum)
            if len(rows) < 2 or (high is None and low is None):
                continue
            findings.append(
                {"kind": "matrix", "question": question, "high": high, "low": low, "weight": 2.0}
            )
        elif kind == "ranking" and any(o.get("borda") for o in question["options"]):
            if may_lead(question["options"], "first") and may_lead(question["options"], "borda"):
                continue
            findings.append({"kind": "ranking", "question": question, "weight": 1.5})
    findings.sort(key=lambda f: -f["weight"])
    chosen, seen_sections = [], set()
    for finding in findings:
        section = finding["question"]["section"]
        if section in seen_sections and len(findings) > limit:
            continue
        seen_sections.add(section)
        chosen.append(finding)
        if len(chosen) == limit:
            break
    return chosen
