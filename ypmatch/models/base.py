"""Column helpers shared by the aggregates."""

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, declared_attr, mapped_column


def in_language(locale: str, english: str, japanese: str) -> str:
    """A bilingual text in the reader's language (Japanese for "ja", else English), or in
    the other language when that one is empty: records may be written in either."""
    preferred, other = (japanese, english) if locale == "ja" else (english, japanese)
    return preferred or other


# Ids are 32-bit integers in every database we run on: larger numbers name no record.
MAX_ID = 2_147_483_647


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime | None) -> datetime | None:
    """A stored moment, time-zone aware: SQLite gives naive values back, and they are UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class ArchivableMixin:
    """``archived_at`` set instead of deleting; ``is_current`` names "not archived" once."""

    archived_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @hybrid_property
    def is_current(self) -> bool:
        """Not archived; on the class, an SQL condition (``.where(Need.is_current)``)."""
        return self.archived_at is None

    @is_current.inplace.expression
    @classmethod
    def _is_current_expression(cls) -> sa.ColumnElement[bool]:
        return cls.archived_at.is_(None)


class CuratedRecordMixin(ArchivableMixin, TimestampMixin):
    """A record that is versioned (optimistic locking) and archived instead of deleted."""

    version: Mapped[int] = mapped_column(default=1, server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        # SQLAlchemy refuses an UPDATE whose row version moved underneath it.
        return {"version_id_col": cls.__table__.c.version}
