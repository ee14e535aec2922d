"""Personal API tokens: created once, shown once, stored only as a SHA-256 hash."""

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa

from ypmatch.extensions import db
from ypmatch.models import ApiToken, HistoryAction, User
from ypmatch.models.base import as_utc, utcnow
from ypmatch.services.records import add_history

TOKEN_PREFIX = "ypm_"  # noqa: S105  (a marker, not a secret)
# Enough of the token to recognise it in a list without making it guessable.
SHOWN_PREFIX_LENGTH = 12
MAX_TOKEN_LENGTH = 200


class TokenError(ValueError):
    """A token request that cannot be carried out; the message says why."""


def hash_token(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def create_token(user: User, name: str, source: str = "web") -> tuple[ApiToken, str]:
    """A new token for ``user``; the plaintext is returned here and never again."""
    name = (name or "").strip()
    if not name:
        raise TokenError("give the token a name, such as the program that will use it")
    if len(name) > 120:
        raise TokenError("the token's name can have at most 120 characters")
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=hash_token(plaintext),
        prefix=plaintext[:SHOWN_PREFIX_LENGTH],
    )
    db.session.add(token)
    db.session.flush()
    add_history(
        user, HistoryAction.UPDATE, user, source=source, note=f"API token {token.prefix}… created"
    )
    return token, plaintext


def authenticate_token(plaintext: str) -> User | None:
    """The active user a valid, unrevoked token belongs to; records when it was used."""
    if not plaintext or not plaintext.startswith(TOKEN_PREFIX) or len(plaintext) > MAX_TOKEN_LENGTH:
        return None
    token = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.token_hash == hash_token(plaintext))
    )
    if token is None or token.revoked_at is not None:
        return None
    user = token.user
    if user is None or not user.active or user.deleted_at is not None:
        return None
    now = utcnow()
    last = as_utc(token.last_used_at)
    # One write a minute is enough to tell when a token was last used.
    if last is None or now - last > timedelta(minutes=1):
        token.last_used_at = now
    return user


def tokens_of(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id)
        )
    )


def revoke_token(token: ApiToken, actor: User | None, source: str = "web") -> None:
    if token.revoked_at is not None:
        return
    token.revoked_at = utcnow()
    db.session.flush()
    add_history(
        token.user, "update", actor, source=source, note=f"API token {token.prefix}… revoked"
    )
