"""The 12 articles across the consultation: the heat map on the pages and the deck, its column
headers and scale notes, and one article's figures for its Charter page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup

from consult.outcomes import charts
from consult.outcomes.formatting import (
    number,
    percent,
    short_questionnaire,
    t,
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
        elif column["kind"] == "mean" and base is not None:
            base_text = _(
                "%(n)s respondents who gave a rating; “don't know” left out", n=number(base)
            )
        elif column["kind"] == "mean" and (column.get("answered") or {}).get(article):
            # The number who gave a rating would reveal a small "don't know" group.
            base_text = _(
                "mean of the ratings given by the %(n)s respondents who answered; "
                "“don't know” left out",
                n=number(column["answered"][article]),
            )
        elif base is None:
            base_text = _("not enough respondents to show it")
        else:
            base_text = _("%(n)s respondents", n=number(base))
        figures.append(
            {
                "key": f"{column.get('questionnaire') or ''}:{column['question']}",
                "label": heat_column_label(column),
                "figure": heat_figure(column, value),
                "base": base_text,
                "suppressed": value is None,
            }
        )
    return figures
