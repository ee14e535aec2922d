"""Partner cities and the sector taxonomy."""

import re
import unicodedata

import sqlalchemy as sa

from ypmatch.extensions import db
from ypmatch.models import PartnerCity, Sector, User
from ypmatch.services.records import create_record, update_record


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _unique_slug(model, base: str, exclude_id: int | None = None) -> str:
    base = base or "item"
    slug, number = base, 2
    while True:
        query = sa.select(model.id).where(model.slug == slug)
        if exclude_id is not None:
            query = query.where(model.id != exclude_id)
        if db.session.scalar(query) is None:
            return slug
        slug, number = f"{base}-{number}", number + 1


def create_city(data: dict, actor: User | None, source: str = "web") -> PartnerCity:
    city = PartnerCity(**data)
    city.slug = data.get("slug") or _unique_slug(PartnerCity, slugify(data["name_en"]))
    return create_record(city, actor, source=source)


def update_city(city: PartnerCity, data: dict, actor: User, expected_version: int) -> dict:
    return update_record(city, data, actor, expected_version=expected_version)


def active_cities() -> list[PartnerCity]:
    return list(
        db.session.scalars(
            sa.select(PartnerCity).where(PartnerCity.is_current).order_by(PartnerCity.name_en)
        )
    )


def create_sector(data: dict, actor: User | None, source: str = "web") -> Sector:
    sector = Sector(**data)
    sector.slug = data.get("slug") or _unique_slug(
        Sector, slugify(data["name_en"]).replace("-", "_")
    )
    return create_record(sector, actor, source=source)


def active_sectors() -> list[Sector]:
    return list(db.session.scalars(sa.select(Sector).where(Sector.is_current).order_by(Sector.id)))


def offered_sectors(current: list[Sector] = ()) -> list[Sector]:
    """The sectors an edit form offers: the active ones, and any archived sector the record
    still has, so saving the form keeps it unless the editor unticks it."""
    active = active_sectors()
    kept = [sector for sector in current if sector.is_archived]
    return active + sorted(kept, key=lambda sector: sector.id)


def sectors_by_ids(ids: list[int]) -> list[Sector]:
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Sector).where(Sector.id.in_(ids))))
