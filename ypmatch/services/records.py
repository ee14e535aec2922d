"""Create, update, archive and restore any curated record, keeping its history.

Every change goes through here so that no edit escapes the history and no stale
edit overwrites a newer one.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from ypmatch.extensions import db
from ypmatch.models import HistoryAction, HistoryEntry, MatchingState, Sector, User
from ypmatch.models.base import utcnow

HIDDEN_FIELDS = {"password_hash", "session_token", "created_at", "updated_at"}
# Changes to these records change what the matcher sees.
MATCHER_INPUTS = {"needs", "technologies", "companies", "glossary_concepts", "sectors"}


class ConflictError(Exception):
    """The record changed since the editor loaded it."""

    def __init__(self, record: Any, expected_version: int):
        super().__init__(f"{record_type(record)} {record.id} is at version {record.version}")
        self.record = record
        self.expected_version = expected_version


def record_type(record: Any) -> str:
    return record.__tablename__


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Sector):
        return value.slug
    return value


def snapshot(record: Any) -> dict[str, Any]:
    """The record's fields as JSON-ready values (sectors as slugs)."""
    values = {
        column.key: _plain(getattr(record, column.key))
        for column in sa.inspect(record).mapper.column_attrs
        if column.key not in HIDDEN_FIELDS
    }
    if hasattr(record, "sectors"):
        values["sectors"] = sorted(sector.slug for sector in record.sectors)
    return values


def add_history(
    record: Any,
    action: HistoryAction,
    actor: User | None,
    changes: dict[str, list[Any]] | None = None,
    source: str = "web",
    note: str = "",
) -> HistoryEntry:
    entry = HistoryEntry(
        record_type=record_type(record),
        record_id=record.id,
        action=action,
        changes=changes or {},
        snapshot=snapshot(record),
        version=getattr(record, "version", None),
        user_id=actor.id if actor else None,
        source=source,
        note=note,
    )
    db.session.add(entry)
    if entry.record_type in MATCHER_INPUTS:
        mark_matcher_inputs_changed(recorded=True)
    return entry


def mark_matcher_inputs_changed(recorded: bool = False) -> None:
    """Bump the content version in the same transaction as the change itself, so every
    worker process refits its matching index on its next request. ``recorded``: the change
    has a history entry, from which a refit can tell which records to read again; any other
    change (a bulk import) makes every index fit afresh."""
    values = {"content_version": MatchingState.content_version + 1, "changed_at": utcnow()}
    if not recorded:
        values["full_fit_version"] = MatchingState.content_version + 1
    bumped = db.session.execute(
        sa.update(MatchingState).where(MatchingState.id == 1).values(**values)
    )
    if bumped.rowcount == 0:
        db.session.add(
            MatchingState(id=1, content_version=1, full_fit_version=0 if recorded else 1)
        )
        db.session.flush()


def _diff(record: Any, data: dict[str, Any]) -> dict[str, list[Any]]:
    changes = {}
    for field, new_value in data.items():
        old_value = getattr(record, field)
        if field == "sectors":
            old_plain = sorted(sector.slug for sector in old_value)
            new_plain = sorted(sector.slug for sector in new_value)
        else:
            old_plain, new_plain = _plain(old_value), _plain(new_value)
        if old_plain != new_plain:
            changes[field] = [old_plain, new_plain]
    return changes


def create_record(record: Any, actor: User | None, source: str = "web", note: str = "") -> Any:
    db.session.add(record)
    db.session.flush()
    add_history(record, HistoryAction.CREATE, actor, changes=None, source=source, note=note)
    return record


def update_record(
    record: Any,
    data: dict[str, Any],
    actor: User | None,
    expected_version: int | None = None,
    action: HistoryAction = HistoryAction.UPDATE,
    source: str = "web",
    note: str = "",
) -> dict[str, list[Any]]:
    """Apply ``data`` to ``record``; returns the changes (empty when nothing changed).

    ``expected_version`` is the version the editor saw; a different current version
    means someone else saved in between, and the edit is refused.
    """
    if expected_version is not None and record.version != expected_version:
        raise ConflictError(record, expected_version)
    changes = _diff(record, data)
    if not changes:
        return {}
    for field, value in data.items():
        setattr(record, field, value)
    db.session.flush()
    add_history(record, action, actor, changes=changes, source=source, note=note)
    return changes


def archive_record(record: Any, actor: User | None, note: str = "", source: str = "web") -> None:
    if record.archived_at is not None:
        return
    update_record(
        record,
        {"archived_at": utcnow()},
        actor,
        action=HistoryAction.ARCHIVE,
        note=note,
        source=source,
    )


def restore_record(record: Any, actor: User | None, note: str = "", source: str = "web") -> None:
    if record.archived_at is None:
        return
    update_record(
        record, {"archived_at": None}, actor, action=HistoryAction.RESTORE, note=note, source=source
    )


def history_of(record: Any) -> list[HistoryEntry]:
    return list(
        db.session.scalars(
            sa.select(HistoryEntry)
            .where(
                HistoryEntry.record_type == record_type(record),
                HistoryEntry.record_id == record.id,
            )
            .order_by(HistoryEntry.id.desc())
        )
    )


def latest_change(record: Any) -> HistoryEntry | None:
    return db.session.scalar(
        sa.select(HistoryEntry)
        .where(
            HistoryEntry.record_type == record_type(record),
            HistoryEntry.record_id == record.id,
        )
        .order_by(HistoryEntry.id.desc())
        .limit(1)
    )


class VersionError(ValueError):
    """This history entry cannot be restored onto this record."""


def _from_snapshot(record: Any, field: str, value: Any) -> Any:
    if field == "sectors":
        slugs = value or []
        return list(db.session.scalars(sa.select(Sector).where(Sector.slug.in_(slugs))))
    column_type = sa.inspect(record).mapper.columns[field].type
    if value is None:
        return None
    if isinstance(column_type, sa.DateTime):
        return datetime.fromisoformat(value)
    if isinstance(column_type, sa.Date):
        return date.fromisoformat(value)
    if isinstance(column_type, sa.Numeric):
        return Decimal(value)
    return value


def restore_version(
    record: Any,
    entry: HistoryEntry,
    fields: tuple[str, ...],
    actor: User,
    expected_version: int | None = None,
    source: str = "web",
) -> dict[str, list[Any]]:
    """Put ``fields`` of ``record`` back as ``entry`` recorded them. The restore is a new
    change of its own (history, version), so it can be undone the same way."""
    if (
        entry.record_type != record_type(record)
        or entry.record_id != record.id
        or not entry.snapshot
    ):
        raise VersionError("this entry belongs to another record")
    data = {
        field: _from_snapshot(record, field, entry.snapshot[field])
        for field in fields
        if field in entry.snapshot
    }
    return update_record(
        record,
        data,
        actor,
        expected_version=expected_version,
        source=source,
        note=f"restored version {entry.version}",
    )
