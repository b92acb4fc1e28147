"""From summary data to what pages show: translated labels, formatted figures and SVG charts.

Used by the pages, the deck and `consult outcomes --format html`; it needs a request (or test
request) context for the language and the translations. The numbers come from the summary only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_date
from flask_babel import format_decimal, format_percent, ngettext
from flask_babel import gettext as _
from markupsafe import Markup

from consult.geography import country_name
from consult.i18n import current_language, translate_text
from consult.outcomes import charts

LANGUAGE_LABELS = {
    "en": {"en": "English", "fr": "anglais", "es": "inglés"},
    "fr": {"en": "French", "fr": "français", "es": "francés"},
    "es": {"en": "Spanish", "fr": "espagnol", "es": "español"},
}


def t(text: Mapping[str, str] | None) -> str:
    """Pick a three-language text in the current language."""
    return translate_text(text)


def percent(share: float | None) -> str:
    """A share as a whole percentage ("42 %" in French), or an en dash when unknown."""
    if share is None:
        return "–"
    return format_percent(share, format="#,##0%")


def percent_precise(share: float | None) -> str:
    """A share with one decimal, for tables."""
    if share is None:
        return "–"
    return format_percent(share, format="#,##0.0%")


def number(value: float | int | None, digits: int = 0) -> str:
    """A number in the current language's notation."""
    if value is None:
        return "–"
    if digits:
        return format_decimal(value, format="#,##0." + "0" * digits)
    return format_decimal(value, format="#,##0")


def count_text(count: int | None, threshold: int | None = None) -> str:
    """A count, or "fewer than N" when it was suppressed."""
    if count is None:
        return _("fewer than %(n)s", n=threshold or 5) if threshold else "–"
    return number(count)


def data_time(moment: datetime | str, timezone: str, language: str | None = None) -> str:
    """Render a data time the way the staff chose: "22 February 2022, 18:00 CET"."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    zone = ZoneInfo(timezone)
    local = moment.astimezone(zone)
    language = language or current_language()
    # The long date of each language ("22 de febrero de 2022"), a 24-hour time, and the zone's
    # own abbreviation (CET), the same in every language.
    # UCLG writes English dates the British way: "22 February 2022".
    day = babel_date(local.date(), format="long", locale="en_GB" if language == "en" else language)
    return f"{day}, {local:%H:%M} {local.tzname()}"


def option_label(
    entry: Mapping[str, Any], question_type: str, region_labels: Mapping[str, Mapping[str, str]]
) -> str:
    """The label of an option, a country name, a region, or the key when nothing better exists."""
    key = entry.get("key")
    if question_type == "country" and key:
        return country_name(key, current_language())
    if entry.get("label"):
        return t(entry["label"])
    if question_type == "region" and key in region_labels:
        return t(region_labels[key])
    if key is None:
        return _("Not answered")
    return str(key)


KIND_LABELS = {
    "comment": {"en": "Comment", "fr": "Commentaire", "es": "Comentario"},
    "wording": {
        "en": "Proposed wording",
        "fr": "Proposition de rédaction",
        "es": "Propuesta de redacción",
    },
    "new_right": {"en": "New right", "fr": "Nouveau droit", "es": "Nuevo derecho"},
    "reflection": {"en": "Reflection", "fr": "Réflexion", "es": "Reflexión"},
}


PART_LABELS = {
    "whole": {"en": "Whole article", "fr": "Article entier", "es": "Artículo completo"},
    "rights": {
        "en": "Rights of the inhabitants",
        "fr": "Droits des habitants",
        "es": "Derechos de los habitantes",
    },
    "obligations": {
        "en": "Obligations of the city",
        "fr": "Obligations de la ville",
        "es": "Obligaciones de la ciudad",
    },
    "duties": {
        "en": "Duties of the inhabitants",
        "fr": "Devoirs des habitants",
        "es": "Deberes de los habitantes",
    },
    "action_plan": {
        "en": "Suggested action plan",
        "fr": "Plan d'action proposé",
        "es": "Plan de acción propuesto",
    },
}
#: The columns of the contributions-per-part table, in the Charter's order.
PART_COLUMNS = ("whole", "rights", "obligations", "duties", "action_plan")


def part_label(key: str) -> str:
    """The label of a part of an article ("whole" for the article as a whole)."""
    return t(PART_LABELS.get(key)) or key


def article_label(summary: Mapping[str, Any], key: str | None) -> str:
    """An article's numbered title, or "The Charter as a whole" for None."""
    if key is None:
        return _("The Charter as a whole")
    return t(summary.get("article_titles", {}).get(key)) or key


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
        )
        for e in entries
    ]
    description = _(
        "%(total)s published contributions. Number per article (share of all): %(figures)s.",
        total=number(contributions["total"]),
        figures="; ".join(f"{b.label}: {b.text}" for b in bars),
    )
    return charts.bar_chart(bars, _("Open contributions by article"), description)


