"""What a partner city needs."""

from datetime import date
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ypmatch.extensions import db
from ypmatch.models.base import CuratedRecordMixin, in_language
from ypmatch.models.cities import PartnerCity, Sector


class NeedStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    IN_MISSION = "in_mission"
    CLOSED = "closed"


class Visibility(StrEnum):
    INTERNAL = "internal"
    COMPANIES = "companies"
    PUBLIC = "public"


FUNDING_SOURCES = ("JICA", "ADB", "JCM", "MOE city-to-city", "city budget", "World Bank", "PPP")

need_sectors = sa.Table(
    "need_sectors",
    db.metadata,
    sa.Column("need_id", sa.ForeignKey("needs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("sector_id", sa.ForeignKey("sectors.id", ondelete="CASCADE"), primary_key=True),
)


class Need(CuratedRecordMixin, db.Model):
    __tablename__ = "needs"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    city_id: Mapped[int] = mapped_column(sa.ForeignKey("partner_cities.id"), index=True)
    title_en: Mapped[str] = mapped_column(sa.String(200), default="")
    title_ja: Mapped[str] = mapped_column(sa.String(200), default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    description_ja: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[NeedStatus] = mapped_column(sa.String(20), default=NeedStatus.DRAFT, index=True)
    visibility: Mapped[Visibility] = mapped_column(sa.String(20), default=Visibility.INTERNAL)
    funding: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    timeline: Mapped[str] = mapped_column(sa.String(120), default="")
    # After this day a published need closes by itself (the curator is told).
    expires_on: Mapped[date | None] = mapped_column(sa.Date)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    city: Mapped[PartnerCity] = relationship()
    sectors: Mapped[list[Sector]] = relationship(secondary=need_sectors, order_by=Sector.id)

    def title(self, locale: str) -> str:
        return in_language(locale, self.title_en, self.title_ja)

    def description(self, locale: str) -> str:
        return in_language(locale, self.description_en, self.description_ja)

    @property
    def languages(self) -> list[str]:
        found = []
        if self.title_en or self.description_en:
            found.append("en")
        if self.title_ja or self.description_ja:
            found.append("ja")
        return found
