"""Open contributions in the outcomes, computed from frames built in the test (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from consult.outcomes import contributions
from consult.outcomes.summary import SummaryFilter, article_heat_map
from consult.outcomes.text import load_codebook

CODEBOOK = Path(__file__).resolve().parents[2] / "questionnaires" / "themes.yaml"


def frame(rows):
    return pd.DataFrame(rows, columns=contributions.CONTRIBUTION_COLUMNS)


def row(number, article, part, kind, region, text, supports, day=10):
    return (
        number,
        datetime(2022, 1, day, tzinfo=UTC),
        article,
        part,
        kind,
        "en",
        "FR",
        region,
        "civil_society",
        text,
        supports,
    )


@pytest.fixture
def published():
    return frame(
        [
            row(1, "art10", "rights", "comment", "europe", "Evictions and rents must stop.", 12),
            row(2, "art10", "action_plan", "wording", "africa", "Social housing first.", 3),
            row(3, "art12", None, "new_right", "europe", "Climate justice for all.", 30, day=20),
            row(4, None, None, "reflection", "latin_america", "Participatory budgets work.", 0),
            row(5, "art10", "rights", "comment", "europe", "Housing is a right.", 7, day=25),
        ]
    )


def test_counts_per_article_part_kind_and_region(published):
    summary = contributions.summarise_contributions(published, load_codebook(CODEBOOK))
    assert summary["total"] == 5 and summary["supports"] == 52
    by_article = {a["key"]: a["count"] for a in summary["by_article"]}
    assert by_article == {"art10": 3, "art12": 1, None: 1}
    assert summary["by_article_part"]["art10"] == {"rights": 2, "action_plan": 1}
    assert summary["by_article_part"]["general"] == {"whole": 1}
    assert {k["key"]: k["count"] for k in summary["by_kind"]} == {
        "comment": 2,
        "wording": 1,
        "new_right": 1,
        "reflection": 1,
    }
    assert {r["key"]: r["count"] for r in summary["by_region"]} == {
        "europe": 3,
        "africa": 1,
        "latin_america": 1,
    }
    assert [m["contribution_id"] for m in summary["most_supported"]][:3] == [3, 1, 5]
    themes = {t["key"]: t["count"] for t in summary["themes"]}
    assert themes["housing"] == 3  # evictions/rents, social housing, housing
    assert themes["climate_justice"] == 1 and themes["participation"] == 1


def test_filters_apply_to_contributions(published):
    selection = SummaryFilter(region="europe", submitted_from=datetime(2022, 1, 15).date())
    summary = contributions.summarise_contributions(published, (), selection)
    assert summary["total"] == 2
    assert {m["contribution_id"] for m in summary["most_supported"]} == {3, 5}


def test_the_heat_map_gains_a_contributions_column(published):
    summary = contributions.summarise_contributions(published, ())
    heat = article_heat_map([], summary)
    column = heat["columns"][-1]
    assert column["kind"] == "count"
    assert column["values"]["art10"] == 3 and column["values"]["art01"] == 0


def test_a_frame_missing_columns_is_refused(published):
    with pytest.raises(ValueError):
        contributions.summarise_contributions(published.drop(columns=["supports"]), ())