def contribution_themes_chart(summary: Mapping[str, Any]) -> Markup:
    """Bars of the codebook themes found in published contributions."""
    contributions = summary["contributions"]
    bars = [
        charts.Bar(
            t(theme["label"]),
            theme["share"],
            f"{percent(theme['share'])} ({number(theme['count'])})",
        )
        for theme in contributions["themes"][:10]
    ]
    description = _(
        "%(total)s published contributions. Share touching each theme: %(figures)s.",
        total=number(contributions["total"]),
        figures="; ".join(f"{b.label}: {b.text}" for b in bars),
    )
    return charts.bar_chart(bars, _("Themes of the open contributions"), description)


def kind_count(key: str, count: int) -> str:
    """What a number of contributions of a kind is called: "56 comments" without the number."""
    if key == "comment":
        return ngettext("comment", "comments", count)
    if key == "wording":
        return ngettext("proposed wording", "proposed wordings", count)
    if key == "new_right":
        return ngettext("proposed new right", "proposed new rights", count)
    if key == "reflection":
        return ngettext("general reflection", "general reflections", count)
    return key


def scale_points(question: Mapping[str, Any]) -> str:
    """List a scale's scored points with their scores: "Very relevant = 4, Relevant = 3"."""
    points = [p for p in question["scale"] if p.get("score") is not None]
    return ", ".join(f"{t(p['label'])} = {number(p['score'])}" for p in points)


def breakdown_label(
    kind: str,
    key: str | None,
    summary: Mapping[str, Any],
    questionnaire: Mapping[str, Any] | None = None,
) -> str:
    """Label a participation breakdown entry (region, country, type, language)."""
    if key is None:
        return _("Not given")
    if kind == "region":
        return t(summary.get("region_labels", {}).get(key)) or key
    if kind == "country":
        if key == "_other":
            return _("Other countries (fewer than %(n)s each)", n=summary.get("suppressed_below"))
        return country_name(key, current_language())
    if kind == "language":
        return t(LANGUAGE_LABELS.get(key)) or key
    if kind == "kind":
        return t(KIND_LABELS.get(key)) or key
    if kind == "respondent_type":
        labels = {}
        for entry in summary["questionnaires"]:
            if questionnaire is None or entry["key"] == questionnaire["key"]:
                labels.update(entry.get("respondent_types", {}))
        return t(labels.get(key)) or key
    return key


def choice_chart(
    question: Mapping[str, Any], summary: Mapping[str, Any], threshold: int | None = None
) -> Markup:
    """Bars for a choice question: the share of respondents per option, count in brackets."""
    bars = []
    options = question["options"]
    if question["type"] == "country":
        options = [o for o in options if o["count"] is None or o["count"] > 0][:15]
    for option in options:
        label = option_label(option, question["type"], summary.get("region_labels", {}))
        if option.get("suppressed"):
            bars.append(charts.Bar(label, None, count_text(None, threshold)))
        else:
            bars.append(
                charts.Bar(
                    label,
                    option["share"],
                    f"{percent(option['share'])} ({number(option['count'])})",
                )
            )
    description = _(
        "%(answered)s respondents answered. Share of them per option, number in brackets: "
        "%(figures)s.",
        answered=number(question["answered"]),
        figures="; ".join(f"{b.label}: {b.text}" for b in bars),
    )
    return charts.bar_chart(bars, t(question["label"]), description)


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
        mean = number(row["mean"], 1) if row.get("mean") is not None else "–"
        rows.append((t(row["label"]), segments, mean if question["ordinal"] else ""))
        parts = ", ".join(
            f"{t(p['label'])} {percent(by_key[p['key']]['share'])}"
            for p in ordered
            if p["key"] in by_key and by_key[p["key"]]["share"] is not None
        )
        described.append(
            f"{t(row['label'])}: {parts}" + (f"; {mean}" if question["ordinal"] else "")
        )
    legend = [(p["key"], t(p["label"])) for p in ordered]
    description = _(
        "%(answered)s respondents answered. Per row, the share of answers per point of the "
        "scale, then the mean score: %(figures)s.",
        answered=number(question["answered"]),
        figures=" | ".join(described),
    )
    return charts.stacked_bars(rows, legend, colours, t(question["label"]), description)


