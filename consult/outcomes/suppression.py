"""Small-cell suppression: the public version of a summary, where no figure points at a few people.

Rules (a cell is "small" below the threshold, SMALL_CELL_THRESHOLD, 5 by default):
- a question answered by fewer people than the threshold shows no breakdown at all;
- a small count is replaced by None and flagged `suppressed`, its share too;
- in a distribution whose cells add up to a shown total (single choice, a matrix row, a
  breakdown of respondents, a ranking's columns), hidden cells could be recovered by
  subtraction, so the next smallest cells are suppressed as well (secondary suppression) until
  none can be worked out from the total and the words beside each hidden cell (protect_total);
  when no cell is left to hide, the whole table is withheld;
- a figure derived from such a table (a matrix row's mean, a Borda score and mean rank, the
  average number of choices, a number question's mean, the answers with no theme) is withheld
  when, with the table, it pins a hidden cell (consult.outcomes.disclosure solves for them);
  the per-article heat map and the Charter pages take their figures from the public question;
- a table of a small group (under GROUP_DISCLOSURE_LIMIT, 2 x the threshold by default) whose
  respondents outside its largest answer are fewer than the threshold, zero included, is
  withheld whole with every figure derived from it, in the words of any withheld table: it
  would say that all, or all but a few, gave one answer (group disclosure: group_disclosure);
- countries below the threshold are pooled into one "other countries" line, and more of a
  region's countries when its count less its named countries would be small (country_cells);
- free-text quotes, "other" texts, extremes of numbers and daily counts are left out (the
  cumulative curve stays); terms used by fewer people than the threshold are dropped.
Published contributions are public texts already: they keep their quotes and exact counts
(each one is listed at /contributions with its region, type and language).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, MutableMapping, Sequence
from typing import Any

from consult.outcomes import group_disclosure
from consult.outcomes.cells import (
    hidden_last,
    hide,
    is_small,
    protect_total,
    suppress_cells,
)
from consult.outcomes.country_cells import (
    OTHER_COUNTRIES,
    protect_countries,
    protect_country_count,
)
from consult.outcomes.derived_cells import (
    protect_mean_choices,
    protect_number_extremes,
    protect_number_mean,
    protect_row_mean,
    protect_uncoded,
)
from consult.outcomes.distribution import MEAN_CHOICES
from consult.outcomes.number_bins import merge_small_ends
from consult.outcomes.ranking_cells import protect_ranking
from consult.outcomes.skipped import (
    skip_cells,
    small_skip,
    withhold_answered,
    withhold_row_answered,
)

_small = is_small
_hide = hide
__all__ = [
    "OTHER_COUNTRIES",
    "cumulative_steps",
    "protect_total",
    "public_summary",
    "quoted_contribution_ids",
    "suppress_cells",
    "withhold_contributions",
]


#: The lists a summary orders by count, largest first (participation.py, contributions.py,
#: the themes). (A ranking's options, ordered by Borda score, put a withheld score last; the
#: country question, ordered by count too, is withheld whole: public_summary.)
COUNT_ORDERED = {
    "participation": (
        "by_region",
        "by_country",
        "by_respondent_type",
        "by_language",
        "drafts_by_region",
    ),
    "question": ("themes",),
    "contributions": ("by_region", "by_language", "by_organisation_type", "themes"),
}


def cumulative_steps(days: Sequence[Mapping[str, Any]], threshold: int) -> list[dict[str, Any]]:
    """The cumulative curve in steps of at least ``threshold`` responses, daily counts removed.

    Each day shows the total released so far; a total is released only once it grew by at
    least the threshold since the last one released (and the final total always is, with the
    step before it merged if needed), so that no difference of two shown figures, a day's
    count included, is below the threshold. The curve starts with the first total released:
    a leading row of 0 would say that nobody answered on days when some did.
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
    if not released:
        return []
    shown = set(released)
    result, current = [], 0
    for index, entry in enumerate(days[released[0] :], start=released[0]):
        if index in shown:
            current = totals[index]
        result.append({"date": entry["date"], "count": None, "cumulative": current})
    return result


