"""Words as the outcomes read them: French elisions, apostrophes, keywords."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from consult.outcomes.text import Corpus, load_codebook, split_words, theme_matches

CODEBOOK = Path(__file__).resolve().parents[2] / "questionnaires" / "themes.yaml"


def test_french_elisions_do_not_hide_a_word():
    assert split_words("L'eau, d’habitants, qu'il") == ["eau", "habitants", "il"]
    # Words with an apostrophe inside stay whole, in French and in English.
    assert split_words("aujourd'hui, don't, it's") == ["aujourd'hui", "don't", "it's"]


def test_an_elided_keyword_is_found_by_its_theme():
    texts = pd.Series(["L'eau potable pour tous.", "L’accès à l'alimentation.", "Rien."])
    matches = theme_matches(texts, load_codebook(CODEBOOK))
    assert matches["water_food"].tolist() == [True, True, False]


def test_a_keyword_phrase_never_spans_the_end_of_a_sentence():
    themes = [t for t in load_codebook(CODEBOOK) if t.key == "public_space"]
    cases = {
        "We need more public space for children.": True,
        "The budget is public. Space for debate is lacking.": False,
        "Is it public? Space matters.": False,
        "It is public!\nSpace matters.": False,
        "Public\nspace": False,
        "¿Es público? Espacio para todos.": False,
        "Más espacio público en los barrios.": True,
        "Un espace public, ouvert à tous.": True,
        "Un espace. Public ou privé.": False,
        # A decimal point or an abbreviation's point inside a sentence is not its end.
        "About 3.5 public spaces per district.": True,
        "公共。space": False,
    }
    matches = theme_matches(pd.Series(list(cases)), themes)["public_space"].tolist()
    assert dict(zip(cases, matches, strict=True)) == cases


def test_repeated_texts_are_cut_once_and_each_keeps_its_own_words_and_sentences():
    """A corpus cuts each distinct text once and gives every text its words back in place."""
    texts = pd.Series(
        ["Public space. L'eau", "No", "Public space. L'eau", "", "No", "Niños y niñas. Public"],
        index=[5, 3, 9, 1, 7, 2],
    )
    corpus = Corpus(texts)
    for position, value in enumerate(texts):
        words = corpus.vocabulary[corpus.codes[corpus.text_of == position]]
        assert list(words) == split_words(value), value
    first, again = (corpus.sentence_of[corpus.text_of == p] for p in (0, 2))
    assert first[0] == first[1] != first[2] and again[0] == again[1] != again[2]
    assert sorted(corpus.phrase_texts(("public", "space")).tolist()) == [0, 2]
    # "niñas. Public" and "L'eau" + the next text's "No" are not phrases: sentences and texts end.
    assert corpus.phrase_texts(("niñas", "public")).tolist() == []
    assert corpus.phrase_texts(("eau", "no")).tolist() == []


def test_term_counts_over_distinct_texts_equal_those_over_every_answer():
    """A corpus of the distinct texts, told which text each answer is (``of``), counts every
    (group, language, term) as a corpus of every answer does: repeated texts, a text in two
    groups and two languages, blank and word-less texts, and no answer at all."""
    answers = [
        ("Public space for all. Public housing", 0, "en"),
        ("L'eau potable, l'eau", 1, "fr"),
        ("Public space for all. Public housing", 0, "en"),
        ("Public space for all. Public housing", 1, "en"),
        ("Public space for all. Public housing", 0, "es"),
        ("123 !", 0, "en"),
        ("", 1, "fr"),
        ("L'eau potable, l'eau", 1, "fr"),
        ("Espacio público y vivienda", 2, "es"),
    ]
    for count in (len(answers), 3, 1, 0):
        chosen = answers[:count]
        texts = pd.Series([t for t, _g, _l in chosen], dtype=object)
        groups = np.asarray([g for _t, g, _l in chosen], dtype=np.int64)
        languages = np.asarray([lang for _t, _g, lang in chosen], dtype=object)
        every = Corpus(texts).term_counts(groups, languages)
        of, distinct = pd.factorize(texts.to_numpy(dtype=object))
        once = Corpus(pd.Series(distinct, dtype=object)).term_counts(groups, languages, of=of)
        pd.testing.assert_frame_equal(once, every, check_dtype=False)
        assert once["n"].to_numpy().dtype == np.int64
