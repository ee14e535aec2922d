"""Who am I; partner cities and sectors (readable by anyone); the glossary (curators)."""

import sqlalchemy as sa

from ypmatch.api import schemas, serializers
from ypmatch.api.base import (
    PAGE_PARAMETERS,
    api_route,
    api_user,
    get_or_404,
    not_found,
    page_envelope,
    paginate,
    query_parameter,
    require_staff,
    require_user,
)
from ypmatch.api.validation import query_args
from ypmatch.models import PartnerCity, Sector
from ypmatch.services.glossary import concepts_query

ARCHIVED = query_parameter(
    "archived", {"type": "boolean", "default": False}, "Curators: list archived records instead."
)


def _archived(args: dict) -> bool:
    user = api_user()
    return bool(args.get("archived")) and user is not None and user.is_staff


@api_route(
    "GET",
    "/me",
    summary="The account the token belongs to",
    tag="account",
    auth="required",
    responses={200: ("Your account.", schemas.ME)},
)
def me():
    return serializers.me(require_user())


CITY_LIST_PARAMETERS = [*PAGE_PARAMETERS, ARCHIVED]


@api_route(
    "GET",
    "/cities",
    summary="Partner cities",
    tag="cities",
    auth="public",
    parameters=CITY_LIST_PARAMETERS,
    responses={200: ("A page of partner cities.", page_envelope(schemas.CITY))},
    errors=(400,),
)
def list_cities():
    args = query_args(CITY_LIST_PARAMETERS)
    archived = _archived(args)
    query = (
        sa.select(PartnerCity)
        .where(
            PartnerCity.archived_at.is_not(None) if archived else PartnerCity.archived_at.is_(None)
        )
        .order_by(PartnerCity.name_en, PartnerCity.id)
    )
    return paginate(query, serializers.city, args)


@api_route(
    "GET",
    "/cities/{city_id}",
    summary="One partner city",
    tag="cities",
    auth="public",
    responses={200: ("The city.", schemas.CITY)},
    errors=(404,),
)
def get_city(city_id: int):
    city = get_or_404(PartnerCity, city_id, "city")
    user = api_user()
    if city.is_archived and not (user and user.is_staff):
        raise not_found("city", city_id)
    return serializers.city(city)


SECTOR_LIST_PARAMETERS = [*PAGE_PARAMETERS, ARCHIVED]


@api_route(
    "GET",
    "/sectors",
    summary="The sector taxonomy",
    tag="sectors",
    auth="public",
    parameters=SECTOR_LIST_PARAMETERS,
    responses={200: ("A page of sectors.", page_envelope(schemas.SECTOR))},
    errors=(400,),
)
def list_sectors():
    args = query_args(SECTOR_LIST_PARAMETERS)
    archived = _archived(args)
    query = (
        sa.select(Sector)
        .where(Sector.archived_at.is_not(None) if archived else Sector.archived_at.is_(None))
        .order_by(Sector.id)
    )
    return paginate(query, serializers.sector, args)


GLOSSARY_PARAMETERS = [
    *PAGE_PARAMETERS,
    query_parameter("q", schemas.text(100), "Text in the key, labels or surface forms."),
    query_parameter("sector", schemas.identifier(), "Only concepts of this sector (id)."),
]


@api_route(
    "GET",
    "/glossary",
    summary="Glossary concepts (curators)",
    tag="glossary",
    auth="required",
    description="The bilingual concepts that let Japanese and English texts match.",
    parameters=GLOSSARY_PARAMETERS,
    responses={200: ("A page of concepts.", page_envelope(schemas.CONCEPT))},
    errors=(400, 403),
)
def list_glossary():
    require_staff("Only bureau curators may read the glossary.")
    args = query_args(GLOSSARY_PARAMETERS)
    query = concepts_query((args.get("q") or "").strip(), args.get("sector"))
    return paginate(query, serializers.concept, args)