def ranking_chart(question: Mapping[str, Any]) -> Markup:
    """Bars of the Borda score (share of the maximum), with first places in the figure."""
    top = question["max_borda"] or 1
    bars = []
    for option in question["options"]:
        if option.get("borda") is None:
            bars.append(charts.Bar(t(option["label"]), None, "–"))
            continue
        bars.append(
            charts.Bar(
                t(option["label"]),
                option["borda"] / top,
                _("%(points)s pts", points=number(option["borda"])),
            )
        )
    description = _(
        "%(answered)s respondents ranked their top %(places)s. Borda points per option (first "
        "place %(places)s points, last place 1): %(figures)s.",
        answered=number(question["answered"]),
        places=question["places"],
        figures="; ".join(f"{b.label}: {b.text}" for b in bars),
    )
    return charts.bar_chart(bars, t(question["label"]), description)


def histogram_chart(question: Mapping[str, Any], threshold: int | None = None) -> Markup:
    """Bars of how many answers fall in each interval of a number question."""
    total = sum(e["count"] or 0 for e in question["histogram"]) or 1
    bars = [
        charts.Bar(
            f"{number(e['from'])} – {number(e['to'])}",
            (e["count"] or 0) / total if e["count"] is not None else None,
            count_text(e["count"], threshold),
        )
        for e in question["histogram"]
    ]
    description = _(
        "%(answered)s answers; median %(median)s; answers per interval: %(figures)s.",
        answered=number(question["answered"]),
        median=number(question["median"], 1),
        figures="; ".join(f"{b.label}: {b.text}" for b in bars),
    )
    return charts.bar_chart(bars, t(question["label"]), description)


def themes_chart(question: Mapping[str, Any], threshold: int | None = None) -> Markup:
    """Bars of the codebook themes found in a text question's answers."""
    bars = [
        charts.Bar(
            t(theme["label"]),
            theme["share"],
            count_text(theme["count"], threshold)
            if theme.get("suppressed")
            else f"{percent(theme['share'])} ({number(theme['count'])})",
        )
        for theme in question["themes"][:10]
    ]
    description = _(
        "%(answered)s answers. Share of answers touching each theme: %(figures)s.",
        answered=number(question["answered"]),
        figures="; ".join(f"{b.label}: {b.text}" for b in bars),
    )
    return charts.bar_chart(bars, _("Themes: %(label)s", label=t(question["label"])), description)


def breakdown_chart(
    title: str,
    entries: Sequence[Mapping[str, Any]],
    kind: str,
    summary: Mapping[str, Any],
    threshold: int | None = None,
    limit: int = 12,
) -> Markup:
    """Bars of a participation breakdown (by region, type, language...)."""
    bars = []
    for entry in list(entries)[:limit]:
        label = breakdown_label(kind, entry["key"], summary)
        if entry.get("suppressed"):
            bars.append(charts.Bar(label, None, count_text(None, threshold)))
        else:
            bars.append(
                charts.Bar(
                    label, entry["share"], f"{number(entry['count'])} ({percent(entry['share'])})"
                )
            )
    description = "; ".join(f"{b.label}: {b.text}" for b in bars)
    return charts.bar_chart(bars, title, description)


def population_chart(
    questionnaire: Mapping[str, Any], summary: Mapping[str, Any], threshold: int | None = None
) -> Markup:
    """Bars of the population bands of the responding governments."""
    bars = []
    for entry in questionnaire["participation"]["by_population_band"] or []:
        label = t(entry["label"]) if entry.get("label") else _("Not answered")
        if entry.get("suppressed"):
            bars.append(charts.Bar(label, None, count_text(None, threshold)))
        else:
            bars.append(
                charts.Bar(
                    label, entry["share"], f"{number(entry['count'])} ({percent(entry['share'])})"
                )
            )
    return charts.bar_chart(
        bars, _("Responses by population"), "; ".join(f"{b.label}: {b.text}" for b in bars)
    )


