"""Records as the JSON the API returns (shapes in :mod:`ypmatch.api.schemas`)."""

from datetime import date, datetime

from ypmatch.models import (
    Company,
    GlossaryConcept,
    Mission,
    MissionCompany,
    Need,
    Outcome,
    PartnerCity,
    Sector,
    Technology,
    User,
)
from ypmatch.models.base import utcnow


def _date(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _timestamp(value: datetime | None) -> str:
    value = value or utcnow()
    if value.tzinfo is None:  # SQLite gives naive values back; they are UTC
        return value.isoformat() + "Z"
    return value.isoformat()


def named(record) -> dict:
    return {"id": record.id, "name_en": record.name_en or "", "name_ja": record.name_ja or ""}


def sector(record: Sector) -> dict:
    return {"id": record.id, "slug": record.slug, "name_en": record.name_en,
            "name_ja": record.name_ja}  # fmt: skip


def city(record: PartnerCity) -> dict:
    return {
        "id": record.id,
        "slug": record.slug,
        "name_en": record.name_en,
        "name_ja": record.name_ja or "",
        "country_code": record.country_code,
        "region": record.region,
        "relationship": record.relationship,
        "relationship_date": _date(record.relationship_date),
        "population": record.population,
        "latitude": record.latitude,
        "longitude": record.longitude,
        "notes": record.notes or "",
        "archived": record.is_archived,
        "version": record.version,
    }


def need(record: Need) -> dict:
    return {
        "id": record.id,
        "ref": record.ref,
        "city": named(record.city),
        "title_en": record.title_en or "",
        "title_ja": record.title_ja or "",
        "description_en": record.description_en or "",
        "description_ja": record.description_ja or "",
        "status": record.status,
        "visibility": record.visibility,
        "sectors": [sector(s) for s in record.sectors],
        "funding": list(record.funding or []),
        "timeline": record.timeline or "",
        "expires_on": _date(record.expires_on),
        "archived": record.is_archived,
        "version": record.version,
        "created_at": _timestamp(record.created_at),
        "updated_at": _timestamp(record.updated_at),
    }


def need_ref(record: Need) -> dict:
    return {
        "id": record.id,
        "title_en": record.title_en or "",
        "title_ja": record.title_ja or "",
        "city_id": record.city_id,
        "status": record.status,
    }


def technology_ref(record: Technology) -> dict:
    return {"id": record.id, "title_en": record.title_en or "", "title_ja": record.title_ja or ""}


def technology(record: Technology) -> dict:
    return {
        "id": record.id,
        "ref": record.ref,
        "company_id": record.company_id,
        "title_ja": record.title_ja or "",
        "title_en": record.title_en or "",
        "description_ja": record.description_ja or "",
        "description_en": record.description_en or "",
        "track_record": record.track_record or "",
        "sectors": [sector(s) for s in record.sectors],
        "archived": record.is_archived,
        "version": record.version,
        "updated_at": _timestamp(record.updated_at),
    }


def company(record: Company) -> dict:
    return {
        "id": record.id,
        "ref": record.ref,
        "name_ja": record.name_ja or "",
        "name_en": record.name_en or "",
        "ward": record.ward or "",
        "size": record.size,
        "website": record.website or "",
        "overseas_countries": list(record.overseas_countries or []),
        "yport_member": bool(record.yport_member),
        "description_ja": record.description_ja or "",
        "description_en": record.description_en or "",
        "approval_status": record.approval_status,
        "technologies": [technology_ref(t) for t in record.active_technologies],
        "archived": record.is_archived,
        "version": record.version,
        "updated_at": _timestamp(record.updated_at),
    }


def reason(view) -> dict:
    return {
        "label": view.label,
        "kind": view.kind,
        "share": round(float(view.share), 4),
        "detail": view.detail,  # the technology's sentence, for a "passage"; else empty
    }


def participant(row: MissionCompany) -> dict:
    return {
        "company": named(row.company),
        "state": row.state,
        "position": row.position,
        "pinned": bool(row.pinned),
        "added_by_hand": bool(row.added_by_hand),
        "covers": [
            {
                "need_id": item["need_id"],
                "score": item["score"],
                "technology_id": item.get("technology_id"),
            }
            for item in row.coverage or []
        ],
    }


def mission(
    record: Mission, needs: list[Need], shortlist: list[MissionCompany] | None
) -> dict:
    return {
        "id": record.id,
        "city": named(record.city),
        "title": record.title,
        "start_date": _date(record.start_date),
        "end_date": _date(record.end_date),
        "slots": record.slots,
        "per_need_cap": record.per_need_cap,
        "status": record.status,
        "notes": record.notes or "",
        "needs": [need_ref(n) for n in needs],
        "shortlisted_at": _timestamp(record.shortlisted_at) if record.shortlisted_at else None,
        "shortlist": None if shortlist is None else [participant(row) for row in shortlist],
        "version": record.version,
    }


def outcome(record: Outcome) -> dict:
    return {
        "id": record.id,
        "company_id": record.company_id,
        "need_id": record.need_id,
        "mission_id": record.mission_id,
        "kind": record.kind,
        "occurred_on": record.occurred_on.isoformat(),
        "funding_source": record.funding_source or "",
        "amount_jpy": int(record.amount_jpy) if record.amount_jpy is not None else None,
        "reason": record.reason or "",
        "notes": record.notes or "",
        "version": record.version,
    }


def concept(record: GlossaryConcept) -> dict:
    return {
        "id": record.id,
        "key": record.key,
        "label_en": record.label_en,
        "label_ja": record.label_ja,
        "forms_en": list(record.forms_en or []),
        "forms_ja": list(record.forms_ja or []),
        "sectors": [sector(s) for s in record.sectors],
    }


def me(user: User) -> dict:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name or "",
        "role": user.role,
        "company_id": user.company_id,
        "city_id": user.city_id,
    }
