"""The two blueprints of the outcome pages (staff under /staff/outcomes, public at /outcomes)
and what every outcome view shares: sources, threshold, filters from the request, snapshot
look-up and the template context. The view modules import this one; never the reverse."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    make_response,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from consult.core.errors import render_error
from consult.core.inputs import URL_FOR_KEYWORDS, parse_date
from consult.db import db
from consult.exports import naming
from consult.geography import REGION_KEYS, region_labels, region_map
from consult.i18n import current_language
from consult.outcomes import coverage, data, operations, presenting
from consult.outcomes.distribution import YES_NO_LABELS
from consult.outcomes.filters import MAX_ANSWER_CONDITIONS, AnswerCondition, SummaryFilter
from consult.outcomes.formatting import long_date
from consult.outcomes.models import OutcomeSnapshot
from consult.outcomes.suppression import (
    quoted_contribution_ids,
    withhold_contributions,
)
from consult.questionnaires.definition import YES_NO_KEYS
from consult.questionnaires.registry import current_questionnaires
from consult.staff.access import has_role
from consult.staff.views import WORKSPACE_LINKS

bp = Blueprint("outcomes", __name__, url_prefix="/staff/outcomes")
public = Blueprint("outcomes_public", __name__)

STAFF_ROLES = ("analyst",)
ROWS_PER_PAGE = 100
QUOTES_PER_PAGE = 50
#: Time zones offered when freezing (any IANA name is accepted from the form).
TIMEZONES = (
    "Europe/Paris",
    "UTC",
    "Europe/London",
    "Europe/Istanbul",
    "Europe/Moscow",
    "Africa/Dakar",
    "Africa/Abidjan",
    "Africa/Johannesburg",
    "Africa/Nairobi",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Jakarta",
    "Asia/Seoul",
    "Asia/Tokyo",
    "Australia/Sydney",
    "America/Mexico_City",
    "America/Bogota",
    "America/Sao_Paulo",
    "America/Buenos_Aires",
    "America/New_York",
    "America/Montreal",
    "America/Los_Angeles",
)

if ("outcomes.summary", _l("First outcomes"), STAFF_ROLES) not in WORKSPACE_LINKS:
    WORKSPACE_LINKS.append(("outcomes.summary", _l("First outcomes"), STAFF_ROLES))


# -- helpers --------------------------------------------------------------------------------------


def sources() -> data.SummarySources:
    """The definitions and data files the summary depends on."""
    return data.SummarySources(
        current_questionnaires(), Path(current_app.config["QUESTIONNAIRES_PATH"])
    )


def threshold() -> int:
    """The small-cell threshold in force."""
    return int(current_app.config.get("SMALL_CELL_THRESHOLD", 5))


def country_regions() -> dict[str, str]:
    """The country -> region map in force, for a public summary of a snapshot frozen before
    each country's region was recorded with it (suppression.public_summary)."""
    return region_map(current_app.config["QUESTIONNAIRES_PATH"])


#: Closed questions whose answers can filter a summary or be cross-tabulated.
FILTER_TYPES = ("single_choice", "yes_no", "multiple_choice")


def closed_questions() -> dict[str, dict[str, Any]]:
    """Every closed question of the current questionnaires, by "questionnaire:question": its
    label, its questionnaire's short name and that questionnaire's option labels.

    A question key asked by both questionnaires gives two entries: their wording and options
    can differ, and a figure never puts two different questions together.
    """
    result: dict[str, dict[str, Any]] = {}
    for questionnaire in current_questionnaires().values():
        for question in questionnaire.questions:
            if question.type not in FILTER_TYPES:
                continue
            if question.type == "yes_no":
                options = [(k, presenting.t(YES_NO_LABELS[k])) for k in YES_NO_KEYS]
            else:
                options = [(o.key, presenting.t(o.label)) for o in question.options]
            key = f"{questionnaire.key}:{question.key}"
            result[key] = {
                "key": key,
                "question": question.key,
                "questionnaire": questionnaire.key,
                "short": presenting.short_questionnaire(questionnaire.key),
                "label": presenting.t(question.label),
                "type": question.type,
                "options": dict(options),
            }
    return result


def resolve_closed(value: str, closed: dict[str, dict[str, Any]] | None = None) -> ResolvedQuestion:
    """Read a closed question as a link names it: "questionnaire:question", or a bare question
    key (older links), which stands for its one questionnaire's question; a bare key asked by
    several questionnaires is ambiguous (``choices`` lists them), an unknown one is None."""
    closed = closed_questions() if closed is None else closed
    if value in closed:
        return ResolvedQuestion(value, ())
    choices = tuple(k for k, entry in closed.items() if entry["question"] == value)
    if len(choices) == 1:
        return ResolvedQuestion(choices[0], ())
    return ResolvedQuestion(None, choices)


