"""Group disclosure: no public table of a small group says that all, or all but a few, of it
gave one answer (consult.outcomes.group_disclosure), at the chokepoint where the public version
of a summary is made (suppression.public_summary), and in every figure derived from it.

A table of cases per kind of question, then summaries of one region's respondents (a filtered
snapshot), then a reader who looks at every figure a public summary prints for a small group
and may not find one that says its answer.
"""

from __future__ import annotations

import copy
import random
from collections import Counter

import pytest
from flask_babel import force_locale

from consult.outcomes import articles, group_disclosure
from consult.outcomes.charter_figures import published_article_ratings
from consult.outcomes.heat import heat_cell
from consult.outcomes.suppression import _question, public_summary
from tests.outcomes.test_disclosure import (
    CHOICES,
    NONE,
    RANKED,
    SCALE,
    THEMES,
    T,
    _matrix,
    _matrix_question,
    _questionnaire,
)

LIMIT = 2 * T
ARTICLES = [f"art{n:02d}" for n in range(1, 13)]


def _choice(counts, kind="single_choice"):
    answered = sum(counts)
    return {
        "key": "choice",
        "type": kind,
        "label": {"en": "choice"},
        "asked": answered,
        "answered": answered,
        "not_answered": 0,
        "base": answered,
        "options": [
            {"key": k, "label": {"en": k}, "count": n, "share": n / (answered or 1)}
            for k, n in zip("abc", counts, strict=False)
        ],
    }


def _several(chosen: list[set], answered: int):
    question = _choice([0, 0, 0], "multiple_choice")
    counts = Counter(c for person in chosen for c in person)
    for option in question["options"]:
        option["count"] = counts[option["key"]]
        option["share"] = counts[option["key"]] / (answered or 1)
    question.update(answered=answered, asked=answered, base=answered, other_texts=[])
    question.update(mean_choices=sum(map(len, chosen)) / answered, mean_choices_base=answered)
    return question


def _ranking(rankings: list[tuple]):
    n = len(rankings)
    question = {
        "key": "priorities",
        "type": "ranking",
        "label": {"en": "priorities"},
        "asked": n,
        "answered": n,
        "not_answered": 0,
        "base": n,
        "places": 3,
        "max_borda": 3 * n,
        "options": [],
    }
    for option in RANKED:
        ranks = [r.index(option) + 1 for r in rankings if option in r]
        question["options"].append(
            {
                "key": option,
                "label": {"en": option},
                "ranked": len(ranks),
                "first": ranks.count(1),
                "borda": float(sum(4 - r for r in ranks)),
                "mean_rank": sum(ranks) / len(ranks) if ranks else None,
                "share_ranked": len(ranks) / n,
                "share_first": ranks.count(1) / n,
                "counts": {str(p): ranks.count(p) for p in (1, 2, 3)},
            }
        )
    return question


def _number(intervals: list[int]):
    n = sum(intervals)
    return {
        "key": "staff",
        "type": "number",
        "label": {"en": "staff"},
        "asked": n,
        "answered": n,
        "not_answered": 0,
        "base": n,
        "count": n,
        "mean": 3.0,
        "median": 3.0,
        "q1": 3.0,
        "q3": 3.0,
        "min": 3.0,
        "max": 3.0,
        "year": False,
        "histogram": [
            {"from": 10 * i, "to": 10 * (i + 1), "count": c} for i, c in enumerate(intervals)
        ],
    }


def _text(themes: list[int], answered: int):
    return {
        "key": "ideas",
        "type": "long_text",
        "label": {"en": "ideas"},
        "asked": answered,
        "answered": answered,
        "not_answered": 0,
        "base": answered,
        "themes": [
            {"key": t, "label": {"en": t}, "count": n, "share": n / answered, "quotes": []}
            for t, n in zip(THEMES, themes, strict=False)
        ],
        "uncoded": answered - max(themes, default=0),
        "languages": {"en": answered},
        "terms": {"en": [["charter", answered]]},
    }


def _rows(*counts):
    return _matrix_question(
        [{**_matrix(c), "key": f"art{i:02d}"} for i, c in enumerate(counts, start=1)]
    )


