"""The aggregates; importing this package registers every table on the metadata."""

from ypmatch.models.cities import PartnerCity, Region, Relationship, Sector
from ypmatch.models.companies import ApprovalStatus, Company, CompanySize, Technology
from ypmatch.models.companies import technology_sectors as technology_sectors_table
from ypmatch.models.glossary import GlossaryConcept
from ypmatch.models.history import HistoryAction, HistoryEntry
from ypmatch.models.matching import (
    MatchDecision,
    MatchDecisionStatus,
    MatchingState,
    TextAnalysis,
    TextEmbedding,
)
from ypmatch.models.messages import (
    ApiToken,
    MessageStatus,
    OutgoingMessage,
    PendingAlert,
    SavedSearch,
)
from ypmatch.models.missions import (
    CompanyInterest,
    Mission,
    MissionCompany,
    MissionStatus,
    Outcome,
    OutcomeKind,
    ParticipantState,
)
from ypmatch.models.needs import FUNDING_SOURCES, Need, NeedStatus, Visibility
from ypmatch.models.needs import need_sectors as need_sectors_table
from ypmatch.models.submissions import FormSubmission, ImportUpload
from ypmatch.models.users import AlertFrequency, Role, SignInThrottle, User

__all__ = [
    "FormSubmission",
    "ImportUpload",
    "AlertFrequency",
    "ApiToken",
    "MessageStatus",
    "OutgoingMessage",
    "PendingAlert",
    "SavedSearch",
    "FUNDING_SOURCES",
    "ApprovalStatus",
    "Company",
    "CompanyInterest",
    "CompanySize",
    "GlossaryConcept",
    "HistoryAction",
    "HistoryEntry",
    "MatchDecision",
    "MatchDecisionStatus",
    "MatchingState",
    "TextAnalysis",
    "TextEmbedding",
    "Mission",
    "MissionCompany",
    "MissionStatus",
    "Need",
    "NeedStatus",
    "Outcome",
    "OutcomeKind",
    "ParticipantState",
    "PartnerCity",
    "Region",
    "Relationship",
    "Role",
    "Sector",
    "Technology",
    "SignInThrottle",
    "User",
    "Visibility",
    "need_sectors_table",
    "technology_sectors_table",
]
