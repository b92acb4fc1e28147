"""The sentences that state figures, for the deck and the public page, each generated from the
statistic it names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def key_findings(questionnaire: Mapping[str, Any], limit: int = 4) -> list[dict[str, Any]]:
    """Pick the headline figures of a questionnaire for the deck: clearest majorities first.

    For single and multiple choice questions, the most chosen option and its share; for
    ordinal matrices, the highest and lowest rows by mean; for rankings, the top option.
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
        elif kind == "ranking":
            options = [o for o in question["options"] if o.get("borda")]
            if options:
                findings.append(
                    {"kind": "ranking", "question": question, "option": options[0], "weight": 1.5}
                )
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
