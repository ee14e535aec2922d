"""Every URL rule of the app, with who may use it, walked for every kind of user.

A new route fails ``test_every_rule_is_in_the_inventory`` until it is listed here with its
access rule, so nothing is served without someone deciding who may use it.
"""

import pytest
import sqlalchemy as sa

from tests.conftest import PASSWORD, ROLES
from ypmatch.extensions import db
from ypmatch.models import (
    GlossaryConcept,
    HistoryEntry,
    Mission,
    MissionCompany,
    Outcome,
    OutgoingMessage,
    SavedSearch,
)
from ypmatch.services.tokens import create_token

# Who may use a rule. For the others: anonymous visitors are sent to sign in (web) or get
# 401 (API); signed-in users get 403, or 404 where the record itself is hidden from them.
PUBLIC = "public"  # everyone, signed in or not
SIGNED_IN = "signed_in"  # any account
STAFF = "staff"  # curators and admins
ADMIN = "admin"
COMPANY = "company"  # company members
OWNER = "owner"  # members of company A (the record's owner) and staff
NEED_EDITOR = "need_editor"  # staff and the need's city focal point (drafts)
CITY_OR_STAFF = "city_or_staff"  # staff and the city's focal point
SELF = "self"  # the one account that owns the record (a saved search, a token)
TOKEN = "token"  # emailed links: anyone holding a valid token
API_PUBLIC = "api_public"  # API reads open to anonymous callers
API_SIGNED_IN = "api_signed_in"  # API calls needing a token, any role
API_STAFF = "api_staff"
API_OWNER = "api_owner"  # company A's members and staff
API_CITY_OR_STAFF = "api_city_or_staff"

