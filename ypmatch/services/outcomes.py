"""Outcomes of company↔need pairs and the city's KPIs computed from them."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from ypmatch.extensions import db
from ypmatch.models import (
    Company,
    MatchDecision,
    MatchDecisionStatus,
    Mission,
    MissionCompany,
    Need,
    Outcome,
    OutcomeKind,
    ParticipantState,
    PartnerCity,
    User,
)
from ypmatch.models.cities import Sector
from ypmatch.services.records import create_record, update_record
from ypmatch.services.rules import FieldErrors, live_record

# The city's two headline indicators (strategy, Y-PORT): what counts toward each.
INFORMATION_AND_SURVEYS = (OutcomeKind.INFORMATION_PROVIDED, OutcomeKind.JOINT_SURVEY)
ORDER_SUPPORT = (
    OutcomeKind.ORDER_SUPPORT,
    OutcomeKind.PROPOSAL_SUBMITTED,
    OutcomeKind.CONTRACT_WON,
)
TARGETS = {"information_and_surveys": 100, "order_support": 52}
WINDOW_YEARS = 4


class OutcomeError(ValueError):
    """An outcome that cannot be recorded; the message says why."""


def fiscal_year(day: date) -> int:
    """Japanese fiscal year: April to March, named by the year it starts in."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_bounds(first_year: int, years: int = WINDOW_YEARS) -> tuple[date, date]:
    return date(first_year, 4, 1), date(first_year + years, 3, 31)


def validate_outcome(data: dict) -> None:
    if data["kind"] not in set(OutcomeKind):
        raise OutcomeError(f"unknown outcome {data['kind']!r}")
    if data["kind"] == OutcomeKind.DROPPED and not (data.get("reason") or "").strip():
        raise OutcomeError("say why the pair was dropped")
    if data.get("amount_jpy") is not None and data["kind"] != OutcomeKind.CONTRACT_WON:
        raise OutcomeError("an amount is recorded only for a contract won")
    if data.get("amount_jpy") is not None and data["amount_jpy"] < 0:
        raise OutcomeError("the amount cannot be negative")


def check_outcome_pair(data: dict) -> None:
    """The outcome names an approved company, a need and (perhaps) a mission that exist and
    are not archived. Raises :class:`~ypmatch.services.rules.InvalidFields`."""
    errors = FieldErrors()
    company = live_record(Company, data["company_id"], "company", "company_id", errors)
    if company is not None and not company.is_approved:
        errors.add("company_id", f"company {company.id} is not approved")
    live_record(Need, data["need_id"], "need", "need_id", errors)
    live_record(Mission, data.get("mission_id"), "mission", "mission_id", errors)
    errors.raise_any()


def record_outcome(data: dict, actor: User | None, source: str = "web") -> Outcome:
    validate_outcome(data)
    return create_record(Outcome(**data), actor, source=source)


def update_outcome(outcome: Outcome, data: dict, actor: User, expected_version: int) -> dict:
    validate_outcome({**data, "kind": data.get("kind", outcome.kind)})
    return update_record(outcome, data, actor, expected_version=expected_version)


@dataclass
class Indicator:
    key: str
    target: int
    total: int = 0
    by_year: dict[int, int] = field(default_factory=dict)

    @property
    def progress(self) -> float:
        return self.total / self.target if self.target else 0.0


@dataclass
class KpiReport:
    first_year: int
    years: list[int]
    indicators: list[Indicator]
    by_city: list[tuple[PartnerCity, int, int]]  # city, information+surveys, order support
    by_sector: list[tuple[Sector | None, int, int]]  # None: needs without a sector
    funnel: list[tuple[str, int]]
    outcome_counts: dict[str, int]


def _outcomes_in(start: date, end: date) -> list[Outcome]:
    return list(
        db.session.scalars(
            sa.select(Outcome).where(
                Outcome.is_current,
                Outcome.occurred_on >= start,
                Outcome.occurred_on <= end,
            )
        )
    )


