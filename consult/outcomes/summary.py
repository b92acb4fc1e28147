"""The outcomes summary: pure functions from data frames and definitions to plain data.

Input: the responses frame and the long-form answers frame of consult.analysis.data, the
definitions of every stored version, the codebook, and optionally the published contributions.
Output: a JSON-ready dict (numbers, keys and the definition labels, so that a frozen snapshot
renders the same forever). Every figure carries the number of respondents behind it.

Everything is vectorised: group-bys on the long answers frame, never a loop over responses,
because the summary must keep up with 100,000 responses. No Flask here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import pandas as pd

from consult.outcomes import text as text_tools
from consult.outcomes.articles import article_heat_map
from consult.outcomes.asked import asked_conditions, asked_masks, split_answers
from consult.outcomes.closed import (
    summarise_choice,
    summarise_matrix,
    summarise_multiple_choice,
    summarise_number,
    summarise_ranking,
)
from consult.outcomes.contributions import summarise_contributions
from consult.outcomes.coverage import contribution_filter, covers_contributions
from consult.outcomes.distribution import (
    CHOICE_TYPES,
    POPULATION_BAND_QUESTION,
    TEXT_TYPES,
    options_of,
    rebase_options,
)
from consult.outcomes.filters import SummaryFilter
from consult.outcomes.free_text import summarise_texts
from consult.outcomes.participation import ParticipationCounts, participation
from consult.outcomes.tallies import Plan, QuestionnaireAnswers, from_frames, plan_for
from consult.questionnaires.definition import Question, Questionnaire

__all__ = [
    "SUMMARY_FORMAT",
    "SummaryFilter",
    "article_heat_map",
    "find_question",
    "summarise",
    "summarise_questionnaire",
]

#: Raised whenever the shape of the summary changes, so that cached summaries are recomputed.
SUMMARY_FORMAT = 4


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


#: Question types whose options can differ from one version to the next.
OPTION_TYPES = ("single_choice", "multiple_choice", "ranking")


def option_bases(
    question_key: str,
    answered_by_version: Mapping[int, int],
    responses: pd.DataFrame,
    definitions: Mapping[int, Questionnaire],
    current: Questionnaire,
) -> dict[str, tuple[int, list[int]]] | None:
    """Per option offered by only some versions: respondents who answered the question in a
    version that offered it, and those version numbers. None when every version agrees."""
    offered: dict[int, set[str]] = {}
    for version_id in sorted({int(v) for v in responses["version_id"].unique()}):
        definition = definitions.get(version_id, current)
        try:
            question = definition.question(question_key)
        except KeyError:
            continue
        offered[version_id] = {o.key for o in question.options}
    if len({frozenset(keys) for keys in offered.values()}) <= 1:
        return None
    every_option = set().union(*offered.values())
    bases = {}
    for option in every_option:
        versions = [v for v, keys in offered.items() if option in keys]
        if len(versions) == len(offered):
            continue
        bases[option] = (
            int(sum(answered_by_version.get(v, 0) for v in versions)),
            sorted(definitions.get(v, current).version for v in versions),
        )
    return bases


#: Where a questionnaire's answers come from: (key, plan, its covered responses) -> answers.
AnswerSource = Callable[[str, Plan, pd.DataFrame], QuestionnaireAnswers]
#: The figures of a questionnaire's text questions: (key, text questions, asked) -> by question.
#: By default free_text.summarise_texts over the rows the source read; the live summary
#: (consult.outcomes.live_texts) gives the same figures from texts it analysed once each.
TextSource = Callable[[str, Sequence[Question], Mapping[str, int]], dict[str, dict]]
#: A questionnaire's participation counts (key -> counts). By default counted over the frames;
#: the live summary keeps them up to date one changed response at a time.
ParticipationSource = Callable[[str], ParticipationCounts]


def summarise_questionnaire(
    key: str,
    current: Questionnaire,
    definitions: Mapping[int, Questionnaire],
    responses: pd.DataFrame,
    drafts: pd.DataFrame,
    source: AnswerSource,
    themes: Sequence[text_tools.Theme],
    region_labels: Mapping[str, Mapping[str, str]],
    texts_source: TextSource | None = None,
    participation_source: ParticipationSource | None = None,
) -> dict[str, Any]:
    """Summarise one questionnaire's (already filtered) submitted responses.

    ``source`` gives the answers of those responses as the statistics need them (counts for
    closed questions, rows for the rest: consult.outcomes.tallies); ``texts_source``, when
    given, the figures of the text questions (see TextSource); ``participation_source``, the
    participation counts of these responses and drafts (see ParticipationSource).
    """
    used_versions = {int(v) for v in responses["version_id"].unique()}
    versions = [definitions[v] for v in sorted(used_versions) if v in definitions]
    if not any(v.version == current.version for v in versions):
        versions.append(current)  # questions not answered yet are listed too
    questions = _questions_of(versions)
    plan = plan_for(questions, [definitions.get(v, current) for v in sorted(used_versions)])
    answers = source(key, plan, responses)
    frames = answers.rows

    asked: dict[str, int] = {}
    for version_id in sorted(used_versions):
        definition = definitions.get(version_id, current)
        ids = responses.loc[responses["version_id"] == version_id, "response_id"].to_numpy()
        for question_key, mask in asked_masks(definition, ids, answers.conditions).items():
            asked[question_key] = asked.get(question_key, 0) + int(mask.sum())

    text_questions = [q for q in questions if q.type in TEXT_TYPES]
    if texts_source is not None:
        texts = texts_source(key, text_questions, asked)
    else:
        languages = responses.set_index("response_id")["language"]
        texts = summarise_texts(text_questions, frames, asked, languages, themes)

    results = []
    for question in questions:
        of_question = answers.of(question.key)
        n_asked = asked.get(question.key, 0)
        if question.type in CHOICE_TYPES:
            results.append(summarise_choice(question, of_question, n_asked, region_labels))
        elif question.type == "multiple_choice":
            results.append(summarise_multiple_choice(question, of_question, n_asked))
        elif question.type == "matrix":
            results.append(summarise_matrix(question, of_question, n_asked))
        elif question.type == "ranking":
            results.append(summarise_ranking(question, of_question, n_asked))
        elif question.type == "number":
            results.append(summarise_number(question, of_question, n_asked))
        else:
            results.append(texts[question.key])
        if question.type in OPTION_TYPES and len(used_versions) > 1:
            bases = option_bases(
                question.key, of_question.answered_by_version, responses, definitions, current
            )
            if bases:
                rebase_options(results[-1], bases)

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
        # When the questionnaire opened (its first version) and closes: the consultation
        # period (consult.outcomes.period), never a respondent's submission day.
        "opens_at": min(d.opens_at for d in [current, *definitions.values()]).isoformat(),
        "closes_at": current.closes_at.isoformat(),
        "sections": [{"key": k, "title": t} for k, t in sections.items()],
        "respondent_types": type_labels,
        # The question a type-of-respondent filter selects on (headlines.filtered_on).
        "respondent_type_question": respondent_type_question,
        "participation": participation(
            responses,
            drafts,
            answers.of(band.key).counts if band is not None else None,
            options_of(band, region_labels) if band is not None else None,
            participation_source(key) if participation_source is not None else None,
        ),
        "questions": results,
        # Which earlier answers each follow-up is asked after (for the public page's rules).
        "asked_if": asked_conditions(versions),
    }


def summarise(
    responses: pd.DataFrame,
    answers: pd.DataFrame,
    *,
    current: Mapping[str, Questionnaire],
    definitions: Mapping[int, Questionnaire],
    themes: Sequence[text_tools.Theme] = (),
    region_labels: Mapping[str, Mapping[str, str]] | None = None,
    article_titles: Mapping[str, Mapping[str, str]] | None = None,
    article_short_titles: Mapping[str, Mapping[str, str]] | None = None,
    contributions: pd.DataFrame | None = None,
    filters: SummaryFilter = SummaryFilter(),
    generated_at: datetime | None = None,
    data_version: str | None = None,
    source: AnswerSource | None = None,
    texts_source: TextSource | None = None,
    known: Mapping[str, dict[str, Any]] | None = None,
    participation_source: ParticipationSource | None = None,
) -> dict[str, Any]:
    """Return the whole outcomes summary.

    ``responses`` holds every response (drafts too, for participation: the status column tells);
    ``answers`` the long-form answers of (at least) the submitted ones; ``current`` the loaded
    definitions by key and ``definitions`` every stored version by version id. With ``source``
    (the database counting closed answers, see consult.outcomes.data), ``answers`` need only
    hold the answers the filter's conditions look at. ``known``: questionnaire summaries
    that are known not to have changed, reused as they are (the live summary's);
    ``participation_source``: see ParticipationSource (unfiltered summaries only).
    """
    region_labels = region_labels or {}
    statuses = responses.get("status", "submitted")
    submitted_all = responses[statuses == "submitted"]
    drafts_all = responses[statuses != "submitted"]
    submitted = submitted_all[filters.select(submitted_all, answers=answers)]
    drafts = drafts_all[filters.select(drafts_all, moment_column="started_at", answers=answers)]

    by_questionnaire = {k: f for k, f in submitted.groupby("questionnaire", sort=False)}
    drafts_by = {k: f for k, f in drafts.groupby("questionnaire", sort=False)}
    if source is None:
        answers_by = split_answers(answers, submitted)

        def source(key: str, plan: Plan, covered: pd.DataFrame) -> QuestionnaireAnswers:
            return from_frames(answers_by.get(key, {}), covered, plan)

    keys = [k for k in current if not filters.questionnaire or k == filters.questionnaire]
    summaries = []
    for key in keys:
        if known and key in known:
            summaries.append(known[key])
            continue
        summaries.append(
            summarise_questionnaire(
                key,
                current[key],
                definitions,
                by_questionnaire.get(key, submitted.iloc[0:0]),
                drafts_by.get(key, drafts.iloc[0:0]),
                source,
                themes,
                region_labels,
                texts_source,
                participation_source,
            )
        )
    # Which filters reach the contributions is consult.outcomes.coverage's rule: an answer
    # condition (or a type contributions do not know) leaves them out of the view.
    contribution_summary = (
        summarise_contributions(contributions, themes, contribution_filter(filters))
        if contributions is not None and covers_contributions(filters)
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
        "countries": int(submitted["country"].dropna().nunique()),
        "regions": int(submitted["region"].dropna().nunique()),
        "region_labels": {k: dict(v) for k, v in region_labels.items()},
        "article_titles": {k: dict(v) for k, v in (article_titles or {}).items()},
        "article_short_titles": {k: dict(v) for k, v in (article_short_titles or {}).items()},
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