R123, R125 = ("r1", "r2", "r3"), ("r1", "r2", "r5")
# (case, question, limit or None, withheld)
CASES = [
    ("unanimous group of 6", _choice([6, 0, 0]), None, True),
    ("4 outside the largest, group of 9", _choice([5, 4, 0]), None, True),
    ("1 outside the largest, group of 6", _choice([5, 1, 0]), None, True),
    ("yes/no, unanimous group of 7", _choice([7, 0], "yes_no"), None, True),
    ("unanimous group of 60", _choice([60, 0, 0]), None, False),
    ("unanimous group at the limit (10)", _choice([10, 0, 0]), None, False),
    ("4 outside the largest, group of 12", _choice([8, 4, 0]), None, False),
    ("mixed group of 12, limit 20", _choice([7, 5, 0]), 20, False),
    ("4 outside the largest, group of 12, limit 20", _choice([8, 4, 0]), 20, True),
    ("nobody answered", _choice([0, 0, 0]), None, False),
    ("multiple choice, all 7 chose a", _several([{"a"}] * 7, 7), None, True),
    ("multiple choice, nobody of 7 chose c", _several([{"a"}] * 3 + [{"b"}] * 4, 7), None, True),
    ("multiple choice, 30 mixed", _several([{"a"}] * 15 + [{"a", "b"}] * 15, 30), None, False),
    ("ranking, all 6 put r1 first", _ranking([R123] * 3 + [("r1", "r3", "r2")] * 3), None, True),
    ("ranking, all 8 put r5 third", _ranking([R125] * 4 + [("r2", "r1", "r5")] * 4), None, True),
    ("ranking, 40 mixed", _ranking([R123] * 20 + [("r2", "r3", "r4")] * 20), None, False),
    ("number, all 6 in one of three intervals", _number([6, 0, 0]), None, True),
    ("number, one interval left: no edges", _number([6]), None, False),
    ("number, 40 in two intervals", _number([20, 20]), None, False),
    ("text, all 6 answers hold theme t1", _text([6], 6), None, True),
    ("text, 40 answers, themes mixed", _text([20, 15], 40), None, False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "question", "limit", "withheld"), CASES, ids=[c[0] for c in CASES]
)
def test_the_chokepoint_withholds_a_small_group_s_answer(case, question, limit, withheld):
    question = copy.deepcopy(question)
    answered = question["answered"]
    _question(question, T, limit)
    assert bool(question.get("table_withheld")) is withheld, case
    assert question["answered"] == answered, "the group's size stays printed"
    if not withheld:
        return
    # Every cell in the words of a withheld table, every derived figure gone.
    cells = question.get("options") or question.get("histogram") or question.get("themes")
    for cell in cells:
        assert cell.get("count") is None and cell.get("share") is None, case
        if question["type"] == "ranking":
            assert cell["first_withheld"] and cell["ranked_withheld"], case
            assert cell["borda"] is None and cell["mean_rank"] is None, case
        else:
            assert cell["withheld"] and not cell.get("secondary"), case
    for field in ("mean", "median", "q1", "q3", "min", "max", "mean_choices", "max_borda"):
        assert question.get(field) is None, (case, field)
    assert not question.get("terms"), case
    assert all(n is None for n in (question.get("languages") or {}).values()), case


@pytest.mark.parametrize(
    ("counts", "withheld"),
    [
        ({"vh": 7}, True),  # a mean of 4.00, the scale's end, beside n = 7
        ({"vh": 5, "h": 4}, True),
        ({"dk": 6}, True),  # no mean at all, but "don't know 6 of 6"
        ({"vh": 60}, False),
        ({"vh": 6, "h": 6}, False),
        ({}, False),  # a row nobody answered: nothing to withhold
    ],
)
def test_each_matrix_row_is_a_group(counts, withheld):
    question = _rows({"vh": 6, "h": 6}, counts)
    question["asked"] = None  # rows of different sizes: nobody counted as having skipped one
    _question(question, T)
    first, row = question["rows"]
    assert not first.get("table_withheld") and first["mean"] is not None
    assert bool(row.get("table_withheld")) is withheld
    if withheld:
        assert row["mean"] is None and row["counts"] == {}
        assert all(e["count"] is None and e["withheld"] for e in row["distribution"])
        assert row["answered"] == sum(counts.values())


def _person(region="europe", **answers):
    person = {
        "region": region,
        "choice": "a",
        "rating": "vh",
        "ranking": ("r1", "r2", "r3"),
        "chosen": {"a"},
        "number": 3,
        "themes": {"t1"},
        "skips": set(),
    }
    return person | answers


def _summary(people: list[dict]) -> dict:
    """A staff summary of ``people`` with the per-article heat map (12 rows of relevance)."""
    questionnaire = _questionnaire("one", people)
    matrix = questionnaire["questions"][2]
    matrix["rows"] = [{**copy.deepcopy(matrix["rows"][0]), "key": a} for a in ARTICLES]
    several = questionnaire["questions"][1]
    several["options"] += [
        {"key": a, "label": {"en": a}, "count": 0, "share": 0.0} for a in ARTICLES
    ]
    return {
        "questionnaires": [questionnaire],
        "articles": articles.article_heat_map([questionnaire], None),
        "responses": len(people),
        "contributions": None,
    }


