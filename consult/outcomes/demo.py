"""Realistic synthetic responses and contributions for showing the outcomes without real data.

Every demo row is marked `is_demo`, so that `consult demo --remove` deletes exactly them. Answers
follow the definitions: conditions are respected through definition.is_shown, required
questions are answered, limits (max choices, ranks, number ranges, text lengths) hold. Flask-free.
Demo contributions are made in consult.outcomes.demo_contributions.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from consult.contributions import operations as contribution_operations
from consult.contributions.models import Contribution
from consult.geography import REGION_KEYS
from consult.outcomes.models import OutcomeQuote
from consult.questionnaires import documents
from consult.questionnaires.answers import Answers, profile_values, rankable
from consult.questionnaires.definition import OTHER_PART, Question, Questionnaire, is_shown
from consult.questionnaires.models import Answer, ContactDetails, QuestionnaireVersion, Response
from consult.questionnaires.operations import hash_token, new_receipt_number, new_resume_token

TEXTS_FILE = Path(__file__).resolve().parent / "demo_texts.yaml"
#: Share of each UCLG region among demo respondents (every region is represented).
REGION_WEIGHTS = {
    "africa": 18,
    "asia_pacific": 14,
    "eurasia": 5,
    "europe": 26,
    "latin_america": 22,
    "mewa": 7,
    "north_america": 8,
}
#: Interface language by region: (en, fr, es) weights.
LANGUAGE_WEIGHTS = {
    "africa": (45, 50, 5),
    "asia_pacific": (95, 3, 2),
    "eurasia": (95, 3, 2),
    "europe": (50, 25, 25),
    "latin_america": (15, 5, 80),
    "mewa": (70, 28, 2),
    "north_america": (75, 20, 5),
}
#: Share of local-government responses; the rest answer the partners questionnaire.
LOCAL_GOVERNMENT_SHARE = 0.6
#: Drafts left unfinished, per submitted response.
DRAFT_RATIO = 0.12
#: How likely an optional question of each kind is answered.
ANSWER_RATE = {"text": 0.45, "other": 0.85}
#: Options that exclude every other choice.
EXCLUSIVE_OPTIONS = frozenset({"none", "none_yet"})
#: Articles demo respondents find more (or less) relevant; a lean, not a rule.
ARTICLE_LEAN = {
    "art01": 0.5,
    "art02": 0.6,
    "art04": 0.4,
    "art06": 0.3,
    "art07": -0.4,
    "art08": -0.5,
    "art10": 0.7,
    "art11": 0.2,
    "art12": 0.6,
}
#: Countries most demo respondents come from (any country of the region may still appear).
LIKELY_COUNTRIES = {
    "africa": ["SN", "CM", "CI", "MA", "TN", "ZA", "KE", "BF", "ML", "NG", "CD", "UG"],
    "asia_pacific": ["KR", "JP", "ID", "IN", "PH", "AU", "NP", "BD", "MY", "NZ"],
    "eurasia": ["RU", "KZ", "GE", "AM", "KG", "UZ"],
    "europe": ["ES", "FR", "IT", "DE", "SE", "NL", "AT", "BE", "PT", "GB", "GR", "PL"],
    "latin_america": ["MX", "BR", "AR", "CO", "CL", "EC", "UY", "PE", "BO", "CR", "GT"],
    "mewa": ["TR", "LB", "JO", "PS", "IQ", "IR"],
    "north_america": ["US", "CA"],
}
PERIOD_START = datetime(2021, 11, 15, 8, 0, tzinfo=UTC)
PERIOD_END = datetime(2022, 2, 22, 17, 0, tzinfo=UTC)
CHUNK = 2000


def demo_texts() -> dict[str, Any]:
    """Return the stock texts of demo answers and contributions (demo_texts.yaml)."""
    with open(TEXTS_FILE, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _stable_random(*parts: object) -> random.Random:
    """A generator seeded from the demo seed and a name, so one question's lean is stable."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


@dataclass
class DemoPlan:
    """What to generate."""

    responses: int
    seed: int = 2022
    contributions: int = 0
    period_start: datetime = PERIOD_START
    period_end: datetime = PERIOD_END


