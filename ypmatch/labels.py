"""Translated display labels for the stored codes (statuses, roles, countries …)."""

from flask_babel import lazy_gettext as _l

NEED_STATUS = {
    "draft": _l("Draft"),
    "published": _l("Published"),
    "in_mission": _l("In mission"),
    "closed": _l("Closed"),
}
VISIBILITY = {
    "internal": _l("Internal (bureau only)"),
    "companies": _l("Registered companies"),
    "public": _l("Public"),
}
REGION = {
    "asia_pacific": _l("Asia-Pacific"),
    "europe_north_america": _l("Europe and North America"),
    "middle_east_africa": _l("Middle East and Africa"),
    "latin_america": _l("Latin America"),
}
RELATIONSHIP = {
    "yport_memorandum": _l("Y-PORT memorandum"),
    "sister_city": _l("Sister or friendship city"),
    "partner_city": _l("Partner city"),
    "joint_statement": _l("Joint statement"),
}
COMPANY_SIZE = {
    "small": _l("Small (under 50 staff)"),
    "medium": _l("Medium (50–300 staff)"),
    "large": _l("Large (over 300 staff)"),
}
APPROVAL = {
    "pending": _l("Awaiting review"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
}
ROLE = {
    "admin": _l("Administrator"),
    "curator": _l("Bureau curator"),
    "company": _l("Company member"),
    "city": _l("City focal point"),
}
HISTORY_ACTION = {
    "create": _l("created"),
    "update": _l("edited"),
    "publish": _l("published"),
    "unpublish": _l("returned to draft"),
    "close": _l("closed"),
    "archive": _l("archived"),
    "restore": _l("restored"),
    "approve": _l("approved"),
    "reject": _l("rejected"),
    "merge": _l("merged"),
    "shortlist": _l("shortlist generated"),
    "invite": _l("invited"),
    "accept": _l("accepted the invitation"),
    "decline": _l("declined the invitation"),
    "join": _l("joined the mission"),
    "delete": _l("deleted"),
}
MISSION_STATUS = {
    "planning": _l("Planning"),
    "shortlisted": _l("Shortlisted"),
    "invitations_sent": _l("Invitations sent"),
    "confirmed": _l("Confirmed"),
    "completed": _l("Completed"),
    "cancelled": _l("Cancelled"),
}
PARTICIPANT_STATE = {
    "proposed": _l("Proposed"),
    "invited": _l("Invited"),
    "accepted": _l("Accepted"),
    "declined": _l("Declined"),
    "joined": _l("Joined"),
}
OUTCOME_KIND = {
    "information_provided": _l("Information provided"),
    "joint_survey": _l("Joint survey / feasibility study"),
    "order_support": _l("Support toward an order"),
    "proposal_submitted": _l("Proposal submitted"),
    "contract_won": _l("Contract won"),
    "dropped": _l("Dropped"),
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


def label(mapping: dict, code: str | None) -> str:
    if code is None:
        return ""
    return str(mapping.get(code, code))


def country(code: str) -> str:
    return label(COUNTRIES, code)
