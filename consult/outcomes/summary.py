"""The outcomes summary: pure functions from data frames and definitions to plain data.

Input: the responses frame and the long-form answers frame of consult.analysis.data, the
definitions of every stored version, the codebook, and optionally the published contributions.
Output: a JSON-ready dict (numbers, keys and the definition labels, so that a frozen snapshot
renders the same forever). Every figure carries the number of respondents behind it.

Everything is vectorised: group-bys on the long answers frame, never a loop over responses,
because the summary must keep up with 100,000 responses. No Flask here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from consult.outcomes import text as text_tools
from consult.outcomes.contributions import summarise_contributions
from consult.questionnaires.definition import (
    OTHER_PART,
    YES_NO_KEYS,
    Question,
    Questionnaire,
    Section,
)

#: Raised whenever the shape of the summary changes, so that cached summaries are recomputed.
SUMMARY_FORMAT = 3
ANSWER_PARTS = ("question_key", "part_key", "value")
CHOICE_TYPES = ("single_choice", "yes_no", "region", "country")
TEXT_TYPES = ("short_text", "long_text")
ARTICLE_KEYS = tuple(f"art{n:02d}" for n in range(1, 13))
#: Questions whose answers identify the respondent: counted, never quoted or mined for terms.
IDENTIFYING_QUESTIONS = frozenset({"institution_name", "organisation_name"})
#: The profile question that gives the population band, when a questionnaire has it.
POPULATION_BAND_QUESTION = "population_band"
EXAMPLE_QUOTES = 3
TOP_TERMS = 12
YES_NO_LABELS = {
    "yes": {"en": "Yes", "fr": "Oui", "es": "Sí"},
    "no": {"en": "No", "fr": "Non", "es": "No"},
    "dont_know": {"en": "Don't know", "fr": "Je ne sais pas", "es": "No lo sé"},
}
OTHER_LABEL = {"en": "Other", "fr": "Autre", "es": "Otro"}


@dataclass(frozen=True)
class SummaryFilter:
    """Which submitted responses a summary covers."""

    questionnaire: str | None = None
    region: str | None = None
    respondent_type: str | None = None
    #: Submission dates (UTC), both ends included.
    submitted_from: date | None = None
    submitted_to: date | None = None

    @property
    def is_empty(self) -> bool:
        """Tell whether the filter lets everything through."""
        return not any(asdict(self).values())

    def as_dict(self) -> dict[str, str | None]:
        """Return the filter as JSON-ready data."""
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(self).items()}

    def select(self, responses: pd.DataFrame, moment_column: str = "submitted_at") -> pd.Series:
        """Return a boolean mask of the responses this filter keeps."""
        mask = pd.Series(True, index=responses.index)
        if self.questionnaire:
            mask &= responses["questionnaire"] == self.questionnaire
        if self.region:
            mask &= responses["region"] == self.region
        if self.respondent_type:
            mask &= responses["respondent_type"] == self.respondent_type
        if self.submitted_from or self.submitted_to:
            days = responses[moment_column].dt.date
            if self.submitted_from:
                mask &= days >= self.submitted_from
            if self.submitted_to:
                mask &= days <= self.submitted_to
        return mask.fillna(False).astype(bool)


# -- helpers --------------------------------------------------------------------------------------


def _share(count: int | float, base: int) -> float | None:
    return float(count) / base if base else None


def _counts(series: pd.Series) -> dict[str, int]:
    return {str(k): int(v) for k, v in series.value_counts(sort=False).items()}


def _options_of(question: Question, region_labels: Mapping[str, Mapping[str, str]]) -> list[dict]:
    """Return the options of a choice question with their labels (countries are named later)."""
    if question.type == "yes_no":
        return [{"key": k, "label": YES_NO_LABELS[k]} for k in YES_NO_KEYS]
    if question.type == "region":
        return [{"key": k, "label": dict(v)} for k, v in region_labels.items()]
    if question.type == "country":
        return []
    return [{"key": o.key, "label": dict(o.label)} for o in question.options]


def _ordered_distribution(
    options: Sequence[Mapping], counts: Mapping[str, int], base: int
) -> list[dict[str, Any]]:
    """Return one entry per option (defined ones first, in order, then any unknown value)."""
    known = [o["key"] for o in options]
    entries = []
    for option in options:
        count = int(counts.get(option["key"], 0))
        entries.append(
            {
                "key": option["key"],
                "label": option["label"],
                "count": count,
                "share": _share(count, base),
            }
        )
    extra = sorted(
        (k for k in counts if k not in known), key=lambda k: (-counts[k], k)
    )  # countries, or values of options removed in a later version
    for key in extra:
        entries.append(
            {
                "key": key,
                "label": None,
                "count": int(counts[key]),
                "share": _share(counts[key], base),
            }
        )
    return entries


# -- which respondents were asked each question (conditions) --------------------------------------


def split_answers(
    answers: pd.DataFrame, submitted: pd.DataFrame
) -> dict[str, dict[str, pd.DataFrame]]:
    """Split the answers of the ``submitted`` responses by questionnaire, then by question.

    One stable sort of the row numbers by (questionnaire, question) and a single take; every
    part is then a slice of it (no copy per question). Answers of other responses are dropped.
    """
    if answers.empty or submitted.empty:
        return {}
    position = pd.Index(submitted["response_id"]).get_indexer(answers["response_id"])
    kept = np.flatnonzero(position >= 0)
    questionnaire_codes, questionnaire_keys = pd.factorize(submitted["questionnaire"])
    of_row = np.asarray(questionnaire_codes)[position[kept]]
    question_codes, question_keys = pd.factorize(answers["question_key"].to_numpy()[kept])
    order = np.lexsort((question_codes, of_row))
    ordered = answers.iloc[kept[order]]
    combined = of_row[order].astype(np.int64) * len(question_keys) + question_codes[order]
    boundaries = np.flatnonzero(np.diff(combined)) + 1
    starts = np.concatenate(([0], boundaries, [len(combined)]))
    result: dict[str, dict[str, pd.DataFrame]] = {}
    for begin, end in zip(starts[:-1], starts[1:], strict=True):
        code = int(combined[begin])
        questionnaire = str(questionnaire_keys[code // len(question_keys)])
        question = str(question_keys[code % len(question_keys)])
        result.setdefault(questionnaire, {})[question] = ordered.iloc[begin:end]
    return result


def asked_masks(
    questionnaire: Questionnaire,
    response_ids: np.ndarray,
    by_question: Mapping[str, pd.DataFrame],
) -> dict[str, np.ndarray]:
    """Return, per question, a boolean array over ``response_ids``: was it asked?

    The same rule as definition.is_shown (section and question conditions; a condition on an
    unasked question is unmet), evaluated for all responses at once. ``by_question``: the
    answers split by question (answers of other responses may be in it; they are ignored).
    """
    everyone = np.ones(len(response_ids), dtype=bool)
    shown: dict[str, np.ndarray] = {}
    sections: dict[str, np.ndarray] = {}

    def met(item: Question | Section) -> np.ndarray:
        condition = item.when
        if condition is None:
            return everyone
        source_asked = shown.get(condition.question, np.zeros(len(response_ids), dtype=bool))
        frame = by_question.get(condition.question)
        if frame is None:
            return np.zeros(len(response_ids), dtype=bool)
        if condition.operator == "equals":
            hits = frame.loc[
                (frame["part_key"] == "") & (frame["value"] == condition.value), "response_id"
            ]
        else:
            hits = frame.loc[
                (frame["part_key"] == condition.value) & (frame["value"] == "1"), "response_id"
            ]
        return source_asked & np.isin(response_ids, hits.to_numpy())

    for section in questionnaire.sections:
        sections[section.key] = met(section)
        for question in section.questions:
            shown[question.key] = sections[section.key] & met(question)
    return shown


# -- one question ---------------------------------------------------------------------------------


def _question_base(question: Question, answered: int, asked: int) -> dict[str, Any]:
    return {
        "key": question.key,
        "type": question.type,
        "label": dict(question.label),
        "section": question.section_key,
        "required": question.required,
        "conditional": question.when is not None,
        "asked": asked,
        "answered": answered,
        "not_answered": max(asked - answered, 0),
        #: Every percentage of this question is a share of this many respondents.
        "base": answered,
    }


def summarise_choice(
    question: Question,
    frame: pd.DataFrame,
    asked: int,
    region_labels: Mapping[str, Mapping[str, str]],
) -> dict[str, Any]:
    """Single choice, yes/no, region, country: respondents per option and their share."""
    values = frame.loc[frame["part_key"] == "", ["response_id", "value"]]
    answered = int(values["response_id"].nunique())
    counts = _counts(values["value"])
    result = _question_base(question, answered, asked)
    result["options"] = _ordered_distribution(
        _options_of(question, region_labels), counts, answered
    )
    return result


def summarise_multiple_choice(question: Question, frame: pd.DataFrame, asked: int) -> dict:
    """Multiple choice: per option, how many respondents chose it and their share of answerers."""
    answered = int(frame["response_id"].nunique())
    chosen = frame.loc[(frame["part_key"] != OTHER_PART) & (frame["value"] == "1")]
    counts = _counts(chosen["part_key"])
    other = frame.loc[frame["part_key"] == OTHER_PART]
    options = _options_of(question, {})
    if question.other:
        options = [*options, {"key": OTHER_PART, "label": OTHER_LABEL}]
        counts[OTHER_PART] = int(other["response_id"].nunique())
    result = _question_base(question, answered, asked)
    result["options"] = _ordered_distribution(options, counts, answered)
    per_respondent = frame.loc[frame["part_key"] != OTHER_PART].groupby("response_id").size()
    result["mean_choices"] = float(per_respondent.mean()) if len(per_respondent) else None
    result["other_texts"] = [
        {"response_id": int(r), "text": str(t)}
        for r, t in zip(other["response_id"], other["value"], strict=True)
    ]
    return result


def summarise_matrix(question: Question, frame: pd.DataFrame, asked: int) -> dict:
    """Matrix: per row, the distribution over the scale, and a mean score if the scale is ordinal.

    Scale points without a score ("don't know") are counted and shown, but left out of the mean.
    """
    answered = int(frame["response_id"].nunique())
    table = frame.groupby(["part_key", "value"]).size()
    scores = {p.key: p.score for p in question.scale if p.score is not None}
    frame_scores = frame["value"].map(scores)
    scored = frame.assign(score=frame_scores).dropna(subset=["score"])
    means = scored.groupby("part_key")["score"].mean()
    scored_n = scored.groupby("part_key").size()
    scale = [{"key": p.key, "label": dict(p.label), "score": p.score} for p in question.scale]
    rows = []
    for row in question.rows:
        counts = (
            {str(k): int(v) for k, v in table.loc[row.key].items()}
            if row.key in table.index
            else {}
        )
        row_answered = int(sum(counts.values()))
        unscored = {k: v for k, v in counts.items() if k not in scores}
        rows.append(
            {
                "key": row.key,
                "label": dict(row.label),
                "answered": row_answered,
                "base": row_answered,
                "counts": counts,
                "distribution": _ordered_distribution(scale, counts, row_answered),
                "scored": int(scored_n.get(row.key, 0)),
                "mean": float(means[row.key]) if row.key in means.index else None,
                "unscored": int(sum(unscored.values())),
            }
        )
    result = _question_base(question, answered, asked)
    result["scale"] = scale
    result["ordinal"] = question.is_ordinal
    score_values = [p.score for p in question.scale if p.score is not None]
    result["score_range"] = [min(score_values), max(score_values)] if score_values else None
    result["rows"] = rows
    return result


def summarise_ranking(question: Question, frame: pd.DataFrame, asked: int) -> dict:
    """Ranking: per option, times ranked, mean rank, first places, and a Borda score.

    Borda: an option ranked r-th of N earns N + 1 - r points from that respondent (N is the
    number of places to fill), so the first place is worth N and an unranked option nothing.
    """
    answered = int(frame["response_id"].nunique())
    ranks = pd.to_numeric(frame["value"], errors="coerce")
    ranked = frame.assign(rank=ranks).dropna(subset=["rank"])
    places = question.rank or int(ranked["rank"].max() if len(ranked) else 0)
    ranked = ranked.assign(points=places + 1 - ranked["rank"])
    grouped = ranked.groupby("part_key")
    stats = pd.DataFrame(
        {
            "ranked": grouped.size(),
            "mean_rank": grouped["rank"].mean(),
            "first": grouped["rank"].agg(lambda r: int((r == 1).sum())),
            "borda": grouped["points"].sum(),
        }
    )
    options = []
    for option in question.options:
        if option.key in stats.index:
            row = stats.loc[option.key]
            entry = {
                "ranked": int(row["ranked"]),
                "mean_rank": float(row["mean_rank"]),
                "first": int(row["first"]),
                "borda": float(row["borda"]),
            }
        else:
            entry = {"ranked": 0, "mean_rank": None, "first": 0, "borda": 0.0}
        entry.update(
            key=option.key,
            label=dict(option.label),
            share_ranked=_share(entry["ranked"], answered),
            share_first=_share(entry["first"], answered),
            counts={str(r): 0 for r in range(1, places + 1)},
        )
        options.append(entry)
    per_rank = ranked.groupby(["part_key", "rank"]).size()
    by_key = {o["key"]: o for o in options}
    for (key, rank), n in per_rank.items():
        if key in by_key:
            by_key[key]["counts"][str(int(rank))] = int(n)
    result = _question_base(question, answered, asked)
    result["places"] = places
    result["max_borda"] = places * answered
    result["options"] = sorted(options, key=lambda o: (-o["borda"], o["key"]))
    return result


def summarise_number(question: Question, frame: pd.DataFrame, asked: int) -> dict:
    """Number: how many answered, median and quartiles (linear interpolation), min, max, mean."""
    numbers = pd.to_numeric(frame.loc[frame["part_key"] == "", "value"], errors="coerce").dropna()
    answered = int(len(numbers))
    result = _question_base(question, answered, asked)
    if answered:
        q1, median, q3 = numbers.quantile([0.25, 0.5, 0.75]).tolist()
        result.update(
            count=answered,
            median=float(median),
            q1=float(q1),
            q3=float(q3),
            min=float(numbers.min()),
            max=float(numbers.max()),
            mean=float(numbers.mean()),
        )
        result["histogram"] = _histogram(numbers, question)
    else:
        result.update(
            count=0, median=None, q1=None, q3=None, min=None, max=None, mean=None, histogram=[]
        )
    return result


def _histogram(numbers: pd.Series, question: Question, bins: int = 8) -> list[dict]:
    """Return counts in up to ``bins`` equal-width intervals (whole numbers for integers)."""
    low, high = float(numbers.min()), float(numbers.max())
    if low == high:
        return [{"from": low, "to": high, "count": int(len(numbers))}]
    width = (high - low) / bins
    if question.integer:
        width = max(1.0, float(np.ceil(width)))
    edges = [low + i * width for i in range(bins + 1) if low + i * width <= high + width]
    if edges[-1] < high:
        edges.append(edges[-1] + width)
    cut = pd.cut(numbers, bins=edges, include_lowest=True, right=False)
    counts = cut.value_counts(sort=False)
    # The last interval is closed so that the maximum falls inside it.
    counts.iloc[-1] += int((numbers == edges[-1]).sum())
    return [
        {"from": float(i.left), "to": float(i.right), "count": int(n)} for i, n in counts.items()
    ]


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
    blank = np.fromiter((not str(v).strip() for v in values), dtype=bool, count=len(values))
    texts = texts[~blank].reset_index(drop=True)
    minable = texts[~texts["question_key"].isin(IDENTIFYING_QUESTIONS)].reset_index(drop=True)
    response_ids = minable["response_id"].to_numpy()
    texts_of = minable["value"].to_numpy(dtype=object)
    fallback = languages.reindex(response_ids).fillna("en").to_numpy(dtype=object)
    corpus = text_tools.Corpus(minable["value"])
    detected = corpus.languages(fallback)
    matches = corpus.themes(themes).to_numpy()
    lengths = np.fromiter((len(str(v)) for v in texts_of), dtype=np.int64, count=len(texts_of))
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
        result = _question_base(question, answered, asked.get(question.key, 0))
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
                    "share": _share(len(hits), answered),
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


# -- participation --------------------------------------------------------------------------------


def _breakdown(series: pd.Series) -> list[dict[str, Any]]:
    counts = series.fillna("").astype(str).value_counts()
    total = int(counts.sum())
    return [
        {"key": key or None, "count": int(n), "share": _share(int(n), total)}
        for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def participation(
    submitted: pd.DataFrame,
    drafts: pd.DataFrame,
    band_answers: pd.DataFrame | None,
    band_options: Sequence[Mapping] | None,
) -> dict[str, Any]:
    """Responses by region, country, respondent type, language, population band, and day."""
    days = submitted["submitted_at"].dt.tz_convert("UTC").dt.date
    per_day = days.value_counts().sort_index()
    timeline = []
    if len(per_day):
        full = pd.date_range(per_day.index.min(), per_day.index.max(), freq="D").date
        per_day = per_day.reindex(full, fill_value=0)
        cumulative = per_day.cumsum()
        timeline = [
            {"date": d.isoformat(), "count": int(n), "cumulative": int(c)}
            for d, n, c in zip(per_day.index, per_day.values, cumulative.values, strict=True)
        ]
    result: dict[str, Any] = {
        "submitted": int(len(submitted)),
        "drafts": int(len(drafts)),
        "started": int(len(submitted) + len(drafts)),
        "completion": _share(len(submitted), len(submitted) + len(drafts)),
        "by_region": _breakdown(submitted["region"]),
        "by_country": _breakdown(submitted["country"]),
        "by_respondent_type": _breakdown(submitted["respondent_type"]),
        "by_language": _breakdown(submitted["language"]),
        "drafts_by_region": _breakdown(drafts["region"]),
        "per_day": timeline,
        "first_submitted": timeline[0]["date"] if timeline else None,
        "last_submitted": timeline[-1]["date"] if timeline else None,
    }
    if band_answers is not None and band_options is not None:
        values = band_answers.loc[band_answers["part_key"] == "", "value"]
        counts = _counts(values)
        unanswered = int(len(submitted) - len(values))
        entries = _ordered_distribution(band_options, counts, int(len(submitted)))
        if unanswered:
            entries.append(
                {
                    "key": None,
                    "label": None,
                    "count": unanswered,
                    "share": _share(unanswered, len(submitted)),
                }
            )
        result["by_population_band"] = entries
    else:
        result["by_population_band"] = None
    return result


# -- the whole summary ----------------------------------------------------------------------------


def _questions_of(versions: Sequence[Questionnaire]) -> list[Question]:
    """Questions of the newest version, then any that only older versions asked."""
    newest = max(versions, key=lambda q: q.version)
    questions = list(newest.questions)
    known = {q.key for q in questions}
    for version in sorted(versions, key=lambda q: -q.version):
        for question in version.questions:
            if question.key not in known:
                questions.append(question)
                known.add(question.key)
    return questions


def summarise_questionnaire(
    key: str,
    current: Questionnaire,
    definitions: Mapping[int, Questionnaire],
    responses: pd.DataFrame,
    drafts: pd.DataFrame,
    frames: Mapping[str, pd.DataFrame],
    themes: Sequence[text_tools.Theme],
    region_labels: Mapping[str, Mapping[str, str]],
) -> dict[str, Any]:
    """Summarise one questionnaire's (already filtered) submitted responses.

    ``frames``: the answers of those responses, split by question (see split_answers).
    """
    used_versions = {int(v) for v in responses["version_id"].unique()}
    versions = [definitions[v] for v in sorted(used_versions) if v in definitions]
    if not any(v.version == current.version for v in versions):
        versions.append(current)  # questions not answered yet are listed too
    questions = _questions_of(versions)

    asked: dict[str, int] = {}
    for version_id in sorted(used_versions):
        definition = definitions.get(version_id, current)
        ids = responses.loc[responses["version_id"] == version_id, "response_id"].to_numpy()
        for question_key, mask in asked_masks(definition, ids, frames).items():
            asked[question_key] = asked.get(question_key, 0) + int(mask.sum())

    empty = pd.DataFrame(
        {"response_id": np.empty(0, np.int64), **{c: np.empty(0, object) for c in ANSWER_PARTS}}
    )
    languages = responses.set_index("response_id")["language"]
    text_questions = [q for q in questions if q.type in TEXT_TYPES]
    texts = summarise_texts(text_questions, frames, asked, languages, themes)

    results = []
    for question in questions:
        frame = frames.get(question.key, empty)
        n_asked = asked.get(question.key, 0)
        if question.type in CHOICE_TYPES:
            results.append(summarise_choice(question, frame, n_asked, region_labels))
        elif question.type == "multiple_choice":
            results.append(summarise_multiple_choice(question, frame, n_asked))
        elif question.type == "matrix":
            results.append(summarise_matrix(question, frame, n_asked))
        elif question.type == "ranking":
            results.append(summarise_ranking(question, frame, n_asked))
        elif question.type == "number":
            results.append(summarise_number(question, frame, n_asked))
        else:
            results.append(texts[question.key])

    band = next((q for q in questions if q.key == POPULATION_BAND_QUESTION), None)
    respondent_type_question = current.profile_fields.get("respondent_type")
    type_labels = {}
    if respondent_type_question:
        type_question = current.question(respondent_type_question)
        type_labels = {o.key: dict(o.label) for o in type_question.options}
    sections = {s.key: dict(s.title) for v in versions for s in v.sections}
    return {
        "key": key,
        "title": dict(current.title),
        "audience": current.audience,
        "versions": sorted({v.version for v in versions}),
        "responses": int(len(responses)),
        "sections": [{"key": k, "title": t} for k, t in sections.items()],
        "respondent_types": type_labels,
        "participation": participation(
            responses,
            drafts,
            frames.get(band.key, empty) if band is not None else None,
            _options_of(band, region_labels) if band is not None else None,
        ),
        "questions": results,
    }


def article_heat_map(questionnaires: Sequence[Mapping], contributions: Mapping | None) -> dict:
    """Gather every per-article figure: matrix means, article choices, contributions per article.

    Each column keeps its own scale; the heat map colours each column from its own minimum to
    its maximum, and prints the figure itself.
    """
    columns = []
    for questionnaire in questionnaires:
        for question in questionnaire["questions"]:
            if question["type"] == "matrix" and {r["key"] for r in question["rows"]} >= set(
                ARTICLE_KEYS
            ):
                if not question["ordinal"]:
                    continue
                rows = {r["key"]: r for r in question["rows"]}
                columns.append(
                    {
                        "questionnaire": questionnaire["key"],
                        "questionnaire_title": questionnaire["title"],
                        "question": question["key"],
                        "label": question["label"],
                        "kind": "mean",
                        "range": question["score_range"],
                        "scale": question["scale"],
                        "values": {a: rows[a]["mean"] for a in ARTICLE_KEYS},
                        "bases": {a: rows[a]["scored"] for a in ARTICLE_KEYS},
                    }
                )
            elif question["type"] == "multiple_choice" and {
                o["key"] for o in question["options"]
            } >= set(ARTICLE_KEYS):
                options = {o["key"]: o for o in question["options"]}
                columns.append(
                    {
                        "questionnaire": questionnaire["key"],
                        "questionnaire_title": questionnaire["title"],
                        "question": question["key"],
                        "label": question["label"],
                        "kind": "share",
                        "range": [0, 1],
                        "values": {a: options[a]["share"] for a in ARTICLE_KEYS},
                        "counts": {a: options[a]["count"] for a in ARTICLE_KEYS},
                        "bases": {a: question["answered"] for a in ARTICLE_KEYS},
                    }
                )
    if contributions is not None:
        per_article = {a["key"]: a["count"] for a in contributions["by_article"] if a["key"]}
        columns.append(
            {
                "questionnaire": None,
                "questionnaire_title": None,
                "question": "contributions",
                "label": {
                    "en": "Open contributions",
                    "fr": "Contributions libres",
                    "es": "Contribuciones abiertas",
                },
                "kind": "count",
                "range": [0, max(per_article.values(), default=0)],
                "values": {a: per_article.get(a, 0) for a in ARTICLE_KEYS},
                "counts": {a: per_article.get(a, 0) for a in ARTICLE_KEYS},
                "bases": {a: contributions["total"] for a in ARTICLE_KEYS},
            }
        )
    return {"articles": list(ARTICLE_KEYS), "columns": columns}


def summarise(
    responses: pd.DataFrame,
    answers: pd.DataFrame,
    *,
    current: Mapping[str, Questionnaire],
    definitions: Mapping[int, Questionnaire],
    themes: Sequence[text_tools.Theme] = (),
    region_labels: Mapping[str, Mapping[str, str]] | None = None,
    article_titles: Mapping[str, Mapping[str, str]] | None = None,
    contributions: pd.DataFrame | None = None,
    filters: SummaryFilter = SummaryFilter(),
    generated_at: datetime | None = None,
    data_version: str | None = None,
) -> dict[str, Any]:
    """Return the whole outcomes summary.

    ``responses`` holds every response (drafts too, for participation: the status column tells);
    ``answers`` the long-form answers of (at least) the submitted ones; ``current`` the loaded
    definitions by key and ``definitions`` every stored version by version id.
    """
    region_labels = region_labels or {}
    statuses = responses.get("status", "submitted")
    submitted_all = responses[statuses == "submitted"]
    drafts_all = responses[statuses != "submitted"]
    submitted = submitted_all[filters.select(submitted_all)]
    drafts = drafts_all[filters.select(drafts_all, moment_column="started_at")]

    by_questionnaire = {k: f for k, f in submitted.groupby("questionnaire", sort=False)}
    drafts_by = {k: f for k, f in drafts.groupby("questionnaire", sort=False)}
    answers_by = split_answers(answers, submitted)

    keys = [k for k in current if not filters.questionnaire or k == filters.questionnaire]
    summaries = []
    for key in keys:
        summaries.append(
            summarise_questionnaire(
                key,
                current[key],
                definitions,
                by_questionnaire.get(key, submitted.iloc[0:0]),
                drafts_by.get(key, drafts.iloc[0:0]),
                answers_by.get(key, {}),
                themes,
                region_labels,
            )
        )
    contribution_summary = (
        summarise_contributions(contributions, themes, filters)
        if contributions is not None
        else None
    )
    return {
        "format": SUMMARY_FORMAT,
        "generated_at": (generated_at or datetime.now().astimezone()).isoformat(),
        "data_version": data_version,
        "filters": filters.as_dict(),
        "responses": int(len(submitted)),
        "drafts": int(len(drafts)),
        "response_ids_count": int(len(submitted)),
        "region_labels": {k: dict(v) for k, v in region_labels.items()},
        "article_titles": {k: dict(v) for k, v in (article_titles or {}).items()},
        "questionnaires": summaries,
        "contributions": contribution_summary,
        "articles": article_heat_map(summaries, contribution_summary),
    }


def find_question(summary: Mapping, questionnaire: str, question: str) -> Mapping | None:
    """Return one question's figures from a summary."""
    for entry in summary["questionnaires"]:
        if entry["key"] == questionnaire:
            for item in entry["questions"]:
                if item["key"] == question:
                    return item
    return None
