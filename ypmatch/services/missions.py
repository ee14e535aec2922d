"""Joint survey missions: planning, shortlist generation, the invitation pipeline."""

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ypmatch.extensions import db
from ypmatch.matching.shortlist import (
    CuratorDecisions,
    PairScore,
    Shortlist,
    ShortlistSettings,
    build_shortlist,
)
from ypmatch.models import (
    Company,
    HistoryAction,
    MatchDecision,
    MatchDecisionStatus,
    Mission,
    MissionCompany,
    MissionStatus,
    Need,
    NeedStatus,
    ParticipantState,
    User,
)
from ypmatch.models.base import utcnow
from ypmatch.permissions import visible_missions_condition
from ypmatch.services.matching import matching_index
from ypmatch.services.records import add_history, create_record, update_record
from ypmatch.services.rules import FieldErrors, check_partner_city, listed_needs_by_id

# How many of each need's best companies enter the shortlist's candidate pool.
CANDIDATES_PER_NEED = 40
# Participants in these states stay on the list whatever a re-run says.
COMMITTED_STATES = {
    ParticipantState.INVITED,
    ParticipantState.ACCEPTED,
    ParticipantState.JOINED,
}


class MissionError(ValueError):
    """A mission operation that cannot be carried out; the message says why."""


# Which status may follow which: on along the mission's life, back one step when plans change,
# cancelled from any open status; a cancelled mission may be planned again and a completed one
# reopened if it was closed by mistake.
NEXT_STATUSES: dict[MissionStatus, frozenset[MissionStatus]] = {
    MissionStatus.PLANNING: frozenset({MissionStatus.SHORTLISTED, MissionStatus.CANCELLED}),
    MissionStatus.SHORTLISTED: frozenset(
        {MissionStatus.PLANNING, MissionStatus.INVITATIONS_SENT, MissionStatus.CANCELLED}
    ),
    MissionStatus.INVITATIONS_SENT: frozenset(
        {MissionStatus.SHORTLISTED, MissionStatus.CONFIRMED, MissionStatus.CANCELLED}
    ),
    MissionStatus.CONFIRMED: frozenset(
        {MissionStatus.INVITATIONS_SENT, MissionStatus.COMPLETED, MissionStatus.CANCELLED}
    ),
    MissionStatus.COMPLETED: frozenset({MissionStatus.CONFIRMED}),
    MissionStatus.CANCELLED: frozenset({MissionStatus.PLANNING}),
}


def next_statuses(mission: Mission) -> list[MissionStatus]:
    """The statuses the mission may move to now: the next step first, then cancelling, then
    the steps back (so the form's first choice is the usual one)."""
    life = list(MissionStatus)
    here = life.index(MissionStatus(mission.status))
    allowed = NEXT_STATUSES[MissionStatus(mission.status)]

    def order(status: MissionStatus) -> tuple:
        return (life.index(status) < here, status == MissionStatus.CANCELLED, life.index(status))

    return sorted(allowed, key=order)


def change_mission_status(mission: Mission, status: MissionStatus, actor: User) -> None:
    if status not in NEXT_STATUSES[MissionStatus(mission.status)]:
        raise MissionError(f"a mission cannot go from {mission.status} to {status}")
    update_record(mission, {"status": status}, actor)


def visible_missions(viewer: User) -> sa.Select:
    """The missions a user's list shows, newest first (its exports reuse it)."""
    return (
        sa.select(Mission)
        .where(Mission.is_current, visible_missions_condition(viewer))
        .order_by(Mission.start_date.desc(), Mission.id.desc())
    )


def plannable_needs(ids: list[int] | None = None) -> list[Need]:
    """Needs a mission may take in (published or in a mission), by city; only ``ids`` if given."""
    query = sa.select(Need).where(
        Need.is_current, Need.status.in_([NeedStatus.PUBLISHED, NeedStatus.IN_MISSION])
    )
    if ids is not None:  # the needs a form chose, in id order
        return list(db.session.scalars(query.where(Need.id.in_(ids)).order_by(Need.id)))
    return list(db.session.scalars(query.order_by(Need.city_id, Need.id)))


