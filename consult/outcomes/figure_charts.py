"""The charts of the outcome pages, drawn from summary figures: choices, matrices, rankings,
numbers, themes, participation breakdowns, the timeline and the region tiles. Each chart
carries a text description with every figure it shows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup

from consult.outcomes import charts, view_scope
from consult.outcomes.formatting import (
    article_label,
    article_short_label,
    breakdown_label,
    count_text,
    countries_in_order,
    day,
    entry_count,
    interval_label,
    labelled,
    listed,
    mean_text,
    number,
    option_label,
    percent,
    quantity,
    t,
)
from consult.outcomes.reading import is_hidden, top_with_ties

#: What a chart prints where a figure is hidden; its text alternative says it in words.
DASH = "–"


#: The most bars a chart draws before it leaves the rest to the table beside it.
THEME_BARS = 10
COUNTRY_BARS = 15
BREAKDOWN_BARS = 12


def drawn(entries: Sequence[Mapping[str, Any]], limit: int) -> tuple[list[Any], int]:
    """The entries a bar chart draws and how many it leaves out: every entry when they fit;
    else the ``limit`` with the largest shown counts and any level with the last of them (a tie
    is never split: reading.top_with_ties), in their given order. The chokepoint of every chart
    that draws the first few of a list."""
    entries = list(entries)
    if len(entries) <= limit:
        return entries, 0
    kept = {id(e) for e in top_with_ties([e for e in entries if not is_hidden(e)], limit, "count")}
    chosen = [e for e in entries if id(e) in kept]
    return chosen, len(entries) - len(chosen)


def not_drawn(left_out: int) -> str:
    """What a chart says of the entries it leaves out (none: nothing)."""
    if not left_out:
        return ""
    return ngettext(
        "%(more)s more is not drawn; the table lists it.",
        "%(more)s more are not drawn; the table lists them.",
        left_out,
        more=number(left_out),
    )


def said(figure: str | None) -> str:
    """A figure as a chart's text alternative says it: a hidden one (None, empty, or the dash a
    chart prints) is "not shown", in words a screen reader reads out, never a dash."""
    return _("not shown") if _hidden(figure) else str(figure)


def _hidden(figure: str | None) -> bool:
    return figure is None or not str(figure).strip() or str(figure).strip() == DASH


def entry_said(
    label: str,
    figures: Sequence[str | None],
    names: Sequence[str] = (),
    *,
    mean: str | None = None,
    with_mean: bool = False,
) -> str:
    """One labelled entry of a chart's text alternative: "Europe: 12 (30%)", each hidden figure
    said "not shown" (after its name, when ``names`` gives one per figure: "Relevant not
    shown"); with ``with_mean``, the mean after the entry ("; 3.21", or "; mean not shown").
    An entry with nothing shown is said once: "Europe: not shown".

    The chokepoint of every entry a chart describes: no empty list, no dash for a figure."""
    nothing = all(_hidden(f) for f in figures)
    if nothing and (not with_mean or _hidden(mean)):
        return labelled(label, _("not shown"))
    if nothing:
        body = _("not shown")
    elif names:
        body = ", ".join(f"{n} {said(f)}" for n, f in zip(names, figures, strict=True))
    else:
        body = ", ".join(said(f) for f in figures)
    if not with_mean:
        return labelled(label, body)
    return listed([labelled(label, body), _("mean not shown") if _hidden(mean) else str(mean)])


def bars_said(bars: Sequence[charts.Bar]) -> str:
    """The figures of a bar chart for its text alternative, one entry per bar (entry_said)."""
    return listed([entry_said(b.label, [b.text]) for b in bars])


def withheld_answered(question: Mapping[str, Any], figures: str) -> str | None:
    """A chart's text alternative when the question's answered count is withheld (a few skipped
    it, and the difference would count them: consult.outcomes.skipped): it says so, where a
    count sentence would print a dash as the number who answered. None when the count is shown.
    The chokepoint of every chart description that starts with how many answered."""
    if question.get("answered") is not None:
        return None
    return _(
        "How many answered is not shown: a few skipped this question, and the difference would "
        "count them. Figures: %(figures)s.",
        figures=figures,
    )


def contribution_articles_chart(summary: Mapping[str, Any]) -> Markup:
    """Bars of published contributions per article (the Charter as a whole last)."""
    contributions = summary["contributions"]
    entries = sorted(contributions["by_article"], key=lambda e: (e["key"] is None, e["key"]))
    # Bars run to the most discussed article, so that small differences still show.
    longest = max((e["count"] for e in entries), default=0) or 1
    bars = [
        charts.Bar(
            article_label(summary, e["key"]),
            e["count"] / longest,
            f"{number(e['count'])} ({percent(e['share'])})",
            article_short_label(summary, e["key"]) if e["key"] else "",
        )
        for e in entries
    ]
    description = ngettext(
        "%(total)s published contribution. Number per article (share of all): %(figures)s.",
        "%(total)s published contributions. Number per article (share of all): %(figures)s.",
        contributions["total"] or 0,
        total=number(contributions["total"]),
        figures=bars_said(bars),
    )
    return charts.bar_chart(bars, _("Open contributions by article"), description)


def contribution_themes_chart(summary: Mapping[str, Any]) -> Markup:
    """Bars of the codebook themes found in published contributions."""
    contributions = summary["contributions"]
    themes, left_out = drawn(contributions["themes"], THEME_BARS)
    bars = [
        charts.Bar(
            t(theme["label"]),
            theme["share"],
            f"{percent(theme['share'])} ({number(theme['count'])})",
        )
        for theme in themes
    ]
    description = ngettext(
        "%(total)s published contribution. Share touching each theme: %(figures)s.",
        "%(total)s published contributions. Share touching each theme: %(figures)s.",
        contributions["total"] or 0,
        total=number(contributions["total"]),
        figures=bars_said(bars),
    )
    note = not_drawn(left_out)
    return charts.bar_chart(
        bars, _("Themes of the open contributions"), _joined(description, note), note
    )


def choice_chart(
    question: Mapping[str, Any], summary: Mapping[str, Any], threshold: int | None = None
) -> Markup:
    """Bars for a choice question: the share of respondents per option, count in brackets."""
    bars = []
    options = question["options"]
    left_out = 0
    if question["type"] == "country":
        options, left_out = drawn(
            countries_in_order(
                [o for o in options if o["count"] is None or o["count"] > 0], summary
            ),
            COUNTRY_BARS,
        )
    for option in options:
        label = option_label(option, question["type"], summary.get("region_labels", {}))
        if option.get("suppressed"):
            bars.append(charts.Bar(label, None, entry_count(option, threshold)))
        elif option.get("share") is None:
            # Shares withheld with the answered count (a few skipped): counts alone, bars
            # against the largest shown.
            largest = max((o["count"] or 0 for o in options), default=0) or 1
            bars.append(charts.Bar(label, option["count"] / largest, number(option["count"])))
        else:
            bars.append(
                charts.Bar(
                    label,
                    option["share"],
                    f"{percent(option['share'])} ({number(option['count'])})",
                )
            )
    figures = bars_said(bars)
    description = withheld_answered(question, figures) or ngettext(
        "%(answered)s respondent answered. Share per option, number in brackets: %(figures)s.",
        "%(answered)s respondents answered. Share of them per option, number in brackets: "
        "%(figures)s.",
        question["answered"] or 0,
        answered=number(question["answered"]),
        figures=figures,
    )
    note = not_drawn(left_out)
    return charts.bar_chart(bars, t(question["label"]), _joined(description, note), note)


def matrix_chart(question: Mapping[str, Any], threshold: int | None = None) -> Markup:
    """Stacked bars for a matrix: each row's answers over the scale, the mean at the end."""
    scale = question["scale"]
    colours = charts.scale_colours([(p["key"], p["score"]) for p in scale])
    # Best score on the left, reading like a ranking; unscored points ("don't know") last.
    ordered = sorted(scale, key=lambda p: (p["score"] is None, -(p["score"] or 0)))
    rows = []
    described = []
    for row in question["rows"]:
        by_key = {e["key"]: e for e in row["distribution"]}
        segments = [
            charts.Segment(
                p["key"],
                by_key[p["key"]]["share"] if p["key"] in by_key else None,
                percent(by_key[p["key"]]["share"]) if p["key"] in by_key else "",
            )
            for p in ordered
        ]
        mean = mean_text(row.get("mean"))
        rows.append((t(row["label"]), segments, mean if question["ordinal"] else ""))
        # A point's hidden share is said "not shown"; a point nobody could pick is left out.
        points = [p for p in ordered if p["key"] in by_key]
        described.append(
            entry_said(
                t(row["label"]),
                [percent(by_key[p["key"]]["share"]) for p in points],
                [t(p["label"]) for p in points],
                mean=mean,
                with_mean=question["ordinal"],
            )
        )
    legend = [(p["key"], t(p["label"])) for p in ordered]
    figures = " | ".join(described)
    description = withheld_answered(question, figures) or ngettext(
        "%(answered)s respondent answered. Per row, the share of answers per point of the "
        "scale, then the mean score: %(figures)s.",
        "%(answered)s respondents answered. Per row, the share of answers per point of the "
        "scale, then the mean score: %(figures)s.",
        question["answered"] or 0,
        answered=number(question["answered"]),
        figures=figures,
    )
    return charts.stacked_bars(rows, legend, colours, t(question["label"]), description)


def ranking_chart(question: Mapping[str, Any]) -> Markup:
    """Bars of the Borda score (share of the maximum), with first places in the figure."""
    # The most possible points; on public pages where it is withheld, the highest score shown.
    top = question["max_borda"] or max(
        (o.get("borda") or 0 for o in question["options"]), default=0
    )
    top = top or 1
    bars = []
    for option in question["options"]:
        if option.get("borda") is None:
            bars.append(charts.Bar(t(option["label"]), None, DASH))
            continue
        bars.append(
            charts.Bar(
                t(option["label"]),
                option["borda"] / top,
                _("%(points)s pts", points=number(option["borda"])),
            )
        )
    figures = bars_said(bars)
    description = withheld_answered(question, figures) or ngettext(
        "%(answered)s respondent ranked up to %(places)s options. Borda points per option (first "
        "place %(places)s points, each next place one point less): %(figures)s.",
        "%(answered)s respondents ranked up to %(places)s options. Borda points per option (first "
        "place %(places)s points, each next place one point less): %(figures)s.",
        question["answered"] or 0,
        answered=number(question["answered"]),
        places=question["places"],
        figures=figures,
    )
    return charts.bar_chart(bars, t(question["label"]), description)


def histogram_chart(question: Mapping[str, Any], threshold: int | None = None) -> Markup:
    """Bars of how many answers fall in each interval of a number question."""
    total = sum(e["count"] or 0 for e in question["histogram"]) or 1
    last = len(question["histogram"]) - 1
    bars = [
        charts.Bar(
            interval_label(question, e, index == last),
            (e["count"] or 0) / total if e["count"] is not None else None,
            count_text(e["count"], threshold),
        )
        for index, e in enumerate(question["histogram"])
    ]
    figures = bars_said(bars)
    if question.get("median") is None:
        # Withheld (it would rest on too few answers, or be one respondent's): said so.
        counted = ngettext(
            "%(answered)s answer; median not shown; answers per interval: %(figures)s.",
            "%(answered)s answers; median not shown; answers per interval: %(figures)s.",
            question["answered"] or 0,
            answered=number(question["answered"]),
            figures=figures,
        )
    else:
        counted = ngettext(
            "%(answered)s answer; median %(median)s; answers per interval: %(figures)s.",
            "%(answered)s answers; median %(median)s; answers per interval: %(figures)s.",
            question["answered"] or 0,
            answered=number(question["answered"]),
            median=quantity(question, question["median"], 1),
            figures=figures,
        )
    description = withheld_answered(question, figures) or counted
    return charts.bar_chart(bars, t(question["label"]), description)


def themes_chart(question: Mapping[str, Any], threshold: int | None = None) -> Markup:
    """Bars of the codebook themes found in a text question's answers."""
    themes, left_out = drawn(question["themes"], THEME_BARS)
    bars = [
        charts.Bar(
            t(theme["label"]),
            theme["share"],
            count_text(theme["count"], threshold)
            if theme.get("suppressed")
            else f"{percent(theme['share'])} ({number(theme['count'])})",
        )
        for theme in themes
    ]
    figures = bars_said(bars)
    description = withheld_answered(question, figures) or ngettext(
        "%(answered)s answer. Share of answers touching each theme: %(figures)s.",
        "%(answered)s answers. Share of answers touching each theme: %(figures)s.",
        question["answered"] or 0,
        answered=number(question["answered"]),
        figures=figures,
    )
    note = not_drawn(left_out)
    title = _("Themes: %(label)s", label=t(question["label"]))
    return charts.bar_chart(bars, title, _joined(description, note), note)


def breakdown_chart(
    title: str,
    entries: Sequence[Mapping[str, Any]],
    kind: str,
    summary: Mapping[str, Any],
    threshold: int | None = None,
    limit: int = BREAKDOWN_BARS,
) -> Markup:
    """Bars of a participation breakdown (by region, type, language...)."""
    bars = []
    if kind == "country":
        entries = countries_in_order(entries, summary)
    shown, left_out = drawn(entries, limit)
    for entry in shown:
        label = breakdown_label(kind, entry["key"], summary)
        if entry.get("suppressed"):
            bars.append(charts.Bar(label, None, entry_count(entry, threshold)))
        else:
            bars.append(
                charts.Bar(
                    label, entry["share"], f"{number(entry['count'])} ({percent(entry['share'])})"
                )
            )
    note = not_drawn(left_out)
    return charts.bar_chart(bars, title, _joined(bars_said(bars), note), note)


def _joined(description: str, note: str) -> str:
    """A chart's description followed by its note, if any."""
    return f"{description} {note}" if note else description


def population_chart(
    questionnaire: Mapping[str, Any], summary: Mapping[str, Any], threshold: int | None = None
) -> Markup:
    """Bars of the population bands of the responding governments."""
    bars = []
    for entry in questionnaire["participation"]["by_population_band"] or []:
        label = t(entry["label"]) if entry.get("label") else _("Not answered")
        if entry.get("suppressed"):
            bars.append(charts.Bar(label, None, entry_count(entry, threshold)))
        else:
            bars.append(
                charts.Bar(
                    label, entry["share"], f"{number(entry['count'])} ({percent(entry['share'])})"
                )
            )
    return charts.bar_chart(bars, _("Responses by population"), bars_said(bars))


def timeline_chart(questionnaire: Mapping[str, Any]) -> Markup:
    """The cumulative number of submitted responses, day by day."""
    days = questionnaire["participation"]["per_day"]
    points = [(d["date"], d["cumulative"]) for d in days]
    first = day(days[0]["date"]) if days else ""
    last = day(days[-1]["date"]) if days else ""
    # Both ends with their totals: a public curve starts at its first released step (5 or
    # more), so "from the first day" would hide the responses before it.
    description = _(
        "Running total of submitted responses: %(start)s on %(first)s, %(total)s on %(last)s.",
        start=number(points[0][1] if points else 0),
        first=first,
        last=last,
        total=number(points[-1][1] if points else 0),
    )
    return charts.line_chart(
        points, _("Responses over time (cumulative)"), description, first, last, number
    )


def region_totals(
    questionnaires: Sequence[Mapping[str, Any]], summary: Mapping[str, Any]
) -> dict[str, int | None]:
    """Responses to all questionnaires per UCLG region; None where a questionnaire withholds
    the region's count (the map's tiles, and what its speaker note says of them). A region the
    view's filter excludes is not listed (view_scope.regions_in_view): its 0 would be no finding."""
    shown = view_scope.regions_in_view(summary)
    totals: dict[str, int | None] = {
        key: 0 for key in summary.get("region_labels", {}) if shown is None or key in shown
    }
    for questionnaire in questionnaires:
        for entry in questionnaire["participation"]["by_region"]:
            key = entry["key"]
            if key is None or (shown is not None and key not in shown):
                continue
            if entry.get("suppressed") or totals.get(key, 0) is None:
                totals[key] = None
            else:
                totals[key] = (totals.get(key) or 0) + entry["count"]
    return totals


def region_tiles(
    questionnaires: Sequence[Mapping[str, Any]],
    summary: Mapping[str, Any],
    threshold: int | None = None,
    large: bool = False,
) -> Markup:
    """The participation map: responses to all questionnaires per UCLG region, as tiles;
    ``large`` for a slide (larger type, and no phone drawing: a slide's frame is fixed)."""
    totals = region_totals(questionnaires, summary)
    # A hidden tile adds a hidden cell to others: its total is not small, so it is "not shown"
    # rather than "fewer than N".
    tiles = [
        (
            key,
            t(summary["region_labels"].get(key)) or key,
            count,
            count_text(count, threshold) if count is not None else _("not shown"),
        )
        for key, count in totals.items()
    ]
    description = listed([entry_said(label, [figure]) for _k, label, _c, figure in tiles])
    sizes = {"label_font": 22, "figure_font": 40} if large else {}
    return charts.region_map(
        tiles, _("Responses by UCLG region"), description, **sizes, on_page=not large
    )
