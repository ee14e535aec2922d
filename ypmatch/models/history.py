"""Every change to every record: who, when, which fields from what to what."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ypmatch.extensions import db
from ypmatch.models.base import utcnow
from ypmatch.models.users import User


class HistoryAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    PUBLISH = "publish"
    UNPUBLISH = "unpublish"
    CLOSE = "close"
    ARCHIVE = "archive"
    RESTORE = "restore"
    APPROVE = "approve"
    REJECT = "reject"
    MERGE = "merge"
    SHORTLIST = "shortlist"
    INVITE = "invite"
    ACCEPT = "accept"
    DECLINE = "decline"
    JOIN = "join"
    DELETE = "delete"


class HistoryEntry(db.Model):
    __tablename__ = "history_entries"
    __table_args__ = (
        sa.Index("ix_history_entries_record", "record_type", "record_id"),
        sa.Index("ix_history_entries_created_at", "created_at"),  # what changed since …
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_type: Mapped[str] = mapped_column(sa.String(40))
    record_id: Mapped[int] = mapped_column()
    action: Mapped[HistoryAction] = mapped_column(sa.String(20))
    # {"field": [old, new], ...} with JSON-serialisable values.
    changes: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # The whole record after the change, so any version can be shown in full.
    snapshot: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    version: Mapped[int | None] = mapped_column()
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    source: Mapped[str] = mapped_column(sa.String(20), default="web")
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    user: Mapped[User | None] = relationship()
