"""The PPTX deck keeps the no-break spaces of the HTML deck (French punctuation, numbers), so
that PowerPoint never starts a line with ":" or "»" either; only breaking white space folds."""

from __future__ import annotations

from consult.outcomes.deck_read import read_slides

SLIDE = (
    '<section class="slide" data-slide="title"><h1>Résultats\u00a0: «\u00a0Europe\u00a0»</h1>'
    '<div class="slide-inner"><p>Sur 16\n      répondants, 56\u202f%\u00a0?</p></div></section>'
)


def test_the_deck_reader_keeps_no_break_spaces_and_folds_the_others():
    (slide,) = read_slides(SLIDE)
    assert slide.title == "Résultats\u00a0: «\u00a0Europe\u00a0»"
    assert [p.text for p in slide.body] == ["Sur 16 répondants, 56\u202f%\u00a0?"]