def _region(n: int, rng: random.Random | None = None) -> list[dict]:
    """``n`` respondents of one region (a snapshot filtered to it); all alike without ``rng``."""
    if rng is None:
        return [_person("mewa") for _ in range(n)]
    return [
        _person(
            "mewa",
            choice=rng.choice(CHOICES),
            rating=rng.choice([k for k, _s in SCALE]),
            ranking=tuple(rng.sample(RANKED, 3)),
            chosen=set(rng.sample(CHOICES, rng.randint(1, 2))) if rng.random() < 0.9 else {NONE},
            number=rng.randint(0, 5),
            themes=set(rng.sample(THEMES, rng.randint(0, 2))),
        )
        for _ in range(n)
    ]


def test_a_filtered_summary_of_a_unanimous_region_says_nothing_of_its_answers(app):
    """Six respondents of one region, all alike: no table, no mean, no share, no heat map cell,
    no Charter rating tells what they answered; only how many they are."""
    staff = _summary(_region(6))
    public = public_summary(staff, T)
    questions = {q["key"]: q for q in public["questionnaires"][0]["questions"]}
    for key in ("choice", "several", "priorities", "ideas"):
        assert questions[key].get("table_withheld"), key
        assert questions[key]["answered"] == 6
    # One value per respondent: the histogram is one interval without edges, never a table.
    assert all(e["from"] is None or e["to"] is None for e in questions["staff"]["histogram"])
    for row in questions["article_relevance"]["rows"]:
        assert row.get("table_withheld") and row["mean"] is None, row["key"]
    for column in public["articles"]["columns"]:
        assert column["withheld"] == ARTICLES, column["question"]
    with app.test_request_context("/"), force_locale("en"):
        cells = [heat_cell(c, a, public) for c in public["articles"]["columns"] for a in ARTICLES]
        assert {c.figure for c in cells} == {"–"}
        assert {c.said.inline() for c in cells} == {"not shown (protects a small group)"}
    ratings = published_article_ratings(staff, public, "art01", T)
    rows = {r.key: r for r in ratings.rows}
    assert set(rows["one"].counts.values()) == {None} and rows["all"].suppressed


def test_a_unanimous_large_group_stays_shown():
    """All 60 rated alike: the finding is the finding."""
    public = public_summary(_summary(_region(60)), T)
    questions = {q["key"]: q for q in public["questionnaires"][0]["questions"]}
    assert not any(q.get("table_withheld") for q in questions.values())
    assert questions["choice"]["options"][0]["count"] == 60
    assert questions["article_relevance"]["rows"][0]["mean"] == 4.0
    means = [c for c in public["articles"]["columns"] if c["kind"] == "mean"]
    assert means[0]["values"]["art01"] == 4.0


def test_the_limit_is_configurable():
    staff = _summary(_region(12))
    assert not public_summary(staff, T)["questionnaires"][0]["questions"][0].get("table_withheld")
    public = public_summary(staff, T, group_limit=20)
    assert public["questionnaires"][0]["questions"][0].get("table_withheld")
    assert group_disclosure.limit_in_force(None, 7) == 14


def _says_the_answer(public: dict, limit: int) -> list[str]:
    """What a reader learns of a small group's answer from a public summary: a printed count
    with fewer than T outside it, a share of 100 %, a mean at the end of a scale, a mean rank
    of a first or a last place, a heat map cell."""
    found = []
    for question in public["questionnaires"][0]["questions"]:
        n = question.get("answered")
        if not n or n >= limit or question.get("suppressed"):
            continue
        key = question["key"]
        for option in question.get("options") or []:
            for field in ("count", "first", "ranked"):
                c = option.get(field)
                if c is not None and n - c < T:
                    found.append(f"{key}.{option['key']}.{field} = {c} of {n}")
            if option.get("mean_rank") in (1.0, 3.0):
                found.append(f"{key}.{option['key']} mean rank {option['mean_rank']}")
        for row in question.get("rows") or []:
            m = row.get("answered")
            if not m or m >= limit:
                continue
            for cell in row["distribution"]:
                if cell["count"] is not None and m - cell["count"] < T:
                    found.append(f"{key}.{row['key']}.{cell['key']} = {cell['count']} of {m}")
            if row.get("mean") in (1.0, 4.0):
                found.append(f"{key}.{row['key']} mean {row['mean']}")
        for entry in [*(question.get("histogram") or []), *(question.get("themes") or [])]:
            edged = entry.get("from") is not None and entry.get("to") is not None
            if entry.get("count") is not None and n - entry["count"] < T and edged:
                found.append(f"{key}: {entry['count']} of {n} in one interval")
    for column in public["articles"]["columns"]:
        for article, value in column["values"].items():
            small = (column["bases"].get(article) or limit) < limit
            if value is not None and small and value in (1.0, 4.0, 0.0):
                found.append(f"heat {column['question']}.{article} = {value}")
    return found