@dataclass(frozen=True)
class ResolvedQuestion:
    """What resolve_closed found: the question's key, or the keys it could stand for."""

    key: str | None
    choices: tuple[str, ...]


@dataclass(frozen=True)
class QuestionChoice:
    """One questionnaire an ambiguous link can be read for, in words, and the link doing so."""

    #: The questionnaire's title, in the page's language.
    title: str
    #: The question's wording in that questionnaire.
    label: str
    #: The answer the link names, in that questionnaire's words ("" for a question alone).
    answer: str
    #: The same page with the link's bare key replaced by that questionnaire's question.
    url: str


@dataclass(frozen=True)
class Ambiguity:
    """A link naming a question several questionnaires ask: the page asks to choose, with one
    link per questionnaire (no JavaScript needed). Never quotes the link's raw key."""

    choices: tuple[QuestionChoice, ...]

    @property
    def message(self) -> str:
        """The sentence above the choices."""
        return _(
            "This link names a question that several questionnaires ask, each with its own "
            "wording and answers. Choose the questionnaire:"
        )

    def __str__(self) -> str:
        lines = [
            f"{c.title}: “{c.label}”" + (f" ({c.answer})" if c.answer else "") for c in self.choices
        ]
        return " ".join([self.message, "; ".join(lines)])


def ambiguity(
    param: str,
    value: str,
    choices: Sequence[str],
    closed: dict[str, dict[str, Any]],
    option: str | None = None,
) -> Ambiguity | None:
    """Ask to choose among the questionnaires asking the bare question key that the request's
    ``param`` names (as ``value``): each choice is the same page with that value naming one
    questionnaire's question, in its title and wording. ``option``: an answer condition's
    answer; only the questionnaires offering it are choices (None when none does)."""
    questionnaires = current_questionnaires()
    found = []
    for key in choices:
        question = closed[key]
        if option is not None and option not in question["options"]:
            continue
        chosen = key if option is None else f"{key}:{option}"
        args = request.args.to_dict(flat=False)
        args[param] = [chosen if v == value else v for v in args.get(param, [])]
        args = {
            k: v
            for k, v in args.items()
            if k not in ("format", "page") and k not in URL_FOR_KEYWORDS and not k.startswith("_")
        }
        owner = questionnaires.get(question["questionnaire"])
        found.append(
            QuestionChoice(
                title=presenting.t(owner.title) if owner else question["short"],
                label=question["label"],
                answer="" if option is None else question["options"][option],
                url=url_for(request.endpoint, **(request.view_args or {}), **args),
            )
        )
    return Ambiguity(tuple(found)) if found else None


@dataclass(frozen=True)
class FilterReading:
    """The filter a request asks for, and each part of it that could not be applied, in
    words (what was ignored and why): shown on the page, never dropped silently."""

    filters: SummaryFilter
    #: Sentences, and Ambiguity for an older link's bare key (shown with its choices).
    ignored: tuple[str | Ambiguity, ...]


def read_filters(args: Any = None) -> FilterReading:
    """Read the summary filters from the query string (or a form): the one reading every
    outcomes view and download goes through. Unknown questionnaires, regions, respondent
    types, questions and options, malformed or inverted dates and malformed conditions are
    left out, each with a sentence saying so."""
    args = request.args if args is None else args
    ignored: list[str] = []

    def known(name: str, choices: Any, message: Callable[[], str]) -> str | None:
        # The unknown value is not echoed: a link's text is never replayed on a staff page.
        value = (args.get(name) or "").strip()
        if value and value not in choices:
            ignored.append(message())
            return None
        return value or None

    questionnaire = known(
        "questionnaire",
        current_questionnaires(),
        lambda: _(
            "This link names a questionnaire the consultation does not have: that filter "
            "was ignored."
        ),
    )
    region = known(
        "region",
        REGION_KEYS,
        lambda: _(
            "This link names a region the consultation does not use: that filter was ignored."
        ),
    )
    respondent_type = known(
        "respondent_type",
        {key for _title, key, _label in respondent_type_choices()},
        lambda: _(
            "This link names a respondent type the consultation does not have: that filter "
            "was ignored."
        ),
    )
    days: dict[str, date | None] = {}
    for name in ("from", "to"):
        raw = (args.get(name) or "").strip()[:64]
        days[name] = parse_date(raw) if raw else None
        if raw and days[name] is None and name == "from":
            ignored.append(
                _("“%(value)s” is not a date (YYYY-MM-DD): the start date was ignored.", value=raw)
            )
        elif raw and days[name] is None:
            ignored.append(
                _("“%(value)s” is not a date (YYYY-MM-DD): the end date was ignored.", value=raw)
            )
    if days["from"] and days["to"] and days["from"] > days["to"]:
        ignored.append(
            _(
                "The start date (%(start)s) is after the end date (%(end)s): both were ignored.",
                start=long_date(days["from"]),
                end=long_date(days["to"]),
            )
        )
        days = {"from": None, "to": None}
    raws = args.getlist("answer")
    if len(raws) > MAX_ANSWER_CONDITIONS:
        ignored.append(
            _(
                "At most %(n)s answer conditions apply at once: the others were ignored.",
                n=MAX_ANSWER_CONDITIONS,
            )
        )
    conditions, refused = answer_conditions(raws[:MAX_ANSWER_CONDITIONS], questionnaire)
    filters = SummaryFilter(
        questionnaire=questionnaire,
        region=region,
        respondent_type=respondent_type,
        submitted_from=days["from"],
        submitted_to=days["to"],
        answers=tuple(sorted(set(conditions))),
    )
    return FilterReading(filters, tuple(ignored + refused))


