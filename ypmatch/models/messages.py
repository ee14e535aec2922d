"""Outgoing email (queued, then sent over SMTP), match alerts and saved searches."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ypmatch.extensions import db
from ypmatch.models.base import TimestampMixin, utcnow
from ypmatch.models.users import User


class MessageStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"  # gave up after the last retry; an admin can requeue


class OutgoingMessage(TimestampMixin, db.Model):
    """An email waiting to be sent, or sent. Nothing is lost while the SMTP server is down."""

    __tablename__ = "outgoing_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)
    kind: Mapped[str] = mapped_column(sa.String(30), index=True)
    locale: Mapped[str] = mapped_column(sa.String(5), default="en")
    status: Mapped[MessageStatus] = mapped_column(
        sa.String(20), default=MessageStatus.QUEUED, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # Makes sending the same notice twice impossible (e.g. one staleness reminder a month).
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)

    user: Mapped[User | None] = relationship()


class PendingAlert(db.Model):
    """A need that matched a member's company, waiting for that member's next digest."""

    __tablename__ = "pending_alerts"
    __table_args__ = (sa.UniqueConstraint("user_id", "need_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    company_id: Mapped[int | None] = mapped_column(sa.ForeignKey("companies.id"))
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id"))
    score: Mapped[float] = mapped_column(default=0.0)
    reasons: Mapped[list] = mapped_column(sa.JSON, default=list)
    source: Mapped[str] = mapped_column(sa.String(20), default="match")  # or "saved_search"
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    message_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outgoing_messages.id"))


class SavedSearch(TimestampMixin, db.Model):
    __tablename__ = "saved_searches"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    target: Mapped[str] = mapped_column(sa.String(20), default="needs")  # or "technologies"
    text: Mapped[str] = mapped_column(sa.String(200), default="")
    city_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partner_cities.id"))
    sector_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sectors.id"))
    last_checked_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship()


class ApiToken(db.Model):
    """A personal API token; only its hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    user: Mapped[User] = relationship()
