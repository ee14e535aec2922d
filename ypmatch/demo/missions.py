"""Demo missions: a planned one to Cebu and a completed one to Da Nang with outcomes."""

from datetime import date, timedelta

import sqlalchemy as sa

from ypmatch.extensions import db
from ypmatch.models import (
    MissionStatus,
    Need,
    NeedStatus,
    OutcomeKind,
    PartnerCity,
    User,
)
from ypmatch.services.invitations import invite, mark_joined, respond_to_invitation
from ypmatch.services.missions import (
    active_participants,
    add_company_by_hand,
    create_mission,
    generate_shortlist,
    participant,
)
from ypmatch.services.outcomes import record_outcome
from ypmatch.services.records import update_record

SOURCE = "seed"


def _published_needs(city: PartnerCity) -> list[Need]:
    return list(
        db.session.scalars(
            sa.select(Need)
            .where(
                Need.city_id == city.id,
                Need.status == NeedStatus.PUBLISHED,
                Need.is_current,
            )
            .order_by(Need.id)
        )
    )


def seed_demo_missions(
    cities: dict[str, PartnerCity], member: User, curator: User, today: date | None = None
) -> int:
    today = today or date.today()
    cebu = create_mission(
        {
            "city_id": cities["cebu"].id,
            "title": "Cebu joint survey mission",
            "start_date": today + timedelta(days=75),
            "end_date": today + timedelta(days=79),
            "slots": 8,
            "per_need_cap": 3,
            "notes": "Site visits with the Cebu City Planning Office and MCWD.",
        },
        _published_needs(cities["cebu"]),
        None,
        source=SOURCE,
    )
    generate_shortlist(cebu, None, source=SOURCE)
    # The demo company member finds an invitation waiting on their dashboard.
    own = participant(cebu, member.company_id) or add_company_by_hand(cebu, member.company, None)
    invite(own, None)

    danang_needs = _published_needs(cities["da-nang"])[:5]
    start = today - timedelta(days=200)
    danang = create_mission(
        {
            "city_id": cities["da-nang"].id,
            "title": "Da Nang environmental survey mission",
            "start_date": start,
            "end_date": start + timedelta(days=4),
            "slots": 6,
            "notes": "Joint survey with DONRE Da Nang; follow-up feasibility studies agreed.",
        },
        danang_needs,
        None,
        source=SOURCE,
    )
    generate_shortlist(danang, None, source=SOURCE)
    participants = active_participants(danang)
    for row in participants:
        invite(row, None, notify=False)  # a past mission: no invitation emails today
    for index, row in enumerate(participants):
        accept = index != len(participants) - 1  # the last one declines
        respond_to_invitation(
            row,
            accept,
            "We will send two engineers." if accept else "No capacity this quarter.",
            member if row.company_id == member.company_id else curator,
        )
        if accept:
            mark_joined(row, None)
    update_record(danang, {"status": MissionStatus.COMPLETED}, None, source=SOURCE)

    outcomes = 0
    for index, row in enumerate(participants[:-1]):
        covered = sorted(row.coverage or [], key=lambda c: -c["score"])
        if not covered:
            continue
        need_id = covered[0]["need_id"]
        plan = [
            (OutcomeKind.INFORMATION_PROVIDED, start - timedelta(days=30), {}),
            (OutcomeKind.JOINT_SURVEY, start + timedelta(days=2), {"funding_source": "JICA"}),
        ]
        if index == 0:
            plan.append(
                (OutcomeKind.ORDER_SUPPORT, start + timedelta(days=90), {"funding_source": "JCM"})
            )
            plan.append(
                (
                    OutcomeKind.CONTRACT_WON,
                    start + timedelta(days=160),
                    {"funding_source": "JCM", "amount_jpy": 48_000_000},
                )
            )
        elif index == 1:
            plan.append(
                (
                    OutcomeKind.PROPOSAL_SUBMITTED,
                    start + timedelta(days=120),
                    {"funding_source": "ADB"},
                )
            )
        elif index == 2:
            plan.append(
                (
                    OutcomeKind.DROPPED,
                    start + timedelta(days=100),
                    {"reason": "The city chose to fund the works from its own budget."},
                )
            )
        for kind, day, extra in plan:
            record_outcome(
                {
                    "company_id": row.company_id,
                    "need_id": need_id,
                    "mission_id": danang.id,
                    "kind": kind,
                    "occurred_on": day,
                    **extra,
                },
                None,
                source=SOURCE,
            )
            outcomes += 1
    return outcomes
