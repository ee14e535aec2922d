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
}
LANGUAGE = {"en": _l("English"), "ja": _l("Japanese")}
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
