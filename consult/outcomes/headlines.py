"""The sentences that state figures, for the deck and the public page, each generated from the
statistic it names.

A sentence never borrows a figure from another statistic: "ranked first most often" is the
option with the most first places, and states them; "top priority overall" is the option with
the highest Borda score, and says it is a Borda score; a mean says what it leaves out. Every
sentence states its base. A superlative ("most often", "top", "highest", "lowest") is said
only over figures that are all shown (``may_lead``): on a public summary a figure withheld to
protect a smaller one may be the true leader. A question not every respondent was asked says
how many were (``asked_of``). A question whose answers the view's filter fixes is no finding
(``filtered_on``: "100% are municipalities" of a view of municipalities restates the filter).
The deck, the public page and the PPTX/PDF exports call ``questionnaire_headlines`` so that
they say the same thing. The sentences live by statistic family: here the choice shares,
headlines_means, headlines_ranking, headlines_participation; headline_parts holds what they
share.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from flask_babel import ngettext

from consult.outcomes.filters import AnswerCondition
from consult.outcomes.formatting import number, option_label, percent, t
from consult.outcomes.headline_parts import (
    Headline,
    answered_base,
    may_lead,
    ties,
)
from consult.outcomes.headlines_means import matrix_extremes, matrix_headlines
from consult.outcomes.headlines_participation import participation_sentences, regions_sentence
from consult.outcomes.headlines_ranking import ranking_headlines

#: Kept importable from here: the deck, the pages and the tests name them by this module.
__all__ = [
    "Headline",
    "answered_base",
    "choice_headline",
    "filtered_on",
    "filtered_questions",
    "finding_headlines",
    "key_findings",
    "matrix_headlines",
    "may_lead",
    "no_finding_reason",
    "participation_sentences",
    "questionnaire_headlines",
    "ranking_headlines",
    "regions_sentence",
]


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
    sentence = ties(sentence, level)
    return Headline(
        "share",
        question["key"],
        str(option["key"]),
        float(option["share"]),
        percent(option["share"]),
        answer,
        sentence,
        t(question["label"]),
        answered_base(base),
    )


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

    A question the summary's filter keeps respondents by (``filtered_on``) is no finding:
    "100% answered Yes" or "most respondents are municipalities" would restate the filter as a
    result (the deck says the filter on its title and methodology slides instead)."""
    conditioned = filtered_on(summary, questionnaire)
    if conditioned:
        questionnaire = {
            **questionnaire,
            "questions": [q for q in questionnaire["questions"] if q["key"] not in conditioned],
        }
    groups = (
        asked_of(finding_headlines(f, summary, minimum), f["question"], questionnaire)
        for f in key_findings(questionnaire, limit, minimum)
    )
    # A finding whose every sentence was left out (no leader may be named) is no finding.
    return [group for group in groups if group]


def asked_of(
    group: list[Headline], question: Mapping[str, Any], questionnaire: Mapping[str, Any]
) -> list[Headline]:
    """A finding's sentences, the last one saying whom the question was asked when not every
    respondent was (a follow-up, or a question of some versions only): "of the 16 respondents
    who answered" must not be heard as 16 of everyone."""
    asked, responses = question.get("asked"), questionnaire.get("responses")
    if not group or asked is None or responses is None or asked >= responses:
        return group
    said = ngettext(
        "The question was asked to %(asked)s of the %(total)s respondent only.",
        "The question was asked to %(asked)s of the %(total)s respondents only.",
        responses,
        asked=number(asked),
        total=number(responses),
    )
    return [*group[:-1], replace(group[-1], sentence=f"{group[-1].sentence} {said}")]


def filtered_questions(summary: Mapping[str, Any], questionnaire: str | None) -> set[str]:
    """The questions of ``questionnaire`` whose answers the summary's filter selects on."""
    raws = (summary.get("filters") or {}).get("answers") or ()
    conditions = (AnswerCondition.parse(raw) for raw in raws)
    return {
        c.question
        for c in conditions
        if c is not None and c.questionnaire in ("", questionnaire or "")
    }


def filtered_on(summary: Mapping[str, Any], questionnaire: Mapping[str, Any]) -> set[str]:
    """Every question of ``questionnaire`` (a questionnaire's summary) whose answers the
    summary's filter fixes, whatever kind of filter fixes them: an answer condition, the type
    of respondent (the question the questionnaire asks it with) or the region (its region
    questions). The one rule every finding generator follows: a finding about a dimension the
    view is filtered on is no finding. A questionnaire or a period fixes no answer."""
    filters = summary.get("filters") or {}
    fixed = filtered_questions(summary, questionnaire.get("key"))
    if filters.get("respondent_type"):
        fixed |= {respondent_type_question(questionnaire)} - {None}
    if filters.get("region"):
        fixed |= {
            q["key"]
            for q in questionnaire.get("questions") or ()
            if q["key"] == "region" or q.get("type") == "region"
        }
    return fixed


def respondent_type_question(questionnaire: Mapping[str, Any]) -> str | None:
    """The question a questionnaire asks the type of respondent with; for a summary stored
    before it said so, the choice question whose answers are exactly the types it lists."""
    if "respondent_type_question" in questionnaire:
        return questionnaire["respondent_type_question"]
    types = set(questionnaire.get("respondent_types") or {})
    for question in questionnaire.get("questions") or ():
        options = {str(o["key"]) for o in question.get("options") or ()}
        if types and question.get("type") == "single_choice" and options == types:
            return question["key"]
    return None


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


#: Why a questionnaire has no key finding (``no_finding_reason``).
NO_FIGURE, HIDDEN_LEADER, NONE_STANDS_OUT = "no-figure", "hidden-leader", "none-stands-out"

#: Question types whose answers are figures (a text answer is read, not counted).
_FIGURE_TYPES = ("single_choice", "yes_no", "multiple_choice", "matrix", "ranking")


def no_finding_reason(
    questionnaire: Mapping[str, Any], summary: Mapping[str, Any], minimum: int = 1
) -> str:
    """Why ``questionnaire_headlines`` found nothing, by the rules it applied, so that the slide
    says the reason that held: ``NO_FIGURE`` when no question was answered by ``minimum``
    respondents (no figure is shown at all); ``HIDDEN_LEADER`` when a question that was is
    left out because a hidden figure could be ahead of those shown (no leader may be named,
    ``may_lead``); ``NONE_STANDS_OUT`` else (only narrow follow-ups, countries and regions, or
    answers the view's filter fixes: the figures are shown, none is a key finding)."""
    shown = [
        q
        for q in questionnaire["questions"]
        if not q.get("suppressed")
        and (q.get("answered") or 0) >= minimum
        and q.get("type") in (*_FIGURE_TYPES, "country", "region", "number")
    ]
    if not shown:
        return NO_FIGURE
    conditioned = filtered_on(summary, questionnaire)
    responses = questionnaire["responses"] or 1
    for question in shown:
        if question["key"] in conditioned or question["answered"] / responses < 0.4:
            continue
        items = question.get("options") or ()
        if question["type"] in ("single_choice", "yes_no", "multiple_choice"):
            hidden = may_lead(list(items), "share")
        elif question["type"] == "ranking":
            hidden = may_lead(list(items), "first") and may_lead(list(items), "borda")
        elif question["type"] == "matrix":
            hidden = may_lead(list(question.get("rows") or ()), "mean")
        else:
            hidden = False
        if hidden:
            return HIDDEN_LEADER
    return NONE_STANDS_OUT
