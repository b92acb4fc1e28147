"""Statistics of free-text questions: answers, languages, frequent terms, codebook themes and
example quotes, for every text question of a questionnaire at once. No Flask here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from consult.outcomes import text as text_tools
from consult.outcomes.distribution import (
    EXAMPLE_QUOTES,
    TOP_TERMS,
    identifying_keys,
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

    All texts are cut into words once (a Corpus of the distinct texts: answers repeat); per
    question, everything is array slicing.
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
    # Every per-text figure (blank, length, words, language, themes) depends on the text only:
    # it is worked out once per distinct text, then each answer takes its text's.
    value_of, distinct = pd.factorize(texts["value"].to_numpy(dtype=object), use_na_sentinel=False)
    value_of = np.asarray(value_of, dtype=np.int64)
    distinct = np.asarray(distinct, dtype=object)
    blank = np.fromiter((not str(v).strip() for v in distinct), bool, len(distinct))[value_of]
    texts, value_of = texts[~blank].reset_index(drop=True), value_of[~blank]
    identifying = identifying_keys(questions)
    mined = ~texts["question_key"].isin(identifying).to_numpy()
    minable, value_of = texts[mined].reset_index(drop=True), value_of[mined]
    response_ids = minable["response_id"].to_numpy()
    texts_of = minable["value"].to_numpy(dtype=object)
    fallback = languages.reindex(response_ids).fillna("en").to_numpy(dtype=object)
    text_of, used = pd.factorize(value_of)
    text_of = np.asarray(text_of, dtype=np.int64)
    corpus = text_tools.Corpus(pd.Series(distinct[np.asarray(used, dtype=np.int64)], dtype=object))
    # A text whose stop words tell no language takes its respondent's interface language.
    detected = corpus.languages(np.full(corpus.size, None, dtype=object))[text_of]
    unclear = pd.isna(detected)
    detected[unclear] = fallback[unclear]
    matches = corpus.themes(themes).to_numpy()[text_of]
    lengths = np.fromiter((len(str(v)) for v in distinct), np.int64, len(distinct))[value_of]
    readable = (lengths >= 40) & (lengths <= 400)
    question_codes, question_keys = pd.factorize(minable["question_key"])
    code_of = {str(k): i for i, k in enumerate(question_keys)}
    question_codes = np.asarray(question_codes, dtype=np.int64)
    term_counts = corpus.term_counts(question_codes, detected, of=text_of)
    terms_by_question = {code: group for code, group in term_counts.groupby("group", sort=False)}
    answered_by = texts.groupby("question_key")["response_id"].nunique()

    results = {}
    for question in questions:
        answered = int(answered_by.get(question.key, 0))
        result = question_base(question, answered, asked.get(question.key, 0))
        result["identifying"] = question.key in identifying
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
