"""The PPTX deck keeps the no-break spaces of the HTML deck (French punctuation, numbers), so
that PowerPoint never starts a line with ":" or "»" either; only breaking white space folds."""

from __future__ import annotations

import pytest

from consult.outcomes.deck_content import closing_points, default_closing
from consult.outcomes.deck_read import read_slides
from consult.outcomes.deck_settings import Closing

SLIDE = (
    '<section class="slide" data-slide="title"><h1>Résultats\u00a0: «\u00a0Europe\u00a0»</h1>'
    '<div class="slide-inner"><p>Sur 16\n      répondants, 56\u202f%\u00a0?</p></div></section>'
)


def test_the_deck_reader_keeps_no_break_spaces_and_folds_the_others():
    (slide,) = read_slides(SLIDE)
    assert slide.title == "Résultats\u00a0: «\u00a0Europe\u00a0»"
    assert [p.text for p in slide.body] == ["Sur 16 répondants, 56\u202f%\u00a0?"]


@pytest.mark.parametrize(
    "typed",
    ["Congrès : en octobre", "Congrès\u00a0: en octobre", "Congrès\u202f: en octobre"],
)
def test_a_closing_point_leads_with_its_words_whatever_space_sets_off_the_colon(typed: str):
    closing = Closing(title={"fr": "Suite"}, text={"fr": typed})
    assert closing_points(closing, "fr") == [("Congrès", "en octobre")]


def test_the_default_closing_sets_off_its_french_colons_with_a_no_break_space(app):
    with app.test_request_context("/"):
        french = default_closing().text["fr"].splitlines()
    assert french and all("\u00a0: " in line and " : " not in line for line in french)
