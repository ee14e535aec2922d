"""Joint survey missions and their shortlists; outcomes of company↔need pairs."""

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from ypmatch.api import schemas, serializers
from ypmatch.api.base import (
    PAGE_PARAMETERS,
    api_route,
    created,
    get_or_404,
    not_found,
    page_envelope,
    paginate,
    query_parameter,
    require_staff,
    require_user,
)
from ypmatch.api.problems import ApiError
from ypmatch.api.validation import json_body, query_args, strip_strings
from ypmatch.extensions import db
from ypmatch.models import (
    Mission,
    MissionStatus,
    Outcome,
    OutcomeKind,
    User,
)
from ypmatch.permissions import (
    can_view_mission,
    mission_needs_for,
    sees_mission_shortlist,
    visible_missions_condition,
)
from ypmatch.services.missions import (
    MissionError,
    active_participants,
    generate_shortlist,
    plan_mission,
)
from ypmatch.services.outcomes import OutcomeError, check_outcome_pair, record_outcome

INVALID = "Some fields are missing or invalid; nothing was saved."


def _visible_missions(user: User) -> sa.Select:
    return sa.select(Mission).where(Mission.archived_at.is_(None), visible_missions_condition(user))


def _mission_json(user: User, mission: Mission) -> dict:
    shortlist = active_participants(mission) if sees_mission_shortlist(user, mission) else None
    return serializers.mission(mission, mission_needs_for(user, mission), shortlist)


MISSION_LIST_PARAMETERS = [
    *PAGE_PARAMETERS,
    query_parameter("city", schemas.identifier(), "Only missions to this partner city (id)."),
    query_parameter("status", schemas.enum(MissionStatus), "Only missions in this status."),
]


@api_route(
    "GET",
    "/missions",
    summary="Joint survey missions",
    tag="missions",
    auth="required",
    description=(
        "Curators see every mission, a focal point its city's, members of an approved company "
        "those it was invited to (with only the needs they may see). "
        "The shortlist is included for curators and the city's focal point."
    ),
    parameters=MISSION_LIST_PARAMETERS,
    responses={200: ("A page of missions, latest first.", page_envelope(schemas.MISSION))},
    errors=(400,),
)
def list_missions():
    user = require_user()
    args = query_args(MISSION_LIST_PARAMETERS)
    query = _visible_missions(user)
    if args.get("city"):
        query = query.where(Mission.city_id == args["city"])
    if args.get("status"):
        query = query.where(Mission.status == args["status"])
    query = query.order_by(Mission.start_date.desc(), Mission.id.desc())
    return paginate(query, lambda mission: _mission_json(user, mission), args)


def _visible_mission(user: User, mission_id: int) -> Mission:
    mission = get_or_404(Mission, mission_id, "mission")
    if mission.is_archived or not can_view_mission(user, mission):
        raise not_found("mission", mission_id)
    return mission


@api_route(
    "GET",
    "/missions/{mission_id}",
    summary="One mission",
    tag="missions",
    auth="required",
    responses={200: ("The mission.", schemas.MISSION)},
    errors=(404,),
)
def get_mission(mission_id: int):
    user = require_user()
    return _mission_json(user, _visible_mission(user, mission_id))


@api_route(
    "POST",
    "/missions",
    summary="Plan a mission",
    tag="missions",
    auth="required",
    description="Curators. Generate its shortlist with POST /missions/{mission_id}/shortlist.",
    request_body=schemas.MISSION_CREATE,
    responses={201: ("The mission as saved.", schemas.MISSION)},
    errors=(400, 403, 415, 422),
)
def create_mission_view():
    user = require_staff("Only bureau curators plan missions.")
    data = strip_strings(json_body(schemas.MISSION_CREATE))
    start = date.fromisoformat(data["start_date"]) if data.get("start_date") else None
    end = date.fromisoformat(data["end_date"]) if data.get("end_date") else None
    values = {
        "city_id": data["city_id"],
        "title": data["title"],
        "start_date": start,
        "end_date": end,
        "slots": data.get("slots", 8),
        "per_need_cap": data.get("per_need_cap"),
        "notes": data.get("notes", ""),
    }
    try:
        mission = plan_mission(values, data.get("need_ids", []), user, source="api")
    except MissionError as error:
        raise ApiError(422, INVALID, {"need_ids": [str(error)]}) from None
    db.session.commit()
    return created(_mission_json(user, mission), f"/api/v1/missions/{mission.id}")


