"""The 12 articles across the consultation: the heat map on the pages and the deck, its column
headers and scale notes, and one article's figures for its Charter page."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup

from consult.i18n import current_language
from consult.outcomes import charts
from consult.outcomes.formatting import (
    article_label,
    article_short_label,
    labelled,
    listed,
    mean_text,
    number,
    percent,
    short_questionnaire,
    t,
)
from consult.outcomes.withheld import PROTECTS, TOO_FEW, FigureText, figure_text


@dataclass(frozen=True)
class HeatCell:
    """One cell of the article heat map as every output shows it (page, deck, table, download):
    its figure and the base it rests on."""

    #: The figure as printed ("3.4", "42%", "–" when not shown).
    figure: str
    #: The value behind it (None when not shown).
    value: float | None
    #: How many respondents (or contributions) the figure rests on; None when not shown
    #: (suppressed, or too small to be printed itself).
    base: int | None
    #: The base in words ("n = 120"), or why there is no figure ("fewer than 5").
    base_text: str
    #: Where the figure sits between its column's lowest and highest (0..1), for its colour.
    intensity: float | None
    #: The base is the row's respondents, "don't know" included (a mean's own base, its
    #: ratings, would reveal a small "don't know" group): base_text says so.
    base_is_answered: bool = False
    #: Withheld although enough people answered: with the published table, the figure would
    #: give a smaller hidden group away (disclosure.py). Its base text says so, never "fewer".
    is_protected: bool = False

    @property
    def short_text(self) -> str:
        """The base as a table cell prints it under the figure: "n = 120", "n = 237*" (the
        row's respondents: the table's note says so), "n < 5" for a figure resting on too few,
        "not shown" for one withheld although enough answered."""
        if self.is_withheld or self.is_protected:
            # Enough people answered: "n < 5" would be untrue (the long text says why). Under
            # a printed figure only its base is hidden: "not shown" would seem to deny it.
            return _("not shown") if self.value is None else _("n not shown")
        if self.base is None:
            return self.base_text if self.base_text.startswith("n = ") else f"n < {self._below}"
        return f"n = {number(self.base)}" + ("*" if self.base_is_answered else "")

    #: The threshold a hidden cell is below (for its short text).
    _below: int = 5
    #: Withheld with its base (a share or a mean of a question a few skipped: consult.outcomes
    #: .skipped), whatever the figure's own size.
    is_withheld: bool = False
    #: Why the figure (or its base) is not printed (withheld.TOO_FEW, withheld.PROTECTS).
    reason: str | None = None

    @property
    def said(self) -> FigureText:
        """The figure and its note as a sentence, a tooltip or the Charter page write them
        (consult.outcomes.withheld, the one rule): "not shown (protects a small group)", never
        the base text wrapped in brackets again."""
        if self.value is None and self.reason is None:
            return FigureText(self.figure, self.base_text, is_shown=False)  # no data (staff)
        if self.value is None and self.reason == TOO_FEW:
            return figure_text(None, self.base_text)  # its base text says how few
        if self.value is None:
            return figure_text(None, reason=self.reason)
        return figure_text(self.figure, None if self.reason else self.base_text, reason=self.reason)


def _answered(column: Mapping[str, Any], article: str) -> int:
    """How many respondents answered an article's row of a mean column (0 when unknown)."""
    if column["kind"] != "mean":
        return 0
    return (column.get("answered") or {}).get(article) or 0


def _shown_threshold(summary: Mapping[str, Any] | None, threshold: int | None) -> int | None:
    """The smallest base a cell may print: the public summary's own threshold, or the one given
    (the deck, on stage); None for staff pages, which show every figure."""
    if summary is not None and summary.get("suppressed_below"):
        return int(summary["suppressed_below"])
    return threshold