def _participation(
    participation: MutableMapping[str, Any],
    threshold: int,
    regions: Mapping[str, str] | None = None,
) -> bool:
    """Protect a questionnaire's participation; True when larger countries were pooled."""
    region_total = sum(e["count"] or 0 for e in participation.get("by_region") or [])
    for name in ("by_region", "by_respondent_type", "by_language", "drafts_by_region"):
        suppress_cells(participation.get(name) or [], threshold, exclusive=True)
    if participation.get("by_population_band"):
        suppress_cells(participation["by_population_band"], threshold, exclusive=True)
    # Small countries pooled, and no region less its named countries a small figure.
    grouped = protect_countries(
        participation, threshold, region_total=region_total, regions=regions
    )
    participation["larger_pooled"] = grouped
    protect_country_count(participation, threshold)
    participation.pop("larger_pooled")
    participation.pop("country_regions", None)  # the map, not a figure: the staff's record
    # One respondent's day each (when the first and the last answered): the staff's record.
    participation.pop("first_submitted", None)
    participation.pop("last_submitted", None)
    participation["per_day"] = cumulative_steps(participation.get("per_day") or [], threshold)
    if _small(participation.get("drafts"), threshold):
        participation["drafts"] = None
        participation["started"] = None
        participation["completion"] = None
    return grouped


def _withhold_question(question: MutableMapping[str, Any]) -> None:
    """Withhold every figure of a question: a page says only why (too few answered, or it
    follows an answer whose count is hidden: see _follow_ups)."""
    question["suppressed"] = True
    question["answered"] = question["base"] = None
    if "count" in question:
        question["count"] = None
    for field in ("options", "rows", "terms", "themes", "other_texts", "languages", "histogram"):
        if field in question:
            question[field] = [] if isinstance(question[field], list) else {}
    for field in ("median", "q1", "q3", "min", "max", "mean", "max_borda", *MEAN_CHOICES):
        if field in question:
            question[field] = None


def _follow_ups(questionnaire: MutableMapping[str, Any]) -> None:
    """Withhold the follow-ups of an answer whose count is hidden.

    A question asked only after an answer (its own condition or its section's) is asked to
    exactly the respondents who gave it: its asked and answered counts, and the counts that add
    up to them, would print the count its parent's table hides (a cell hidden to protect a
    smaller one is 5 or more, so the follow-up is not small itself). Its figures are withheld
    too, and a follow-up of a withheld question in turn. ``asked_if`` (summary.py) names each
    question's conditions; a summary frozen before it was kept has none to check.
    """
    conditions = questionnaire.get("asked_if") or {}
    by_key = {q["key"]: q for q in questionnaire["questions"]}
    changed = True
    while changed:
        changed = False
        for question in questionnaire["questions"]:
            if question.get("suppressed"):
                continue
            for parent_key, _operator, value in conditions.get(question["key"]) or ():
                if _hides(by_key.get(parent_key), value):
                    _withhold_question(question)
                    question["asked"] = question["not_answered"] = None
                    question["follows_hidden"] = parent_key
                    changed = True
                    break


def _hides(parent: Mapping[str, Any] | None, answer: str) -> bool:
    """Whether a public question hides how many gave ``answer`` (or every figure of its own)."""
    if parent is None:
        return False
    hidden = {o["key"] for o in parent.get("options") or () if o.get("suppressed")}
    return bool(parent.get("suppressed")) or answer in hidden


def _question(question: MutableMapping[str, Any], threshold: int, limit: int | None = None) -> None:
    """Protect one question of a public summary (``limit``: group_disclosure's, None for its
    default)."""
    limit = group_disclosure.limit_in_force(limit, threshold)
    # The few who were asked and skipped it: one more cell of the question's table.
    skipped = small_skip(question.get("asked"), question.get("answered"), threshold)
    for field in ("asked", "not_answered"):
        if _small(question.get(field), threshold):
            question[field] = None
    if _small(question["answered"], threshold):
        _withhold_question(question)
        return
    if group_disclosure.question_withheld(question, threshold, limit):
        # A small group that all, or all but a few, gave one answer: its table is withheld.
        group_disclosure.withhold_tables(question)
        _version_bases(question.get("options") or [], threshold)  # no small base printed
    else:
        _tables(question, threshold, limit, skipped)
    if skipped:
        withhold_answered(question)


