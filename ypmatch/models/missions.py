"""Joint survey missions, their shortlists, companies' interest, and what came of them."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ypmatch.extensions import db
from ypmatch.models.base import ArchivableMixin, CuratedRecordMixin, TimestampMixin
from ypmatch.models.cities import PartnerCity
from ypmatch.models.companies import Company
from ypmatch.models.needs import Need


class MissionStatus(StrEnum):
    PLANNING = "planning"
    SHORTLISTED = "shortlisted"
    INVITATIONS_SENT = "invitations_sent"
    CONFIRMED = "confirmed"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class ParticipantState(StrEnum):
    PROPOSED = "proposed"
    INVITED = "invited"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    JOINED = "joined"


class OutcomeKind(StrEnum):
    INFORMATION_PROVIDED = "information_provided"
    JOINT_SURVEY = "joint_survey"
    ORDER_SUPPORT = "order_support"
    PROPOSAL_SUBMITTED = "proposal_submitted"
    CONTRACT_WON = "contract_won"
    DROPPED = "dropped"


mission_needs = sa.Table(
    "mission_needs",
    db.metadata,
    sa.Column("mission_id", sa.ForeignKey("missions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("need_id", sa.ForeignKey("needs.id", ondelete="CASCADE"), primary_key=True),
)


class Mission(CuratedRecordMixin, db.Model):
    __tablename__ = "missions"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(sa.ForeignKey("partner_cities.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    start_date: Mapped[date | None] = mapped_column(sa.Date)
    end_date: Mapped[date | None] = mapped_column(sa.Date)
    slots: Mapped[int] = mapped_column(default=8)
    per_need_cap: Mapped[int | None] = mapped_column()
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[MissionStatus] = mapped_column(
        sa.String(20), default=MissionStatus.PLANNING, index=True
    )
    shortlisted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    city: Mapped[PartnerCity] = relationship()
    needs: Mapped[list[Need]] = relationship(secondary=mission_needs, order_by=Need.id)
    participants: Mapped[list["MissionCompany"]] = relationship(
        back_populates="mission", order_by="MissionCompany.position"
    )


class MissionCompany(CuratedRecordMixin, db.Model):
    """A company on a mission's shortlist and where it stands in the invitation pipeline."""

    __tablename__ = "mission_companies"
    __table_args__ = (sa.UniqueConstraint("mission_id", "company_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mission_id: Mapped[int] = mapped_column(sa.ForeignKey("missions.id"), index=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    state: Mapped[ParticipantState] = mapped_column(
        sa.String(20), default=ParticipantState.PROPOSED
    )
    pinned: Mapped[bool] = mapped_column(default=False)
    excluded: Mapped[bool] = mapped_column(default=False)
    added_by_hand: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    # From the last shortlist run: [{"need_id", "score", "technology_id", "reasons": [...]}]
    coverage: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    response_note: Mapped[str] = mapped_column(sa.Text, default="")
    responded_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    mission: Mapped[Mission] = relationship(back_populates="participants")
    company: Mapped[Company] = relationship()


class CompanyInterest(ArchivableMixin, TimestampMixin, db.Model):
    """A company raised its hand for a published need or a planned mission."""

    __tablename__ = "company_interests"
    # One open hand per company and need (or mission): raising it twice changes the note.
    __table_args__ = (
        sa.Index(
            "uq_company_interests_open_need",
            "company_id",
            "need_id",
            unique=True,
            sqlite_where=sa.text("archived_at IS NULL AND need_id IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NULL AND need_id IS NOT NULL"),
        ),
        sa.Index(
            "uq_company_interests_open_mission",
            "company_id",
            "mission_id",
            unique=True,
            sqlite_where=sa.text("archived_at IS NULL AND mission_id IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NULL AND mission_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    need_id: Mapped[int | None] = mapped_column(sa.ForeignKey("needs.id"), index=True)
    mission_id: Mapped[int | None] = mapped_column(sa.ForeignKey("missions.id"), index=True)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    company: Mapped[Company] = relationship()
    need: Mapped[Need | None] = relationship()
    mission: Mapped[Mission | None] = relationship()


class Outcome(CuratedRecordMixin, db.Model):
    """What came of a company↔need pair: information, a survey, support toward an order …"""

    __tablename__ = "outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id"), index=True)
    mission_id: Mapped[int | None] = mapped_column(sa.ForeignKey("missions.id"), index=True)
    kind: Mapped[OutcomeKind] = mapped_column(sa.String(30), index=True)
    occurred_on: Mapped[date] = mapped_column(sa.Date, index=True)
    funding_source: Mapped[str] = mapped_column(sa.String(40), default="")
    amount_jpy: Mapped[Decimal | None] = mapped_column(sa.Numeric(16, 0))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    source: Mapped[str] = mapped_column(sa.String(20), default="curator")

    company: Mapped[Company] = relationship()
    need: Mapped[Need] = relationship()
    mission: Mapped[Mission | None] = relationship()
