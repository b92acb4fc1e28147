"""Words as the outcomes read them: French elisions, apostrophes, keywords."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from consult.outcomes.text import load_codebook, split_words, theme_matches

CODEBOOK = Path(__file__).resolve().parents[2] / "questionnaires" / "themes.yaml"


def test_french_elisions_do_not_hide_a_word():
    assert split_words("L'eau, d’habitants, qu'il") == ["eau", "habitants", "il"]
    # Words with an apostrophe inside stay whole, in French and in English.
    assert split_words("aujourd'hui, don't, it's") == ["aujourd'hui", "don't", "it's"]


def test_an_elided_keyword_is_found_by_its_theme():
    texts = pd.Series(["L'eau potable pour tous.", "L’accès à l'alimentation.", "Rien."])
    matches = theme_matches(texts, load_codebook(CODEBOOK))
    assert matches["water_food"].tolist() == [True, True, False]