def filters_from_request(args: Any = None) -> SummaryFilter:
    """The summary filters of the request (read_filters; what it ignored is in
    refused_answers)."""
    return read_filters(args).filters


def answer_conditions(
    raws: Sequence[str], questionnaire: str | None = None
) -> tuple[list[AnswerCondition], list[str | Ambiguity]]:
    """Read the answer conditions of a link, each naming its questionnaire, and why any was
    left out. An older link's bare question key stands for the one questionnaire asking it;
    a key several questionnaires ask (other wording, other options) stands for the one the
    view is already limited to (``questionnaire``, or another condition's), and is otherwise
    left out with an Ambiguity asking to choose among the questionnaires that offer its
    answer, one link each: never applied to two different questions.
    Malformed conditions, unknown questions and unknown options are left out, each with a
    message."""
    closed = closed_questions()
    parsed = [(raw, AnswerCondition.parse(raw)) for raw in raws]
    messages = [
        _(
            "“%(value)s” is not an answer condition (questionnaire:question:answer): "
            "it was ignored.",
            value=raw[:64],
        )
        for raw, condition in parsed
        if condition is None and raw.strip()
    ]
    read = [c for _raw, c in parsed if c is not None]
    raw_of = {id(c): raw for raw, c in parsed if c is not None}
    found = [resolve_closed(c.question_id, closed) for c in read]
    pinned = {questionnaire} if questionnaire else set()
    pinned |= {closed[r.key]["questionnaire"] for r in found if r.key}
    conditions = []
    for condition, resolved in zip(read, found, strict=True):
        key = resolved.key
        if key is None and len(pinned) == 1:
            key = next((k for k in resolved.choices if closed[k]["questionnaire"] in pinned), None)
        if key is None:
            if resolved.choices:
                asked = ambiguity(
                    "answer", raw_of[id(condition)], resolved.choices, closed, condition.option
                )
                messages.append(
                    asked
                    if asked is not None
                    else _(
                        "“%(question)s” has no answer “%(option)s”: that condition was ignored.",
                        question=closed[resolved.choices[0]]["label"],
                        option=condition.option,
                    )
                )
            else:
                messages.append(
                    _(
                        "No closed question “%(question)s”: the condition “%(value)s” was ignored.",
                        question=condition.question_id,
                        value=condition.as_text(),
                    )
                )
            continue
        question = closed[key]
        if condition.option in question["options"]:
            conditions.append(
                AnswerCondition(condition.question, condition.option, question["questionnaire"])
            )
        else:
            messages.append(
                _(
                    "“%(question)s” has no answer “%(option)s”: that condition was ignored.",
                    question=question["label"],
                    option=condition.option,
                )
            )
    return conditions, messages


def download_filters(args: Any = None) -> SummaryFilter:
    """The filters of a download (or of the rows behind a figure): a file cannot carry a
    warning, so a filter part that cannot be applied refuses it (400, saying what and why)
    rather than giving a file that covers more than its link says."""
    reading = read_filters(args)
    if reading.ignored:
        abort(make_response(render_error(400, " ".join(str(m) for m in reading.ignored))))
    return reading.filters


