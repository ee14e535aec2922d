"""Translated display labels for the stored codes (statuses, roles, countries …).

A coded column's table is keyed by the members of its enum; tests/test_labels.py checks
that every member has a label in English and Japanese.
"""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from ypmatch.models import (
    AlertFrequency,
    ApprovalStatus,
    CompanySize,
    HistoryAction,
    MissionStatus,
    NeedStatus,
    OutcomeKind,
    ParticipantState,
    Region,
    Relationship,
    Role,
    Visibility,
)
from ypmatch.models.base import as_utc

# A moment as history entries store it (ISO 8601), to be shown in local time.
ISO_MOMENT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d.*")

NEED_STATUS = {
    NeedStatus.DRAFT: _l("Draft"),
    NeedStatus.PUBLISHED: _l("Published"),
    NeedStatus.IN_MISSION: _l("In mission"),
    NeedStatus.CLOSED: _l("Closed"),
}
VISIBILITY = {
    Visibility.INTERNAL: _l("Internal (bureau only)"),
    Visibility.COMPANIES: _l("Registered companies"),
    Visibility.PUBLIC: _l("Public"),
}
REGION = {
    Region.ASIA_PACIFIC: _l("Asia-Pacific"),
    Region.EUROPE_NORTH_AMERICA: _l("Europe and North America"),
    Region.MIDDLE_EAST_AFRICA: _l("Middle East and Africa"),
    Region.LATIN_AMERICA: _l("Latin America"),
}
RELATIONSHIP = {
    Relationship.YPORT_MEMORANDUM: _l("Y-PORT memorandum"),
    Relationship.SISTER_CITY: _l("Sister or friendship city"),
    Relationship.PARTNER_CITY: _l("Partner city"),
    Relationship.JOINT_STATEMENT: _l("Joint statement"),
}
COMPANY_SIZE = {
    CompanySize.SMALL: _l("Small (under 50 staff)"),
    CompanySize.MEDIUM: _l("Medium (50–300 staff)"),
    CompanySize.LARGE: _l("Large (over 300 staff)"),
}
APPROVAL = {
    ApprovalStatus.PENDING: _l("Awaiting review"),
    ApprovalStatus.APPROVED: _l("Approved"),
    ApprovalStatus.REJECTED: _l("Rejected"),
}
ROLE = {
    Role.ADMIN: _l("Administrator"),
    Role.CURATOR: _l("Bureau curator"),
    Role.COMPANY: _l("Company member"),
    Role.CITY: _l("City focal point"),
}
HISTORY_ACTION = {
    HistoryAction.CREATE: _l("created"),
    HistoryAction.UPDATE: _l("edited"),
    HistoryAction.PUBLISH: _l("published"),
    HistoryAction.UNPUBLISH: _l("returned to draft"),
    HistoryAction.CLOSE: _l("closed"),
    HistoryAction.ARCHIVE: _l("archived"),
    HistoryAction.RESTORE: _l("restored"),
    HistoryAction.APPROVE: _l("approved"),
    HistoryAction.REJECT: _l("rejected"),
    HistoryAction.MERGE: _l("merged"),
    HistoryAction.SHORTLIST: _l("shortlist generated"),
    HistoryAction.INVITE: _l("invited"),
    HistoryAction.ACCEPT: _l("accepted the invitation"),
    HistoryAction.DECLINE: _l("declined the invitation"),
    HistoryAction.JOIN: _l("joined the mission"),
    HistoryAction.DELETE: _l("deleted"),
}
MISSION_STATUS = {
    MissionStatus.PLANNING: _l("Planning"),
    MissionStatus.SHORTLISTED: _l("Shortlisted"),
    MissionStatus.INVITATIONS_SENT: _l("Invitations sent"),
    MissionStatus.CONFIRMED: _l("Confirmed"),
    MissionStatus.COMPLETED: _l("Completed"),
    MissionStatus.CANCELLED: _l("Cancelled"),
}
PARTICIPANT_STATE = {
    ParticipantState.PROPOSED: _l("Proposed"),
    ParticipantState.INVITED: _l("Invited"),
    ParticipantState.ACCEPTED: _l("Accepted"),
    ParticipantState.DECLINED: _l("Declined"),
    ParticipantState.JOINED: _l("Joined"),
}
OUTCOME_KIND = {
    OutcomeKind.INFORMATION_PROVIDED: _l("Information provided"),
    OutcomeKind.JOINT_SURVEY: _l("Joint survey / feasibility study"),
    OutcomeKind.ORDER_SUPPORT: _l("Support toward an order"),
    OutcomeKind.PROPOSAL_SUBMITTED: _l("Proposal submitted"),
    OutcomeKind.CONTRACT_WON: _l("Contract won"),
    OutcomeKind.DROPPED: _l("Dropped"),
}
ALERT_FREQUENCY = {
    AlertFrequency.IMMEDIATELY: _l("At once (at most one email a day)"),
    AlertFrequency.DAILY: _l("Daily digest"),
    AlertFrequency.WEEKLY: _l("Weekly digest"),
    AlertFrequency.NEVER: _l("Never"),
}
LANGUAGE = {"en": _l("English"), "ja": _l("Japanese")}
FUNDING = {
    "JICA": _l("JICA"),
    "ADB": _l("Asian Development Bank (ADB)"),
    "JCM": _l("Joint Crediting Mechanism (JCM)"),
    "MOE city-to-city": _l("Ministry of the Environment city-to-city programme"),
    "city budget": _l("City budget"),
    "World Bank": _l("World Bank"),
    "PPP": _l("Public-private partnership (PPP)"),
}
WARD = {
    "Tsurumi-ku": _l("Tsurumi-ku"), "Kanagawa-ku": _l("Kanagawa-ku"), "Nishi-ku": _l("Nishi-ku"),
    "Naka-ku": _l("Naka-ku"), "Minami-ku": _l("Minami-ku"), "Hodogaya-ku": _l("Hodogaya-ku"),
    "Isogo-ku": _l("Isogo-ku"), "Kanazawa-ku": _l("Kanazawa-ku"), "Kohoku-ku": _l("Kohoku-ku"),
    "Totsuka-ku": _l("Totsuka-ku"), "Konan-ku": _l("Konan-ku"), "Asahi-ku": _l("Asahi-ku"),
    "Midori-ku": _l("Midori-ku"), "Seya-ku": _l("Seya-ku"), "Sakae-ku": _l("Sakae-ku"),
    "Izumi-ku": _l("Izumi-ku"), "Aoba-ku": _l("Aoba-ku"), "Tsuzuki-ku": _l("Tsuzuki-ku"),
}  # fmt: skip
COUNTRIES = {
    "PH": _l("Philippines"), "VN": _l("Vietnam"), "TH": _l("Thailand"), "ID": _l("Indonesia"),
    "MY": _l("Malaysia"), "KH": _l("Cambodia"), "LA": _l("Laos"), "MM": _l("Myanmar"),
    "IN": _l("India"), "LK": _l("Sri Lanka"), "BD": _l("Bangladesh"), "NP": _l("Nepal"),
    "PK": _l("Pakistan"), "MN": _l("Mongolia"), "CN": _l("China"), "KR": _l("South Korea"),
    "TW": _l("Taiwan"), "SG": _l("Singapore"), "US": _l("United States"),
    "DE": _l("Germany"), "FR": _l("France"), "GB": _l("United Kingdom"),
    "BR": _l("Brazil"), "MX": _l("Mexico"), "KE": _l("Kenya"), "ZA": _l("South Africa"),
    "EG": _l("Egypt"), "AE": _l("United Arab Emirates"), "SA": _l("Saudi Arabia"),
    "TR": _l("Turkey"), "AU": _l("Australia"), "FJ": _l("Fiji"), "PG": _l("Papua New Guinea"),
}  # fmt: skip


