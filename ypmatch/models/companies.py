"""Yokohama companies and the technologies they offer."""

from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ypmatch.extensions import db
from ypmatch.models.base import CuratedRecordMixin, in_language
from ypmatch.models.cities import Sector

YOKOHAMA_WARDS = (
    "Tsurumi-ku", "Kanagawa-ku", "Nishi-ku", "Naka-ku", "Minami-ku", "Hodogaya-ku",
    "Isogo-ku", "Kanazawa-ku", "Kohoku-ku", "Totsuka-ku", "Konan-ku", "Asahi-ku",
    "Midori-ku", "Seya-ku", "Sakae-ku", "Izumi-ku", "Aoba-ku", "Tsuzuki-ku",
)  # fmt: skip


class CompanySize(StrEnum):
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"


class ApprovalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


technology_sectors = sa.Table(
    "technology_sectors",
    db.metadata,
    sa.Column(
        "technology_id", sa.ForeignKey("technologies.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("sector_id", sa.ForeignKey("sectors.id", ondelete="CASCADE"), primary_key=True),
)


class Company(CuratedRecordMixin, db.Model):
    __tablename__ = "companies"
    # Keyword search checks the rows changed since its in-memory snapshot by this column.
    __table_args__ = (sa.Index("ix_companies_updated_at", "updated_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    name_ja: Mapped[str] = mapped_column(sa.String(200), default="")
    name_en: Mapped[str] = mapped_column(sa.String(200), default="")
    ward: Mapped[str] = mapped_column(sa.String(40), default="")
    size: Mapped[CompanySize] = mapped_column(sa.String(20), default=CompanySize.SMALL)
    website: Mapped[str] = mapped_column(sa.String(300), default="")
    overseas_countries: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    yport_member: Mapped[bool] = mapped_column(default=False)
    description_ja: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    approval_status: Mapped[ApprovalStatus] = mapped_column(
        sa.String(20), default=ApprovalStatus.PENDING, index=True
    )
    review_reason: Mapped[str] = mapped_column(sa.Text, default="")

    technologies: Mapped[list["Technology"]] = relationship(
        back_populates="company", order_by="Technology.id"
    )

    def name(self, locale: str) -> str:
        return in_language(locale, self.name_en, self.name_ja)

    def description(self, locale: str) -> str:
        return in_language(locale, self.description_en, self.description_ja)

    @property
    def is_approved(self) -> bool:
        return self.approval_status == ApprovalStatus.APPROVED

    @hybrid_property
    def is_listed(self) -> bool:
        """Approved and not archived: seen by everyone, proposed by the matcher."""
        return self.approval_status == ApprovalStatus.APPROVED and self.archived_at is None

    @is_listed.inplace.expression
    @classmethod
    def _is_listed_expression(cls) -> sa.ColumnElement[bool]:
        return sa.and_(cls.approval_status == ApprovalStatus.APPROVED, cls.archived_at.is_(None))

    @property
    def active_technologies(self) -> list["Technology"]:
        return [tech for tech in self.technologies if not tech.is_archived]


class Technology(CuratedRecordMixin, db.Model):
    __tablename__ = "technologies"
    __table_args__ = (sa.Index("ix_technologies_updated_at", "updated_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    title_ja: Mapped[str] = mapped_column(sa.String(200), default="")
    title_en: Mapped[str] = mapped_column(sa.String(200), default="")
    description_ja: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    track_record: Mapped[str] = mapped_column(sa.Text, default="")

    company: Mapped[Company] = relationship(back_populates="technologies")
    sectors: Mapped[list[Sector]] = relationship(secondary=technology_sectors, order_by=Sector.id)

    def title(self, locale: str) -> str:
        return in_language(locale, self.title_en, self.title_ja)

    def description(self, locale: str) -> str:
        return in_language(locale, self.description_en, self.description_ja)