def refused_answers(args: Any = None) -> list[str | Ambiguity]:
    """Each part of the request's filter that was left out, and why, in words (read_filters);
    an ambiguous older key comes with its choices (outcomes/_refused.html shows both)."""
    return list(read_filters(args).ignored)


def filter_args(filters: SummaryFilter) -> dict[str, Any]:
    """The query-string form of a filter, for links that keep it (answers as a list)."""
    values: dict[str, Any] = {
        "questionnaire": filters.questionnaire,
        "region": filters.region,
        "respondent_type": filters.respondent_type,
        "from": filters.submitted_from.isoformat() if filters.submitted_from else None,
        "to": filters.submitted_to.isoformat() if filters.submitted_to else None,
        "answer": [c.as_text() for c in filters.answers],
    }
    return {k: v for k, v in values.items() if v}


def filter_description(filters: SummaryFilter) -> list[str]:
    """Say in words what a filter keeps, one phrase per condition (empty: everything)."""
    return [row["phrase"] for row in filter_coverage(filters)]


#: How a filter treats a channel, in words (consult.outcomes.coverage's three cases).
COVERAGE_WORDS = {
    coverage.APPLIED: _l("filtered"),
    coverage.NOT_APPLIED: _l("not filtered: all are shown"),
    coverage.LEFT_OUT: _l("left out of this view"),
}


def _condition_phrase(row: coverage.FilterCoverage) -> str:
    if row.kind == "questionnaire":
        # Its short name, as each answer condition names it: the full title (over a hundred
        # characters) would crowd a slide's coverage note.
        short = presenting.short_questionnaire(row.value)
        if short == row.value:
            found = current_questionnaires().get(row.value)
            short = presenting.t(found.title) if found else row.value
        return _("the “%(questionnaire)s” questionnaire", questionnaire=short)
    if row.kind == "region":
        return region_names().get(row.value, row.value)
    if row.kind == "respondent_type":
        labels = {key: label for _group, key, label in respondent_type_choices()}
        return labels.get(row.value, row.value)
    if row.kind in ("submitted_from", "submitted_to"):
        day = long_date(date.fromisoformat(row.value))
        if row.kind == "submitted_from":
            return _("submitted from %(day)s", day=day)
        return _("submitted until %(day)s", day=day)
    condition = AnswerCondition.parse(row.value)
    if condition is None:
        return row.value
    closed = closed_questions()
    found = resolve_closed(condition.question_id, closed)
    # An older snapshot's condition without questionnaire, on a key several ask: any of them.
    key = found.key or (found.choices[0] if found.choices else None)
    if key is None:
        return row.value
    question = closed[key]
    if not condition.questionnaire and found.key is None:
        return _(
            "“%(question)s”: %(answer)s",
            question=question["label"],
            answer=question["options"].get(condition.option, condition.option),
        )
    return _(
        "“%(question)s” (%(questionnaire)s): %(answer)s",
        question=question["label"],
        questionnaire=question["short"],
        answer=question["options"].get(condition.option, condition.option),
    )


def filter_coverage(filters: SummaryFilter) -> list[dict[str, str]]:
    """Each condition of a filter in words, with how it treats each channel (responses,
    contributions): the table the pages and downloads show beside a filtered view."""
    return [
        {
            "kind": row.kind,
            "phrase": _condition_phrase(row),
            "responses": row.responses,
            "contributions": row.contributions,
            "responses_text": str(COVERAGE_WORDS[row.responses]),
            "contributions_text": str(COVERAGE_WORDS[row.contributions]),
        }
        for row in coverage.coverage(filters)
    ]


def coverage_note(filters: SummaryFilter | Mapping[str, Any] | None) -> str:
    """The sentence every public output of a filtered view carries (the public page, the
    deck's title and methodology slides and notes, each Charter article page): which part of
    the consultation its figures cover. Empty for an unfiltered view. ``filters``: the
    filter, or a summary's record of it (``summary["filters"]``)."""
    if not isinstance(filters, SummaryFilter):
        filters = SummaryFilter.from_dict(filters)
    phrases = filter_description(filters)
    if not phrases:
        return ""
    return _(
        "These outcomes cover part of the consultation only: %(filters)s.",
        filters=presenting.listed(phrases),
    )


def left_out_contributions(filters: SummaryFilter, as_of: Any = None) -> int | None:
    """How many published contributions (at ``as_of``) a view with ``filters`` leaves out
    because a filter cannot apply to them (None when the view shows contributions)."""
    if coverage.covers_contributions(filters):
        return None
    ids = data.covered_contribution_ids(
        db.session.connection(), coverage.contribution_filter(filters), as_of
    )
    return len(ids)