@pytest.mark.parametrize("seed", range(12))
def test_no_figure_of_a_small_group_says_its_answer(seed):
    """Groups of 5 to 14, alike or mixed at random: every figure the public summary prints for
    a group under the limit leaves at least T respondents outside any answer it names."""
    rng = random.Random(seed)
    n = rng.randint(T, 14)
    people = _region(n, rng if seed % 3 else None)
    if seed % 4 == 1:  # nearly unanimous: all but a few alike
        people = _region(n - rng.randint(1, T - 1)) + _region(rng.randint(1, T - 1), rng)
    public = public_summary(_summary(people), T)
    assert _says_the_answer(public, LIMIT) == []


def test_a_cross_tabulation_of_a_withheld_table_is_withheld():
    """The cross-tabulation's public view never prints what the public page withholds: a
    question or a matrix row withheld for its small group is withheld there whole."""
    from consult.outcomes.crosstab import public_crosstab, published_questions

    public = public_summary(_summary(_region(6)), T)
    published = published_questions(public)
    assert published["one:choice"]["suppressed"]
    assert published["one:article_relevance.art01"]["suppressed"]
    table = {
        "rows": {"question": "one:choice", "options": CHOICES},
        "columns": {"question": "one:article_relevance.art01", "options": ["vh", "h"]},
        "counts": [[6, 0], [0, 0], [0, 0]],
        "row_totals": [6, 0, 0],
        "column_totals": [6, 0],
        "total": 6,
    }
    shown = public_crosstab(table, T, published)
    assert shown.get("withheld") and shown["total"] is None
    assert {n for line in shown["counts"] for n in line} == {None}


def test_the_charter_s_all_respondents_row_is_a_group_too():
    """The "all respondents" row adds the questionnaires' rows: a group of its own, withheld by
    the same rule even when the rows it adds were published under a lower limit."""
    staff = _summary(_region(6))
    public = public_summary(staff, T, group_limit=T)  # the rule off: the row of six shown
    rows = {r.key: r for r in published_article_ratings(staff, public, "art01", T, T).rows}
    assert rows["one"].counts["vh"] == 6 and not rows["all"].suppressed
    rows = {r.key: r for r in published_article_ratings(staff, public, "art01", T).rows}
    assert rows["all"].suppressed


def test_a_withheld_table_prints_no_small_base_of_an_option():
    """An option offered by some versions only, to a few: its base is hidden in a withheld
    table too (suppression._version_bases), not printed beside "not shown"."""
    question = _choice([6, 0, 0])
    question["options"][2]["base"] = 3
    _question(question, T)
    assert question["table_withheld"] and question["options"][2]["base"] is None


SMALL_GROUP_SLIDE = {
    "en": "This view has fewer than 10 respondents: figures that could tell how each of them "
    "answered are hidden, so no key finding is named.",
    "fr": "Cette vue compte moins de 10 répondants\u00a0: les chiffres qui pourraient révéler "
    "la réponse de chacun sont masqués, et aucun résultat clé n’est donc présenté.",
    "es": "Esta vista incluye a menos de 10 personas que respondieron: se ocultan las cifras "
    "que podrían revelar la respuesta de cada persona, por lo que no se presenta ningún "
    "resultado clave.",
}


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_the_deck_says_why_a_small_group_has_no_finding(app, language):
    """A view of a small group has its tables withheld: its findings slide says so, never "no
    question was answered by enough people" nor "the figures are in the full outcomes" (both
    false of it); the method slide states the rule in general. A large group's slide and a
    staff summary say neither."""
    from consult.outcomes.deck_content import _group_rule
    from consult.outcomes.deck_findings import no_finding

    with app.test_request_context("/"), force_locale(language):
        small = public_summary(_summary(_region(7)), T)
        said = no_finding(small["questionnaires"][0], T, small)
        assert said == SMALL_GROUP_SLIDE[language]
        assert len(_group_rule(small, T)) == 1 and "10" in _group_rule(small, T)[0]
        large = public_summary(_summary(_region(12, random.Random(3))), T)
        assert no_finding(large["questionnaires"][0], T, large) != said
        staff = _summary(_region(7))
        assert _group_rule(staff, T) == []
        assert _group_rule(public_summary(staff, T, group_limit=T), T) == []