def kpi_report(first_year: int, years: int = WINDOW_YEARS) -> KpiReport:
    start, end = fiscal_year_bounds(first_year, years)
    year_list = list(range(first_year, first_year + years))
    outcomes = _outcomes_in(start, end)
    indicators = []
    for key, kinds in (
        ("information_and_surveys", INFORMATION_AND_SURVEYS),
        ("order_support", ORDER_SUPPORT),
    ):
        counted = [o for o in outcomes if o.kind in kinds]
        per_year = Counter(fiscal_year(o.occurred_on) for o in counted)
        indicators.append(
            Indicator(
                key=key,
                target=TARGETS[key],
                total=len(counted),
                by_year={year: per_year.get(year, 0) for year in year_list},
            )
        )

    need_ids = {o.need_id for o in outcomes}
    needs = (
        {need.id: need for need in db.session.scalars(sa.select(Need).where(Need.id.in_(need_ids)))}
        if need_ids
        else {}
    )
    city_counts: dict[int, list[int]] = {}
    sector_counts: dict[int, list[int]] = {}
    for outcome in outcomes:
        column = (
            0
            if outcome.kind in INFORMATION_AND_SURVEYS
            else (1 if outcome.kind in ORDER_SUPPORT else None)
        )
        if column is None:
            continue
        need = needs[outcome.need_id]
        city_counts.setdefault(need.city_id, [0, 0])[column] += 1
        # Each outcome once, under its need's main (first) sector, so that the rows add up
        # to the headline like the cities do; needs without a sector have a row of their own.
        main_sector = need.sectors[0].id if need.sectors else None
        sector_counts.setdefault(main_sector, [0, 0])[column] += 1
    cities = {c.id: c for c in db.session.scalars(sa.select(PartnerCity))}
    sectors = {s.id: s for s in db.session.scalars(sa.select(Sector))}
    by_city = sorted(
        ((cities[city_id], a, b) for city_id, (a, b) in city_counts.items()),
        key=lambda row: (-(row[1] + row[2]), row[0].name_en),
    )
    by_sector = sorted(
        ((sectors.get(sector_id), a, b) for sector_id, (a, b) in sector_counts.items()),
        key=lambda row: (row[0] is None, -(row[1] + row[2]), row[0].id if row[0] else 0),
    )
    return KpiReport(
        first_year=first_year,
        years=year_list,
        indicators=indicators,
        by_city=by_city,
        by_sector=by_sector,
        funnel=_funnel(start, end, outcomes),
        outcome_counts=dict(Counter(o.kind for o in outcomes)),
    )


def _funnel(start: date, end: date, outcomes: list[Outcome]) -> list[tuple[str, int]]:
    """Distinct companies at each stage from match to order, within the window."""
    in_window = sa.and_(
        MissionCompany.created_at >= datetime.combine(start, time.min, UTC),
        MissionCompany.created_at < datetime.combine(end + timedelta(days=1), time.min, UTC),
    )
    participants = db.session.execute(
        sa.select(MissionCompany.company_id, MissionCompany.state).where(
            MissionCompany.is_current, MissionCompany.excluded.is_(False), in_window
        )
    ).all()
    confirmed = set(
        db.session.scalars(
            sa.select(MatchDecision.company_id).where(
                MatchDecision.status == MatchDecisionStatus.CONFIRMED,
                MatchDecision.is_current,
            )
        )
    )
    invited_states = {
        ParticipantState.INVITED,
        ParticipantState.ACCEPTED,
        ParticipantState.DECLINED,
        ParticipantState.JOINED,
    }
    matched = {company_id for company_id, _state in participants} | confirmed
    matched |= {o.company_id for o in outcomes}
    return [
        ("matched", len(matched)),
        ("invited", len({c for c, state in participants if state in invited_states})),
        ("joined", len({c for c, state in participants if state == ParticipantState.JOINED})),
        (
            "feasibility_study",
            len({o.company_id for o in outcomes if o.kind == OutcomeKind.JOINT_SURVEY}),
        ),
        ("order", len({o.company_id for o in outcomes if o.kind == OutcomeKind.CONTRACT_WON})),
    ]