@api_route(
    "POST",
    "/missions/{mission_id}/shortlist",
    summary="Generate a mission's shortlist",
    tag="missions",
    auth="required",
    description=(
        "Curators. Runs the optimiser over the needs in scope; pinned, hand-added and invited "
        "companies stay, excluded and declined ones never come back. 409 when the mission has "
        "no needs in scope yet."
    ),
    responses={200: ("The mission with its new shortlist.", schemas.MISSION)},
    errors=(403, 404, 409),
)
def generate_shortlist_view(mission_id: int):
    user = require_staff("Only bureau curators generate shortlists.")
    mission = _visible_mission(user, mission_id)
    try:
        generate_shortlist(mission, user, source="api")
    except MissionError as error:
        raise ApiError(409, f"The shortlist cannot be generated: {error}.") from None
    db.session.commit()
    return _mission_json(user, mission)


# -- outcomes --------------------------------------------------------------------------------

OUTCOME_LIST_PARAMETERS = [
    *PAGE_PARAMETERS,
    query_parameter("kind", schemas.enum(OutcomeKind), "Only outcomes of this kind."),
    query_parameter("mission", schemas.identifier(), "Only outcomes of this mission (id)."),
    query_parameter("company", schemas.identifier(), "Only outcomes of this company (id)."),
    query_parameter("need", schemas.identifier(), "Only outcomes of this need (id)."),
]


@api_route(
    "GET",
    "/outcomes",
    summary="Outcomes of pairs (curators)",
    tag="outcomes",
    auth="required",
    parameters=OUTCOME_LIST_PARAMETERS,
    responses={200: ("A page of outcomes, latest first.", page_envelope(schemas.OUTCOME))},
    errors=(400, 403),
)
def list_outcomes():
    require_staff("Only bureau curators read outcomes.")
    args = query_args(OUTCOME_LIST_PARAMETERS)
    query = sa.select(Outcome).where(Outcome.archived_at.is_(None))
    for name, column in (
        ("kind", Outcome.kind),
        ("mission", Outcome.mission_id),
        ("company", Outcome.company_id),
        ("need", Outcome.need_id),
    ):
        if args.get(name):
            query = query.where(column == args[name])
    query = query.order_by(Outcome.occurred_on.desc(), Outcome.id.desc())
    return paginate(query, serializers.outcome, args)


@api_route(
    "GET",
    "/outcomes/{outcome_id}",
    summary="One outcome (curators)",
    tag="outcomes",
    auth="required",
    responses={200: ("The outcome.", schemas.OUTCOME)},
    errors=(403, 404),
)
def get_outcome(outcome_id: int):
    require_staff("Only bureau curators read outcomes.")
    outcome = get_or_404(Outcome, outcome_id, "outcome")
    if outcome.is_archived:
        raise not_found("outcome", outcome_id)
    return serializers.outcome(outcome)


@api_route(
    "POST",
    "/outcomes",
    summary="Record an outcome",
    tag="outcomes",
    auth="required",
    description=(
        "Curators. A dropped pair needs a reason; an amount is recorded only for a contract won."
    ),
    request_body=schemas.OUTCOME_CREATE,
    responses={201: ("The outcome as saved.", schemas.OUTCOME)},
    errors=(400, 403, 415, 422),
)
def create_outcome_view():
    user = require_staff("Only bureau curators record outcomes.")
    data = strip_strings(json_body(schemas.OUTCOME_CREATE))
    check_outcome_pair(data)
    values = {
        "company_id": data["company_id"],
        "need_id": data["need_id"],
        "mission_id": data.get("mission_id"),
        "kind": data["kind"],
        "occurred_on": date.fromisoformat(data["occurred_on"]),
        "funding_source": data.get("funding_source", ""),
        "amount_jpy": Decimal(data["amount_jpy"]) if data.get("amount_jpy") is not None else None,
        "reason": data.get("reason", ""),
        "notes": data.get("notes", ""),
    }
    try:
        outcome = record_outcome(values, user, source="api")
    except OutcomeError as error:
        raise ApiError(422, INVALID, {"kind": [str(error)]}) from None
    db.session.commit()
    return created(serializers.outcome(outcome), f"/api/v1/outcomes/{outcome.id}")
