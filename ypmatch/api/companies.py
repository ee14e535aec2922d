"""Companies and their technologies (a member writes only their own company's), and the
needs that fit a company."""

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from ypmatch.api.base import (
    PageArgs,
    RequestBody,
    api_locale,
    api_user,
    body,
    conflict,
    created,
    get_or_404,
    not_found,
    operation,
    page_of,
    paginate,
    picked,
    query,
    require,
    require_user,
    v1,
)
from ypmatch.api.fields import Choice, Flag, QueryId, Text
from ypmatch.api.needs import MatchArgs
from ypmatch.api.schemas import (
    CompanySchema,
    NeedMatchesSchema,
    TechnologyChangeSchema,
    TechnologySchema,
)
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
from ypmatch.services.matches import reason_views, visible_listed_need_ids
from ypmatch.services.matching import matching_index
from ypmatch.services.records import ConflictError

PROFILE_FIELDS = (
    "name_ja",
    "name_en",
    "ward",
    "size",
    "website",
    "overseas_countries",
    "yport_member",
    "description_ja",
    "description_en",
)
TECHNOLOGY_FIELDS = (
    "title_ja",
    "title_en",
    "description_ja",
    "description_en",
    "track_record",
    "sector_ids",
)


class CompanyArgs(PageArgs):
    q = Text(200, metadata={"description": "Text in the company's or its technologies' texts."})
    sector = QueryId(metadata={"description": "Companies with a technology in this sector (id)."})
    size = Choice(CompanySize, metadata={"description": "Company size."})
    yport_member = Flag(metadata={"description": "Y-PORT Center members, or not."})
    approval = Choice(
        ApprovalStatus, metadata={"description": "Curators: companies in this review state."}
    )
    archived = Flag(load_default=False, metadata={"description": "Curators: archived companies."})


@v1.get("/companies")
@operation("companies")
@query(CompanyArgs)
@v1.response(200, page_of(CompanySchema), description="A page of companies.")
def list_companies(args: dict):
    """Companies

    Approved companies; curators also see those awaiting review.
    """
    user = api_user()
    is_staff = user is not None and user.is_staff
    filters = CompanyFilters(
        text=args.get("q") or "",
        sector_id=args.get("sector"),
        size=args.get("size") or "",
        approval_status=(args.get("approval") or "") if is_staff else "",
        yport_member=args.get("yport_member"),
        archived=args["archived"] and is_staff,
    )
    return paginate(companies_query(user, filters), args)


def _visible_company(company_id: int) -> Company:
    company = get_or_404(Company, company_id, "company")
    if not can_view_company(api_user(), company):
        raise not_found("company", company_id)
    return company


@v1.get("/companies/<int:company_id>")
@operation("companies")
@v1.response(200, CompanySchema, description="The company.")
def get_company(company_id: int):
    """One company"""
    return _visible_company(company_id)


@v1.patch("/companies/<int:company_id>")
@operation("companies", auth="required")
@body(CompanySchema)
@v1.response(200, CompanySchema, description="The company as saved.")
def update_company_view(sent: RequestBody, company_id: int):
    """Change a company's profile

    Members of the (approved) company, and curators. Send `version`. Only curators change
    `yport_member`.
    """
    user = require_user()
    company = _visible_company(company_id)
    require(can_edit_company_profile(user, company), "Only this company's members may change it.")
    data = sent.load()
    values = picked(data, PROFILE_FIELDS)
    if "overseas_countries" in values:
        values["overseas_countries"] = sorted(values["overseas_countries"])
    try:
        update_company(company, values, user, expected_version=data["version"], source="api")
    except (ConflictError, StaleDataError):
        db.session.rollback()
        raise conflict(db.session.get(Company, company_id), data["version"], "company") from None
    db.session.commit()
    return company


@v1.get("/companies/<int:company_id>/matches")
@operation("matches", auth="required")
@query(MatchArgs)
@v1.response(200, NeedMatchesSchema, description="The best needs first.")
def company_matches(args: dict, company_id: int):
    """Needs that fit a company

    The company's members and curators. Published needs the caller may see, each with the
    company's technology that fits it best, the score and the reasons.
    """
    user = require_user()
    company = _visible_company(company_id)
    require(
        user.is_staff or is_member_of(user, company),
        "Only this company's members and bureau curators see its matches.",
    )
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
                "need": needs[int(match.need_id)],
                "score": match.score,
                "technology": technologies[int(match.technology_id)],
                "band": match.band,
                "reasons": reason_views(match.reasons, index.glossary, locale),
            }
            for match in matches
        ]
    }


def _by_id(model, ids: list[int]) -> dict:
    if not ids:
        return {}
    return {row.id: row for row in db.session.scalars(sa.select(model).where(model.id.in_(ids)))}


# -- technologies ----------------------------------------------------------------------------


@v1.get("/companies/<int:company_id>/technologies")
@operation("technologies")
@query(PageArgs)
@v1.response(200, page_of(TechnologySchema), description="A page of technologies.")
def list_technologies(args: dict, company_id: int):
    """A company's technologies"""
    company = _visible_company(company_id)
    technologies = sa.select(Technology).where(Technology.company_id == company.id)
    if not can_edit_company(api_user(), company):
        technologies = technologies.where(Technology.is_current)
    return paginate(technologies.order_by(Technology.id), args)


@v1.post("/companies/<int:company_id>/technologies")
@operation("technologies", auth="required")
@body(TechnologySchema)
@v1.response(201, TechnologySchema, description="The technology as saved.")
def create_technology_view(sent: RequestBody, company_id: int):
    """Add a technology

    Members of the (approved) company, and curators.
    """
    user = require_user()
    company = _visible_company(company_id)
    require(
        can_edit_company(user, company),
        "Only members of this company, once it is approved, may add its technologies.",
    )
    data = sent.load()
    technology = create_technology(company, picked(data, TECHNOLOGY_FIELDS), user, source="api")
    db.session.commit()
    return created(technology, f"/api/v1/technologies/{technology.id}")


def _visible_technology(technology_id: int) -> Technology:
    technology = get_or_404(Technology, technology_id, "technology")
    user = api_user()
    if not can_view_company(user, technology.company) or (
        technology.is_archived and not can_edit_company(user, technology.company)
    ):
        raise not_found("technology", technology_id)
    return technology


@v1.get("/technologies/<int:technology_id>")
@operation("technologies")
@v1.response(200, TechnologySchema, description="The technology.")
def get_technology(technology_id: int):
    """One technology"""
    return _visible_technology(technology_id)


@v1.patch("/technologies/<int:technology_id>")
@operation("technologies", auth="required")
@body(TechnologyChangeSchema)
@v1.response(200, TechnologySchema, description="The technology as saved.")
def update_technology_view(sent: RequestBody, technology_id: int):
    """Change a technology

    Members of the technology's company, and curators. Send `version`.
    """
    user = require_user()
    technology = _visible_technology(technology_id)
    require(
        can_edit_company(user, technology.company),
        "Only members of this technology's company may change it.",
    )
    data = sent.load()
    values = picked(data, TECHNOLOGY_FIELDS)
    try:
        update_technology(technology, values, user, expected_version=data["version"], source="api")
    except (ConflictError, StaleDataError):
        db.session.rollback()
        current = db.session.get(Technology, technology_id)
        raise conflict(current, data["version"], "technology") from None
    db.session.commit()
    return technology
