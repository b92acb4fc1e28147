"""Every figure of the summary against an independent recomputation from the export-like table."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pytest

from consult.db import db
from consult.outcomes import data
from consult.outcomes.summary import SummaryFilter, find_question
from consult.questionnaires.registry import current_questionnaires
from tests.outcomes import independent
from tests.outcomes.conftest import fill_demo

FILTERS = [
    {},
    {"region": "africa"},
    {"respondent_type": "municipality"},
    {"respondent_type": "civil_society", "region": "europe"},
    {"start": date(2022, 1, 10), "end": date(2022, 2, 5)},
]


@pytest.fixture(scope="module")
def filled(tmp_path_factory, template_instance):
    """One database with 400 demo responses, shared by the tests of this module (read only)."""
    import shutil

    from consult import create_app
    from consult.cli import init_database
    from tests.conftest import PG_URL, _reset_postgres, base_config

    folder = tmp_path_factory.mktemp("outcomes-summary")
    if not PG_URL:
        shutil.copy(template_instance / "consult.sqlite3", folder / "consult.sqlite3")
    app = create_app(base_config(folder, INSTANCE_PATH=str(folder)))
    if PG_URL:
        _reset_postgres(app)
    with app.app_context():
        init_database(app)
    fill_demo(app, 400, seed=11)
    with app.app_context():
        sources = data.SummarySources(
            current_questionnaires(), Path(app.config["QUESTIONNAIRES_PATH"])
        )
        with db.engine.connect() as connection:
            rows = independent.wide_table(connection)
        yield app, sources, rows
    app.extensions["consult.db"].engine.dispose()


def _summary(app, sources, **filters):
    selection = SummaryFilter(
        region=filters.get("region"),
        respondent_type=filters.get("respondent_type"),
        submitted_from=filters.get("start"),
        submitted_to=filters.get("end"),
    )
    with app.app_context(), db.engine.connect() as connection:
        summary, ids = data.compute_summary(connection, sources, selection)
    return summary, ids


def _close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: "-".join(map(str, f.values())) or "all")
def test_every_question_matches_the_independent_computation(filled, filters):
    app, sources, rows = filled
    summary, ids = _summary(app, sources, **filters)
    kept = [r for r in rows if independent.keep(r, **filters)]
    assert sorted(ids) == sorted(r.response_id for r in kept)
    assert summary["responses"] == len(kept)
    themes = independent.codebook(sources.codebook_path)
    checked_types = set()
    for key, questionnaire in sources.current.items():
        for question in questionnaire.questions:
            got = find_question(summary, key, question.key)
            want = independent.expected_question(questionnaire, question.key, kept, themes)
            where = f"{key}.{question.key}"
            assert got["asked"] == want["asked"], where
            assert got["answered"] == want["answered"], where
            assert got["base"] == got["answered"], where
            kind = question.type
            if kind in ("single_choice", "yes_no", "region", "country", "multiple_choice"):
                counts = {o["key"]: o["count"] for o in got["options"] if o["count"]}
                assert counts == want["counts"], where
                for option in got["options"]:
                    expected_share = (
                        option["count"] / want["answered"] if want["answered"] else None
                    )
                    assert _close(option["share"], expected_share), where
                if kind == "multiple_choice":
                    assert got["mean_choices_base"] == want["mean_choices_base"], where
                    assert _close(got["mean_choices"], want["mean_choices"]), where
                    if question.exclusive_keys & set(want["counts"]):
                        checked_types.add("exclusive")  # someone chose "None of these"
            elif kind == "matrix":
                for row in got["rows"]:
                    expected = want["rows"][row["key"]]
                    assert row["answered"] == expected["answered"], where
                    assert row["counts"] == expected["counts"], where
                    assert _close(row["mean"], expected["mean"]), where
            elif kind == "ranking":
                for option in got["options"]:
                    expected = want["options"][option["key"]]
                    assert option["ranked"] == expected["ranked"], where
                    assert option["first"] == expected["first"], where
                    assert option["borda"] == expected["borda"], where
                    assert _close(option["mean_rank"], expected["mean_rank"]), where
            elif kind == "number":
                if want["answered"] >= 2:
                    for name in ("median", "q1", "q3", "min", "max", "mean"):
                        assert _close(got[name], want[name]), f"{where}.{name}"
            elif not question.identifying:
                got_themes = {t["key"]: t["count"] for t in got["themes"]}
                assert got_themes == want["themes"], where
            checked_types.add(kind)
    if not filters:
        assert checked_types >= {
            "single_choice",
            "multiple_choice",
            "matrix",
            "ranking",
            "number",
            "short_text",
            "long_text",
            "yes_no",
            "country",
            "exclusive",
            "region",
        }


@pytest.mark.parametrize("filters", FILTERS[:3], ids=["all", "africa", "municipality"])
def test_participation_matches(filled, filters):
    app, sources, rows = filled
    summary, _ids = _summary(app, sources, **filters)
    for entry in summary["questionnaires"]:
        want = independent.participation(entry["key"], rows, **filters)
        got = entry["participation"]
        assert got["submitted"] == want["submitted"] == entry["responses"]
        assert got["drafts"] == want["drafts"]
        for name in ("by_region", "by_respondent_type", "by_language", "by_country"):
            assert {e["key"]: e["count"] for e in got[name]} == want[name], name
        per_day = {d["date"]: d["count"] for d in got["per_day"] if d["count"]}
        assert per_day == want["per_day"]
        if got["per_day"]:
            assert got["per_day"][-1]["cumulative"] == want["submitted"]
        if entry["key"] == "local-governments":
            bands = {e["key"]: e["count"] for e in got["by_population_band"] if e["count"]}
            assert bands == {k: n for k, n in want["population_band"].items()}
        else:
            assert got["by_population_band"] is None


def test_conditional_questions_count_only_those_asked(filled):
    app, sources, rows = filled
    summary, _ids = _summary(app, sources)
    follow_up = find_question(summary, "local-governments", "campaign_support")
    gate = find_question(summary, "local-governments", "campaign_interest")
    wish = next(o["count"] for o in gate["options"] if o["key"] == "wish_to_join")
    # Asked exactly of those who wished to join; the base of its shares is who answered.
    assert follow_up["conditional"] and follow_up["asked"] == wish
    assert (
        0 < follow_up["answered"] <= follow_up["asked"] < summary["questionnaires"][0]["responses"]
    )
    section_gated = find_question(summary, "local-governments", "charter_impact")
    adopted = find_question(summary, "local-governments", "charter_2011_adopted")
    yes = next(o["count"] for o in adopted["options"] if o["key"] == "yes")
    assert section_gated["asked"] == yes


def test_top_terms_match_the_independent_count(filled):
    app, sources, rows = filled
    summary, _ids = _summary(app, sources)
    questionnaire = sources.current["local-governments"]
    for key in ("final_priority", "article_comments"):
        got = find_question(summary, "local-governments", key)["terms"]
        want = independent.expected_terms(questionnaire, key, rows)
        assert got, key
        for lang, pairs in got.items():
            for term, count in pairs:
                assert want[lang][term] == count, (key, lang, term)
            # Nothing more frequent was left out.
            lowest = pairs[-1][1]
            missing = {t for t, n in want[lang].items() if n > lowest} - {t for t, _n in pairs}
            assert not missing, (key, lang, missing)


def test_text_quotes_are_answers_of_covered_responses(filled):
    app, sources, rows = filled
    summary, ids = _summary(app, sources, region="europe")
    by_id = {r.response_id: r for r in rows}
    question = find_question(summary, "partners", "final_priority") or {}
    for theme in question.get("themes", []):
        for quote in theme["quotes"]:
            assert quote["response_id"] in ids
            assert by_id[quote["response_id"]].answers["final_priority"][""] == quote["text"]


def test_names_are_counted_but_never_mined(filled):
    app, sources, _rows = filled
    summary, _ids = _summary(app, sources)
    name = find_question(summary, "local-governments", "institution_name")
    assert name["answered"] > 0 and name["identifying"]
    assert name["terms"] == {} and name["themes"] == []
