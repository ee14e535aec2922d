"""Receiving, editing, tagging and publishing city needs."""

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ypmatch import clock
from ypmatch.events import need_published
from ypmatch.extensions import db
from ypmatch.models import (
    HistoryAction,
    Need,
    NeedStatus,
    PartnerCity,
    Role,
    Sector,
    User,
    need_sectors_table,
)
from ypmatch.permissions import visible_needs_condition
from ypmatch.services.records import create_record, update_record
from ypmatch.services.rules import (
    FieldErrors,
    active_sectors_by_id,
    check_partner_city,
    require_one_of,
)
from ypmatch.services.search import (
    need_relevance,
    needs_sharing_concepts,
    relevance_order,
    text_condition,
)

STATUS_ACTIONS = {
    NeedStatus.PUBLISHED: HistoryAction.PUBLISH,
    NeedStatus.IN_MISSION: HistoryAction.UPDATE,
    NeedStatus.CLOSED: HistoryAction.CLOSE,
    NeedStatus.DRAFT: HistoryAction.UNPUBLISH,
}


@dataclass(frozen=True)
class NeedFilters:
    text: str = ""
    city_id: int | None = None
    sector_id: int | None = None
    status: str = ""
    language: str = ""
    archived: bool = False
    # Only records not updated since this moment (the curators' "stale" filter).
    stale_before: datetime | None = None
    # "newest" (the default), "deadline" (open until, soonest first) or "fit" (best fit for
    # the scores in ``fit_scores``: a member's own company).
    sort: str = ""
    fit_scores: dict[str, float] | None = None


def needs_query(viewer: User | None, filters: NeedFilters) -> sa.Select:
    query = sa.select(Need).where(visible_needs_condition(viewer))
    query = query.where(Need.archived_at.is_not(None) if filters.archived else Need.is_current)
    order = (Need.updated_at.desc(), Need.id.desc())
    if filters.text:
        columns = (Need.title_en, Need.title_ja, Need.description_en, Need.description_ja, Need.ref)
        query = query.where(
            sa.or_(
                text_condition(columns, filters.text),
                Need.id.in_(needs_sharing_concepts(filters.text)),
            )
        )
        order = (relevance_order(Need.id, need_relevance(filters.text)), *order)
    if filters.sort == "deadline":
        order = (Need.expires_on.is_(None), Need.expires_on, *order[-2:])
    elif filters.sort == "fit" and filters.fit_scores is not None:
        order = (relevance_order(Need.id, filters.fit_scores), *order[-2:])
    if filters.city_id:
        query = query.where(Need.city_id == filters.city_id)
    if filters.sector_id:
        query = query.where(
            Need.id.in_(
                sa.select(need_sectors_table.c.need_id).where(
                    need_sectors_table.c.sector_id == filters.sector_id
                )
            )
        )
    if filters.status:
        query = query.where(Need.status == filters.status)
    if filters.stale_before is not None:
        query = query.where(Need.updated_at < filters.stale_before)
    if filters.language == "en":
        query = query.where((Need.title_en != "") | (Need.description_en != ""))
    elif filters.language == "ja":
        query = query.where((Need.title_ja != "") | (Need.description_ja != ""))
    return query.order_by(*order)


REFERENCE = re.compile(r"(?P<prefix>[A-Z]{2,5})-(?P<number>\d{1,4})")
# What "restore this version" puts back: the text an editor writes, not the status,
# visibility or city, which have their own steps and rules.
RESTORABLE_FIELDS = (
    "title_en", "title_ja", "description_en", "description_ja", "funding", "timeline",
    "expires_on", "sectors",
)  # fmt: skip


