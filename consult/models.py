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
from consult.core.single_use import UsedToken
from consult.db import Base
from consult.outcomes.models import (
    OutcomePublication,
    OutcomeQuote,
    OutcomeSnapshot,
    OutcomeSummaryCache,
)
from consult.questionnaires.models import Answer, ContactDetails, QuestionnaireVersion, Response
from consult.ratelimits.models import RateLimitCounter
from consult.staff.models import (
    AuditEntry,
    ExportJob,
    Invitation,
    LoginAttempt,
    RegionOverride,
    StaffSession,
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
    "RateLimitCounter",
    "RegionOverride",
    "Response",
    "StaffSession",
    "UsedToken",
    "User",
]