class AnswerMaker:
    """Makes one respondent's answers to a questionnaire, question by question, like a person."""

    def __init__(
        self,
        questionnaire: Questionnaire,
        countries_by_region: Mapping[str, Sequence[str]],
        seed: int,
    ) -> None:
        self.questionnaire = questionnaire
        self.countries_by_region = countries_by_region
        self.seed = seed
        self.texts = demo_texts()
        self._weights: dict[tuple[str, str], list[float]] = {}

    def country(self, rng: random.Random, region: str) -> str:
        """A country of the region: mostly one of the usual ones, sometimes any other."""
        likely = [
            c for c in LIKELY_COUNTRIES.get(region, []) if c in self.countries_by_region[region]
        ]
        if likely and rng.random() < 0.85:
            return rng.choice(likely)
        return rng.choice(self.countries_by_region.get(region) or ["FR"])

    def lean(self, question: Question, keys: Sequence[str], region: str) -> list[float]:
        """Option weights of a question: a global lean mixed with a regional one."""
        cache_key = (question.key, region)
        if cache_key not in self._weights:
            overall = _stable_random(self.seed, self.questionnaire.key, question.key)
            local = _stable_random(self.seed, self.questionnaire.key, question.key, region)
            self._weights[cache_key] = [
                0.7 * overall.expovariate(1) + 0.3 * local.expovariate(1) + 0.05 for _ in keys
            ]
        return self._weights[cache_key]

    def make(
        self, rng: random.Random, language: str, region: str, complete: bool = True
    ) -> Answers:
        """Return the answers of one respondent (only the first pages for a draft)."""
        answers: Answers = {}
        profile = self.questionnaire.profile_fields
        sections = self.questionnaire.sections
        if not complete:
            sections = sections[: rng.randint(1, max(1, len(sections) // 2))]
        country = self.country(rng, region)
        for section in sections:
            for question in section.questions:
                if not is_shown(question, answers, self.questionnaire):
                    continue
                if question.key == profile.get("country"):
                    answers[question.key] = {"": country}
                    continue
                if question.key == profile.get("region"):
                    answers[question.key] = {"": region}
                    continue
                value = self.answer(question, rng, language, region, answers)
                if value:
                    answers[question.key] = value
        return answers

    def answer(
        self,
        question: Question,
        rng: random.Random,
        language: str,
        region: str,
        answers: Answers,
    ) -> dict[str, str]:
        """Return the stored parts of one answer, or {} for a skipped optional question."""
        kind = "text" if question.type in ("short_text", "long_text") else "other"
        if not question.required and rng.random() > ANSWER_RATE[kind]:
            return {}
        qtype = question.type
        if qtype in ("single_choice", "yes_no"):
            keys = list(question.option_keys)
            return {"": rng.choices(keys, weights=self.lean(question, keys, region))[0]}
        if qtype == "region":
            return {"": region}
        if qtype == "country":
            return {"": self.country(rng, region)}
        if qtype == "multiple_choice":
            return self._multiple(question, rng, language, region)
        if qtype == "matrix":
            return self._matrix(question, rng)
        if qtype == "ranking":
            return self._ranking(question, rng, region, answers)
        if qtype == "number":
            return {"": self._number(question, rng)}
        return {"": self._text(question, rng, language)}

    def _multiple(
        self, question: Question, rng: random.Random, language: str, region: str
    ) -> dict[str, str]:
        # "None of these" is alone or absent, as the answer validator requires.
        alone = question.exclusive_keys or EXCLUSIVE_OPTIONS
        keys = [k for k in question.option_keys if k not in alone]
        exclusive = [k for k in question.option_keys if k in alone]
        if exclusive and rng.random() < 0.06:
            return {exclusive[0]: "1"}
        weights = self.lean(question, keys, region)
        top = max(weights)
        chosen = [
            k for k, w in zip(keys, weights, strict=True) if rng.random() < 0.15 + 0.6 * w / top
        ]
        if not chosen:
            chosen = [rng.choices(keys, weights=weights)[0]]
        parts = {k: "1" for k in chosen}
        if question.other and rng.random() < 0.08:
            parts[OTHER_PART] = rng.choice(self.texts["other_texts"][language])
        if question.max_choices is not None and len(parts) > question.max_choices:
            kept = rng.sample(sorted(parts), question.max_choices)
            parts = {k: parts[k] for k in kept}
        return parts

    def _matrix(self, question: Question, rng: random.Random) -> dict[str, str]:
        scored = sorted(
            (p for p in question.scale if p.score is not None), key=lambda p: p.score or 0
        )
        unscored = [p for p in question.scale if p.score is None]
        parts = {}
        for row in question.rows:
            if unscored and rng.random() < 0.05:
                parts[row.key] = unscored[0].key
                continue
            lean = ARTICLE_LEAN.get(row.key, 0.0)
            # A position on the scale: centred high (relevance is generally high), row lean added.
            position = rng.gauss(0.62 + 0.25 * lean, 0.22)
            index = min(len(scored) - 1, max(0, int(position * len(scored))))
            parts[row.key] = scored[index].key
        return parts

    def _ranking(
        self, question: Question, rng: random.Random, region: str, answers: Answers
    ) -> dict[str, str]:
        keys = list(question.option_keys)
        places = min(question.rank or 1, len(keys))
        if question.options_from:
            # Only what was ticked in the question the ranking follows can be ranked.
            keys = list(rankable(question, answers))
            places = min(places, len(keys))
        # Rank among what the respondent ticked in a multiple choice over the same options.
        for earlier, parts in answers.items():
            if question.options_from:
                break
            earlier_question = self.questionnaire.question(earlier)
            same = earlier_question.type == "multiple_choice" and set(
                earlier_question.option_keys
            ) == set(keys)
            ticked = [k for k in keys if parts.get(k) == "1"]
            if same and len(ticked) >= places:
                keys = ticked
                break
        weights = self.lean(question, list(question.option_keys), region)
        index = {k: i for i, k in enumerate(question.option_keys)}
        pool = list(keys)
        ranked = []
        for _ in range(places):
            pick = rng.choices(pool, weights=[weights[index[k]] for k in pool])[0]
            ranked.append(pick)
            pool.remove(pick)
        return {key: str(rank) for rank, key in enumerate(ranked, start=1)}

    def _number(self, question: Question, rng: random.Random) -> str:
        low = question.min if question.min is not None else 0
        high = question.max if question.max is not None else 1000
        if high - low > 500:
            value = min(high, low + rng.lognormvariate(1.6, 1.1))
        else:
            value = rng.triangular(low, high, high - (high - low) / 4)
        return str(int(round(value))) if question.integer else f"{value:.1f}"

    def _text(self, question: Question, rng: random.Random, language: str) -> str:
        texts = self.texts
        if rng.random() < 0.1:
            language = rng.choice(["en", "fr", "es"])  # people write in another language too
        if question.key in ("institution_name", "organisation_name"):
            syllables = texts["place_syllables"]
            name = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 3))).capitalize()
            return f"{rng.choice(texts['place_prefixes'][language])} {name}"
        if question.key == "respondent_department":
            return rng.choice(texts["departments"][language])
        sentences = texts["sentences"][language]
        count = 1 if question.type == "short_text" else rng.choice([1, 1, 2, 2, 3])
        text = " ".join(rng.sample(sentences, count))
        return text[: question.max_length or 300]