def next_reference(city_id: int) -> str:
    """The next reference for a need of the city: its usual prefix (CEB, BKK …, else the
    first letters of its name) and one more than the highest number, as in CEB-10."""
    refs = db.session.scalars(
        sa.select(Need.ref).where(Need.city_id == city_id, Need.ref.is_not(None))
    ).all()
    numbered = [match for ref in refs if (match := REFERENCE.fullmatch(ref or ""))]
    if numbered:
        prefix = Counter(match["prefix"] for match in numbered).most_common(1)[0][0]
    else:
        city = db.session.get(PartnerCity, city_id)
        letters = re.sub(r"[^A-Za-z]", "", (city.slug if city else "") or "") or "NEED"
        prefix = letters[:3].upper()
    taken = set(refs)
    number = max((int(m["number"]) for m in numbered if m["prefix"] == prefix), default=0) + 1
    while f"{prefix}-{number:02d}" in taken:
        number += 1
    return f"{prefix}-{number:02d}"


NEED_TEXTS = ("title_en", "title_ja", "description_en", "description_ja")


def check_need_texts(texts: dict, errors: FieldErrors) -> None:
    """A need has a title and a description, each in English or Japanese (or both)."""
    title = _l("Give a title in English or Japanese.")
    require_one_of(texts, "title_en", "title_ja", title, errors)
    description = _l("Describe the need in English or Japanese.")
    require_one_of(texts, "description_en", "description_ja", description, errors)


def checked_need_data(data: dict, need: Need | None = None) -> dict:
    """``data`` with ``sector_ids`` turned into sectors, once the need's rules hold: a title
    and a description in English or Japanese (counting what ``need`` already has), an
    active partner city, active sectors; raises ``InvalidFields`` otherwise."""
    errors = FieldErrors()
    values = dict(data)
    if "sector_ids" in values:
        values["sectors"] = active_sectors_by_id(values.pop("sector_ids"), errors)
    if "city_id" in values and (need is None or values["city_id"] != need.city_id):
        check_partner_city(values["city_id"], errors)
    texts = {field: getattr(need, field) for field in NEED_TEXTS} if need else {}
    texts.update({field: values[field] for field in NEED_TEXTS if field in values})
    check_need_texts(texts, errors)
    errors.raise_any()
    return values


def create_need(data: dict, actor: User | None, source: str = "web") -> Need:
    if actor is not None and actor.role == Role.CITY:
        # Focal points submit for their own city; the bureau decides what is published.
        data = {**data, "city_id": actor.city_id, "status": NeedStatus.DRAFT}
    data = checked_need_data(data)
    sectors: list[Sector] = data.pop("sectors", [])
    need = Need(**data, created_by_id=actor.id if actor else None)
    need.sectors = sectors
    if not need.ref and source in ("web", "api"):
        need.ref = next_reference(need.city_id)
    create_record(need, actor, source=source)
    _after_status_change(need, None, source)
    return need


def update_need(
    need: Need, data: dict, actor: User, expected_version: int, source: str = "web"
) -> dict:
    if actor.role == Role.CITY:
        data = {key: value for key, value in data.items() if key not in ("status", "visibility")}
        data["city_id"] = actor.city_id
    data = checked_need_data(data, need)
    previous = need.status
    changes = update_record(need, data, actor, expected_version=expected_version, source=source)
    _after_status_change(need, previous, source)
    return changes


def change_need_status(
    need: Need,
    status: str,
    actor: User,
    expected_version: int | None = None,
    notify_company_ids: set[int] | None = None,
) -> dict:
    """``notify_company_ids``: on publishing, alert only these companies (the curator's
    choice on the review page); None alerts every company that fits."""
    previous = need.status
    changes = update_record(
        need,
        {"status": status},
        actor,
        expected_version=expected_version,
        action=STATUS_ACTIONS.get(NeedStatus(status), HistoryAction.UPDATE),
    )
    _after_status_change(need, previous, "web", notify_company_ids)
    return changes


def _after_status_change(
    need: Need, previous: str | None, source: str, company_ids: set[int] | None = None
) -> None:
    """Publishing a need alerts the companies it fits. On the web the curator chooses whom
    on the review page (``company_ids``); the API and imports alert all of them; the demo
    seed none."""
    if need.status != NeedStatus.PUBLISHED or previous == NeedStatus.PUBLISHED:
        return
    if source == "seed" or (source == "web" and company_ids is None):
        return
    need_published.send(need, now=clock.now(), company_ids=company_ids)
