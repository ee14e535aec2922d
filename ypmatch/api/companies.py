"""Companies and their technologies (a member writes only their own company's), and the
needs that fit a company."""

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from ypmatch.api import schemas, serializers
from ypmatch.api.base import (
    PAGE_PARAMETERS,
    api_locale,
    api_route,
    api_user,
    conflict,
    created,
    get_or_404,
    not_found,
    page_envelope,
    paginate,
    query_parameter,
    require,
    require_user,
)
from ypmatch.api.needs import MATCH_PARAMETERS
from ypmatch.api.validation import json_body, query_args, strip_strings
from ypmatch.extensions import db
from ypmatch.matching import Boosts
from ypmatch.models import ApprovalStatus, Company, CompanySize, Need, Technology
from ypmatch.permissions import (
    can_edit_company,
    can_edit_company_profile,
    can_view_company,
    is_member_of,
)
from ypmatch.services.companies import (
    CompanyFilters,
    companies_query,
    create_technology,
    update_company,
    update_technology,
)
from ypmatch.services.matching import matching_index, reason_views, visible_listed_need_ids
from ypmatch.services.records import ConflictError

COMPANY_LIST_PARAMETERS = [
    *PAGE_PARAMETERS,
    query_parameter("q", schemas.text(200), "Text in the company's or its technologies' texts."),
    query_parameter("sector", schemas.identifier(), "Companies with a technology in this sector."),
    query_parameter("size", schemas.enum(CompanySize), "Company size."),
    query_parameter("yport_member", {"type": "boolean"}, "Y-PORT Center members, or not."),
    query_parameter(
        "approval", schemas.enum(ApprovalStatus), "Curators: companies in this review state."
    ),
    query_parameter(
        "archived", {"type": "boolean", "default": False}, "Curators: archived companies."
    ),
]


@api_route(
    "GET",
    "/companies",
    summary="Companies",
    tag="companies",
    description="Approved companies; curators also see those awaiting review.",
    parameters=COMPANY_LIST_PARAMETERS,
    responses={200: ("A page of companies.", page_envelope(schemas.COMPANY))},
    errors=(400,),
)
def list_companies():
    args = query_args(COMPANY_LIST_PARAMETERS)
    user = api_user()
    is_staff = user is not None and user.is_staff
    filters = CompanyFilters(
        text=(args.get("q") or "").strip(),
        sector_id=args.get("sector"),
        size=args.get("size") or "",
        approval_status=(args.get("approval") or "") if is_staff else "",
        yport_member=args.get("yport_member"),
        archived=bool(args.get("archived")) and is_staff,
    )
    return paginate(companies_query(user, filters), serializers.company, args)


def _visible_company(company_id: int) -> Company:
    company = get_or_404(Company, company_id, "company")
    if not can_view_company(api_user(), company):
        raise not_found("company", company_id)
    return company


@api_route(
    "GET",
    "/companies/{company_id}",
    summary="One company",
    tag="companies",
    responses={200: ("The company.", schemas.COMPANY)},
    errors=(404,),
)
def get_company(company_id: int):
    return serializers.company(_visible_company(company_id))


PROFILE_FIELDS = (
    "name_ja", "name_en", "ward", "size", "website", "overseas_countries", "yport_member",
    "description_ja", "description_en",
)  # fmt: skip


@api_route(
    "PATCH",
    "/companies/{company_id}",
    summary="Change a company's profile",
    tag="companies",
    auth="required",
    description=(
        "Members of the (approved) company, and curators. Send `version`. Only curators "
        "change `yport_member`."
    ),
    request_body=schemas.COMPANY_UPDATE,
    responses={200: ("The company as saved.", schemas.COMPANY)},
    errors=(400, 403, 404, 409, 415, 422),
)
def update_company_view(company_id: int):
    user = require_user()
    company = _visible_company(company_id)
    require(can_edit_company_profile(user, company), "Only this company's members may change it.")
    data = strip_strings(json_body(schemas.COMPANY_UPDATE))
    values = {key: data[key] for key in PROFILE_FIELDS if key in data}
    if "overseas_countries" in values:
        values["overseas_countries"] = sorted(values["overseas_countries"])
    try:
        update_company(company, values, user, expected_version=data["version"], source="api")
    except (ConflictError, StaleDataError):
        db.session.rollback()
        raise conflict(db.session.get(Company, company_id), data["version"], "company") from None
    db.session.commit()
    return serializers.company(company)