INVENTORY = {
    "static": PUBLIC,
    "main.index": PUBLIC,
    "main.switch_language": PUBLIC,
    "auth.login": PUBLIC,
    "auth.unlock": TOKEN,
    "auth.logout": PUBLIC,
    "auth.signup": PUBLIC,
    "auth.account": SIGNED_IN,
    "auth.change_password": SIGNED_IN,
    "accounts.forgot_password": PUBLIC,
    "accounts.reset_password": TOKEN,
    "accounts.accept_invitation": TOKEN,
    "accounts.confirm_email": TOKEN,
    "accounts.resend_confirmation": SIGNED_IN,
    "accounts.members": OWNER,
    "accounts.saved_searches": SIGNED_IN,
    "accounts.delete_search": SELF,
    "accounts.delete_account": SIGNED_IN,
    "tokens.index": SIGNED_IN,
    "tokens.create": SIGNED_IN,
    "tokens.revoke": SELF,
    "cities.index": PUBLIC,
    "cities.show": PUBLIC,
    "cities.create": STAFF,
    "cities.edit": STAFF,
    "cities.archive": STAFF,
    "cities.restore": STAFF,
    "cities.history": STAFF,
    "cities.restore_version": STAFF,
    "sectors.index": PUBLIC,
    "sectors.create": STAFF,
    "sectors.edit": STAFF,
    "sectors.archive": STAFF,
    "sectors.restore": STAFF,
    "sectors.history": STAFF,
    "sectors.restore_version": STAFF,
    "needs.index": PUBLIC,
    "needs.show": PUBLIC,
    "needs.create": NEED_EDITOR,
    "needs.edit": NEED_EDITOR,
    "needs.archive": NEED_EDITOR,
    "needs.history": NEED_EDITOR,
    "needs.restore_version": NEED_EDITOR,
    "needs.withdraw_interest": COMPANY,
    "needs.apply_sectors": NEED_EDITOR,
    "needs.change_status": STAFF,
    "needs.publish": STAFF,
    "needs.count_contact": STAFF,
    "needs.restore": STAFF,
    "needs.decide": STAFF,
    "needs.undo_decision_view": STAFF,
    "needs.interest": COMPANY,
    "companies.index": PUBLIC,
    "companies.show": PUBLIC,
    "companies.technology": PUBLIC,
    "companies.edit": OWNER,
    "companies.history": OWNER,
    "companies.restore_version": OWNER,
    "companies.create_technology_view": OWNER,
    "companies.edit_technology": OWNER,
    "companies.archive_technology": OWNER,
    "companies.restore_technology": OWNER,
    "companies.technology_history": OWNER,
    "companies.restore_technology_version": OWNER,
    "companies.apply_technology_sectors": OWNER,
    "companies.archive": STAFF,
    "companies.restore": STAFF,
    "companies.review": STAFF,
    "companies.review_queue": STAFF,
    "glossary.index": STAFF,
    "glossary.show": STAFF,
    "glossary.create": STAFF,
    "glossary.edit": STAFF,
    "glossary.merge": STAFF,
    "glossary.archive": STAFF,
    "glossary.restore": STAFF,
    "glossary.history": STAFF,
    "missions.index": SIGNED_IN,
    "missions.show": SIGNED_IN,
    "missions.calendar": SIGNED_IN,
    "missions.invitations": COMPANY,
    "missions.respond": OWNER,  # company A is invited on the test mission
    "missions.create": STAFF,
    "missions.edit": STAFF,
    "missions.shortlist": STAFF,
    "missions.participant_action": STAFF,
    "missions.add_participant": STAFF,
    "missions.change_status": STAFF,
    "missions.export_xlsx": STAFF,
    "missions.export_csv": STAFF,
    "missions.print_view": STAFF,
    "missions.history": STAFF,
    "missions.restore_version": STAFF,
    "outcomes.index": STAFF,
    "outcomes.create": STAFF,
    "outcomes.edit": STAFF,
    "outcomes.history": STAFF,
    "outcomes.restore_version": STAFF,
    "outcomes.dashboard": STAFF,
    "imports.index": STAFF,
    "imports.preview": STAFF,
    "imports.confirm": STAFF,
    "imports.discard": STAFF,
    "imports.template": STAFF,
    "imports.export_needs": PUBLIC,
    "imports.export_companies": PUBLIC,
    "imports.export_missions": STAFF,
    "imports.export_outcomes": STAFF,
    "admin.users": ADMIN,
    "admin.create_user_view": ADMIN,
    "admin.edit_user": ADMIN,
    "admin.messages": ADMIN,
    "admin.message": ADMIN,
    "admin.requeue_message": ADMIN,
    "api.docs": PUBLIC,
    "api.v1.openapi_document": API_PUBLIC,
    "api.v1.me": API_SIGNED_IN,
    "api.v1.list_cities": API_PUBLIC,
    "api.v1.get_city": API_PUBLIC,
    "api.v1.list_sectors": API_PUBLIC,
    "api.v1.list_needs": API_PUBLIC,
    "api.v1.get_need": API_PUBLIC,
    "api.v1.create_need_view": API_CITY_OR_STAFF,
    "api.v1.update_need_view": API_STAFF,
    "api.v1.need_matches": API_CITY_OR_STAFF,
    "api.v1.list_companies": API_PUBLIC,
    "api.v1.get_company": API_PUBLIC,
    "api.v1.update_company_view": API_OWNER,
    "api.v1.company_matches": API_OWNER,
    "api.v1.list_technologies": API_PUBLIC,
    "api.v1.create_technology_view": API_OWNER,
    "api.v1.get_technology": API_PUBLIC,
    "api.v1.update_technology_view": API_OWNER,
    "api.v1.list_missions": API_SIGNED_IN,  # what each role may see, as on the web
    "api.v1.create_mission_view": API_STAFF,
    "api.v1.get_mission": API_SIGNED_IN,
    "api.v1.generate_shortlist_view": API_STAFF,
    "api.v1.list_outcomes": API_STAFF,
    "api.v1.create_outcome_view": API_STAFF,
    "api.v1.get_outcome": API_STAFF,
    "api.v1.list_glossary": API_STAFF,
}

ALLOWED = {
    PUBLIC: set(ROLES),
    SIGNED_IN: set(ROLES) - {"anonymous"},
    STAFF: {"curator", "admin"},
    ADMIN: {"admin"},
    COMPANY: {"member_a", "member_b"},
    OWNER: {"member_a", "curator", "admin"},
    NEED_EDITOR: {"city", "curator", "admin"},
    CITY_OR_STAFF: {"city", "curator", "admin"},
    SELF: {"city"},  # the saved search and the token below belong to the focal point
    TOKEN: set(ROLES),
    API_PUBLIC: set(ROLES),
    API_SIGNED_IN: set(ROLES) - {"anonymous"},
    API_STAFF: {"curator", "admin"},
    API_OWNER: {"member_a", "curator", "admin"},
    API_CITY_OR_STAFF: {"city", "curator", "admin"},
}
# Some rules answer differently by design and are checked more closely elsewhere:
# company members act only on their own invitation (test_missions), staff cannot sign a
# company up for a mission, the focal point's draft is the only need it edits (test_permissions).
EXCEPTIONS = {
    ("missions.respond", "curator"): {403},
    ("missions.respond", "admin"): {403},
    ("needs.interest", "member_a"): {302},
    # The walk uses a published need: a focal point edits only drafts (test_permissions).
    ("needs.edit", "city"): {403},
    ("needs.archive", "city"): {403},
    ("needs.history", "city"): {403},
    ("needs.restore_version", "city"): {403},
    ("needs.apply_sectors", "city"): {403},
}