# Field names as the history page shows them.
FIELDS = {
    "title_en": _l("Title (English)"), "title_ja": _l("Title (Japanese)"),
    "description_en": _l("Description (English)"), "description_ja": _l("Description (Japanese)"),
    "name_en": _l("Name (English)"), "name_ja": _l("Name (Japanese)"),
    "status": _l("Status"), "visibility": _l("Visibility"), "city_id": _l("City"),
    "sectors": _l("Sectors"), "funding": _l("Funding hints"), "timeline": _l("Timeline"),
    "expires_on": _l("Open until"), "ref": _l("Reference"), "archived_at": _l("Archived"),
    "ward": _l("Ward"), "size": _l("Size"), "website": _l("Website"),
    "overseas_countries": _l("Overseas experience"), "yport_member": _l("Y-PORT member"),
    "approval_status": _l("Review"), "track_record": _l("Track record"),
    "notes": _l("Notes"), "slots": _l("Company slots"), "per_need_cap": _l("At most per need"),
    "start_date": _l("Start"), "end_date": _l("End"), "state": _l("State"),
    "pinned": _l("Pinned"), "excluded": _l("Excluded"), "kind": _l("Kind"),
    "occurred_on": _l("Date"), "amount_jpy": _l("Amount (JPY)"), "reason": _l("Reason"),
    "email": _l("Email"), "role": _l("Role"), "active": _l("Active"),
    "label_en": _l("Label (English)"), "label_ja": _l("Label (Japanese)"),
    "forms_en": _l("Forms (English)"), "forms_ja": _l("Forms (Japanese)"),
    "population": _l("Population"), "country_code": _l("Country"), "slug": _l("Code"),
    "company_id": _l("Company"), "need_id": _l("Need"), "mission_id": _l("Mission"),
    "response_note": _l("Answer"), "responded_at": _l("Answered"), "position": _l("Order"),
}  # fmt: skip


def history_value(value, timezone: str) -> str:
    """A value from a history entry as people read it: moments in local time, lists
    joined, yes/no for flags, a dash for nothing."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return str(_l("Yes") if value else _l("No"))
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, str) and ISO_MOMENT.fullmatch(value):
        try:
            return local_time(datetime.fromisoformat(value), timezone)
        except ValueError:
            return value
    return str(value)


def field_label(key: str) -> str:
    """A stored field's name for people: ours where we have one, else made readable."""
    return str(FIELDS[key]) if key in FIELDS else key.replace("_", " ").capitalize()


def label(mapping: dict, code: str | None) -> str:
    if code is None:
        return ""
    return str(mapping.get(code, code))


def country(code: str) -> str:
    """A country's name in the page's language: ours for the countries listed above, the
    Unicode CLDR name (through Babel) for any other code, such as MV."""
    if code in COUNTRIES or not code:
        return label(COUNTRIES, code)
    locale = get_locale()
    return locale.territories.get(code.upper(), code) if locale is not None else code


def local_time(moment, timezone: str, with_time: bool = True) -> str:
    """A stored UTC moment as people here read it: in ``timezone`` (Asia/Tokyo by
    default), to the minute, without microseconds."""
    if moment is None:
        return ""
    local = as_utc(moment).astimezone(ZoneInfo(timezone))
    return local.strftime("%Y-%m-%d %H:%M %Z" if with_time else "%Y-%m-%d")