def heat_cell(
    column: Mapping[str, Any],
    article: str,
    summary: Mapping[str, Any] | None = None,
    *,
    threshold: int | None = None,
) -> HeatCell:
    """The figure of ``article`` in a heat map ``column`` and the base it rests on.

    The chokepoint of every heat map cell: a figure is printed only with its base; on a public
    summary (or with ``threshold``, for the deck) a figure resting on fewer respondents than
    the threshold is not printed, nor is a base below it, so no hidden cell shows through its n.
    """
    smallest = _shown_threshold(summary, threshold)
    if article in (column.get("withheld") or ()):
        # The question's answered count is withheld (a few skipped it): no share of it, no base.
        text = figure_text(None, reason=PROTECTS).inline()
        return HeatCell(
            "–", None, None, text, None, _below=smallest or 5, is_withheld=True, reason=PROTECTS
        )
    value = column["values"].get(article)
    base = (column.get("bases") or {}).get(article)
    if value is not None and article in (column.get("base_withheld") or ()):
        # The public row prints this mean, but not how many answered (a few skipped): the
        # same figure, its base said withheld.
        figure = heat_figure(column, value)
        text = figure_text(figure, reason=PROTECTS).note
        return HeatCell(
            figure,
            value,
            None,
            text,
            heat_intensity(column, value),
            is_protected=True,
            _below=smallest or 5,
            reason=PROTECTS,
        )
    answered_only = False
    if column["kind"] == "mean" and base is None and value is not None:
        # The number who gave a rating would reveal a small "don't know" group: the row's
        # respondents are the base printed, said so.
        base = (column.get("answered") or {}).get(article)
        answered_only = base is not None
    # Contributions are public texts: their counts are never suppressed (nor is a zero).
    too_few = (
        bool(smallest) and column["kind"] != "count" and base is not None and 0 < base < smallest
    )
    if too_few:
        value = base = None
    if value is None:
        if base == 0 or (base is not None and not smallest):
            text = f"n = {number(base)}"
        elif smallest and column["kind"] == "share" and base is not None:
            # The question's base is large enough to print: only the choice was too rare.
            text = _(
                "n = %(n)s; fewer than %(threshold)s chose it",
                n=number(base),
                threshold=number(smallest),
            )
            return HeatCell("–", None, base, text, None, _below=smallest, reason=TOO_FEW)
        elif smallest and not too_few and _answered(column, article) >= smallest:
            # Enough answered: the figure was withheld to protect a smaller cell, not small.
            text = figure_text(None, reason=PROTECTS).inline()
            return HeatCell(
                "–", None, None, text, None, is_protected=True, _below=smallest, reason=PROTECTS
            )
        elif smallest:
            text = figure_text(None, reason=TOO_FEW, threshold=smallest).note
            return HeatCell("–", None, base, text, None, _below=smallest, reason=TOO_FEW)
        else:
            text = "n = –"
        return HeatCell("–", None, base, text, None, _below=smallest or 5)
    if answered_only:
        text = _("n = %(n)s answered; “don't know” left out", n=number(base))
    elif base is None:
        text = "n = –"
    else:
        text = f"n = {number(base)}"
    return HeatCell(
        heat_figure(column, value),
        value,
        base,
        text,
        heat_intensity(column, value),
        answered_only,
    )


def answered_note(summary: Mapping[str, Any]) -> str:
    """The note under the heat map's table when a cell's n counts "don't know" too (its
    "n = 237*"); "" when none does."""
    for column in summary["articles"]["columns"]:
        for article in summary["articles"]["articles"]:
            if heat_cell(column, article, summary).base_is_answered:
                return _(
                    "* Everyone who answered the row, “don't know” included: the mean leaves "
                    "“don't know” out, and how many said it is not shown (too few)."
                )
    return ""


def withheld_note(summary: Mapping[str, Any], threshold: int | None = None, *, deck=False) -> str:
    """The heat map's legend for its "–": what a cell without a figure means; "" when every
    cell has one. ``deck``: the cells as the deck draws them (deck_heat_map, with
    ``threshold``), else as the page does (article_heat_map)."""
    for column in summary["articles"]["columns"]:
        for article in summary["articles"]["articles"]:
            if deck:
                cell = heat_cell(column, article, threshold=threshold)
            else:
                cell = heat_cell(column, article, summary)
            if cell.value is None:
                if deck:
                    # A slide's legend line has room for few words (a second line shrank the
                    # heat map under 18 px); the methodology slide gives the rule.
                    colon = "\u00a0: " if current_language() == "fr" else ": "
                    return f"–{colon}{_('not shown')}"
                return _(
                    "–: no figure (no answers or too few, or withheld to protect a small group)."
                )
    return ""


def _cell_title(row_label: str, column_label: str, cell: HeatCell) -> str:
    """What a cell's tooltip says: the article, the column, the figure and its base."""
    return labelled(f"{row_label} · {column_label}", cell.said.inline())


