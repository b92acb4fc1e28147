"""An independent recomputation of the outcomes, for the tests: plain Python over an export-like
wide table read from the database with plain SQL. It shares no code with consult.outcomes
(conditions use definition.is_shown, the rule the respondent pages apply)."""

from __future__ import annotations

import functools
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date
from pathlib import Path

import yaml
from sqlalchemy import text

from consult.questionnaires.definition import Questionnaire, is_shown

STOPWORD_FOLDER = Path(__file__).resolve().parents[2] / "consult" / "outcomes" / "stopwords"


@dataclass
class WideRow:
    """One response as an export row: its columns, and answers as question -> part -> value."""

    response_id: int
    questionnaire: str
    status: str
    language: str
    region: str | None
    country: str | None
    respondent_type: str | None
    submitted: date | None
    answers: dict[str, dict[str, str]] = field(default_factory=dict)


def wide_table(connection) -> list[WideRow]:
    """Read every response and its answers with plain SQL."""
    rows = {}
    for record in connection.execute(
        text(
            "SELECT id, questionnaire_key, status, language, region, country, respondent_type, "
            "submitted_at FROM responses ORDER BY id"
        )
    ):
        submitted = record[7]
        if isinstance(submitted, str):
            submitted = date.fromisoformat(submitted[:10])
        elif submitted is not None:
            submitted = submitted.astimezone(UTC).date()
        rows[record[0]] = WideRow(
            record[0], record[1], record[2], record[3], record[4], record[5], record[6], submitted
        )
    for response_id, question, part, value in connection.execute(
        text("SELECT response_id, question_key, part_key, value FROM answers")
    ):
        rows[response_id].answers.setdefault(question, {})[part] = value
    return list(rows.values())


def keep(row: WideRow, region=None, respondent_type=None, start=None, end=None) -> bool:
    """Apply the summary filters to one submitted row."""
    if row.status != "submitted":
        return False
    if region and row.region != region:
        return False
    if respondent_type and row.respondent_type != respondent_type:
        return False
    if start and row.submitted < start:
        return False
    return not (end and row.submitted > end)


@functools.cache
def stop_words() -> dict[str, set[str]]:
    """The stop word files, read again here (once per test session)."""
    result = {}
    for lang in ("en", "fr", "es"):
        words = set()
        for line in (STOPWORD_FOLDER / f"{lang}.txt").read_text("utf-8").splitlines():
            if not line.startswith("#"):
                words.update(line.lower().split())
        result[lang] = words
    return result


def plain(value: str) -> str:
    """Lower-case, one apostrophe, and French elisions split off ("l'eau" reads "eau")."""
    value = value.lower().replace("’", "'")
    return re.sub(r"(?<!\w)(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu)'(?=\w)", "", value)


def keyword_regex(keyword: str) -> re.Pattern[str]:
    """A codebook keyword as a regular expression over whole words (trailing * = prefix)."""
    pieces = []
    for word in keyword.lower().split():
        stem = word.endswith("*")
        body = re.escape(word.rstrip("*").strip(",.;:"))
        pieces.append(body + (r"[\w'’-]*" if stem else ""))
    return re.compile(r"(?<![\w'’-])" + r"\W+".join(pieces) + r"(?![\w]|['’-]\w)")


def sentences(value: str) -> list[str]:
    """Cut a text where a sentence ends (., !, ?, …, CJK and Arabic marks before a space, or a
    line break): a theme's keyword never spans two."""
    return re.split(r"(?<=[.!?…。！？؟])\s|\n", value)


@functools.lru_cache(maxsize=4096)
def plain_sentences(value: str) -> tuple[str, ...]:
    """The sentences of ``value``, each made plain (cached: each text is read once per theme)."""
    return tuple(plain(sentence) for sentence in sentences(value))


def mentions(value: str, patterns: list[re.Pattern[str]]) -> bool:
    """Whether one of ``patterns`` occurs within a sentence of ``value``."""
    return any(p.search(sentence) for sentence in plain_sentences(value) for p in patterns)


@functools.cache
def codebook(path: Path) -> dict[str, list[re.Pattern[str]]]:
    """The codebook's themes as lists of regular expressions."""
    raw = yaml.safe_load(path.read_text("utf-8"))
    return {
        theme["key"]: [keyword_regex(k) for words in theme["keywords"].values() for k in words]
        for theme in raw["themes"]
    }


def text_language(value: str, fallback: str, stops: dict[str, set[str]]) -> str:
    """The language whose stop words a text uses most (unique winner), else the fallback."""
    words = re.findall(r"\w+(?:['’-]\w+)*", plain(value))
    counts = {lang: sum(1 for w in words if w in stops[lang]) for lang in stops}
    best = max(counts.values())
    winners = [lang for lang, n in counts.items() if n == best]
    return winners[0] if best > 0 and len(winners) == 1 else fallback


