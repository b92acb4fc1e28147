"""Numeric bands (population...) are mutually exclusive and leave no gap, in every language.

A chokepoint check over the definitions: every option list of both questionnaires, in English,
French and Spanish, whose options name figures is read as a list of bands; the bands must follow
each other without overlap or gap, from nothing to no upper limit. A new band question is
checked without being named here.
"""

from __future__ import annotations

import math
import re

import pytest

from consult.questionnaires.definition import Question
from tests.questionnaires.conditions import questionnaires

LANGUAGES = ("en", "fr", "es")

#: A figure as written in each language: 250,000 / 250 000 (any space) / 250.000, then
#: an optional "million".
FIGURE = re.compile(
    r"(?P<digits>\d{1,3}(?:[,.\s\u00a0\u202f]\d{3})+|\d+)(?:\s*(?P<million>million|millones|millón))?",
    re.I,
)

#: Words that make a single figure an open band, per language: (pattern, lower, upper) where
#: lower/upper say how the figure bounds the band.
OPEN_BANDS = (
    (r"^(under|fewer than|less than|moins de|menos de)\b", "below", "exclusive"),
    (r"^(up to|jusqu'à|hasta)\b", "below", "inclusive"),
    (r"^(more than|over|plus de|más de)\b", "above", "exclusive"),
    (r"\b(or more|ou plus|o más)$", "above", "inclusive"),
)


def figures(label: str) -> list[int]:
    """Return the figures a label names, as whole numbers."""
    found = []
    for match in FIGURE.finditer(label):
        value = int(re.sub(r"\D", "", match.group("digits")))
        found.append(value * 1_000_000 if match.group("million") else value)
    return found


def _plain(label: str) -> str:
    text = " ".join(label.lower().replace("\u202f", " ").replace("\u00a0", " ").split())
    return re.sub(r"\s*(inhabitants|habitants|habitantes)$", "", text)


def looks_like_band(label: str) -> bool:
    """Tell whether a label reads as a band of figures (not a name with a year in it)."""
    text = _plain(label)
    figure = re.sub(r"\?P<\w+>", "", FIGURE.pattern)
    between = rf"^(de |from )?{figure} (to|à|a|-|–) {figure}$"
    return bool(re.search(between, text, re.I)) or (
        len(figures(label)) == 1 and any(re.search(p, text) for p, _s, _b in OPEN_BANDS)
    )


def band(label: str) -> tuple[float, float]:
    """Read a label as the closed range of whole numbers [low, high] it stands for."""
    values = figures(label)
    text = _plain(label)
    if len(values) == 2:
        assert values[0] <= values[1], label
        return values[0], values[1]
    assert len(values) == 1, f"cannot read {label!r} as a band"
    for pattern, side, bound in OPEN_BANDS:
        if re.search(pattern, text):
            value = values[0]
            if side == "below":
                return 0, value - 1 if bound == "exclusive" else value
            return value + 1 if bound == "exclusive" else value, math.inf
    raise AssertionError(f"cannot read {label!r} as a band")


def option_lists() -> list[tuple[str, Question]]:
    """Every question whose options read as bands of figures, in any language."""
    found = []
    for questionnaire in questionnaires():
        for question in questionnaire.questions:
            bands = [
                o
                for o in question.options
                if any(looks_like_band(o.label[lang]) for lang in LANGUAGES)
            ]
            if len(bands) >= 2:
                found.append((f"{questionnaire.key}:{question.key}", question))
    return found


BAND_QUESTIONS = option_lists()


def test_the_band_questions_are_found():
    """The walk finds the population bands (and would find any other band list)."""
    assert "local-governments:population_band" in [name for name, _q in BAND_QUESTIONS]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("name", "question"), BAND_QUESTIONS, ids=[n for n, _q in BAND_QUESTIONS])
def test_bands_neither_overlap_nor_leave_a_gap(name, question, language):
    labels = [o.label[language] for o in question.options if figures(o.label[language])]
    # The same options carry figures in every language (none lost in a translation).
    assert len(labels) == len([o for o in question.options if figures(o.label["en"])])
    bands = [band(label) for label in labels]
    assert bands[0][0] == 0, f"{name} ({language}): the first band must start at nothing"
    assert bands[-1][1] == math.inf, f"{name} ({language}): the last band must be open"
    for (low, high), (next_low, _next_high), label, next_label in zip(
        bands, bands[1:], labels, labels[1:], strict=False
    ):
        assert low <= high, label
        assert next_low == high + 1, f"{name} ({language}): {label!r} then {next_label!r}"


def test_bands_mean_the_same_in_every_language():
    for name, question in BAND_QUESTIONS:
        for option in question.options:
            read = {
                lang: band(option.label[lang]) for lang in LANGUAGES if figures(option.label[lang])
            }
            assert len(set(read.values())) <= 1, (name, option.key, read)


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Under 50,000 inhabitants", (0, 49_999)),
        ("Moins de 50\u202f000 habitants", (0, 49_999)),
        ("De 50.000 a 249.999", (50_000, 249_999)),
        ("250,000 to 1 million", (250_000, 1_000_000)),
        ("1 to 5 million", (1, 5_000_000)),  # read literally: such a label fails the walk
        ("More than 5 million", (5_000_001, math.inf)),
        ("5\u202f000\u202f000 ou plus", (5_000_000, math.inf)),
        ("5.000.000 o más", (5_000_000, math.inf)),
    ],
)
def test_the_band_reader(label, expected):
    assert band(label) == expected


def test_the_walk_refuses_the_old_overlapping_labels():
    old = ["Fewer than 50,000", "50,000 to 250,000", "250,000 to 1 million", "More than 5 million"]
    bands = [band(label) for label in old]
    assert bands[2][0] != bands[1][1] + 1  # 250,000 in two bands


@pytest.mark.parametrize(
    ("label", "is_band"),
    [
        ("50,000 to 249,999", True),
        ("De 1\u202f000\u202f000 à 4\u202f999\u202f999", True),
        ("5.000.000 o más", True),
        ("Under 50,000 inhabitants", True),
        ("Gwangju Guiding Principles for a Human Rights City (2014)", False),
        ("Not applicable", False),
    ],
)
def test_what_reads_as_a_band(label, is_band):
    assert looks_like_band(label) is is_band