def listed_company(company_id: int | None) -> Company | None:
    """The company a curator may add to a mission by hand: approved and not archived."""
    company = db.session.get(Company, company_id) if company_id else None
    return company if company is not None and company.is_listed else None


def check_mission_dates(data: dict, errors: FieldErrors) -> None:
    """A mission ends no earlier than it starts."""
    start, end = data.get("start_date"), data.get("end_date")
    if start and end and end < start:
        errors.add("end_date", _l("The last day cannot be before the first."))


def _dates_hold(data: dict) -> None:
    errors = FieldErrors()
    check_mission_dates(data, errors)
    errors.raise_any()


def create_mission(
    data: dict, needs: list[Need], actor: User | None, source: str = "web"
) -> Mission:
    _dates_hold(data)
    _check_needs(data["city_id"], needs)
    mission = Mission(**data)
    mission.needs = needs
    return create_record(mission, actor, source=source)


def plan_mission(
    data: dict, need_ids: list[int], actor: User | None, source: str = "web"
) -> Mission:
    """A new mission to an active partner city, ending no earlier than it starts, with
    published needs of that city in scope. Raises
    :class:`~ypmatch.services.rules.InvalidFields` naming each field that breaks a rule."""
    errors = FieldErrors()
    check_partner_city(data["city_id"], errors)
    check_mission_dates(data, errors)
    needs = listed_needs_by_id(need_ids, errors)
    foreign = [str(need.id) for need in needs if need.city_id != data["city_id"]]
    if foreign:
        errors.add(
            "need_ids", f"need {', '.join(foreign)} belongs to another city than the mission's"
        )
    errors.raise_any()
    return create_mission(data, needs, actor, source=source)


def update_mission(
    mission: Mission, data: dict, needs: list[Need], actor: User, expected_version: int | None
) -> dict:
    _dates_hold(
        {
            "start_date": data.get("start_date", mission.start_date),
            "end_date": data.get("end_date", mission.end_date),
        }
    )
    _check_needs(data.get("city_id", mission.city_id), needs)
    return update_record(
        mission, {**data, "needs": needs}, actor, expected_version=expected_version
    )


def _check_needs(city_id: int, needs: list[Need]) -> None:
    foreign = [need for need in needs if need.city_id != city_id]
    if foreign:
        raise MissionError("every need in scope must belong to the mission's city")


def participant(mission: Mission, company_id: int) -> MissionCompany | None:
    return db.session.scalar(
        sa.select(MissionCompany).where(
            MissionCompany.mission_id == mission.id, MissionCompany.company_id == company_id
        )
    )


def _pair_scores(mission: Mission) -> list[PairScore]:
    index = matching_index()
    pairs = []
    for need in mission.needs:
        if str(need.id) not in index.matcher.need_index_:
            continue
        for match in index.matcher.rank_companies_for_need(str(need.id), k=CANDIDATES_PER_NEED):
            pairs.append(
                PairScore(
                    company_id=match.company_id,
                    need_id=str(need.id),
                    score=match.score,
                    technology_id=match.technology_id,
                    reasons=tuple(
                        {"token": r.token, "kind": r.kind, "share": round(r.share, 4)}
                        for r in match.reasons
                    ),
                )
            )
    return pairs


def _by_hand_pairs(mission: Mission, company_ids: set[str]) -> list[PairScore]:
    """Scores for companies a curator added by hand that the candidate pool missed."""
    index = matching_index()
    pairs = []
    for need in mission.needs:
        if str(need.id) not in index.matcher.need_index_:
            continue
        for match in index.matcher.rank_companies_for_need(
            str(need.id), k=len(company_ids), include_companies=company_ids, explain=False
        ):
            pairs.append(
                PairScore(match.company_id, str(need.id), match.score, match.technology_id, ())
            )
    return pairs


def dismissed_pairs(mission: Mission) -> set[tuple[str, str]]:
    need_ids = [need.id for need in mission.needs]
    if not need_ids:
        return set()
    return {
        (str(decision.company_id), str(decision.need_id))
        for decision in db.session.scalars(
            sa.select(MatchDecision).where(
                MatchDecision.need_id.in_(need_ids),
                MatchDecision.status == MatchDecisionStatus.DISMISSED,
                MatchDecision.is_current,
            )
        )
    }