def expected_question(
    questionnaire: Questionnaire, question_key: str, rows: list[WideRow], themes=None
) -> dict:
    """Every figure of one question, recomputed."""
    question = questionnaire.question(question_key)
    mine = [r for r in rows if r.questionnaire == questionnaire.key]
    asked = sum(1 for r in mine if is_shown(question, r.answers, questionnaire))
    given = [r for r in mine if question.key in r.answers]
    result = {"asked": asked}
    kind = question.type
    if kind in ("single_choice", "yes_no", "region", "country"):
        values = Counter(r.answers[question.key][""] for r in given)
        result["answered"] = len(given)
        result["counts"] = dict(values)
    elif kind == "multiple_choice":
        result["answered"] = len(given)
        counts = Counter()
        for r in given:
            for part, value in r.answers[question.key].items():
                if part == "other":
                    counts["other"] += 1
                elif value == "1":
                    counts[part] += 1
        result["counts"] = dict(counts)
        # Per respondent, the listed options chosen that are neither "other" nor exclusive
        # ("None of these"): the average is over those who chose at least one.
        exclusive = {o.key for o in question.options if o.exclusive}
        chosen = [
            sum(1 for p, v in r.answers[question.key].items() if v == "1" and p not in exclusive)
            for r in given
        ]
        chosen = [n for n in chosen if n]
        result["mean_choices_base"] = len(chosen)
        result["mean_choices"] = statistics.fmean(chosen) if chosen else None
    elif kind == "matrix":
        result["answered"] = len(given)
        scores = {p.key: p.score for p in question.scale if p.score is not None}
        rows_out = {}
        for row in question.rows:
            values = [
                r.answers[question.key][row.key]
                for r in given
                if row.key in r.answers[question.key]
            ]
            scored = [scores[v] for v in values if v in scores]
            rows_out[row.key] = {
                "answered": len(values),
                "counts": dict(Counter(values)),
                "mean": statistics.fmean(scored) if scored else None,
            }
        result["rows"] = rows_out
    elif kind == "ranking":
        result["answered"] = len(given)
        places = question.rank
        per_option = defaultdict(list)
        for r in given:
            for option, rank in r.answers[question.key].items():
                per_option[option].append(int(rank))
        result["options"] = {
            o.key: {
                "ranked": len(per_option[o.key]),
                "first": per_option[o.key].count(1),
                "mean_rank": statistics.fmean(per_option[o.key]) if per_option[o.key] else None,
                "borda": float(sum(places + 1 - k for k in per_option[o.key])),
            }
            for o in question.options
        }
    elif kind == "number":
        numbers = sorted(float(r.answers[question.key][""]) for r in given)
        result["answered"] = len(numbers)
        if len(numbers) >= 2:
            q1, median, q3 = statistics.quantiles(numbers, n=4, method="inclusive")
            result.update(
                median=median,
                q1=q1,
                q3=q3,
                min=numbers[0],
                max=numbers[-1],
                mean=statistics.fmean(numbers),
                # Answers at or below, and at or above, the median: a median with fewer than
                # the threshold on a side is one respondent's value (not public).
                median_sides=min(
                    sum(1 for n in numbers if n <= median), sum(1 for n in numbers if n >= median)
                ),
            )
    else:
        texts = [
            (r, r.answers[question.key][""]) for r in given if r.answers[question.key][""].strip()
        ]
        result["answered"] = len(texts)
        if themes is not None:
            found = [
                {key for key, patterns in themes.items() if mentions(value, patterns)}
                for _r, value in texts
            ]
            per_theme = Counter(key for keys in found for key in keys)
            result["themes"] = {k: n for k, n in per_theme.items() if n}
            result["uncoded"] = sum(1 for keys in found if not keys)
    return result


def expected_terms(questionnaire: Questionnaire, question_key: str, rows: list[WideRow]) -> dict:
    """Per detected language, how many texts use each term (stop words, digits, short dropped)."""
    stops = stop_words()
    every = set().union(*stops.values())
    per_language: dict[str, Counter] = defaultdict(Counter)
    for r in rows:
        if r.status != "submitted" or r.questionnaire != questionnaire.key:
            continue
        if question_key not in r.answers:
            continue
        value = r.answers[question_key][""]
        if not value.strip():
            continue
        lang = text_language(value, r.language, stops)
        words = set(re.findall(r"\w+(?:['’-]\w+)*", plain(value)))
        per_language[lang].update(
            w for w in words if len(w) >= 3 and w not in every and not re.search(r"\d", w)
        )
    return per_language


def participation(questionnaire_key: str, rows: list[WideRow], **filters) -> dict:
    """Responses by region, type, language and day; drafts."""
    submitted = [r for r in rows if r.questionnaire == questionnaire_key and keep(r, **filters)]
    drafts = [
        r
        for r in rows
        if r.questionnaire == questionnaire_key
        and r.status != "submitted"
        and (not filters.get("region") or r.region == filters["region"])
        and (not filters.get("respondent_type") or r.respondent_type == filters["respondent_type"])
    ]
    return {
        "submitted": len(submitted),
        "drafts": len(drafts),
        "by_region": dict(Counter(r.region for r in submitted)),
        "by_respondent_type": dict(Counter(r.respondent_type for r in submitted)),
        "by_language": dict(Counter(r.language for r in submitted)),
        "by_country": dict(Counter(r.country for r in submitted)),
        "per_day": dict(Counter(r.submitted.isoformat() for r in submitted)),
        "population_band": dict(
            Counter(r.answers.get("population_band", {}).get("") for r in submitted)
        ),
    }