def _tables(question: MutableMapping[str, Any], threshold: int, limit: int, skipped: int) -> None:
    """Protect the small cells of a question's tables and the figures derived from them."""
    kind = question["type"]
    options = question.get("options") or []
    totals = {f: sum(o.get(f) or 0 for o in options) for f in ("count", "ranked", "first")}
    _version_bases(options, threshold)
    if kind in ("single_choice", "yes_no", "region", "country"):
        cells = [*options, *skip_cells(skipped)]
        suppress_cells(cells, threshold, exclusive=True, total=totals["count"] + skipped)
    elif kind == "multiple_choice":
        suppress_cells(question["options"], threshold, exclusive=False)
        question["other_texts"] = []
        protect_mean_choices(question, threshold)
    elif kind == "matrix":
        for row in question["rows"]:
            _matrix_row(question, row, threshold, limit)
    elif kind == "ranking":
        places_table = {o["key"]: dict(o.get("counts") or {}) for o in options}
        for option in options:
            option["counts"] = {}  # places per rank: never printed in public, never kept
        protect_ranking(
            question, threshold, skipped=skipped, totals=totals, places_table=places_table
        )
    elif kind == "number":
        question["min"] = question["max"] = None
        # An end interval with one or two answers says someone answered that far out: merged
        # into its neighbour first (number_bins). The intervals add up to the answers shown: a
        # lone hidden one needs a partner.
        histogram = question.get("histogram") or []
        merge_small_ends(histogram, threshold)
        suppress_cells([*histogram, *skip_cells(skipped)], threshold, exclusive=True)
        protect_number_mean(question, threshold)
        protect_number_extremes(question, threshold)
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
        protect_uncoded(question, threshold)
        # Each answer has one language and the answers are counted: exclusive cells.
        languages = [{"key": k, "count": n} for k, n in (question.get("languages") or {}).items()]
        suppress_cells([*languages, *skip_cells(skipped)], threshold, exclusive=True)
        question["languages"] = {e["key"]: e["count"] for e in languages}
        question["languages_secondary"] = [e["key"] for e in languages if e.get("secondary")]
        question["languages_withheld"] = [e["key"] for e in languages if e.get("withheld")]
        if _small(question.get("uncoded"), threshold):
            question["uncoded"] = None


def _matrix_row(
    question: MutableMapping[str, Any],
    row: MutableMapping[str, Any],
    threshold: int,
    limit: int | None = None,
) -> None:
    """A matrix row: its scale adds up to the row's answers, and with the few who skipped the
    row, to the question's asked. A row is a group of its own (group_disclosure)."""
    if _small(row["answered"], threshold):
        row["suppressed"] = True
        row["counts"] = {}
        row["mean"] = None
        for entry in row["distribution"]:
            _hide(entry)
        return
    skipped = small_skip(question.get("asked"), row["answered"], threshold)
    if group_disclosure.row_withheld(
        row, threshold, group_disclosure.limit_in_force(limit, threshold)
    ):
        group_disclosure.withhold_row(row)
        if skipped:
            withhold_row_answered(row)
        return
    cells = [*row["distribution"], *skip_cells(skipped)]
    suppress_cells(cells, threshold, exclusive=True)
    protect_row_mean(row, question.get("scale") or [], threshold, cells, row["answered"] + skipped)
    row["counts"] = {e["key"]: e["count"] for e in row["distribution"] if e["count"] is not None}
    if _small(row["scored"], threshold):
        row["mean"] = None
    # The mean's base is the row's answers less its unscored ones ("don't know"): with
    # an unscored cell hidden, printing that base would give the hidden count away.
    unscored = {p["key"] for p in question.get("scale") or [] if p.get("score") is None}
    if any(e["count"] is None and e["key"] in unscored for e in row["distribution"]):
        row["scored"] = row["unscored"] = None
    if skipped:
        withhold_row_answered(row)


def _version_bases(options: Sequence[MutableMapping[str, Any]], threshold: int) -> None:
    """Hide an option offered by only some versions whose own base is small: every figure of
    it, the base too (a share of a handful points at a handful)."""
    for option in options:
        if _small(option.get("base"), threshold):
            option["base"] = None
            option["suppressed"] = option["base_hidden"] = True
            # Offered to fewer than the threshold: chosen by anywhere from none to all of them.
            option["hidden_range"] = (0, threshold - 1)
            for field in ("count", "share", "first", "share_first", "ranked", "share_ranked"):
                if field in option:
                    option[field] = None
            for field in ("mean_rank", "borda"):
                if field in option:
                    option[field] = None