def countries_by_region(region_map: Mapping[str, str]) -> dict[str, list[str]]:
    """Return region -> its countries' codes, sorted, from the country -> region mapping."""
    grouped: dict[str, list[str]] = {key: [] for key in REGION_KEYS}
    for code, region in sorted(region_map.items()):
        if region in grouped:
            grouped[region].append(code)
    return grouped


def moment_between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A moment in the period, more of them towards its end (answers come in before a deadline)."""
    share = rng.betavariate(2.2, 1.4)
    return start + (end - start) * share


def generate_responses(
    session: Session,
    questionnaires: Mapping[str, Questionnaire],
    region_map: Mapping[str, str],
    plan: DemoPlan,
) -> Iterator[int]:
    """Insert the demo responses in bulk; yield how many were written after each chunk."""
    rng = random.Random(plan.seed)
    countries = countries_by_region(region_map)
    keys = sorted(questionnaires, key=lambda k: questionnaires[k].audience != "local-governments")
    makers = {k: AnswerMaker(questionnaires[k], countries, plan.seed) for k in keys}
    version_ids = {
        k: session.scalar(
            select(QuestionnaireVersion.id).where(
                QuestionnaireVersion.key == k,
                QuestionnaireVersion.version == questionnaires[k].version,
            )
        )
        for k in keys
    }
    missing = [k for k, v in version_ids.items() if v is None]
    if missing:
        raise LookupError(f"questionnaire versions not stored ({', '.join(missing)}): run init")
    drafts = int(round(plan.responses * DRAFT_RATIO))
    total = plan.responses + drafts
    regions = list(REGION_WEIGHTS)
    region_weights = list(REGION_WEIGHTS.values())
    done = 0
    while done < total:
        batch = min(CHUNK, total - done)
        response_rows = []
        answer_sets = []
        for number in range(done, done + batch):
            complete = number < plan.responses
            key = keys[0] if rng.random() < LOCAL_GOVERNMENT_SHARE or len(keys) == 1 else keys[1]
            questionnaire = questionnaires[key]
            region = rng.choices(regions, weights=region_weights)[0]
            language = rng.choices(("en", "fr", "es"), weights=LANGUAGE_WEIGHTS[region])[0]
            answers = makers[key].make(rng, language, region, complete=complete)
            profile = profile_values(questionnaire, answers)
            started = moment_between(rng, plan.period_start, plan.period_end)
            submitted = started + timedelta(minutes=rng.randint(8, 90)) if complete else None
            if submitted is not None and submitted > plan.period_end:
                submitted = plan.period_end
            response_rows.append(
                {
                    "questionnaire_key": key,
                    "questionnaire_version": questionnaire.version,
                    "version_id": version_ids[key],
                    "resume_token_hash": hash_token(new_resume_token()),
                    "status": "submitted" if complete else "draft",
                    "language": language,
                    "started_at": started,
                    "updated_at": submitted or started,
                    "submitted_at": submitted,
                    "receipt_number": new_receipt_number(key) if complete else None,
                    "last_section_key": questionnaire.sections[-1].key,
                    "country": profile.get("country"),
                    "region": profile.get("region"),
                    "respondent_type": profile.get("respondent_type"),
                    "is_demo": True,
                    "answers_document": documents.encode(questionnaire, answers),
                }
            )
            # As the app keeps them: a draft's answers in its document only.
            answer_sets.append(answers if complete else {})
        ids = session.scalars(
            insert(Response).returning(Response.id, sort_by_parameter_order=True),
            response_rows,
        ).all()
        answer_rows = [
            {"response_id": response_id, "question_key": q, "part_key": p, "value": v}
            for response_id, answers in zip(ids, answer_sets, strict=True)
            for q, parts in answers.items()
            for p, v in parts.items()
        ]
        if answer_rows:
            session.execute(insert(Answer), answer_rows)
        session.flush()
        done += batch
        yield done


def demo_totals(session: Session) -> dict[str, int]:
    """What demo data the database holds now, from every run: responses by status, and
    contributions."""
    totals = {"submitted": 0, "draft": 0}
    for status, n in session.execute(
        select(Response.status, func.count(Response.id))
        .where(Response.is_demo.is_(True))
        .group_by(Response.status)
    ):
        totals[status] = int(n)
    totals["contributions"] = (
        session.scalar(select(func.count(Contribution.id)).where(Contribution.is_demo.is_(True)))
        or 0
    )
    return totals


def remove_demo(session: Session) -> dict[str, int]:
    """Delete every demo row: responses, answers, contact details, quotes, contributions."""
    demo_ids = select(Response.id).where(Response.is_demo.is_(True))
    demo_contributions = select(Contribution.id).where(Contribution.is_demo.is_(True))
    counts = {
        "responses": session.scalar(
            select(func.count(Response.id)).where(Response.is_demo.is_(True))
        )
        or 0
    }
    session.execute(delete(OutcomeQuote).where(OutcomeQuote.response_id.in_(demo_ids)))
    session.execute(
        delete(OutcomeQuote).where(OutcomeQuote.contribution_id.in_(demo_contributions))
    )
    session.execute(delete(ContactDetails).where(ContactDetails.response_id.in_(demo_ids)))
    session.execute(delete(Answer).where(Answer.response_id.in_(demo_ids)))
    session.execute(delete(Response).where(Response.is_demo.is_(True)))
    counts["contributions"] = contribution_operations.delete_demo_contributions(session)
    session.flush()
    return counts