def timeline_chart(questionnaire: Mapping[str, Any]) -> Markup:
    """The cumulative number of submitted responses, day by day."""
    days = questionnaire["participation"]["per_day"]
    points = [(d["date"], d["cumulative"]) for d in days]
    first = days[0]["date"] if days else ""
    last = days[-1]["date"] if days else ""
    description = _(
        "From %(first)s to %(last)s, submitted responses grew to %(total)s.",
        first=first,
        last=last,
        total=number(points[-1][1] if points else 0),
    )
    return charts.line_chart(
        points, _("Responses over time (cumulative)"), description, first, last
    )


def article_heat_map(summary: Mapping[str, Any], threshold: int | None = None) -> Markup | None:
    """The heat map of every per-article figure, across both questionnaires and contributions."""
    articles = summary["articles"]
    columns = articles["columns"]
    if not columns:
        return None
    titles = summary.get("article_titles", {})
    row_labels = [t(titles.get(a)) or a for a in articles["articles"]]
    column_labels = [heat_column_label(c) for c in columns]
    cells = []
    for article in articles["articles"]:
        row = []
        for column in columns:
            value = column["values"].get(article)
            row.append((heat_intensity(column, value), heat_figure(column, value)))
        cells.append(row)
    description = _(
        "For each of the 12 articles, per column: %(columns)s. Darker cells are higher within "
        "their column.",
        columns="; ".join(column_labels),
    )
    return charts.heat_map(
        row_labels, column_labels, cells, _("The 12 articles across the consultation"), description
    )


#: Short names of the per-article questions, for the deck's heat map (the pages use the
#: question's own wording).
HEAT_SHORT_LABELS = {
    "article_relevance": {
        "en": "Relevance today",
        "fr": "Pertinence aujourd'hui",
        "es": "Pertinencia hoy",
    },
    "article_update": {
        "en": "Need to revise",
        "fr": "Besoin de révision",
        "es": "Necesidad de revisión",
    },
    "articles_to_update": {
        "en": "Most need updating",
        "fr": "À actualiser en priorité",
        "es": "Más urgente actualizar",
    },
}


def _base_text(column: Mapping[str, Any]) -> str:
    """The respondents behind a column: one number, or the range over the articles."""
    bases = [b for b in column.get("bases", {}).values() if b is not None]
    if not bases:
        return "n = –"
    low, high = min(bases), max(bases)
    return f"n = {number(low)}" if low == high else f"n = {number(low)}–{number(high)}"


def deck_heat_column(column: Mapping[str, Any]) -> list[str]:
    """A heat map column's header on a slide: where from, what, the scale and its base."""
    if column["kind"] == "count":
        return [
            _("Open contributions"),
            _("number per article"),
            "",
            f"n = {number(max(column.get('bases', {}).values(), default=0))}",
        ]
    short = HEAT_SHORT_LABELS.get(column["question"])
    what = t(short) if short else t(column["label"])
    if column["kind"] == "mean":
        low, high = column["range"]
        measure = _("mean, %(low)s–%(high)s", low=number(low), high=number(high))
    else:
        measure = _("share who chose it")
    return [
        short_questionnaire(column.get("questionnaire")),
        what,
        measure,
        _base_text(column),
    ]


def deck_heat_map(summary: Mapping[str, Any]) -> Markup | None:
    """The article heat map drawn for a slide: large type, short headers with their bases."""
    articles = summary["articles"]
    columns = articles["columns"]
    if not columns:
        return None
    titles = summary.get("article_titles", {})
    cells = [
        [
            (
                heat_intensity(c, c["values"].get(a)),
                heat_figure(c, c["values"].get(a), compact=True),
            )
            for c in columns
        ]
        for a in articles["articles"]
    ]
    headers = [deck_heat_column(c) for c in columns]
    description = _(
        "For each of the 12 articles, per column: %(columns)s. Darker cells are higher within "
        "their column.",
        columns="; ".join(" ".join(h) for h in headers),
    )
    return charts.heat_map(
        [t(titles.get(a)) or a for a in articles["articles"]],
        headers,
        cells,
        _("The 12 articles across the consultation"),
        description,
        style=charts.DECK_HEAT_MAP,
    )


