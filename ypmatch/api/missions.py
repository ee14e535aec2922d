"""Joint survey missions and their shortlists; outcomes of company↔need pairs."""

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from ypmatch.api.base import (
    INVALID,
    PageArgs,
    RequestBody,
    body,
    created,
    get_or_404,
    not_found,
    operation,
    page_of,
    paginate,
    query,
    require_staff,
    require_user,
    v1,
)
from ypmatch.api.fields import Choice, QueryId
from ypmatch.api.problems import ApiError
from ypmatch.api.schemas import MissionSchema, OutcomeSchema
from ypmatch.extensions import db
from ypmatch.models import Mission, MissionCompany, MissionStatus, Need, Outcome, OutcomeKind, User
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


@dataclass
class MissionSeen:
    """A mission as one caller sees it: the needs they may see, and the shortlist when it
    is theirs to see (None otherwise)."""

    mission: Mission
    needs: list[Need]
    shortlist: list[MissionCompany] | None

    def __getattr__(self, name: str):
        return getattr(self.mission, name)


def _seen_by(user: User, mission: Mission) -> MissionSeen:
    shortlist = active_participants(mission) if sees_mission_shortlist(user, mission) else None
    return MissionSeen(mission, mission_needs_for(user, mission), shortlist)


class MissionArgs(PageArgs):
    city = QueryId(metadata={"description": "Only missions to this partner city (id)."})
    status = Choice(MissionStatus, metadata={"description": "Only missions in this status."})


@v1.get("/missions")
@operation("missions", auth="required")
@query(MissionArgs)
@v1.response(200, page_of(MissionSchema), description="A page of missions, latest first.")
def list_missions(args: dict):
    """Joint survey missions

    Curators see every mission, a focal point its city's, members of an approved company
    those it was invited to (with only the needs they may see). The shortlist is included
    for curators and the city's focal point.
    """
    user = require_user()
    missions = sa.select(Mission).where(Mission.is_current, visible_missions_condition(user))
    if args.get("city"):
        missions = missions.where(Mission.city_id == args["city"])
    if args.get("status"):
        missions = missions.where(Mission.status == args["status"])
    missions = missions.order_by(Mission.start_date.desc(), Mission.id.desc())
    return paginate(missions, args, lambda mission: _seen_by(user, mission))


def _visible_mission(user: User, mission_id: int) -> Mission:
    mission = get_or_404(Mission, mission_id, "mission")
    if mission.is_archived or not can_view_mission(user, mission):
        raise not_found("mission", mission_id)
    return mission


@v1.get("/missions/<int:mission_id>")
@operation("missions", auth="required")
@v1.response(200, MissionSchema, description="The mission.")
def get_mission(mission_id: int):
    """One mission"""
    user = require_user()
    return _seen_by(user, _visible_mission(user, mission_id))


@v1.post("/missions")
@operation("missions", auth="required")
@body(MissionSchema)
@v1.response(201, MissionSchema, description="The mission as saved.")
def create_mission_view(sent: RequestBody):
    """Plan a mission

    Curators. Generate its shortlist with POST /missions/{mission_id}/shortlist.
    """
    user = require_staff("Only bureau curators plan missions.")
    data = sent.load()
    values = {
        "city_id": data["city_id"],
        "title": data["title"],
        "start_date": data.get("start_date"),
        "end_date": data.get("end_date"),
        "slots": data["slots"],
        "per_need_cap": data.get("per_need_cap"),
        "notes": data.get("notes", ""),
    }
    try:
        mission = plan_mission(values, data.get("need_ids", []), user, source="api")
    except MissionError as error:
        raise ApiError(422, INVALID, {"need_ids": [str(error)]}) from None
    db.session.commit()
    return created(_seen_by(user, mission), f"/api/v1/missions/{mission.id}")


@v1.post("/missions/<int:mission_id>/shortlist")
@operation("missions", auth="required", errors=(409,))
@v1.response(200, MissionSchema, description="The mission with its new shortlist.")
def generate_shortlist_view(mission_id: int):
    """Generate a mission's shortlist

    Curators. Runs the optimiser over the needs in scope; pinned, hand-added and invited
    companies stay, excluded and declined ones never come back. 409 when the mission has no
    needs in scope yet.
    """
    user = require_staff("Only bureau curators generate shortlists.")
    mission = _visible_mission(user, mission_id)
    try:
        generate_shortlist(mission, user, source="api")
    except MissionError as error:
        raise ApiError(409, f"The shortlist cannot be generated: {error}.") from None
    db.session.commit()
    return _seen_by(user, mission)


# -- outcomes --------------------------------------------------------------------------------


class OutcomeArgs(PageArgs):
    kind = Choice(OutcomeKind, metadata={"description": "Only outcomes of this kind."})
    mission = QueryId(metadata={"description": "Only outcomes of this mission (id)."})
    company = QueryId(metadata={"description": "Only outcomes of this company (id)."})
    need = QueryId(metadata={"description": "Only outcomes of this need (id)."})


@v1.get("/outcomes")
@operation("outcomes", auth="required")
@query(OutcomeArgs)
@v1.response(200, page_of(OutcomeSchema), description="A page of outcomes, latest first.")
def list_outcomes(args: dict):
    """Outcomes of pairs (curators)"""
    require_staff("Only bureau curators read outcomes.")
    outcomes = sa.select(Outcome).where(Outcome.is_current)
    for name, column in (
        ("kind", Outcome.kind),
        ("mission", Outcome.mission_id),
        ("company", Outcome.company_id),
        ("need", Outcome.need_id),
    ):
        if args.get(name):
            outcomes = outcomes.where(column == args[name])
    outcomes = outcomes.order_by(Outcome.occurred_on.desc(), Outcome.id.desc())
    return paginate(outcomes, args)


@v1.get("/outcomes/<int:outcome_id>")
@operation("outcomes", auth="required")
@v1.response(200, OutcomeSchema, description="The outcome.")
def get_outcome(outcome_id: int):
    """One outcome (curators)"""
    require_staff("Only bureau curators read outcomes.")
    outcome = get_or_404(Outcome, outcome_id, "outcome")
    if outcome.is_archived:
        raise not_found("outcome", outcome_id)
    return outcome


@v1.post("/outcomes")
@operation("outcomes", auth="required")
@body(OutcomeSchema)
@v1.response(201, OutcomeSchema, description="The outcome as saved.")
def create_outcome_view(sent: RequestBody):
    """Record an outcome

    Curators. A dropped pair needs a reason; an amount is recorded only for a contract won.
    """
    user = require_staff("Only bureau curators record outcomes.")
    data = sent.load()
    check_outcome_pair(data)
    values = {
        "company_id": data["company_id"],
        "need_id": data["need_id"],
        "mission_id": data.get("mission_id"),
        "kind": data["kind"],
        "occurred_on": data["occurred_on"],
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
    return created(outcome, f"/api/v1/outcomes/{outcome.id}")