def article_heat_map(summary: Mapping[str, Any], threshold: int | None = None) -> Markup | None:
    """The heat map of every per-article figure, across both questionnaires and contributions;
    each column's header says its base, each cell's tooltip its own."""
    articles = summary["articles"]
    columns = articles["columns"]
    if not columns:
        return None
    # the rows named by their short titles, their full titles in their tooltips and the table
    row_labels = [article_short_label(summary, a) for a in articles["articles"]]
    row_titles = [article_label(summary, a) for a in articles["articles"]]
    column_labels = [heat_column_label(c) for c in columns]
    cells = []
    for article, row_label in zip(articles["articles"], row_titles, strict=True):
        row = []
        for column, column_label in zip(columns, column_labels, strict=True):
            cell = heat_cell(column, article, summary)
            row.append((cell.intensity, cell.figure, _cell_title(row_label, column_label, cell)))
        cells.append(row)
    bases = [column_base_text(c, summary) for c in columns]
    description = _(
        "For each of the 12 articles, per column: %(columns)s. Darker cells are higher within "
        "their column.",
        columns=listed(
            [f"{label} ({base})" for label, base in zip(column_labels, bases, strict=True)]
        ),
    )
    drawn = (
        row_labels,
        [[label, base] for label, base in zip(column_labels, bases, strict=True)],
        cells,
        _("The 12 articles across the consultation"),
        description,
    )
    return charts.paired(
        charts.heat_map(*drawn, row_titles=row_titles),
        charts.heat_map(*drawn, style=charts.NARROW_HEAT_MAP, row_titles=row_titles),
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


def column_base_text(
    column: Mapping[str, Any],
    summary: Mapping[str, Any] | None = None,
    threshold: int | None = None,
    *,
    starred: bool = False,
) -> str:
    """The respondents behind a column's printed figures: one number, or their range over the
    articles (only the bases of cells that print a figure, as heat_cell gives them).

    The one helper for an n range printed beside means or shares (the page's table, its
    chart, the deck's headers): a range is of the figures' own bases only. A mean whose own
    base is withheld prints its row's respondents, "don't know" included (base_is_answered):
    not the mean's base, so it never widens the range; it counts as a base not shown.
    ``starred`` (a slide's header, which has room for few words): "n = 173–178*", the star
    explained once in the slide's legend (bases_star_note)."""
    cells = [
        heat_cell(column, article, summary, threshold=threshold) for article in column["values"]
    ]
    printed = [c for c in cells if c.value is not None]
    bases = [c.base for c in printed if c.base is not None and not c.base_is_answered]
    if not printed:
        # No cell prints a figure: no base to give (never a dash where a number goes).
        return _("not shown")
    if not bases:
        return _("n not shown")
    low, high = min(bases), max(bases)
    text = f"n = {number(low)}" if low == high else f"n = {number(low)}–{number(high)}"
    if len(bases) < len(printed):
        # Some figures are printed without their base (a few skipped their row).
        return f"{text}*" if starred else _("%(bases)s; some not shown", bases=text)
    return text


def bases_star_note(summary: Mapping[str, Any], threshold: int | None = None) -> str:
    """The slide legend's words for a header's star (column_base_text, starred); "" if none."""
    for column in summary["articles"]["columns"]:
        if column["kind"] != "count" and column_base_text(
            column, threshold=threshold, starred=True
        ).endswith("*"):
            colon = "\u00a0: " if current_language() == "fr" else ": "
            return f"*{colon}{_('some n not shown')}"
    return ""


def deck_heat_column(column: Mapping[str, Any], threshold: int | None = None) -> list[str]:
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
        column_base_text(column, threshold=threshold, starred=True),
    ]