def compute_shortlist(mission: Mission, slots: int | None = None) -> Shortlist:
    participants = list(mission.participants)
    pinned = {
        str(p.company_id)
        for p in participants
        if not p.archived_at and (p.pinned or p.added_by_hand or p.state in COMMITTED_STATES)
    }
    excluded = {str(p.company_id) for p in participants if p.excluded}
    declined = {str(p.company_id) for p in participants if p.state == ParticipantState.DECLINED}
    pairs = _pair_scores(mission)
    missing = pinned - {pair.company_id for pair in pairs}
    if missing:
        pairs.extend(_by_hand_pairs(mission, missing))
    return build_shortlist(
        pairs,
        [str(need.id) for need in mission.needs],
        shortlist_settings(mission, slots),
        CuratorDecisions(
            pinned=sorted(pinned),
            excluded=excluded,
            declined=declined,
            dismissed_pairs=dismissed_pairs(mission),
        ),
    )


def shortlist_settings(mission: Mission, slots: int | None = None) -> ShortlistSettings:
    return ShortlistSettings(
        slots=mission.slots if slots is None else slots, per_need_cap=mission.per_need_cap
    )


def coverage_by_need(mission: Mission, participants: list[MissionCompany]) -> list[dict]:
    """Per need of the mission: the participants covering it (best first, from the last
    shortlist run) and whether none of them is a strong candidate."""
    strong = shortlist_settings(mission).strong_threshold
    rows = []
    for need in mission.needs:
        covering = sorted(
            (
                (p, c["score"])
                for p in participants
                for c in p.coverage or []
                if c["need_id"] == need.id
            ),
            key=lambda item: -item[1],
        )
        best = covering[0][1] if covering else 0.0
        # Before the first shortlist run nothing covers any need yet: no false alarm.
        weak = mission.shortlisted_at is not None and best < strong
        rows.append({"need": need, "companies": covering, "weak": weak})
    return rows


@dataclass
class ShortlistRun:
    """A run of the optimiser and what it changed on the mission's list."""

    shortlist: Shortlist
    added: list[Company] = field(default_factory=list)
    # Companies no longer proposed, each with why in a few words.
    dropped: list[tuple[Company, str]] = field(default_factory=list)


def _why_dropped(mission: Mission, row: MissionCompany, selected: list[MissionCompany]) -> str:
    """Why a proposal left the list: the need it covered best is at its cap, or others
    cover the needs better within the slots."""
    if row.coverage and mission.per_need_cap:
        best_need = max(row.coverage, key=lambda c: c["score"])["need_id"]
        covering = sum(
            1
            for other in selected
            if other.coverage
            and max(other.coverage, key=lambda c: c["score"])["need_id"] == best_need
        )
        if covering >= mission.per_need_cap:
            return "cap per need"
    return "others cover the needs better"


def generate_shortlist(mission: Mission, actor: User | None, source: str = "web") -> ShortlistRun:
    """Run the optimiser and make the mission's list match it, keeping curators' choices.

    Pinned, hand-added and already invited companies stay; excluded and declined ones never
    come back; other proposals are replaced by the new run's.
    """
    if not mission.needs:
        raise MissionError("choose at least one need in scope before generating a shortlist")
    shortlist = compute_shortlist(mission)
    existing = {p.company_id: p for p in mission.participants}
    listed_before = {p.company_id for p in active_participants(mission)}
    selected_ids = []
    for position, entry in enumerate(shortlist.companies):
        company_id = int(entry.company_id)
        selected_ids.append(company_id)
        coverage = [
            {
                "need_id": int(need_id),
                "score": round(score, 4),
                "technology_id": int(technology_id) if technology_id else None,
                "reasons": list(reasons),
            }
            for need_id, score, technology_id, reasons in entry.needs
        ]
        row = existing.get(company_id)
        if row is None:
            row = MissionCompany(
                mission_id=mission.id, company_id=company_id, position=position, coverage=coverage
            )
            db.session.add(row)
            mission.participants.append(row)
        else:
            row.position = position
            row.coverage = coverage
            row.archived_at = None
    dropped = []
    for company_id, row in existing.items():
        if company_id in selected_ids or row.excluded or row.state != ParticipantState.PROPOSED:
            continue
        if row.archived_at is None:
            row.archived_at = utcnow()
            dropped.append(row)
    data = {"shortlisted_at": utcnow()}
    if mission.status == MissionStatus.PLANNING:
        data["status"] = MissionStatus.SHORTLISTED
    db.session.flush()
    update_record(
        mission,
        data,
        actor,
        action=HistoryAction.SHORTLIST,
        source=source,
        note=f"{len(selected_ids)} companies proposed; {len(dropped)} replaced",
    )
    selected = [row for row in mission.participants if row.company_id in selected_ids]
    return ShortlistRun(
        shortlist=shortlist,
        added=[row.company for row in selected if row.company_id not in listed_before],
        dropped=[(row.company, _why_dropped(mission, row, selected)) for row in dropped],
    )


