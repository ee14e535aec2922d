"""Company sign-up and review, profiles and technologies."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ypmatch.extensions import db
from ypmatch.models import (
    ApprovalStatus,
    Company,
    HistoryAction,
    Role,
    Sector,
    Technology,
    User,
    technology_sectors_table,
)
from ypmatch.permissions import can_set_yport_membership
from ypmatch.services.accounts import create_user
from ypmatch.services.matching import matching_index
from ypmatch.services.records import create_record, update_record
from ypmatch.services.rules import FieldErrors, active_sectors_by_id, require_one_of
from ypmatch.services.search import (
    companies_sharing_concepts,
    company_relevance,
    id_among,
    relevance_order,
    text_condition,
)
from ypmatch.services.text_finder import COMPANY_TEXT_COLUMNS, TECHNOLOGY_TEXT_COLUMNS

NAME_RULE = _l("Give the company name in Japanese or English.")


@dataclass(frozen=True)
class CompanyFilters:
    text: str = ""
    sector_id: int | None = None
    size: str = ""
    approval_status: str = ""
    yport_member: bool | None = None
    archived: bool = False
    # Only companies whose profile or a technology was not updated since this moment.
    stale_before: datetime | None = None


def text_matches(text: str) -> sa.ColumnElement[bool]:
    """Companies whose names, descriptions or current technologies contain ``text``, or whose
    technologies carry a glossary concept it names (in either language).

    The texts are searched in the process's finder; companies written since it was built are
    checked in SQL. Archived technologies are not part of a profile: their text finds nothing.
    """
    finder = matching_index().company_finder
    changed = finder.changed_since_built()
    found = (finder.find(text) - changed) | set(companies_sharing_concepts(text))
    condition = id_among(Company.id, found)
    if changed:
        changed_ids = sorted(changed)
        technology_match = sa.select(Technology.company_id).where(
            Technology.company_id.in_(changed_ids),
            Technology.is_current,
            text_condition(TECHNOLOGY_TEXT_COLUMNS, text),
        )
        recheck = sa.and_(
            Company.id.in_(changed_ids),
            sa.or_(text_condition(COMPANY_TEXT_COLUMNS, text), Company.id.in_(technology_match)),
        )
        condition = sa.or_(condition, recheck)
    return condition


def companies_in_sector(sector_id: int) -> sa.Select:
    """Ids of the companies with a current technology in the sector."""
    return (
        sa.select(Technology.company_id)
        .join(technology_sectors_table, technology_sectors_table.c.technology_id == Technology.id)
        .where(technology_sectors_table.c.sector_id == sector_id, Technology.is_current)
    )


def companies_query(viewer: User | None, filters: CompanyFilters) -> sa.Select:
    query = sa.select(Company)
    query = query.where(
        Company.archived_at.is_not(None) if filters.archived else Company.is_current
    )
    if not (viewer and viewer.is_authenticated and viewer.is_staff):
        query = query.where(Company.approval_status == ApprovalStatus.APPROVED)
    elif filters.approval_status:
        query = query.where(Company.approval_status == filters.approval_status)
    order = (Company.name_en, Company.name_ja, Company.id)
    if filters.text:
        query = query.where(text_matches(filters.text))
        order = (relevance_order(Company.id, company_relevance(filters.text)), *order)
    if filters.sector_id:
        query = query.where(Company.id.in_(companies_in_sector(filters.sector_id)))
    if filters.stale_before is not None:
        stale_technology = sa.select(Technology.company_id).where(
            Technology.updated_at < filters.stale_before, Technology.is_current
        )
        query = query.where(
            sa.or_(Company.updated_at < filters.stale_before, Company.id.in_(stale_technology))
        )
    if filters.size:
        query = query.where(Company.size == filters.size)
    if filters.yport_member is not None:
        query = query.where(Company.yport_member.is_(filters.yport_member))
    return query.order_by(*order)


def sign_up_company(
    company_data: dict, email: str, password: str, name: str, locale: str = ""
) -> tuple[Company, User]:
    """A new company, pending the bureau's review, and its first member's account."""
    errors = FieldErrors()
    require_one_of(company_data, "name_en", "name_ja", NAME_RULE, errors)
    errors.raise_any()
    company = Company(**company_data, approval_status=ApprovalStatus.PENDING)
    create_record(company, None, note="sign-up")
    user = create_user(
        email, password, Role.COMPANY, None, name=name, company_id=company.id, locale=locale
    )
    return company, user


def review_company(company: Company, approve: bool, reason: str, actor: User) -> dict:
    status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
    return update_record(
        company,
        {"approval_status": status, "review_reason": reason.strip()},
        actor,
        action=HistoryAction.APPROVE if approve else HistoryAction.REJECT,
        note=reason.strip(),
    )


def create_company(data: dict, actor: User | None, source: str = "web") -> Company:
    return create_record(Company(**data), actor, source=source)


# What "restore this version" puts back (review status and Y-PORT membership are the
# bureau's own steps).
RESTORABLE_PROFILE_FIELDS = (
    "name_ja", "name_en", "ward", "size", "website", "overseas_countries", "description_ja",
    "description_en",
)  # fmt: skip
RESTORABLE_TECHNOLOGY_FIELDS = (
    "title_ja", "title_en", "description_ja", "description_en", "track_record", "sectors",
)  # fmt: skip


def check_company_profile(company: Company, data: dict, actor: User) -> None:
    """A company keeps a name in Japanese or English; only the bureau sets Y-PORT Center
    membership. Raises :class:`~ypmatch.services.rules.InvalidFields`."""
    errors = FieldErrors()
    if data.get("yport_member", company.yport_member) != company.yport_member and not (
        can_set_yport_membership(actor)
    ):
        errors.add("yport_member", "only the bureau sets Y-PORT Center membership")
    names = {"name_ja": company.name_ja, "name_en": company.name_en}
    names.update({key: data[key] for key in names if key in data})
    require_one_of(names, "name_en", "name_ja", NAME_RULE, errors)
    errors.raise_any()


def update_company(
    company: Company, data: dict, actor: User, expected_version: int, source: str = "web"
) -> dict:
    check_company_profile(company, data, actor)
    return update_record(company, data, actor, expected_version=expected_version, source=source)


TECHNOLOGY_TEXTS = ("title_ja", "title_en", "description_ja", "description_en")


def check_technology_texts(texts: dict, errors: FieldErrors) -> None:
    """A technology has a title and a description, each in Japanese or English (or both)."""
    title = _l("Give a title in Japanese or English.")
    require_one_of(texts, "title_en", "title_ja", title, errors)
    description = _l("Describe the technology in Japanese or English.")
    require_one_of(texts, "description_en", "description_ja", description, errors)


def checked_technology_data(data: dict, technology: Technology | None = None) -> dict:
    """``data`` with ``sector_ids`` turned into active sectors, once a title and a
    description in Japanese or English remain; raises ``InvalidFields`` otherwise."""
    errors = FieldErrors()
    values = dict(data)
    if "sector_ids" in values:
        values["sectors"] = active_sectors_by_id(values.pop("sector_ids"), errors)
    texts = {key: getattr(technology, key) for key in TECHNOLOGY_TEXTS} if technology else {}
    texts.update({key: values[key] for key in TECHNOLOGY_TEXTS if key in values})
    check_technology_texts(texts, errors)
    errors.raise_any()
    return values


def create_technology(
    company: Company, data: dict, actor: User | None, source: str = "web"
) -> Technology:
    data = checked_technology_data(data)
    sectors: list[Sector] = data.pop("sectors", [])
    technology = Technology(**data, company_id=company.id)
    technology.sectors = sectors
    return create_record(technology, actor, source=source)


def update_technology(
    technology: Technology, data: dict, actor: User, expected_version: int, source: str = "web"
) -> dict:
    data = checked_technology_data(data, technology)
    return update_record(technology, data, actor, expected_version=expected_version, source=source)


def pending_companies() -> list[Company]:
    return list(
        db.session.scalars(
            sa.select(Company)
            .where(
                Company.approval_status == ApprovalStatus.PENDING,
                Company.is_current,
            )
            .order_by(Company.created_at)
        )
    )


def company_members(company_id: int) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .where(
                User.company_id == company_id,
                User.role == Role.COMPANY,
                User.active.is_(True),
                User.deleted_at.is_(None),
            )
            .order_by(User.id)
        )
    )


def profile_completeness(company: Company) -> tuple[int, list[str]]:
    """A 0–100 score and the hints (codes) that would raise it; the page words them."""
    checks = {
        "description_en": bool(company.description_en),
        "description_ja": bool(company.description_ja),
        "website": bool(company.website),
        "overseas": bool(company.overseas_countries),
        "technologies": bool(company.active_technologies),
        "technology_english": bool(company.active_technologies)
        and all(t.description_en for t in company.active_technologies),
        "technology_sectors": bool(company.active_technologies)
        and all(t.sectors for t in company.active_technologies),
        "track_record": any(t.track_record for t in company.active_technologies),
    }
    score = round(100 * sum(checks.values()) / len(checks))
    return score, [code for code, done in checks.items() if not done]
