"""The sentences that state figures, for the deck and the public page, each generated from the
statistic it names.

A sentence never borrows a figure from another statistic: "ranked first most often" is the
option with the most first places, and states them; "top priority overall" is the option with
the highest Borda score, and says it is a Borda score; a mean says what it leaves out. Every
sentence states its base. The deck, the public page and the PPTX/PDF exports call
``questionnaire_headlines`` so that they say the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from consult.outcomes.formatting import number, option_label, percent, short_questionnaire, t


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


def _n(count: int | None) -> str:
    return _("n = %(n)s respondents who answered", n=number(count))


def choice_headline(
    question: Mapping[str, Any], option: Mapping[str, Any], summary: Mapping
) -> Headline:
    """The most chosen answer of a single choice, yes/no or multiple choice question."""
    answer = option_label(option, question["type"], summary.get("region_labels", {}))
    base = option.get("base") or question["answered"]
    if question["type"] == "multiple_choice":
        sentence = _(
            "%(share)s of the %(n)s respondents who answered ticked “%(answer)s” (several "
            "answers possible).",
            share=percent(option["share"]),
            n=number(base),
            answer=answer,
        )
    else:
        sentence = _(
            "%(share)s of the %(n)s respondents who answered chose “%(answer)s”.",
            share=percent(option["share"]),
            n=number(base),
            answer=answer,
        )
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


def _scale_text(question: Mapping[str, Any]) -> str:
    low, high = question["score_range"]
    return _("on a scale from %(low)s to %(high)s", low=number(low), high=number(high))


def matrix_headlines(question: Mapping[str, Any]) -> list[Headline]:
    """The rows with the highest and the lowest mean score of an ordinal matrix."""
    rows = [r for r in question["rows"] if r.get("mean") is not None]
    high = max(rows, key=lambda r: (r["mean"], r["key"]))
    low = min(rows, key=lambda r: (r["mean"], r["key"]))
    # A public summary hides a small "don't know" count (None): there were some all the same.
    unscored = any(r.get("unscored", 0) != 0 for r in question["rows"])
    left_out = (
        _("“don't know” answers are left out of the mean")
        if unscored
        else _("every answer carries a score")
    )
    result = []
    for statistic, row in (("mean_high", high), ("mean_low", low)):
        template = (
            _(
                "“%(row)s” has the highest mean score: %(mean)s %(scale)s, from the %(n)s "
                "respondents who gave it a score (%(left_out)s)."
            )
            if statistic == "mean_high"
            else _(
                "“%(row)s” has the lowest mean score: %(mean)s %(scale)s, from the %(n)s "
                "respondents who gave it a score (%(left_out)s)."
            )
        )
        sentence = template % {
            "row": t(row["label"]),
            "mean": number(row["mean"], 1),
            "scale": _scale_text(question),
            "n": number(row["scored"]),
            "left_out": left_out,
        }
        result.append(
            Headline(
                statistic,
                question["key"],
                row["key"],
                float(row["mean"]),
                f"{number(row['mean'], 1)}/{number(question['score_range'][1])}",
                t(row["label"]),
                sentence,
                t(question["label"]),
                _("n = %(n)s respondents who gave a score", n=number(row["scored"])),
            )
        )
    return result


def ranking_headlines(question: Mapping[str, Any]) -> list[Headline]:
    """The option ranked first most often (first places) and the top priority overall (Borda
    score): one sentence each, since the two can name different options."""
    options = [o for o in question["options"] if o.get("first") is not None]
    scored = [o for o in question["options"] if o.get("borda") is not None]
    result = []
    if options:
        first = max(options, key=lambda o: (o["first"], -_order(question, o)))
        base = first.get("base") or question["answered"]
        result.append(
            Headline(
                "first_places",
                question["key"],
                first["key"],
                float(first["first"]),
                percent(first["share_first"]),
                t(first["label"]),
                _(
                    "“%(option)s” was ranked first most often: first choice of %(n)s of the "
                    "%(base)s respondents who answered (%(share)s).",
                    option=t(first["label"]),
                    n=number(first["first"]),
                    base=number(base),
                    share=percent(first["share_first"]),
                ),
                t(question["label"]),
                _n(base),
            )
        )
    if scored:
        top = max(scored, key=lambda o: (o["borda"], -_order(question, o)))
        result.append(
            Headline(
                "borda",
                question["key"],
                top["key"],
                float(top["borda"]),
                _("%(points)s pts", points=number(top["borda"])),
                t(top["label"]),
                _(
                    "“%(option)s” is the top priority overall by Borda score: %(points)s points "
                    "from the %(n)s respondents who ranked their top %(places)s (a first place "
                    "earns %(places)s points, a last place 1).",
                    option=t(top["label"]),
                    points=number(top["borda"]),
                    n=number(question["answered"]),
                    places=number(question["places"]),
                ),
                t(question["label"]),
                _n(question["answered"]),
            )
        )
    return result


def _order(question: Mapping[str, Any], option: Mapping[str, Any]) -> int:
    """Position of an option in the question: ties go to the option listed first."""
    return [o["key"] for o in question["options"]].index(option["key"])


def finding_headlines(finding: Mapping[str, Any], summary: Mapping[str, Any]) -> list[Headline]:
    """The sentences of one key finding (see key_findings)."""
    question = finding["question"]
    if finding["kind"] == "choice":
        return [choice_headline(question, finding["option"], summary)]
    if finding["kind"] == "matrix":
        return matrix_headlines(question)
    return ranking_headlines(question)


def questionnaire_headlines(
    questionnaire: Mapping[str, Any], summary: Mapping[str, Any], limit: int = 4
) -> list[list[Headline]]:
    """The headline sentences of a questionnaire, one group per key finding."""
    return [finding_headlines(f, summary) for f in key_findings(questionnaire, limit)]


def participation_sentences(summary: Mapping[str, Any]) -> list[str]:
    """Who took part, in sentences: responses per questionnaire with their countries, and the
    regions reached, counting distinct countries and regions (never breakdown rows)."""
    sentences = []
    for questionnaire in summary["questionnaires"]:
        part = questionnaire["participation"]
        countries = part.get("countries")
        if countries is None:  # a summary frozen before countries were counted
            countries = len([e for e in part["by_country"] if e["key"] not in (None, "_other")])
        sentences.append(
            _(
                "%(n)s responses to the questionnaire for %(who)s, from %(countries)s countries.",
                n=number(questionnaire["responses"]),
                who=short_questionnaire(questionnaire["key"]).lower(),
                countries=number(countries),
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
    if total and regions == total:
        return _("responses from all %(total)s UCLG regions", total=number(total))
    return _(
        "responses from %(n)s of the %(total)s UCLG regions",
        n=number(regions),
        total=number(total),
    )


def key_findings(questionnaire: Mapping[str, Any], limit: int = 4) -> list[dict[str, Any]]:
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
        # Headline figures speak for most respondents: skip narrow follow-up questions.
        reach = question["answered"] / responses
        if reach < 0.4:
            continue
        kind = question["type"]
        if question["key"] in ("country", "region") or kind in ("country", "region"):
            continue
        if kind in ("single_choice", "yes_no", "multiple_choice"):
            options = [o for o in question["options"] if o.get("share") is not None]
            if not options:
                continue
            best = max(options, key=lambda o: o["share"])
            findings.append(
                {
                    "kind": "choice",
                    "question": question,
                    "option": best,
                    "weight": best["share"] * reach**0.5,
                }
            )
        elif kind == "matrix" and question["ordinal"]:
            rows = [r for r in question["rows"] if r.get("mean") is not None]
            if len(rows) < 2:
                continue
            high = max(rows, key=lambda r: r["mean"])
            low = min(rows, key=lambda r: r["mean"])
            findings.append(
                {"kind": "matrix", "question": question, "high": high, "low": low, "weight": 2.0}
            )
        elif kind == "ranking" and any(o.get("borda") for o in question["options"]):
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