def heat_scale_notes(summary: Mapping[str, Any]) -> list[str]:
    """What the mean scores run from and to, once per question: "1 = Not relevant, 4 = ..."."""
    notes = []
    for column in summary["articles"]["columns"]:
        if column["kind"] != "mean":
            continue
        scored = sorted(
            (p for p in column.get("scale") or [] if p.get("score") is not None),
            key=lambda p: p["score"],
        )
        if len(scored) < 2:
            continue
        short = HEAT_SHORT_LABELS.get(column["question"])
        what = t(short) if short else t(column["label"])
        note = (
            f"{what}: {number(scored[0]['score'])} = {t(scored[0]['label'])}, "
            f"{number(scored[-1]['score'])} = {t(scored[-1]['label'])}"
        )
        if note not in notes:
            notes.append(note)
    return notes


def heat_column_label(column: Mapping[str, Any]) -> str:
    """Name a heat map column: what it measures and where it comes from."""
    source = short_questionnaire(column.get("questionnaire"))
    if column["kind"] == "mean":
        scale = column.get("scale") or []
        top = max((p for p in scale if p.get("score") is not None), key=lambda p: p["score"])
        name = _("mean score, %(top)s = %(max)s", top=t(top["label"]), max=number(top["score"]))
        return f"{source}: {name}"
    if column["kind"] == "share":
        return f"{source}: {t(column['label'])} (%)"
    return _("Open contributions (number)")


def short_questionnaire(key: str | None) -> str:
    if key == "local-governments":
        return _("Local governments")
    if key == "partners":
        return _("Partners")
    return key or ""


def heat_intensity(column: Mapping[str, Any], value: float | None) -> float | None:
    """Place a value between its column's minimum and maximum (0..1)."""
    if value is None:
        return None
    values = [v for v in column["values"].values() if v is not None]
    low, high = min(values), max(values)
    return 0.5 if high == low else (value - low) / (high - low)


def heat_figure(column: Mapping[str, Any], value: float | None, compact: bool = False) -> str:
    """The figure a heat map cell prints (one decimal for means when ``compact``)."""
    if value is None:
        return "–"
    if column["kind"] == "mean":
        return number(value, 1 if compact else 2)
    if column["kind"] == "share":
        return percent(value)
    return number(value)


def article_figures(summary: Mapping[str, Any], article: str) -> list[dict[str, str]]:
    """One article's figures in every heat map column: what, the figure, and its base."""
    figures = []
    for column in summary["articles"]["columns"]:
        value = column["values"].get(article)
        base = column.get("bases", {}).get(article)
        if column["kind"] == "count":
            base_text = _("of %(n)s published contributions", n=number(base))
        else:
            base_text = _("%(n)s respondents", n=number(base))
        figures.append(
            {
                "label": heat_column_label(column),
                "figure": heat_figure(column, value),
                "base": base_text,
                "suppressed": value is None,
            }
        )
    return figures


def region_tiles(
    questionnaires: Sequence[Mapping[str, Any]],
    summary: Mapping[str, Any],
    threshold: int | None = None,
    large: bool = False,
) -> Markup:
    """The participation map: responses to all questionnaires per UCLG region, as tiles."""
    totals: dict[str, int | None] = {key: 0 for key in summary.get("region_labels", {})}
    for questionnaire in questionnaires:
        for entry in questionnaire["participation"]["by_region"]:
            key = entry["key"]
            if key is None:
                continue
            if entry.get("suppressed") or totals.get(key, 0) is None:
                totals[key] = None
            else:
                totals[key] = (totals.get(key) or 0) + entry["count"]
    tiles = [
        (key, t(summary["region_labels"].get(key)) or key, count, count_text(count, threshold))
        for key, count in totals.items()
    ]
    description = "; ".join(f"{label}: {figure}" for _k, label, _c, figure in tiles)
    sizes = {"label_font": 22, "figure_font": 40} if large else {}
    return charts.region_map(tiles, _("Responses by UCLG region"), description, **sizes)


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


def respondent_type_label(summary: Mapping[str, Any], key: str | None) -> str:
    """The label of a respondent type in any questionnaire of the summary."""
    if not key:
        return ""
    for questionnaire in summary["questionnaires"]:
        label = questionnaire.get("respondent_types", {}).get(key)
        if label:
            return t(label)
    return key