@api_route(
    "GET",
    "/companies/{company_id}/matches",
    summary="Needs that fit a company",
    tag="matches",
    auth="required",
    description=(
        "The company's members and curators. Published needs the caller may see, each with "
        "the company's technology that fits it best, the score and the reasons."
    ),
    parameters=MATCH_PARAMETERS,
    responses={200: ("The best needs first.", {"type": "object", "properties": {
        "items": {"type": "array", "items": schemas.NEED_MATCH}}, "required": ["items"]})},
    errors=(400, 403, 404),
)  # fmt: skip
def company_matches(company_id: int):
    user = require_user()
    company = _visible_company(company_id)
    require(
        user.is_staff or is_member_of(user, company),
        "Only this company's members and bureau curators see its matches.",
    )
    args = query_args(MATCH_PARAMETERS)
    if not company.is_approved or company.is_archived:
        return {"items": []}
    index = matching_index()
    if str(company.id) not in index.matcher.company_index_:
        return {"items": []}
    matches = index.matcher.rank_needs_for_company(
        str(company.id),
        k=args["k"],
        boosts=Boosts(
            sector_overlap=args["boost_sector"], overseas_experience=args["boost_overseas"]
        ),
        include_needs=visible_listed_need_ids(user),
    )
    matches = [match for match in matches if match.score > 0]
    needs = _by_id(Need, [int(m.need_id) for m in matches])
    technologies = _by_id(Technology, [int(m.technology_id) for m in matches])
    locale = api_locale()
    return {
        "items": [
            {
                "need": serializers.need_ref(needs[int(match.need_id)]),
                "score": round(float(match.score), 4),
                "technology": serializers.technology_ref(technologies[int(match.technology_id)]),
                "band": match.band,
                "reasons": [
                    serializers.reason(view)
                    for view in reason_views(match.reasons, index.glossary, locale)
                ],
            }
            for match in matches
        ]
    }


def _by_id(model, ids: list[int]) -> dict:
    if not ids:
        return {}
    return {row.id: row for row in db.session.scalars(sa.select(model).where(model.id.in_(ids)))}


# -- technologies ----------------------------------------------------------------------------

TECHNOLOGY_TEXTS = ("title_ja", "title_en", "description_ja", "description_en", "track_record")


def _technology_values(data: dict) -> dict:
    return {key: data[key] for key in (*TECHNOLOGY_TEXTS, "sector_ids") if key in data}


TECHNOLOGY_LIST_PARAMETERS = list(PAGE_PARAMETERS)


@api_route(
    "GET",
    "/companies/{company_id}/technologies",
    summary="A company's technologies",
    tag="technologies",
    parameters=TECHNOLOGY_LIST_PARAMETERS,
    responses={200: ("A page of technologies.", page_envelope(schemas.TECHNOLOGY))},
    errors=(400, 404),
)
def list_technologies(company_id: int):
    company = _visible_company(company_id)
    args = query_args(TECHNOLOGY_LIST_PARAMETERS)
    query = sa.select(Technology).where(Technology.company_id == company.id)
    if not can_edit_company(api_user(), company):
        query = query.where(Technology.archived_at.is_(None))
    return paginate(query.order_by(Technology.id), serializers.technology, args)


@api_route(
    "POST",
    "/companies/{company_id}/technologies",
    summary="Add a technology",
    tag="technologies",
    auth="required",
    description="Members of the (approved) company, and curators.",
    request_body=schemas.TECHNOLOGY_CREATE,
    responses={201: ("The technology as saved.", schemas.TECHNOLOGY)},
    errors=(400, 403, 404, 415, 422),
)
def create_technology_view(company_id: int):
    user = require_user()
    company = _visible_company(company_id)
    require(
        can_edit_company(user, company),
        "Only members of this company, once it is approved, may add its technologies.",
    )
    data = strip_strings(json_body(schemas.TECHNOLOGY_CREATE))
    technology = create_technology(company, _technology_values(data), user, source="api")
    db.session.commit()
    return created(serializers.technology(technology), f"/api/v1/technologies/{technology.id}")


def _visible_technology(technology_id: int) -> Technology:
    technology = get_or_404(Technology, technology_id, "technology")
    user = api_user()
    if not can_view_company(user, technology.company) or (
        technology.is_archived and not can_edit_company(user, technology.company)
    ):
        raise not_found("technology", technology_id)
    return technology


@api_route(
    "GET",
    "/technologies/{technology_id}",
    summary="One technology",
    tag="technologies",
    responses={200: ("The technology.", schemas.TECHNOLOGY)},
    errors=(404,),
)
def get_technology(technology_id: int):
    return serializers.technology(_visible_technology(technology_id))


@api_route(
    "PATCH",
    "/technologies/{technology_id}",
    summary="Change a technology",
    tag="technologies",
    auth="required",
    description="Members of the technology's company, and curators. Send `version`.",
    request_body=schemas.TECHNOLOGY_UPDATE,
    responses={200: ("The technology as saved.", schemas.TECHNOLOGY)},
    errors=(400, 403, 404, 409, 415, 422),
)
def update_technology_view(technology_id: int):
    user = require_user()
    technology = _visible_technology(technology_id)
    require(
        can_edit_company(user, technology.company),
        "Only members of this technology's company may change it.",
    )
    data = strip_strings(json_body(schemas.TECHNOLOGY_UPDATE))
    try:
        update_technology(
            technology,
            _technology_values(data),
            user,
            expected_version=data["version"],
            source="api",
        )
    except (ConflictError, StaleDataError):
        db.session.rollback()
        current = db.session.get(Technology, technology_id)
        raise conflict(current, data["version"], "technology") from None
    db.session.commit()
    return serializers.technology(technology)
