"""Who am I; partner cities and sectors (readable by anyone); the glossary (curators)."""

import sqlalchemy as sa

from ypmatch.api.base import (
    PageArgs,
    api_user,
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
from ypmatch.api.fields import Flag, QueryId, Text
from ypmatch.api.schemas import CitySchema, ConceptSchema, MeSchema, SectorSchema
from ypmatch.models import PartnerCity, Sector
from ypmatch.services.glossary import concepts_query


class ArchivedArgs(PageArgs):
    archived = Flag(
        load_default=False, metadata={"description": "Curators: list archived records instead."}
    )


class GlossaryArgs(PageArgs):
    q = Text(100, metadata={"description": "Text in the key, labels or surface forms."})
    sector = QueryId(metadata={"description": "Only concepts of this sector (id)."})


def _archived(args: dict) -> bool:
    user = api_user()
    return bool(args.get("archived")) and user is not None and user.is_staff


@v1.get("/me")
@operation("account", auth="required")
@v1.response(200, MeSchema, description="Your account.")
def me():
    """The account the token belongs to"""
    return require_user()


@v1.get("/cities")
@operation("cities")
@query(ArchivedArgs)
@v1.response(200, page_of(CitySchema), description="A page of partner cities.")
def list_cities(args: dict):
    """Partner cities"""
    archived = sa.not_(PartnerCity.is_current) if _archived(args) else PartnerCity.is_current
    return paginate(
        sa.select(PartnerCity).where(archived).order_by(PartnerCity.name_en, PartnerCity.id), args
    )


@v1.get("/cities/<int:city_id>")
@operation("cities")
@v1.response(200, CitySchema, description="The city.")
def get_city(city_id: int):
    """One partner city"""
    city = get_or_404(PartnerCity, city_id, "city")
    user = api_user()
    if city.is_archived and not (user and user.is_staff):
        raise not_found("city", city_id)
    return city


@v1.get("/sectors")
@operation("sectors")
@query(ArchivedArgs)
@v1.response(200, page_of(SectorSchema), description="A page of sectors.")
def list_sectors(args: dict):
    """The sector taxonomy"""
    archived = sa.not_(Sector.is_current) if _archived(args) else Sector.is_current
    return paginate(sa.select(Sector).where(archived).order_by(Sector.id), args)


@v1.get("/glossary")
@operation("glossary", auth="required")
@query(GlossaryArgs)
@v1.response(200, page_of(ConceptSchema), description="A page of concepts.")
def list_glossary(args: dict):
    """Glossary concepts (curators)

    The bilingual concepts that let Japanese and English texts match.
    """
    require_staff("Only bureau curators may read the glossary.")
    return paginate(concepts_query(args.get("q") or "", args.get("sector")), args)