def _contributions(contributions: MutableMapping[str, Any]) -> None:
    """Published contributions' counts stay exact: each contribution is public at
    /contributions with its kind, article, region, contributor type and language, and that
    list counts any filter of them exactly ("4 contributions match your filters"). Hiding a
    cell here would protect no one, and two public outputs would disagree on one figure."""
    contributions.pop("contribution_ids", None)  # staff's record of the freeze, not a figure


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
            # A row whose few skippers are protected has no base to print: its mean, when the
            # public row prints it, is printed here too with its base "not shown"; else withheld.
            skipped = [a for a in column["values"] if (rows.get(a) or {}).get("answered_secondary")]
            column["withheld"] = sorted(
                a
                for a in column["values"]
                if (a in skipped and rows[a].get("mean") is None)
                or group_disclosure.withheld_table(rows.get(a) or {})
            )
            column["base_withheld"] = sorted(a for a in skipped if rows[a].get("mean") is not None)
            # The public row's mean: withheld there (it would pin a hidden cell), withheld here.
            column["values"] = {a: (rows.get(a) or {}).get("mean") for a in column["values"]}
            column["bases"] = {a: (rows.get(a) or {}).get("scored") for a in column["bases"]}
            column["answered"] = {a: (rows.get(a) or {}).get("answered") for a in column["bases"]}
        else:
            options = {o["key"]: o for o in question.get("options") or []}
            if question.get("answered_secondary") or group_disclosure.withheld_table(question):
                # Shares of a withheld answered count would give it back, and its base too; a
                # withheld table's shares would say what its small group chose.
                column["withheld"] = sorted(column["values"])
            for article in column["values"]:
                if (options.get(article) or {}).get("count") is None:
                    column["values"][article] = None
            column["bases"] = {
                a: (options[a].get("base", question.get("answered")) if a in options else None)
                for a in column["bases"]
            }
        for article in column.get("withheld") or ():
            column["values"][article] = None
            column["bases"][article] = None
            if "counts" in column:
                column["counts"][article] = None


def public_summary(
    summary: Mapping[str, Any],
    threshold: int,
    regions: Mapping[str, str] | None = None,
    *,
    group_limit: int | None = None,
) -> dict[str, Any]:
    """Return a copy of ``summary`` fit for the public: small cells suppressed, quotes removed.

    ``regions`` (country -> region, the map in force) serves a summary frozen before each
    country's region was recorded with it (see country_cells). ``group_limit``: the group size
    from which a table may say that everyone gave one answer (GROUP_DISCLOSURE_LIMIT; None:
    2 x ``threshold``, see group_disclosure)."""
    limit = group_disclosure.limit_in_force(group_limit, threshold)
    result = copy.deepcopy(dict(summary))
    # The starred quotes as re-read at the freeze: staff's record; the deck takes its quotes
    # from it through the attribution rule (consult.outcomes.attribution), never the public.
    result.pop("quotes", None)
    result["suppressed_below"] = threshold
    result["group_limit"] = limit  # what the deck's method and empty slides say (deck_content)
    for field in ("drafts", "responses", "response_ids_count"):
        if _small(result.get(field), threshold):
            result[field] = None
    for questionnaire in result["questionnaires"]:
        if _small(questionnaire["responses"], threshold):
            # Its count is small: gone, and so is the total, which would give it back.
            questionnaire["suppressed"] = True
            questionnaire["responses"] = None
            result["responses"] = result["response_ids_count"] = None
        if _participation(questionnaire["participation"], threshold, regions):
            result["countries_grouped"] = True  # the pooled line's words say so (formatting)
        for question in questionnaire["questions"]:
            _question(question, threshold, limit)
        _follow_ups(questionnaire)
        for question in questionnaire["questions"]:
            if question["type"] in ("country", "region"):
                # Printed as the participation's breakdowns, protected together (country_cells);
                # a copy protected on its own would give what they hide (a named small country).
                _withhold_question(question)
                question["in_participation"] = True
    if any(
        q["participation"].get("countries") is None and "countries" in q["participation"]
        for q in result["questionnaires"]
    ):
        result["countries"] = None  # both questionnaires' countries: one withheld, this too
    if result.get("contributions"):
        _contributions(result["contributions"])
    _articles(result["articles"], result["questionnaires"], threshold)
    _hidden_last(result)
    return result


def _hidden_last(summary: MutableMapping[str, Any]) -> None:
    """Every list ordered by count (cells.hidden_last) puts its hidden cells after the shown."""
    for questionnaire in summary["questionnaires"]:
        for name in COUNT_ORDERED["participation"]:
            part = questionnaire["participation"]
            if part.get(name):
                part[name] = hidden_last(part[name], last=OTHER_COUNTRIES)
        for question in questionnaire["questions"]:
            for name in COUNT_ORDERED["question"]:
                if question.get(name):
                    question[name] = hidden_last(question[name])
            if question["type"] == "ranking" and question.get("options"):
                # ordered by Borda score (closed.py): a withheld score goes last
                question["options"] = hidden_last(
                    question["options"], hidden=lambda o: o.get("borda") is None
                )
    contributions = summary.get("contributions") or {}
    for name in COUNT_ORDERED["contributions"]:
        if contributions.get(name):
            contributions[name] = hidden_last(contributions[name])


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
