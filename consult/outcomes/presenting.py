"""From summary data to what pages show: the one namespace templates use (``p``).

It gathers formatting (formatting), charts (figure_charts), the article heat map (heat) and the
sentences that state figures (headlines); those modules never import this one.
"""

from __future__ import annotations

from consult.outcomes import charts
from consult.outcomes.figure_charts import (
    breakdown_chart,
    choice_chart,
    contribution_articles_chart,
    contribution_themes_chart,
    histogram_chart,
    matrix_chart,
    population_chart,
    ranking_chart,
    region_tiles,
    themes_chart,
    timeline_chart,
)
from consult.outcomes.formatting import (
    KIND_LABELS,
    LANGUAGE_LABELS,
    PART_COLUMNS,
    PART_LABELS,
    article_label,
    breakdown_label,
    count_text,
    data_time,
    kind_count,
    number,
    option_label,
    part_label,
    percent,
    percent_precise,
    respondent_type_label,
    scale_points,
    short_questionnaire,
    t,
)
from consult.outcomes.headlines import key_findings
from consult.outcomes.heat import (
    HEAT_SHORT_LABELS,
    article_figures,
    article_heat_map,
    deck_heat_column,
    deck_heat_map,
    heat_column_label,
    heat_figure,
    heat_intensity,
    heat_scale_notes,
)

__all__ = [
    "HEAT_SHORT_LABELS",
    "KIND_LABELS",
    "LANGUAGE_LABELS",
    "PART_COLUMNS",
    "PART_LABELS",
    "article_figures",
    "article_heat_map",
    "article_label",
    "breakdown_chart",
    "breakdown_label",
    "charts",
    "choice_chart",
    "contribution_articles_chart",
    "contribution_themes_chart",
    "count_text",
    "data_time",
    "deck_heat_column",
    "deck_heat_map",
    "heat_column_label",
    "heat_figure",
    "heat_intensity",
    "heat_scale_notes",
    "histogram_chart",
    "key_findings",
    "kind_count",
    "matrix_chart",
    "number",
    "option_label",
    "part_label",
    "percent",
    "percent_precise",
    "population_chart",
    "ranking_chart",
    "region_tiles",
    "respondent_type_label",
    "scale_points",
    "short_questionnaire",
    "t",
    "themes_chart",
    "timeline_chart",
]
