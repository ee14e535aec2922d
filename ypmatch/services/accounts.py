"""Accounts: creation, sign-in with lockout, roles."""

import secrets

import sqlalchemy as sa

from ypmatch.extensions import db
from ypmatch.models import (
    ApiToken,
    HistoryAction,
    HistoryEntry,
    PendingAlert,
    Role,
    SavedSearch,
    User,
)
from ypmatch.models.base import utcnow
from ypmatch.services.mail import forget_person
from ypmatch.services.records import add_history

MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    """A request about an account that cannot be carried out; the message says why."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def create_user(
    email: str,
    password: str,
    role: str,
    actor: User | None,
    name: str = "",
    company_id: int | None = None,
    city_id: int | None = None,
    locale: str = "",
    source: str = "web",
) -> User:
    email = normalise_email(email)
    if role not in set(Role):
        raise AccountError(f"unknown role {role!r}; use one of {', '.join(Role)}")
    if role == Role.COMPANY and company_id is None:
        raise AccountError("a company member needs a company")
    if role == Role.CITY and city_id is None:
        raise AccountError("a city focal point needs a city")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if find_user_by_email(email) is not None:
        raise AccountError(f"an account for {email} exists already")
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        company_id=company_id if role == Role.COMPANY else None,
        city_id=city_id if role == Role.CITY else None,
        locale=locale,
        session_token=secrets.token_hex(16),
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    add_history(user, HistoryAction.CREATE, actor, source=source)
    return user


def update_account(user: User, data: dict, actor: User | None, source: str = "web") -> None:
    changes = {}
    for field, value in data.items():
        old = getattr(user, field)
        if old != value:
            changes[field] = [old, value]
            setattr(user, field, value)
    if changes:
        access_changed = {"role", "active", "company_id", "city_id"} & set(changes)
        if access_changed:
            # What the account may do changed: its sessions and API tokens end with it.
            user.session_token = secrets.token_hex(16)
            _revoke_api_tokens(user)
        db.session.flush()
        add_history(user, HistoryAction.UPDATE, actor, changes=changes, source=source)


def _revoke_api_tokens(user: User) -> None:
    db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def load_user_from_session(session_id: str) -> User | None:
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_token != token:
        return None
    return user


def anonymise_account(user: User, actor: User | None) -> None:
    """Delete on request: personal data goes, the company's records and history stay."""
    placeholder = f"deleted-{user.id}@deleted.invalid"
    forget_person(user.id, user.email, user.name or "", placeholder)
    user.email = placeholder
    user.name = ""
    user.set_password(secrets.token_urlsafe(32))
    user.active = False
    user.session_token = secrets.token_hex(16)
    user.deleted_at = utcnow()
    for search in db.session.scalars(sa.select(SavedSearch).where(SavedSearch.user_id == user.id)):
        db.session.delete(search)
    db.session.execute(sa.delete(PendingAlert).where(PendingAlert.user_id == user.id))
    _revoke_api_tokens(user)
    # Earlier history of the account itself held the address and name: scrub them there too.
    for entry in db.session.scalars(
        sa.select(HistoryEntry).where(
            HistoryEntry.record_type == "users", HistoryEntry.record_id == user.id
        )
    ):
        entry.snapshot = {**entry.snapshot, "email": placeholder, "name": ""}
        entry.changes = {
            field: ["(removed)", "(removed)"] if field in ("email", "name") else values
            for field, values in (entry.changes or {}).items()
        }
    db.session.flush()
    add_history(user, HistoryAction.DELETE, actor, note="personal data removed on request")


def invite_company_member(company_id: int, email: str, name: str, inviter: User) -> User:
    """A colleague's account, to be completed through the emailed link."""
    return create_user(
        email,
        secrets.token_urlsafe(24),
        Role.COMPANY,
        inviter,
        name=name,
        company_id=company_id,
        locale=inviter.locale,
    )
