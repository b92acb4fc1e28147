"""Every model of every feature, imported in one place for Alembic and the schema tools."""

from consult.contributions.models import (
    Contribution,
    ContributionBand,
    ContributionReply,
    ContributionReport,
    ContributionSupport,
    ContributorDetails,
    ModerationAction,
    NearDuplicate,
    OfficialResponse,
)
from consult.db import Base
from consult.outcomes.deck_settings import DeckSettings
from consult.outcomes.models import (
    OutcomePublication,
    OutcomeQuote,
    OutcomeSnapshot,
    OutcomeSummaryCache,
)
from consult.questionnaires.models import Answer, ContactDetails, QuestionnaireVersion, Response
from consult.staff.models import (
    AuditEntry,
    ExportJob,
    Invitation,
    LoginAttempt,
    RegionOverride,
    User,
)

__all__ = [
    "Answer",
    "AuditEntry",
    "Base",
    "ContactDetails",
    "Contribution",
    "ContributionBand",
    "ContributionReply",
    "ContributionReport",
    "ContributionSupport",
    "ContributorDetails",
    "DeckSettings",
    "ExportJob",
    "Invitation",
    "LoginAttempt",
    "ModerationAction",
    "NearDuplicate",
    "OfficialResponse",
    "OutcomePublication",
    "OutcomeQuote",
    "OutcomeSnapshot",
    "OutcomeSummaryCache",
    "QuestionnaireVersion",
    "RegionOverride",
    "Response",
    "User",
]