def test_every_rule_is_in_the_inventory(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(INVENTORY) == set(), "routes without an access rule"
    assert set(INVENTORY) - endpoints == set(), "inventory lists routes that do not exist"


@pytest.fixture
def places(world):
    """Records for every kind of URL argument; the focal point owns a search and a token."""
    mission = Mission(city_id=world.cebu.id, title="Inventory mission", slots=2)
    mission.needs = [world.public_need]
    db.session.add(mission)
    db.session.flush()
    row = MissionCompany(mission_id=mission.id, company_id=world.company_a.id, state="invited")
    db.session.add(row)
    concept = GlossaryConcept(
        key="leachate",
        label_en="leachate",
        label_ja="浸出水",
        forms_en=["leachate"],
        forms_ja=["浸出水"],
    )
    outcome = Outcome(
        company_id=world.company_a.id,
        need_id=world.public_need.id,
        kind="information_provided",
        occurred_on=world.public_need.created_at.date(),
    )
    search = SavedSearch(user_id=world.focal_point.id, name="drainage")
    message = OutgoingMessage(to_address="x@example.org", subject="s", body="b", kind="test")
    db.session.add_all([concept, outcome, search, message])
    db.session.flush()
    token, _plain = create_token(world.focal_point, "inventory")
    db.session.commit()
    return {
        "city_id": world.cebu.id,
        "sector_id": world.water.id,
        "need_id": world.public_need.id,
        "company_id": world.company_a.id,
        "technology_id": world.technology_a.id,
        "concept_id": concept.id,
        "mission_id": mission.id,
        "row_id": row.id,
        "outcome_id": outcome.id,
        "search_id": search.id,
        "token_id": token.id,
        "message_id": message.id,
        # Any entry: restoring one of another record is refused with 404, after the checks.
        "entry_id": db.session.scalar(sa.select(sa.func.max(HistoryEntry.id))) or 1,
        "user_id": world.member_b.id,
        "action": "pin",
        "token": "not-a-valid-token",
        "filename": "css/app.css",
        "file_format": "csv",
        "kind": "companies",
    }


def _url(app, rule, places) -> str:
    values = {arg: places[arg] for arg in rule.arguments}
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def _rules(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def _api_headers(world, role, tokens) -> dict:
    if role == "anonymous":
        return {}
    if role not in tokens:
        tokens[role] = create_token(world.user(role), f"walk {role}")[1]
        db.session.commit()
    return {"Authorization": f"Bearer {tokens[role]}"}


@pytest.mark.parametrize("role", ROLES)
def test_walk_every_rule(app, world, places, role):
    """Each rule, as each kind of user: allowed users are served, the others refused."""
    tokens: dict[str, str] = {}
    failures = []
    for rule, method in _rules(app):
        access = INVENTORY[rule.endpoint]
        url = _url(app, rule, places)
        client = app.test_client()
        is_api = access.startswith("api_")
        headers = _api_headers(world, role, tokens) if is_api else {}
        if not is_api and role != "anonymous":
            user = world.user(role)
            client.post("/login", data={"email": user.email, "password": PASSWORD})
        response = client.open(
            url, method=method, headers=headers, json={} if is_api and method != "GET" else None
        )
        response.close()
        status = response.status_code
        allowed = role in ALLOWED[access]
        expected = EXCEPTIONS.get((rule.endpoint, role))
        if status >= 500:
            failures.append(f"{method} {url}: {status}")
        elif expected is not None:
            if status not in expected:
                failures.append(f"{method} {url}: expected {expected}, got {status}")
        elif allowed and status in (401, 403):
            failures.append(f"{method} {url}: refused ({status}) though allowed")
        elif not allowed:
            if is_api:
                refused = status in (401, 403, 404)
            elif role == "anonymous":
                refused = status == 302 and "/login" in response.headers.get("Location", "")
            else:
                refused = status in (403, 404)
            if not refused:
                failures.append(f"{method} {url}: not refused ({status})")
        db.session.rollback()
    assert not failures, "\n".join(failures)
