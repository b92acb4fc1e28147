"""The quotes bank: starring text answers and published contributions, choosing the deck's
three, and re-reading every starred quote at freeze time. Functions flush, never commit."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from consult.contributions.models import Contribution
from consult.db import utcnow
from consult.outcomes.actors import Actor, OutcomesError
from consult.outcomes.actors import actor_email as _email
from consult.outcomes.models import OutcomeQuote
from consult.questionnaires.definition import Questionnaire
from consult.questionnaires.models import Answer, Response
from consult.staff import audit

DECK_QUOTES = 3
QUOTE_MAX_LENGTH = 600


@dataclass(frozen=True)
class QuoteCheck:
    """A starred quote re-read at freeze time, and what became of it since it was starred."""

    quote: OutcomeQuote
    #: "unchanged"; "changed" (the text was edited: the new text is used, and shown);
    #: "gone" (the answer, its response or the publication is no more); "outside" (not among
    #: what the snapshot covers).
    status: str
    #: The text as it reads now (None when gone).
    current_text: str | None

    @property
    def usable(self) -> bool:
        """Whether the snapshot may quote it."""
        return self.status in ("unchanged", "changed")


def check_quotes(
    session: Session, covered_ids: set[int], covered_contributions: set[int]
) -> list[QuoteCheck]:
    """Re-read every starred quote from its answer or contribution, in deck order."""
    quotes = session.scalars(
        select(OutcomeQuote).order_by(
            OutcomeQuote.deck_position.is_(None),
            OutcomeQuote.deck_position,
            OutcomeQuote.starred_at.desc(),
        )
    ).all()
    answer_texts = {
        (row.response_id, row.question_key): row.value
        for row in session.execute(
            select(Answer.response_id, Answer.question_key, Answer.value)
            .join(Response, Response.id == Answer.response_id)
            .where(
                Answer.response_id.in_(
                    sorted({q.response_id for q in quotes if q.source == "answer"})
                ),
                Answer.part_key == "",
                Response.status == "submitted",
            )
        )
    }
    contribution_texts = dict(
        session.execute(
            select(Contribution.id, Contribution.text).where(
                Contribution.id.in_(
                    sorted({q.contribution_id for q in quotes if q.source == "contribution"})
                ),
                Contribution.status == "published",
            )
        ).all()
    )
    checks = []
    for quote in quotes:
        if quote.source == "contribution":
            current = contribution_texts.get(quote.contribution_id)
            inside = quote.contribution_id in covered_contributions
        else:
            current = answer_texts.get((quote.response_id, quote.question_key))
            inside = quote.response_id in covered_ids
        if not current:
            status = "gone"
        elif not inside:
            status = "outside"
        elif current != quote.text:
            status = "changed"
        else:
            status = "unchanged"
        checks.append(QuoteCheck(quote, status, current or None))
    return checks


#: The kinds of question whose answers may be quoted: free text only.
QUOTABLE_TYPES = ("short_text", "long_text")
#: The section that says who answers (institution, department, type "other"): its free text
#: describes the respondent, says nothing of the Charter, and could point to who wrote it.
PROFILE_SECTION = "profile"


def quotable_questions(questionnaire: Questionnaire | None) -> list:
    """Return the questions whose answers may be listed and starred as quotes.

    What the quotes bank promises, enforced wherever it lists or stars answers: free-text
    answers about the Charter only, never a question whose answers identify who answered (a
    name, the title of a local charter, places named: ``identifying: true`` in the
    definitions, the one source) nor anything else the profile section asks.
    """
    if questionnaire is None:
        return []
    return [
        q
        for section in questionnaire.sections
        if section.key != PROFILE_SECTION
        for q in section.questions
        if q.type in QUOTABLE_TYPES and not q.identifying
    ]


def identifying_questions(questionnaire: Questionnaire | None) -> list:
    """The text questions the quotes bank does not offer because their answers identify who
    answered (``identifying: true``), for the page to say so."""
    if questionnaire is None:
        return []
    return [q for q in questionnaire.questions if q.type in QUOTABLE_TYPES and q.identifying]


def identifies_its_author(quote: Any, questionnaires: Mapping[str, Questionnaire]) -> bool:
    """Whether a starred quote (a bank entry or a frozen record) answers a question flagged
    identifying: starred before the flag, it is never shown in a deck."""

    def read(name: str) -> Any:
        return quote.get(name) if isinstance(quote, Mapping) else getattr(quote, name, None)

    key = read("question_key")
    if read("source") == "contribution" or not key:
        return False
    questionnaire = questionnaires.get(read("questionnaire_key") or "")
    candidates = [questionnaire] if questionnaire is not None else list(questionnaires.values())
    return any(q.key == key and q.identifying for d in candidates for q in d.questions)


def star_answer(
    session: Session,
    questionnaires: Mapping[str, Questionnaire],
    response_id: int,
    question_key: str,
    actor: Actor,
    ip: str | None = None,
) -> OutcomeQuote:
    """Star a text answer of a submitted response as a quote (its text is copied verbatim)."""
    response = session.get(Response, response_id)
    if response is None or response.status != "submitted":
        raise OutcomesError(_("only answers of submitted responses can be quoted"))
    questionnaire = questionnaires.get(response.questionnaire_key)
    if questionnaire is None:
        raise OutcomesError(_("unknown questionnaire"))
    if question_key not in {q.key for q in quotable_questions(questionnaire)}:
        raise OutcomesError(_("only free-text answers can be quoted, never names"))
    text = session.scalar(
        select(Answer.value).where(
            Answer.response_id == response_id,
            Answer.question_key == question_key,
            Answer.part_key == "",
        )
    )
    if not text:
        raise OutcomesError(_("this answer is empty"))
    existing = session.scalar(
        select(OutcomeQuote).where(
            OutcomeQuote.response_id == response_id, OutcomeQuote.question_key == question_key
        )
    )
    if existing is not None:
        return existing
    quote = OutcomeQuote(
        source="answer",
        response_id=response_id,
        question_key=question_key,
        questionnaire_key=response.questionnaire_key,
        text=text,
        language=response.language,
        region=response.region,
        respondent_type=response.respondent_type,
        starred_by_email=_email(actor),
        starred_at=utcnow(),
    )
    session.add(quote)
    session.flush()
    _record_quote(session, actor, "outcomes.quote_starred", quote, ip)
    return quote


def _record_quote(
    session: Session, actor: Actor, action: str, quote: OutcomeQuote, ip: str | None
) -> None:
    if quote.source == "contribution":
        source = f"contribution:{quote.contribution_id}"
    else:
        source = f"response:{quote.response_id}:{quote.question_key}"
    audit.record(
        session, actor, action, target=f"quote:{quote.id}", details={"source": source}, ip=ip
    )


def star_contribution(
    session: Session, contribution_id: int, actor: Actor, ip: str | None = None
) -> OutcomeQuote:
    """Star a published contribution as a quote (its text is copied verbatim).

    Pending, rejected, hidden and withdrawn contributions are refused: the deck only ever quotes
    what the public may read.
    """
    contribution = session.get(Contribution, contribution_id)
    if contribution is None or not contribution.is_published:
        raise OutcomesError(_("only published contributions can be quoted"))
    existing = session.scalar(
        select(OutcomeQuote).where(OutcomeQuote.contribution_id == contribution.id)
    )
    if existing is not None:
        return existing
    quote = OutcomeQuote(
        source="contribution",
        contribution_id=contribution.id,
        text=contribution.text,
        language=contribution.language,
        region=contribution.region,
        respondent_type=contribution.organisation_type,
        starred_by_email=_email(actor),
        starred_at=utcnow(),
    )
    session.add(quote)
    session.flush()
    _record_quote(session, actor, "outcomes.quote_starred", quote, ip)
    return quote


def unstar(session: Session, quote_id: int, actor: Actor, ip: str | None = None) -> None:
    """Remove a quote from the bank."""
    quote = session.get(OutcomeQuote, quote_id)
    if quote is None:
        raise OutcomesError(_("no such quote"))
    _record_quote(session, actor, "outcomes.quote_removed", quote, ip)
    session.delete(quote)
    session.flush()


def set_deck_position(session: Session, quote_id: int, position: int | None) -> None:
    """Put a quote at place 1, 2 or 3 of the deck (moving whatever was there out), or remove it."""
    quote = session.get(OutcomeQuote, quote_id)
    if quote is None:
        raise OutcomesError(_("no such quote"))
    if position is not None and not 1 <= position <= DECK_QUOTES:
        raise OutcomesError(_("a deck shows at most %(n)s quotes", n=DECK_QUOTES))
    if position is not None:
        session.execute(
            update(OutcomeQuote)
            .where(OutcomeQuote.deck_position == position, OutcomeQuote.id != quote_id)
            .values(deck_position=None)
        )
    quote.deck_position = position
    session.flush()


def published_contribution_ids(session: Session, ids: Iterable[int]) -> set[int]:
    """Return which of ``ids`` are contributions the public may read now."""
    wanted = {int(i) for i in ids if i is not None}
    if not wanted:
        return set()
    return set(
        session.scalars(
            select(Contribution.id).where(
                Contribution.id.in_(wanted), Contribution.status == "published"
            )
        )
    )


def deck_quotes(
    session: Session,
    covered_ids: set[int] | None,
    covered_contributions: set[int] | None = None,
    limit: int | None = DECK_QUOTES,
) -> list[OutcomeQuote]:
    """Return the deck's quotes in order: the chosen ones first, then the latest starred.

    With ``covered_ids`` (a snapshot's responses), answers outside the snapshot are left out, so
    the deck never quotes a response its figures do not include; with ``covered_contributions``
    the same holds for contributions. A contribution hidden, rejected or withdrawn since it was
    starred is never quoted.
    """
    quotes = session.scalars(
        select(OutcomeQuote).order_by(
            OutcomeQuote.deck_position.is_(None),
            OutcomeQuote.deck_position,
            OutcomeQuote.starred_at.desc(),
        )
    ).all()
    public = published_contribution_ids(
        session, (q.contribution_id for q in quotes if q.source == "contribution")
    )
    chosen = []
    for quote in quotes:
        if quote.source == "contribution":
            if quote.contribution_id not in public:
                continue
            if (
                covered_contributions is not None
                and quote.contribution_id not in covered_contributions
            ):
                continue
        elif covered_ids is not None and quote.response_id not in covered_ids:
            continue
        chosen.append(quote)
        if len(chosen) == limit:
            break
    return chosen


def frozen_deck_quotes(
    session: Session, frozen: list[Mapping[str, Any]]
) -> list[Mapping[str, Any]]:
    """Return the deck's quotes from a snapshot's record: as read at the freeze, in deck order,
    without the ones left out then or a contribution no longer public today."""
    usable = [q for q in frozen if q.get("text")]
    public = published_contribution_ids(
        session, (q["contribution_id"] for q in usable if q["source"] == "contribution")
    )
    chosen = [q for q in usable if q["source"] != "contribution" or q["contribution_id"] in public]
    return chosen[:DECK_QUOTES]


def quote_count(session: Session) -> int:
    """Return how many quotes the bank holds."""
    return session.scalar(select(func.count(OutcomeQuote.id))) or 0