def active_participants(mission: Mission) -> list[MissionCompany]:
    return [p for p in mission.participants if p.archived_at is None and not p.excluded]


def set_participant_flag(
    row: MissionCompany, actor: User, pinned: bool | None = None, excluded: bool | None = None
) -> None:
    data = {}
    if pinned is not None:
        data["pinned"] = pinned
    if excluded is not None:
        data["excluded"] = excluded
        if excluded:
            data["pinned"] = False
    update_record(row, data, actor)
    _mission_note(row.mission, actor, _flag_note(row, data))


def _flag_note(row: MissionCompany, data: dict) -> str:
    name = row.company.name_en or row.company.name_ja
    parts = [f"{key}={'yes' if value else 'no'}" for key, value in data.items()]
    return f"{name}: {', '.join(parts)}"


def _mission_note(
    mission: Mission, actor: User | None, note: str, action: HistoryAction = HistoryAction.UPDATE
) -> None:
    add_history(mission, action, actor, note=note)


def move_participant(row: MissionCompany, offset: int, actor: User) -> None:
    ordered = active_participants(row.mission)
    index = next((i for i, p in enumerate(ordered) if p.id == row.id), None)
    if index is None:
        return
    target = max(0, min(len(ordered) - 1, index + offset))
    if target == index:
        return
    ordered.insert(target, ordered.pop(index))
    for position, participant_row in enumerate(ordered):
        participant_row.position = position
    db.session.flush()
    _mission_note(
        row.mission,
        actor,
        f"moved {row.company.name_en or row.company.name_ja} to position {target + 1}",
    )


def hand_candidates(
    mission: Mission, text: str = "", limit: int = 10
) -> list[tuple[Company, float]]:
    """Companies a curator may add by hand, best fit for the mission's needs first: those
    whose name contains ``text`` (all approved ones when empty), not on the list already."""
    best: dict[int, float] = {}
    for pair in _pair_scores(mission):
        company_id = int(pair.company_id)
        best[company_id] = max(best.get(company_id, 0.0), pair.score)
    on_list = {p.company_id for p in active_participants(mission)}
    query = sa.select(Company).where(Company.is_listed)
    text = text.strip()
    if text:
        query = query.where(
            Company.name_en.icontains(text, autoescape=True)
            | Company.name_ja.icontains(text, autoescape=True)
        )
    else:
        query = query.where(Company.id.in_(list(best) or [0]))
    candidates = [
        (company, best.get(company.id, 0.0))
        for company in db.session.scalars(query)
        if company.id not in on_list
    ]
    candidates.sort(key=lambda row: (-row[1], row[0].name("en")))
    return candidates[:limit]


def add_company_by_hand(mission: Mission, company: Company, actor: User) -> MissionCompany:
    row = participant(mission, company.id)
    if row is None:
        position = len(active_participants(mission))
        row = MissionCompany(
            mission_id=mission.id,
            company_id=company.id,
            added_by_hand=True,
            pinned=True,
            position=position,
        )
        create_record(row, actor, note="added by hand")
        mission.participants.append(row)
    else:
        update_record(
            row,
            {"added_by_hand": True, "pinned": True, "excluded": False, "archived_at": None},
            actor,
        )
    _mission_note(mission, actor, f"added {company.name_en or company.name_ja} by hand")
    return row
