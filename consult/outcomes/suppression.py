"""Small-cell suppression: the public version of a summary, where no figure points at a few people.

Rules (a cell is "small" below the threshold, SMALL_CELL_THRESHOLD, 5 by default):
- a question answered by fewer people than the threshold shows no breakdown at all;
- a small count is replaced by None and flagged `suppressed`, its share too;
- in a distribution whose cells add up to a shown total (single choice, a matrix row, a
  breakdown of respondents), a lone suppressed cell could be recovered by subtraction, so the
  next smallest cell is suppressed as well (secondary suppression);
- countries below the threshold are pooled into one "other countries" line;
- free-text quotes, "other" texts, extremes of numbers and daily counts are left out (the
  cumulative curve stays); terms used by fewer people than the threshold are dropped.
Published contributions are public texts already and keep their quotes.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, MutableMapping, Sequence
from typing import Any

OTHER_COUNTRIES = "_other"


def _small(count: int | None, threshold: int) -> bool:
    return count is not None and 0 < count < threshold


def suppress_cells(
    entries: Sequence[MutableMapping[str, Any]], threshold: int, *, exclusive: bool
) -> None:
    """Suppress small counts in place; with ``exclusive``, protect a lone suppressed cell."""
    hidden = 0
    for entry in entries:
        if _small(entry.get("count"), threshold):
            _hide(entry)
            hidden += 1
    if exclusive and hidden == 1:
        shown = [e for e in entries if not e.get("suppressed") and (e.get("count") or 0) > 0]
        if shown:
            partner = min(shown, key=lambda e: e["count"])
            _hide(partner)
            # Not small itself: hidden so that the small one cannot be worked out. Pages say
            # so rather than "fewer than 5".
            partner["secondary"] = True


def _hide(entry: MutableMapping[str, Any], *fields: str) -> None:
    entry["suppressed"] = True
    for field in ("count", "share", *fields):
        if field in entry:
            entry[field] = None


def cumulative_steps(days: Sequence[Mapping[str, Any]], threshold: int) -> list[dict[str, Any]]:
    """The cumulative curve in steps of at least ``threshold`` responses, daily counts removed.

    Each day shows the total released so far; a total is released only once it grew by at
    least the threshold since the last one released (and the final total always is, with the
    step before it merged if needed), so that no difference of two shown figures, a day's
    count included, is below the threshold.
    """
    totals = [int(d["cumulative"] or 0) for d in days]
    if not totals:
        return []
    released: list[int] = []  # indexes whose total is shown
    last = 0
    for index, total in enumerate(totals):
        if total - last >= threshold:
            released.append(index)
            last = total
    final = len(totals) - 1
    if not released or released[-1] != final:
        while released and totals[final] - totals[released[-1]] < threshold:
            released.pop()
        if totals[final] >= threshold:
            released.append(final)
    shown = set(released)
    result, current = [], 0
    for index, entry in enumerate(days):
        if index in shown:
            current = totals[index]
        result.append({"date": entry["date"], "count": None, "cumulative": current})
    return result


def _participation(participation: MutableMapping[str, Any], threshold: int) -> None:
    for name in ("by_region", "by_respondent_type", "by_language", "drafts_by_region"):
        suppress_cells(participation.get(name) or [], threshold, exclusive=True)
    if participation.get("by_population_band"):
        suppress_cells(participation["by_population_band"], threshold, exclusive=True)
    countries = participation.get("by_country") or []
    kept = [c for c in countries if not _small(c["count"], threshold)]
    pooled = sum(c["count"] for c in countries if _small(c["count"], threshold))
    if pooled:
        total = sum(c["count"] for c in countries) or 1
        kept.append({"key": OTHER_COUNTRIES, "count": pooled, "share": pooled / total})
        # The countries add up to the responses shown: a small pooled line hidden alone could
        # be worked out, so it takes a partner like any other exclusive cell.
        suppress_cells(kept, threshold, exclusive=True)
    participation["by_country"] = kept
    participation["per_day"] = cumulative_steps(participation.get("per_day") or [], threshold)
    if _small(participation.get("drafts"), threshold):
        participation["drafts"] = None
        participation["started"] = None
        participation["completion"] = None


def _question(question: MutableMapping[str, Any], threshold: int) -> None:
    kind = question["type"]
    for field in ("asked", "not_answered"):
        if _small(question.get(field), threshold):
            question[field] = None
    if _small(question["answered"], threshold):
        question["suppressed"] = True
        question["answered"] = question["base"] = None
        if "count" in question:
            question["count"] = None
        for field in (
            "options",
            "rows",
            "terms",
            "themes",
            "other_texts",
            "languages",
            "histogram",
        ):
            if field in question:
                question[field] = [] if isinstance(question[field], list) else {}
        for field in ("median", "q1", "q3", "min", "max", "mean", "mean_choices"):
            if field in question:
                question[field] = None
        return
    _version_bases(question.get("options") or [], threshold)
    if kind in ("single_choice", "yes_no", "region", "country"):
        suppress_cells(question["options"], threshold, exclusive=True)
    elif kind == "multiple_choice":
        suppress_cells(question["options"], threshold, exclusive=False)
        question["other_texts"] = []
    elif kind == "matrix":
        for row in question["rows"]:
            if _small(row["answered"], threshold):
                row["suppressed"] = True
                row["counts"] = {}
                row["mean"] = None
                for entry in row["distribution"]:
                    _hide(entry)
                continue
            suppress_cells(row["distribution"], threshold, exclusive=True)
            row["counts"] = {
                e["key"]: e["count"] for e in row["distribution"] if e["count"] is not None
            }
            if _small(row["scored"], threshold):
                row["mean"] = None
            # The mean's base is the row's answers less its unscored ones ("don't know"): with
            # an unscored cell hidden, printing that base would give the hidden count away.
            unscored = {p["key"] for p in question.get("scale") or [] if p.get("score") is None}
            if any(e["count"] is None and e["key"] in unscored for e in row["distribution"]):
                row["scored"] = row["unscored"] = None
    elif kind == "ranking":
        for option in question["options"]:
            if _small(option["ranked"], threshold):
                option.update(
                    ranked=None, mean_rank=None, borda=None, share_ranked=None, suppressed=True
                )
            if _small(option["first"], threshold):
                option.update(first=None, share_first=None)
            option["counts"] = {
                rank: (None if _small(n, threshold) else n) for rank, n in option["counts"].items()
            }
    elif kind == "number":
        question["min"] = question["max"] = None
        # The intervals add up to the answers shown: a lone hidden one needs a partner.
        suppress_cells(question.get("histogram") or [], threshold, exclusive=True)
    elif kind in ("short_text", "long_text"):
        question["terms"] = {
            lang: [pair for pair in pairs if pair[1] >= threshold]
            for lang, pairs in (question.get("terms") or {}).items()
        }
        themes = []
        for theme in question.get("themes") or []:
            theme["quotes"] = []
            if _small(theme["count"], threshold):
                _hide(theme)
            themes.append(theme)
        question["themes"] = themes
        # Each answer has one language and the answers are counted: exclusive cells.
        languages = [{"key": k, "count": n} for k, n in (question.get("languages") or {}).items()]
        suppress_cells(languages, threshold, exclusive=True)
        question["languages"] = {e["key"]: e["count"] for e in languages}
        question["languages_secondary"] = [e["key"] for e in languages if e.get("secondary")]
        if _small(question.get("uncoded"), threshold):
            question["uncoded"] = None


def _version_bases(options: Sequence[MutableMapping[str, Any]], threshold: int) -> None:
    """Hide an option offered by only some versions whose own base is small: every figure of
    it, the base too (a share of a handful points at a handful)."""
    for option in options:
        if _small(option.get("base"), threshold):
            option["base"] = None
            option["suppressed"] = True
            for field in ("count", "share", "first", "share_first", "ranked", "share_ranked"):
                if field in option:
                    option[field] = None
            for field in ("mean_rank", "borda"):
                if field in option:
                    option[field] = None


def _contributions(contributions: MutableMapping[str, Any], threshold: int) -> None:
    contributions.pop("contribution_ids", None)  # staff's record of the freeze, not a figure
    for name in ("by_region", "by_organisation_type", "by_language"):
        suppress_cells(contributions.get(name) or [], threshold, exclusive=True)


def _articles(
    articles: MutableMapping[str, Any], questionnaires: Sequence[Mapping[str, Any]], threshold: int
) -> None:
    """Hide the per-article figures resting on a small base; each base (and, for a mean, the
    respondents who answered the row) is then the one the public question shows."""
    questions = {(q["key"], x["key"]): x for q in questionnaires for x in q["questions"]}
    for column in articles.get("columns", []):
        if column["kind"] == "count":
            continue
        for article, base in column.get("bases", {}).items():
            if _small(base, threshold):
                column["values"][article] = None
        if "counts" in column:
            for article, count in column["counts"].items():
                if _small(count, threshold):
                    column["counts"][article] = None
                    column["values"][article] = None
        question = questions.get((column["questionnaire"], column["question"]))
        if question is None:
            continue
        if column["kind"] == "mean":
            rows = {r["key"]: r for r in question.get("rows") or [] if not r.get("suppressed")}
            column["bases"] = {a: (rows.get(a) or {}).get("scored") for a in column["bases"]}
            column["answered"] = {a: (rows.get(a) or {}).get("answered") for a in column["bases"]}
        else:
            options = {o["key"]: o for o in question.get("options") or []}
            column["bases"] = {
                a: (options[a].get("base", question.get("answered")) if a in options else None)
                for a in column["bases"]
            }


def public_summary(summary: Mapping[str, Any], threshold: int) -> dict[str, Any]:
    """Return a copy of ``summary`` fit for the public: small cells suppressed, quotes removed."""
    result = copy.deepcopy(dict(summary))
    result["suppressed_below"] = threshold
    for field in ("drafts", "responses", "response_ids_count"):
        if _small(result.get(field), threshold):
            result[field] = None
    for questionnaire in result["questionnaires"]:
        if _small(questionnaire["responses"], threshold):
            questionnaire["suppressed"] = True
        _participation(questionnaire["participation"], threshold)
        for question in questionnaire["questions"]:
            _question(question, threshold)
    if result.get("contributions"):
        _contributions(result["contributions"], threshold)
    _articles(result["articles"], result["questionnaires"], threshold)
    return result


def withhold_contributions(summary: Mapping[str, Any], public_ids: set[int]) -> dict[str, Any]:
    """Return a copy of a (frozen) summary without the texts of contributions no longer public.

    A contribution hidden, rejected or withdrawn after a freeze keeps its place in the frozen
    counts, but its words are never shown again: not on the public page, not in the deck.
    """
    result = copy.deepcopy(dict(summary))
    contributions = result.get("contributions")
    if not contributions:
        return result
    contributions["most_supported"] = [
        item
        for item in contributions.get("most_supported") or []
        if item["contribution_id"] in public_ids
    ]
    for theme in contributions.get("themes") or []:
        theme["quotes"] = [q for q in theme["quotes"] if q["contribution_id"] in public_ids]
    return result


def quoted_contribution_ids(summary: Mapping[str, Any]) -> set[int]:
    """Return the ids of every contribution whose text a summary shows."""
    contributions = summary.get("contributions") or {}
    ids = {item["contribution_id"] for item in contributions.get("most_supported") or []}
    for theme in contributions.get("themes") or []:
        ids.update(q["contribution_id"] for q in theme["quotes"])
    return ids
