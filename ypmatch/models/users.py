"""Accounts and roles."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask import current_app
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ypmatch.extensions import db
from ypmatch.models.base import TimestampMixin
from ypmatch.models.cities import PartnerCity
from ypmatch.models.companies import Company


class Role(StrEnum):
    ADMIN = "admin"
    CURATOR = "curator"
    COMPANY = "company"
    CITY = "city"


class AlertFrequency(StrEnum):
    IMMEDIATELY = "immediately"
    DAILY = "daily"
    WEEKLY = "weekly"
    NEVER = "never"


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    role: Mapped[Role] = mapped_column(sa.String(20), index=True)
    company_id: Mapped[int | None] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    city_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partner_cities.id"))
    locale: Mapped[str] = mapped_column(sa.String(5), default="")
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # Changes on password change or logout-everywhere so old sessions stop working.
    session_token: Mapped[str] = mapped_column(sa.String(64), default="")
    email_confirmed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    alert_frequency: Mapped[AlertFrequency] = mapped_column(
        sa.String(20), default=AlertFrequency.DAILY, server_default=AlertFrequency.DAILY.value
    )
    last_digest_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    company: Mapped[Company | None] = relationship()
    city: Mapped[PartnerCity | None] = relationship()

    def set_password(self, password: str) -> None:
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    @property
    def is_staff(self) -> bool:
        """Bureau staff: curators and admins see and curate everything."""
        return self.role in (Role.CURATOR, Role.ADMIN)


class SignInThrottle(db.Model):
    """Wrong passwords for one account from one client address, and how long it must wait."""

    __tablename__ = "sign_in_throttles"
    __table_args__ = (sa.UniqueConstraint("user_id", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    address: Mapped[str] = mapped_column(sa.String(64))
    failures: Mapped[int] = mapped_column(default=0)
    blocked_until: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    last_failure_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), index=True)
