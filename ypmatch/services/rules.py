"""Business rules every way in shares (the web forms, the API, the importer): each is
checked here once and reported per field, so the API can answer a 422 naming the field and
a form can show the message next to it."""

import sqlalchemy as sa

from ypmatch.extensions import db
from ypmatch.models import Need, NeedStatus, PartnerCity, Sector


class InvalidFields(ValueError):
    """Some values break a rule; ``errors`` maps each field to what is wrong with it."""

    def __init__(self, errors: dict[str, list]):
        # Messages may be lazy translations: read in the locale of whoever triggered them.
        errors = {name: [str(message) for message in messages] for name, messages in errors.items()}
        super().__init__("; ".join(f"{name}: {', '.join(m)}" for name, m in errors.items()))
        self.errors = errors

    def show_on(self, form) -> None:
        """Put each message under the form's field of that name (others above the form)."""
        for name, messages in self.errors.items():
            field = form._fields.get(name)
            target = field.errors if field is not None else form.form_errors
            if isinstance(target, tuple):  # WTForms keeps unvalidated fields' errors in a tuple
                field.errors = target = list(target)
            target.extend(messages)


class FieldErrors:
    """Collects field errors, then raises them all at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def raise_any(self) -> None:
        if self.errors:
            raise InvalidFields(self.errors)


def require_one_of(
    values: dict, first: str, second: str, message: str, errors: FieldErrors
) -> None:
    """At least one of two texts (English, Japanese) must say something."""
    if not ((values.get(first) or "").strip() or (values.get(second) or "").strip()):
        errors.add(first, message)


def active_sectors_by_id(ids: list[int], errors: FieldErrors, field: str = "sector_ids"):
    """The active sectors with these ids, in the order given; unknown ids are errors."""
    if not ids:
        return []
    found = {
        sector.id: sector
        for sector in db.session.scalars(
            sa.select(Sector).where(Sector.id.in_(ids), Sector.is_current)
        )
    }
    missing = [str(sector_id) for sector_id in ids if sector_id not in found]
    if missing:
        errors.add(
            field, f"there is no sector {', '.join(missing)}; GET /api/v1/sectors lists them"
        )
        return []
    return [found[sector_id] for sector_id in ids]


def check_partner_city(city_id: int, errors: FieldErrors, field: str = "city_id") -> None:
    city = db.session.get(PartnerCity, city_id)
    if city is None or city.is_archived:
        errors.add(field, f"there is no partner city {city_id}; GET /api/v1/cities lists them")


def listed_needs_by_id(ids: list[int], errors: FieldErrors, field: str = "need_ids"):
    """Published (or in-mission) needs with these ids, in id order; others are errors."""
    if not ids:
        return []
    needs = {
        need.id: need
        for need in db.session.scalars(
            sa.select(Need).where(
                Need.id.in_(ids),
                Need.is_current,
                Need.status.in_([NeedStatus.PUBLISHED, NeedStatus.IN_MISSION]),
            )
        )
    }
    missing = [str(need_id) for need_id in ids if need_id not in needs]
    if missing:
        errors.add(field, f"there is no published need {', '.join(missing)}")
    return [needs[need_id] for need_id in sorted(ids) if need_id in needs]


def live_record(model, record_id: int | None, label: str, field: str, errors: FieldErrors):
    """The record, unless it is missing or archived (then a field error)."""
    if record_id is None:
        return None
    record = db.session.get(model, record_id)
    if record is None or record.is_archived:
        errors.add(field, f"there is no {label} {record_id}")
        return None
    return record
