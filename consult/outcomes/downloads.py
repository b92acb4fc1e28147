"""Every chart and table of the outcome pages, by name, for downloads: the chart's SVG and the
table's header and rows, in the page's language, from the same summary figures the page shows.

Names: "question:<key>", "participation:<timeline|region|respondent_type|language|population>",
"articles", "regions", "contributions:<articles|themes|kind|region|language>".

Public downloads (``public=True``, from a public summary) hold exactly what the public page
shows: a suppressed count is written as the page words it ("fewer than 5", "not shown
(protects a small group)"), never as a number, and columns the public page leaves out (daily
counts, the scored base of a mean) are left out too. Every table goes through the app's one
spreadsheet writer (consult.exports.writers).
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup

from consult.exports.writers import Table, formatted_number, number_cell, write_table
from consult.outcomes import figure_charts as fc
from consult.outcomes import heat
from consult.outcomes.formatting import (
    breakdown_label,
    countries_in_order,
    entry_count,
    interval_label,
    option_label,
    t,
)

Cell = str | int | float | None


@dataclass(frozen=True)
class Figure:
    """One chart with its data table."""

    name: str
    title: str
    chart: Markup | None
    header: list[str]
    rows: list[list[Cell]]
    #: The questionnaire the figure was drawn from (None for one across the consultation).
    questionnaire: str | None = None


def _questionnaire(summary: Mapping[str, Any], key: str | None) -> Mapping[str, Any] | None:
    return next((q for q in summary["questionnaires"] if q["key"] == key), None)


class _Shown:
    """How a count is written: the number, or on a public download the page's words for a
    suppressed one (a staff download writes an empty cell)."""

    def __init__(self, public: bool, threshold: int | None) -> None:
        self.public = public
        self.threshold = threshold

    def __call__(self, entry: Mapping[str, Any] | None, field: str = "count") -> Cell:
        value = None if entry is None else entry.get(field)
        if value is not None or not self.public:
            return value
        shown = dict(entry or {}, count=None)
        if field != "count":  # a ranking's first places or times ranked carry their own words
            shown["secondary"] = (entry or {}).get(f"{field}_secondary")
            shown["withheld"] = (entry or {}).get(f"{field}_withheld")
        return entry_count(shown, self.threshold or 5)


def _breakdown_rows(
    entries: Sequence[Mapping], kind: str, summary: Mapping, shown: _Shown
) -> list[list[Cell]]:
    if kind == "country":  # ties in the order of the country's name, as on the page
        entries = countries_in_order(entries, summary)
    return [[breakdown_label(kind, e["key"], summary), shown(e), e.get("share")] for e in entries]


def _question_figure(
    question: Mapping[str, Any], summary: Mapping[str, Any], threshold: int | None, shown: _Shown
) -> Figure:
    kind = question["type"]
    title = t(question["label"])
    name = f"question:{question['key']}"
    if question.get("suppressed") or not (
        question.get("answered") or question.get("answered_secondary")
    ):
        return Figure(name, title, None, [], [])
    if kind in ("single_choice", "yes_no", "region", "country", "multiple_choice"):
        rows = [
            [
                option_label(o, kind, summary.get("region_labels", {})),
                shown(o),
                o.get("share"),
                shown(o, "base") if "base" in o else question["base"],
            ]
            for o in (
                countries_in_order(question["options"], summary)
                if kind == "country"
                else question["options"]
            )
            if kind != "country" or o.get("count") != 0
        ]
        header = [_("Answer"), _("Respondents"), _("Share of those who answered"), _("Base")]
        return Figure(name, title, fc.choice_chart(question, summary, threshold), header, rows)
    if kind == "matrix":
        header = [_("Row"), *(t(p["label"]) for p in question["scale"]), _("Answered")]
        if question["ordinal"]:
            # The public page prints no scored base: it could reveal a hidden "don't know".
            header += [_("Mean score")] if shown.public else [_("Mean score"), _("Scored")]
        rows = []
        for row in question["rows"]:
            cells = {e["key"]: e for e in row["distribution"]}
            line: list[Cell] = [
                t(row["label"]),
                *(shown(cells[p["key"]]) if p["key"] in cells else 0 for p in question["scale"]),
            ]
            line.append(shown({"count": None} if row.get("suppressed") else row, "answered"))
            if question["ordinal"]:
                line += [row.get("mean")] if shown.public else [row.get("mean"), row.get("scored")]
            rows.append(line)
        return Figure(name, title, fc.matrix_chart(question, threshold), header, rows)
    if kind == "ranking":
        header = [
            _("Option"),
            _("Borda points"),
            _("Ranked first"),
            _("Ranked at all"),
            _("Mean rank"),
            _("Base"),
        ]
        rows = [
            [
                t(o["label"]),
                o.get("borda"),
                shown(o, "first"),
                shown(o, "ranked"),
                o.get("mean_rank"),
                shown(o, "base") if "base" in o else question["base"],
            ]
            for o in question["options"]
        ]
        return Figure(name, title, fc.ranking_chart(question), header, rows)
    if kind == "number":
        header = [_("Interval"), _("Answers")]
        # Labelled as on the page (number_bins): an end a public summary leaves open says so.
        intervals = question.get("histogram") or []
        rows = [
            [interval_label(question, e, index == len(intervals) - 1), shown(e)]
            for index, e in enumerate(intervals)
        ]
        chart = fc.histogram_chart(question, threshold) if rows else None
        return Figure(name, title, chart, header, rows)
    header = [_("Theme"), _("Answers"), _("Share")]
    rows = [[t(th["label"]), shown(th), th.get("share")] for th in question.get("themes") or []]
    chart = fc.themes_chart(question, threshold) if rows else None
    return Figure(name, title, chart, header, rows)


#: The figure families drawn from one questionnaire (``of``); the others span the consultation.
PER_QUESTIONNAIRE = ("question", "participation")
#: The families named by their family alone: whatever follows their colon is not read.
WHOLE = ("articles", "regions")


def figure(
    summary: Mapping[str, Any],
    questionnaire_key: str | None,
    name: str,
    threshold: int | None = None,
    *,
    public: bool = False,
) -> Figure | None:
    """Return the named chart and table of a summary (None when there is no such figure);
    ``public`` for a public summary's download (see the module's docstring).

    The figure's ``name`` and ``questionnaire`` are the known values it was found by, never
    what the request added: a download's file name is built from them (a parameter the
    figure does not read, or text after the colon of a family named alone, is not echoed).
    """
    found = _figure(summary, questionnaire_key, name, threshold, public=public)
    if found is None:
        return None
    family, _sep, key = name.partition(":")
    return replace(
        found,
        name=family if family in WHOLE else f"{family}:{key}",
        questionnaire=questionnaire_key if family in PER_QUESTIONNAIRE else None,
    )


def _figure(
    summary: Mapping[str, Any],
    questionnaire_key: str | None,
    name: str,
    threshold: int | None = None,
    *,
    public: bool = False,
) -> Figure | None:
    shown = _Shown(public, threshold)
    family, _sep, key = name.partition(":")
    questionnaire = _questionnaire(summary, questionnaire_key)
    if family == "question" and questionnaire is not None:
        question = next((q for q in questionnaire["questions"] if q["key"] == key), None)
        return None if question is None else _question_figure(question, summary, threshold, shown)
    if family == "participation" and questionnaire is not None:
        part = questionnaire["participation"]
        if key == "timeline":
            if public:  # daily counts are never public: the running total only
                rows = [[d["date"], d.get("cumulative")] for d in part["per_day"]]
                header = [_("Day"), _("Cumulative")]
            else:
                rows = [[d["date"], d.get("count"), d.get("cumulative")] for d in part["per_day"]]
                header = [_("Day"), _("Submitted that day"), _("Cumulative")]
            return Figure(
                name,
                _("Responses over time (cumulative)"),
                fc.timeline_chart(questionnaire),
                header,
                rows,
            )
        titles = {
            "region": _("Responses by UCLG region"),
            "respondent_type": _("Responses by type of respondent"),
            "language": _("Responses by language"),
            "country": _("Responses by country"),
        }
        if key in titles:
            entries = part[f"by_{key}"]
            chart = fc.breakdown_chart(titles[key], entries, key, summary, threshold)
            header = [_("Group"), _("Responses"), _("Share")]
            rows = _breakdown_rows(entries, key, summary, shown)
            return Figure(name, titles[key], chart, header, rows)
        if key == "population" and part.get("by_population_band"):
            rows = [
                [
                    t(e["label"]) if e.get("label") else _("Not answered"),
                    shown(e),
                    e.get("share"),
                ]
                for e in part["by_population_band"]
            ]
            chart = fc.population_chart(questionnaire, summary, threshold)
            header = [_("Population"), _("Responses"), _("Share")]
            return Figure(name, _("Responses by population"), chart, header, rows)
        return None
    if family == "articles" and summary["articles"]["columns"]:
        columns = summary["articles"]["columns"]
        header = [_("Article")]
        for column in columns:
            label = heat.heat_column_label(column)
            header += [label, _("%(figure)s: base (n)", figure=label)]
        rows = []
        for article in summary["articles"]["articles"]:
            row: list[Cell] = [t(summary.get("article_titles", {}).get(article)) or article]
            for column in columns:
                # Each figure with the base it rests on, as the page's table shows it: a
                # suppressed one's base only where the page prints it (heat_cell).
                cell = heat.heat_cell(column, article, summary)
                exact = cell.base is not None and not cell.base_is_answered
                base = cell.base if exact or (cell.base is None and not public) else cell.base_text
                row += [cell.value, base]
            rows.append(row)
        title = _("The 12 articles across the consultation")
        return Figure(name, title, heat.article_heat_map(summary, threshold), header, rows)
    if family == "regions":
        totals: dict[str, int | None] = {}
        for entry in summary["questionnaires"]:
            for region in entry["participation"]["by_region"]:
                if region["key"] is None:
                    continue
                count = region.get("count")
                previous = totals.get(region["key"], 0)
                totals[region["key"]] = (
                    None if count is None or previous is None else previous + count
                )
        rows = [
            [breakdown_label("region", k, summary), n if n is not None or not public else "–"]
            for k, n in totals.items()
        ]
        chart = fc.region_tiles(summary["questionnaires"], summary, threshold)
        return Figure(
            name, _("Responses by UCLG region"), chart, [_("Region"), _("Responses")], rows
        )
    contributions = summary.get("contributions")
    if family == "contributions" and contributions and contributions.get("total"):
        if key == "articles":
            rows = [
                [fc.article_label(summary, e["key"]), shown(e), e.get("share")]
                for e in contributions["by_article"]
            ]
            header = [_("Article"), _("Contributions"), _("Share")]
            chart = fc.contribution_articles_chart(summary)
            return Figure(name, _("Open contributions by article"), chart, header, rows)
        if key == "themes":
            rows = [[t(th["label"]), shown(th), th.get("share")] for th in contributions["themes"]]
            header = [_("Theme"), _("Contributions"), _("Share")]
            chart = fc.contribution_themes_chart(summary)
            return Figure(name, _("Themes of the open contributions"), chart, header, rows)
        titles = {
            "kind": _("Contributions by kind"),
            "region": _("Contributions by region"),
            "language": _("Contributions by language"),
        }
        if key in titles:
            entries = contributions[f"by_{key}"]
            chart = fc.breakdown_chart(titles[key], entries, key, summary, threshold)
            header = [_("Group"), _("Contributions"), _("Share")]
            rows = _breakdown_rows(entries, key, summary, shown)
            return Figure(name, titles[key], chart, header, rows)
    return None


def table_file(fmt: str, header: list[str], rows: list[list[Any]], sheet: str) -> bytes:
    """Write a small table (CSV or XLSX) through the app's one spreadsheet writer.

    Numbers are numbers in every language (consult.exports.writers): a figure comes as an int
    or a float and is written with a dot decimal in CSV and typed in XLSX; only headers and
    labels are translated. A figure formatted for a page ("3,24", "48 %") is refused: an
    analyst re-deriving figures from the file must be able to read them.
    """
    cells = [[number_cell(value) for value in row] for row in rows]
    for row in cells:
        for value in row:
            if formatted_number(value):
                raise ValueError(f"a figure written as text for a page: {value!r}")
    numeric = frozenset(
        i for i in range(len(header)) if any(isinstance(r[i], int | float) for r in cells)
    )
    table = Table(
        columns=header,
        rows=cells,
        codebook_header=[],
        codebook=[],
        numeric=numeric,
        sheet_name=sheet[:31] or "data",
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"table.{fmt}"
        write_table(fmt, table, path)
        return path.read_bytes()
