"""Statistics of free-text questions: answers, languages, frequent terms, codebook themes and
example quotes, for every text question of a questionnaire at once. No Flask here."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from consult.outcomes import text as text_tools
from consult.outcomes.distribution import (
    EXAMPLE_QUOTES,
    IDENTIFYING_QUESTIONS,
    TOP_TERMS,
    question_base,
    share,
)
from consult.questionnaires.definition import Question


def summarise_texts(
    questions: Sequence[Question],
    frames: Mapping[str, pd.DataFrame],
    asked: Mapping[str, int],
    languages: pd.Series,
    themes: Sequence[text_tools.Theme],
) -> dict[str, dict]:
    """Text questions of one questionnaire, processed together: counts, terms, themes, quotes.

    All texts are cut into words once (a Corpus); per question, everything is array slicing.
    """
    pieces = [
        frames[q.key].loc[frames[q.key]["part_key"] == "", ["response_id", "question_key", "value"]]
        for q in questions
        if q.key in frames
    ]
    texts = (
        pd.concat(pieces, ignore_index=True)
        if pieces
        else pd.DataFrame({"response_id": [], "question_key": [], "value": []})
    )
    values = texts["value"].to_numpy(dtype=object)
    blank = _per_distinct(values, lambda v: not str(v).strip(), bool)
    texts = texts[~blank].reset_index(drop=True)
    minable = texts[~texts["question_key"].isin(IDENTIFYING_QUESTIONS)].reset_index(drop=True)
    response_ids = minable["response_id"].to_numpy()
    texts_of = minable["value"].to_numpy(dtype=object)
    fallback = languages.reindex(response_ids).fillna("en").to_numpy(dtype=object)
    corpus = text_tools.Corpus(minable["value"])
    detected = corpus.languages(fallback)
    matches = corpus.themes(themes).to_numpy()
    lengths = _per_distinct(texts_of, lambda v: len(str(v)), np.int64)
    readable = (lengths >= 40) & (lengths <= 400)
    question_codes, question_keys = pd.factorize(minable["question_key"])
    code_of = {str(k): i for i, k in enumerate(question_keys)}
    question_codes = np.asarray(question_codes, dtype=np.int64)
    term_counts = corpus.term_counts(question_codes, detected)
    terms_by_question = {code: group for code, group in term_counts.groupby("group", sort=False)}
    answered_by = texts.groupby("question_key")["response_id"].nunique()

    results = {}
    for question in questions:
        answered = int(answered_by.get(question.key, 0))
        result = question_base(question, answered, asked.get(question.key, 0))
        result["identifying"] = question.key in IDENTIFYING_QUESTIONS
        code = code_of.get(question.key)
        if result["identifying"] or code is None:
            result.update(languages={}, terms={}, themes=[], uncoded=answered)
            if result["identifying"]:
                result["uncoded"] = 0
            results[question.key] = result
            continue
        positions = np.flatnonzero(question_codes == code)
        langs, lang_counts = np.unique(detected[positions].astype(str), return_counts=True)
        result["languages"] = {str(k): int(n) for k, n in zip(langs, lang_counts, strict=True)}
        terms = text_tools.top_by_language(
            terms_by_question.get(code, term_counts.iloc[0:0]), TOP_TERMS
        )
        result["terms"] = {lang: [[t, n] for t, n in pairs] for lang, pairs in terms.items()}
        hits_matrix = matches[positions] if len(themes) else np.zeros((len(positions), 0), bool)
        theme_list = []
        for column, theme in enumerate(themes):
            hits = positions[hits_matrix[:, column]]
            if len(hits) == 0:
                continue
            preferred = hits[readable[hits]]
            chosen = (preferred if len(preferred) >= EXAMPLE_QUOTES else hits)[:EXAMPLE_QUOTES]
            theme_list.append(
                {
                    "key": theme.key,
                    "label": dict(theme.label),
                    "count": int(len(hits)),
                    "share": share(len(hits), answered),
                    "quotes": [
                        {"response_id": int(response_ids[i]), "text": str(texts_of[i])}
                        for i in chosen
                    ],
                }
            )
        result["themes"] = sorted(theme_list, key=lambda t: (-t["count"], t["key"]))
        result["uncoded"] = int((~hits_matrix.any(axis=1)).sum()) if len(positions) else 0
        results[question.key] = result
    return results


def _per_distinct(values: np.ndarray, function: Callable[[object], object], dtype) -> np.ndarray:
    """Return ``function`` of each value, computed once per distinct value (answers repeat)."""
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    results = np.fromiter((function(v) for v in distinct), dtype=dtype, count=len(distinct))
    return results[codes]
