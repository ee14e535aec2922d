"""Partner cities and the sector taxonomy."""

from datetime import date
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ypmatch.extensions import db
from ypmatch.models.base import CuratedRecordMixin, in_language


class Region(StrEnum):
    ASIA_PACIFIC = "asia_pacific"
    EUROPE_NORTH_AMERICA = "europe_north_america"
    MIDDLE_EAST_AFRICA = "middle_east_africa"
    LATIN_AMERICA = "latin_america"


class Relationship(StrEnum):
    YPORT_MEMORANDUM = "yport_memorandum"
    SISTER_CITY = "sister_city"
    PARTNER_CITY = "partner_city"
    JOINT_STATEMENT = "joint_statement"


class PartnerCity(CuratedRecordMixin, db.Model):
    __tablename__ = "partner_cities"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name_en: Mapped[str] = mapped_column(sa.String(120))
    name_ja: Mapped[str] = mapped_column(sa.String(120), default="")
    country_code: Mapped[str] = mapped_column(sa.String(2))
    region: Mapped[Region] = mapped_column(sa.String(32), default=Region.ASIA_PACIFIC)
    relationship: Mapped[Relationship] = mapped_column(
        sa.String(32), default=Relationship.YPORT_MEMORANDUM
    )
    relationship_date: Mapped[date | None] = mapped_column(sa.Date)
    population: Mapped[int | None] = mapped_column(sa.BigInteger)
    latitude: Mapped[float | None] = mapped_column(sa.Float)
    longitude: Mapped[float | None] = mapped_column(sa.Float)
    notes: Mapped[str] = mapped_column(sa.Text, default="")

    def name(self, locale: str) -> str:
        return in_language(locale, self.name_en, self.name_ja)


class Sector(CuratedRecordMixin, db.Model):
    __tablename__ = "sectors"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    name_en: Mapped[str] = mapped_column(sa.String(120))
    name_ja: Mapped[str] = mapped_column(sa.String(120))

    def name(self, locale: str) -> str:
        return in_language(locale, self.name_en, self.name_ja)
