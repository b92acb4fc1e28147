"""Every model of every feature, imported in one place for Alembic and the schema tools."""

from consult.db import Base
from consult.outcomes.models import (
    OutcomePublication,
    OutcomeQuote,
    OutcomeSnapshot,
    OutcomeSummaryCache,
)
from consult.questionnaires.models import Answer, ContactDetails, QuestionnaireVersion, Response
from consult.staff.models import User

__all__ = [
    "Answer",
    "Base",
    "ContactDetails",
    "OutcomePublication",
    "OutcomeQuote",
    "OutcomeSnapshot",
    "OutcomeSummaryCache",
    "QuestionnaireVersion",
    "Response",
    "User",
]