def deck_heat_map(summary: Mapping[str, Any], threshold: int | None = None) -> Markup | None:
    """The article heat map drawn for a slide: large type, short headers with their bases; with
    ``threshold`` (on stage), no figure resting on fewer respondents is printed."""
    articles = summary["articles"]
    columns = articles["columns"]
    if not columns:
        return None
    row_labels = [article_short_label(summary, a) for a in articles["articles"]]
    row_titles = [article_label(summary, a) for a in articles["articles"]]
    cells = []
    for article, row_label in zip(articles["articles"], row_titles, strict=True):
        row = []
        for column in columns:
            cell = heat_cell(column, article, threshold=threshold)
            title = _cell_title(row_label, heat_column_label(column), cell)
            row.append((cell.intensity, cell.figure, title))
        cells.append(row)
    headers = [deck_heat_column(c, threshold) for c in columns]
    description = _(
        "For each of the 12 articles, per column: %(columns)s. Darker cells are higher within "
        "their column.",
        columns=listed([" ".join(h) for h in headers]),
    )
    return charts.heat_map(
        row_labels,
        headers,
        cells,
        _("The 12 articles across the consultation"),
        description,
        style=charts.DECK_HEAT_MAP,
        row_titles=row_titles,
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
        note = labelled(
            what,
            f"{number(scored[0]['score'])} = {t(scored[0]['label'])}, "
            f"{number(scored[-1]['score'])} = {t(scored[-1]['label'])}",
        )
        if note not in notes:
            notes.append(note)
    return notes


def heat_column_label(column: Mapping[str, Any]) -> str:
    """Name a heat map column: what it measures, on which scale (both ends named, so that a
    darker cell reads as "more relevant" in one column and "more to rethink" in another), and
    where it comes from."""
    source = short_questionnaire(column.get("questionnaire"))
    if column["kind"] == "mean":
        scored = sorted(
            (p for p in column.get("scale") or [] if p.get("score") is not None),
            key=lambda p: p["score"],
        )
        low, high = scored[0], scored[-1]
        short = HEAT_SHORT_LABELS.get(column["question"])
        name = _(
            "%(what)s, mean score from %(low)s = %(low_label)s to %(high)s = %(high_label)s",
            what=t(short) if short else t(column["label"]),
            low=number(low["score"]),
            low_label=t(low["label"]),
            high=number(high["score"]),
            high_label=t(high["label"]),
        )
        return labelled(source, name)
    if column["kind"] == "share":
        return labelled(source, f"{t(column['label'])} (%)")
    return _("Open contributions (number)")


def heat_intensity(column: Mapping[str, Any], value: float | None) -> float | None:
    """Place a value between its column's minimum and maximum (0..1)."""
    if value is None:
        return None
    values = [v for v in column["values"].values() if v is not None]
    low, high = min(values), max(values)
    if high == low:
        # A column of equal figures: a middle shade, but a zero (no contribution) drawn as
        # zero, the lightest, never as a middling figure.
        return 0.0 if value == 0 else 0.5
    return (value - low) / (high - low)


def heat_figure(column: Mapping[str, Any], value: float | None) -> str:
    """The figure a heat map cell prints, the same on the page, the Charter page and the deck
    (a mean as formatting.mean_text prints every mean)."""
    if value is None:
        return "–"
    if column["kind"] == "mean":
        return mean_text(value)
    if column["kind"] == "share":
        return percent(value)
    return number(value)


def article_figures(summary: Mapping[str, Any], article: str) -> list[dict[str, Any]]:
    """One article's figures in every heat map column: what, the figure, and the note on its
    base, written by the one rule of withheld figures (consult.outcomes.withheld): a hidden
    figure is "not shown" and its note says why, once."""
    figures = []
    for column in summary["articles"]["columns"]:
        value = column["values"].get(article)
        base = column.get("bases", {}).get(article)
        cell = heat_cell(column, article, summary)
        if column["kind"] == "count":
            said = FigureText(
                heat_figure(column, value),
                ngettext(
                    "of %(n)s published contribution",
                    "of %(n)s published contributions",
                    base or 0,
                    n=number(base),
                ),
            )
        elif cell.value is None or cell.reason is not None:
            # Why it is hidden, as the heat map's cell says it: too few, or protecting a
            # smaller group although enough answered (never "not enough" then, nor a base).
            said = cell.said
        elif column["kind"] == "mean" and base is not None:
            said = FigureText(
                cell.figure,
                ngettext(
                    "%(n)s respondent who gave a rating; “don't know” left out",
                    "%(n)s respondents who gave a rating; “don't know” left out",
                    base,
                    n=number(base),
                ),
            )
        elif column["kind"] == "mean" and (column.get("answered") or {}).get(article):
            # The number who gave a rating would reveal a small "don't know" group.
            said = FigureText(
                cell.figure,
                ngettext(
                    "%(n)s respondent answered, “don't know” included; the mean leaves "
                    "“don't know” out",
                    "%(n)s respondents answered, “don't know” included; the mean leaves "
                    "“don't know” out",
                    column["answered"][article],
                    n=number(column["answered"][article]),
                ),
            )
        elif base is None:
            said = cell.said
        else:
            said = FigureText(
                cell.figure,
                ngettext("%(n)s respondent", "%(n)s respondents", base, n=number(base)),
            )
        figures.append(
            {
                "key": f"{column.get('questionnaire') or ''}:{column['question']}",
                "label": heat_column_label(column),
                "figure": said.figure,
                # The figure as a number for a download (a share as a fraction); None if hidden.
                "value": (value if column["kind"] == "count" else cell.value)
                if said.is_shown
                else None,
                "base": said.note,
                "suppressed": not said.is_shown,
                # the snapshot's count of contributions, to set against the live one
                "count": value if column["kind"] == "count" else None,
            }
        )
    return figures
