"""A ranking's finding never names one leader alone: its sentences name the option with the most
first places and the one with the most Borda points, each with its statistic, and the last one
says whether the two agree, disagree or leave options level, or which of them is not said on a
public summary (headlines_ranking.agreement), in en/fr/es."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from consult.outcomes.headlines import ranking_headlines
from tests.outcomes import frames


@pytest.fixture(scope="module")
def app():
    """A bare app with the outcomes catalogs: the sentences need no database."""
    return frames.catalog_app()


LABELS = {
    "housing": {"en": "Housing", "fr": "Logement", "es": "Vivienda"},
    "water": {"en": "Water", "fr": "Eau", "es": "Agua"},
    "care": {"en": "Care", "fr": "Soin", "es": "Cuidados"},
}


def _option(key, first, borda, **flags):
    return {
        "key": key,
        "label": LABELS[key],
        "first": first,
        "share_first": None if first is None else first / 40,
        "borda": borda,
        **flags,
    }


def _ranking(*options):
    return {
        "key": "priorities",
        "label": {"en": "Priorities"},
        "type": "ranking",
        "section": "revision",
        "answered": 40,
        "places": 3,
        "options": list(options),
    }


#: (case, options, leaders of first places / Borda points, verdict in en, fr, es)
CASES = [
    (
        "agree",
        [_option("housing", 20, 90), _option("water", 12, 70)],
        ("housing", "housing"),
        (
            "Both measures agree: “Housing” has both the most first places and the most Borda "
            "points.",
            "Les deux mesures concordent\u00a0: «\u00a0Logement\u00a0» a à la fois le plus de "
            "premières places et le plus de points Borda.",
            "Ambas medidas coinciden: «Vivienda» tiene a la vez más primeros puestos y más "
            "puntos Borda.",
        ),
    ),
    (
        "disagree",
        [_option("water", 12, 95), _option("housing", 20, 90)],
        ("housing", "water"),
        (
            "The two measures disagree: “Housing” has the most first places, “Water” the most "
            "Borda points; no single option leads on both.",
            "Les deux mesures divergent\u00a0: «\u00a0Logement\u00a0» a le plus de premières "
            "places, «\u00a0Eau\u00a0» le plus de points Borda\u00a0; aucune option ne mène "
            "selon les deux.",
            "Las dos medidas difieren: «Vivienda» tiene más primeros puestos y «Agua», más "
            "puntos Borda; ninguna opción encabeza ambas.",
        ),
    ),
    (
        "first places tied",
        [_option("housing", 16, 90), _option("water", 16, 70)],
        ("housing", "housing"),
        (
            "Options are level, so no single option leads on both measures.",
            "Des options sont à égalité\u00a0: aucune option ne mène seule selon les deux mesures.",
            "Hay opciones empatadas, así que ninguna opción encabeza por sí sola ambas medidas.",
        ),
    ),
    (
        "Borda points tied",
        [_option("housing", 20, 80), _option("water", 12, 80)],
        ("housing", "housing"),
        (
            "Options are level, so no single option leads on both measures.",
            "Des options sont à égalité\u00a0: aucune option ne mène seule selon les deux mesures.",
            "Hay opciones empatadas, así que ninguna opción encabeza por sí sola ambas medidas.",
        ),
    ),
    (
        "Borda points withheld",
        [_option("housing", 20, 90), _option("care", 3, None, borda_withheld=True)],
        ("housing", None),
        (
            "Which option has the most Borda points is not said: some Borda points are not "
            "shown, to protect respondents.",
            "L'option qui a le plus de points Borda n'est pas indiquée\u00a0: certains points "
            "Borda ne sont pas affichés, pour protéger les répondants.",
            "No se indica qué opción tiene más puntos Borda: algunos puntos Borda no se "
            "muestran, para proteger a quienes respondieron.",
        ),
    ),
    (
        "first places withheld",
        [_option("housing", 20, 90), _option("care", None, 80, first_secondary=True)],
        (None, "housing"),
        (
            "Which option was ranked first most often is not said: some counts of first places "
            "are not shown, to protect respondents.",
            "L'option le plus souvent classée en premier n'est pas indiquée\u00a0: certains "
            "nombres de premières places ne sont pas affichés, pour protéger les répondants.",
            "No se indica qué opción fue elegida en primer lugar con más frecuencia: algunos "
            "recuentos de primeros puestos no se muestran, para proteger a quienes "
            "respondieron.",
        ),
    ),
]

#: Each sentence names its statistic, in each language.
STATISTIC_WORDS = {
    "en": {"first_places": "ranked first most often", "borda": "Borda score"},
    "fr": {"first_places": "le plus souvent classé en premier", "borda": "points Borda"},
    "es": {"first_places": "en primer lugar con más frecuencia", "borda": "puntos Borda"},
}


@pytest.mark.parametrize("language", ["en", "fr", "es"])
@pytest.mark.parametrize(
    ("case", "options", "leaders", "verdicts"), CASES, ids=[c[0] for c in CASES]
)
def test_a_ranking_finding_says_whether_its_two_leaders_agree(
    app, language, case, options, leaders, verdicts
):
    with app.test_request_context("/"), force_locale(language):
        said = ranking_headlines(_ranking(*options))
    by_statistic = {h.statistic: h for h in said}
    expected = {s: k for s, k in zip(("first_places", "borda"), leaders, strict=True) if k}
    assert {s: h.option_key for s, h in by_statistic.items()} == expected
    for statistic, headline in by_statistic.items():
        assert STATISTIC_WORDS[language][statistic] in headline.sentence
    verdict = verdicts[("en", "fr", "es").index(language)]
    last = said[-1].sentence.replace("\u202f", "\u00a0")
    assert last.endswith(" " + verdict), last
    # the verdict is said once, after both leaders (never between them)
    assert all(verdict not in h.sentence.replace("\u202f", "\u00a0") for h in said[:-1])