def coverage_table_rows(filters: SummaryFilter, width: int) -> list[list[Any]]:
    """The filter coverage as rows to add under a downloaded table (``width`` cells each)."""
    rows = filter_coverage(filters)
    if not rows:
        return []
    lines: list[list[Any]] = [
        [],
        [_("Filter"), _("Questionnaire responses"), _("Open contributions")],
    ]
    for row in rows:
        lines.append([row["phrase"], row["responses_text"], row["contributions_text"]])
    if width < 3:
        lines = [[line[0], " · ".join(line[1:])] if line else [] for line in lines]
    return [(line + [None] * width)[:width] for line in lines]


def respondent_type_choices() -> list[tuple[str, str, str]]:
    """(questionnaire title, key, label) of every respondent type, for the filter."""
    choices = []
    for questionnaire in current_questionnaires().values():
        key = questionnaire.profile_fields.get("respondent_type")
        if not key:
            continue
        for option in questionnaire.question(key).options:
            choices.append(
                (presenting.t(questionnaire.title), option.key, presenting.t(option.label))
            )
    return choices


def can_publish() -> bool:
    """Whether the signed-in staff member may publish and withdraw the public outcomes: an
    administrator, or an analyst an administrator delegated it to."""
    return has_role("admin", "analyst") and operations.may_publish(db.session, current_user)


def snapshot_or_404(snapshot_id: int) -> OutcomeSnapshot:
    snapshot = db.session.get(OutcomeSnapshot, snapshot_id)
    if snapshot is None:
        abort(404)
    return snapshot


def frozen_summary_of(snapshot: OutcomeSnapshot) -> dict[str, Any]:
    """A snapshot's summary as it may be shown today: frozen figures, but no text of a
    contribution hidden, rejected or withdrawn since the freeze."""
    summary = operations.snapshot_summary(snapshot)
    public_ids = operations.published_contribution_ids(db.session, quoted_contribution_ids(summary))
    return withhold_contributions(summary, public_ids)


def covered_contributions(summary: dict[str, Any]) -> set[int] | None:
    """The contributions a frozen summary counted (None for a snapshot older than that record)."""
    ids = (summary.get("contributions") or {}).get("contribution_ids")
    return None if ids is None else {int(i) for i in ids}


def region_names() -> dict[str, str]:
    path = current_app.config["QUESTIONNAIRES_PATH"]
    return {key: presenting.t(label) for key, label in region_labels(path).items()}


def template_context(summary: dict[str, Any], **extra: Any) -> dict[str, Any]:
    from consult.outcomes.deck_campaign import campaign_view

    names = region_names()
    return {
        "summary": summary,
        "coverage_note": coverage_note(summary.get("filters")),
        "p": presenting,
        "threshold": threshold(),
        "region_names": names,
        "campaign": campaign_view(summary, names),
        **extra,
    }


#: What a figure (chart or table) can be downloaded as, staff or public.
FIGURE_FORMATS = {
    "svg": "image/svg+xml",
    "png": "image/png",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def figure_file(
    found: Any,
    fmt: str,
    name: str,
    summary: dict[str, Any],
    snapshot: int | None = None,
    *,
    public: bool = False,
) -> Response:
    """Answer one figure of ``summary`` as a chart (SVG, PNG) or its table (CSV, XLSX), the
    table ending with what the summary's filters cover; 404 for a figure without a chart.
    Its file name says which figure of which questionnaire, from which snapshot (or live),
    with which filters, in which language and of which day (consult.exports.naming); a
    public one (small cells hidden) says so."""
    import cairosvg

    from consult.outcomes import charts, downloads

    if fmt in ("svg", "png"):
        if found.chart is None:
            abort(404)
        svg = charts.standalone_svg(str(found.chart))
        body = svg.encode() if fmt == "svg" else cairosvg.svg2png(bytestring=svg.encode(), scale=2)
    else:
        filters = SummaryFilter.from_dict(summary.get("filters"))
        rows = found.rows + coverage_table_rows(filters, len(found.header))
        body = downloads.table_file(fmt, found.header, rows, found.title)
    file_name = naming.download_name(
        "outcomes",
        "public" if public else None,
        name,
        request.args.get("of"),
        fmt=fmt,
        snapshot=snapshot,
        live=snapshot is None,
        filters=summary.get("filters"),
        language=current_language(),
        day=summary.get("generated_at"),
    )
    return Response(
        body,
        mimetype=FIGURE_FORMATS[fmt],
        headers={"Content-Disposition": naming.content_disposition(file_name)},
    )
