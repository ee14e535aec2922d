"""Invitations to a mission and their answers, and companies raising their hand on needs."""

from datetime import timedelta

import sqlalchemy as sa

from ypmatch import clock
from ypmatch.extensions import db
from ypmatch.models import (
    Company,
    CompanyInterest,
    HistoryAction,
    Mission,
    MissionCompany,
    MissionStatus,
    Need,
    ParticipantState,
    User,
)
from ypmatch.models.base import utcnow
from ypmatch.services.companies import company_members
from ypmatch.services.missions import MissionError
from ypmatch.services.notifications import send_to_user
from ypmatch.services.records import add_history, update_record


def invite(row: MissionCompany, actor: User | None, notify: bool = True) -> None:
    if row.state not in (ParticipantState.PROPOSED, ParticipantState.DECLINED):
        raise MissionError("this company has been invited already")
    update_record(row, {"state": ParticipantState.INVITED}, actor, action=HistoryAction.INVITE)
    for member in company_members(row.company_id) if notify else ():
        send_to_user(
            member,
            "mission_invitation",
            "mission_invitation",
            clock.now(),
            dedupe_key=f"invite:{row.mission_id}:{row.company_id}:{member.id}",
            mission=row.mission,
            company=row.company,
        )
    mission = row.mission
    if mission.status in (MissionStatus.PLANNING, MissionStatus.SHORTLISTED):
        update_record(mission, {"status": MissionStatus.INVITATIONS_SENT}, actor)


def respond_to_invitation(row: MissionCompany, accept: bool, note: str, actor: User) -> None:
    if row.state not in (
        ParticipantState.INVITED,
        ParticipantState.ACCEPTED,
        ParticipantState.DECLINED,
    ):
        raise MissionError("there is no open invitation to answer")
    state = ParticipantState.ACCEPTED if accept else ParticipantState.DECLINED
    update_record(
        row,
        {"state": state, "response_note": note.strip(), "responded_at": utcnow()},
        actor,
        action=HistoryAction.ACCEPT if accept else HistoryAction.DECLINE,
        note=note.strip(),
    )


def mark_joined(row: MissionCompany, actor: User) -> None:
    if row.state != ParticipantState.ACCEPTED:
        raise MissionError("only companies that accepted can be marked as joined")
    update_record(row, {"state": ParticipantState.JOINED}, actor, action=HistoryAction.JOIN)


# Invited companies are asked to answer this long before the mission starts.
ANSWER_DAYS_BEFORE_START = 14


def answer_by(mission: Mission):
    """The date an invitation should be answered by (None while the mission has no dates)."""
    if mission.start_date is None:
        return None
    return mission.start_date - timedelta(days=ANSWER_DAYS_BEFORE_START)


def unanswered_invitations(company_id: int) -> int:
    """Invitations the company has not answered yet (the menu shows the count)."""
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(MissionCompany)
            .join(Mission)
            .where(
                MissionCompany.company_id == company_id,
                MissionCompany.state == ParticipantState.INVITED,
                MissionCompany.is_current,
                Mission.is_current,
            )
        )
        or 0
    )


def invitation_subjects(row: MissionCompany, viewer: User, locale: str) -> list[tuple[Need, str]]:
    """What an invitation is about: the mission's needs the company covers (those the
    viewer may see), each with the company's technology that fits it, best first."""
    from ypmatch.permissions import can_view_need

    needs = {need.id: need for need in row.mission.needs if can_view_need(viewer, need)}
    technologies = {t.id: t for t in row.company.technologies if not t.is_archived}
    subjects = []
    for cover in sorted(row.coverage or [], key=lambda c: -c["score"]):
        need = needs.get(cover["need_id"])
        if need is None:
            continue
        technology = technologies.get(cover.get("technology_id"))
        subjects.append((need, technology.title(locale) if technology else ""))
    return subjects


def invitations_for_company(company_id: int) -> list[MissionCompany]:
    return list(
        db.session.scalars(
            sa.select(MissionCompany)
            .join(Mission)
            .where(
                MissionCompany.company_id == company_id,
                MissionCompany.state != ParticipantState.PROPOSED,
                MissionCompany.is_current,
                Mission.is_current,
            )
            .order_by(Mission.start_date.desc(), Mission.id.desc())
        )
    )


def raise_hand(
    company: Company,
    actor: User,
    note: str,
    need: Need | None = None,
    mission: Mission | None = None,
) -> CompanyInterest:
    query = sa.select(CompanyInterest).where(
        CompanyInterest.company_id == company.id, CompanyInterest.is_current
    )
    query = query.where(
        CompanyInterest.need_id == need.id if need else CompanyInterest.need_id.is_(None)
    )
    query = query.where(
        CompanyInterest.mission_id == mission.id
        if mission
        else CompanyInterest.mission_id.is_(None)
    )
    existing = db.session.scalar(query)
    if existing is None:
        interest = CompanyInterest(
            company_id=company.id,
            need_id=need.id if need else None,
            mission_id=mission.id if mission else None,
            note=note.strip(),
            user_id=actor.id,
        )
        try:
            # A twin request raising the same hand at the same moment waits here on the
            # unique index, then finds the hand it raised.
            with db.session.begin_nested():
                db.session.add(interest)
        except sa.exc.IntegrityError:
            existing = db.session.scalar(query)
        else:
            add_history(interest, HistoryAction.CREATE, actor, note=note.strip())
            return interest
    existing.note = note.strip() or existing.note
    return existing


def interests_for_mission(mission: Mission) -> list[CompanyInterest]:
    need_ids = [need.id for need in mission.needs]
    conditions = [CompanyInterest.mission_id == mission.id]
    if need_ids:
        conditions.append(CompanyInterest.need_id.in_(need_ids))
    return list(
        db.session.scalars(
            sa.select(CompanyInterest)
            .where(sa.or_(*conditions), CompanyInterest.is_current)
            .order_by(CompanyInterest.created_at.desc())
        )
    )


def open_interest(company: Company, need: Need) -> CompanyInterest | None:
    """The hand ``company`` raised for ``need`` and has not withdrawn."""
    return db.session.scalar(
        sa.select(CompanyInterest).where(
            CompanyInterest.company_id == company.id,
            CompanyInterest.need_id == need.id,
            CompanyInterest.is_current,
        )
    )


def withdraw_hand(interest: CompanyInterest, actor: User) -> None:
    interest.archived_at = utcnow()
    db.session.flush()
    add_history(interest, HistoryAction.ARCHIVE, actor, note="hand withdrawn")


def interests_for_city(city_id: int, limit: int = 20) -> list[CompanyInterest]:
    """The latest hands raised for a city's needs (for its focal point)."""
    return list(
        db.session.scalars(
            sa.select(CompanyInterest)
            .join(Need, Need.id == CompanyInterest.need_id)
            .where(
                Need.city_id == city_id,
                Need.is_current,
                CompanyInterest.is_current,
            )
            .order_by(CompanyInterest.created_at.desc())
            .limit(limit)
        )
    )


def interests_for_need(need: Need) -> list[CompanyInterest]:
    return list(
        db.session.scalars(
            sa.select(CompanyInterest)
            .where(CompanyInterest.need_id == need.id, CompanyInterest.is_current)
            .order_by(CompanyInterest.created_at.desc())
        )
    )
