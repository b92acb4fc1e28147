"""Every model of every feature, imported in one place for Alembic and the schema tools."""

from consult.campaign.models import (
    CommitmentLetter,
    CommitmentOption,
    Pledge,
    PledgeCommitment,
    ProgressReport,
)
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
from consult.core.limits import add_check_constraints
from consult.core.single_use import UsedToken
from consult.db import Base
from consult.mail.models import (
    AddressKey,
    DigestSubscription,
    InviteeMail,
    MailTemplate,
    OutboxMessage,
)
from consult.outcomes.deck_settings import DeckSettings
from consult.outcomes.models import (
    OutcomePublication,
    OutcomePublisher,
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
from consult.storage import StoredFile, StoredFileChunk

# The text limits' CHECK constraints, declared in one table (consult/core/limits.py).
add_check_constraints(Base.metadata)

__all__ = [
    "AddressKey",
    "Answer",
    "AuditEntry",
    "Base",
    "CommitmentLetter",
    "CommitmentOption",
    "ContactDetails",
    "Contribution",
    "ContributionBand",
    "ContributionReply",
    "ContributionReport",
    "ContributionSupport",
    "ContributorDetails",
    "DeckSettings",
    "DigestSubscription",
    "ExportJob",
    "Invitation",
    "InviteeMail",
    "LoginAttempt",
    "MailTemplate",
    "ModerationAction",
    "NearDuplicate",
    "OfficialResponse",
    "OutboxMessage",
    "OutcomePublication",
    "OutcomePublisher",
    "OutcomeQuote",
    "OutcomeSnapshot",
    "OutcomeSummaryCache",
    "Pledge",
    "PledgeCommitment",
    "ProgressReport",
    "QuestionnaireVersion",
    "RateLimitCounter",
    "RegionOverride",
    "Response",
    "StoredFile",
    "StoredFileChunk",
    "StaffSession",
    "UsedToken",
    "User",
]
