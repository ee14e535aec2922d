"""Signed, expiring tokens for password reset, member invitation and email confirmation.

A reset or invitation token carries a fingerprint of the current password hash: once the
password changes the token no longer verifies, which makes it single-use.
"""

import hashlib
from datetime import datetime

from itsdangerous import BadSignature, URLSafeSerializer

from ypmatch.extensions import db
from ypmatch.models import User
from ypmatch.models.base import as_utc

# One salt per purpose: a token made for one purpose never works for another.
PASSWORD_SALTS = {"reset": "ypmatch.password-reset", "invite": "ypmatch.member-invite"}
CONFIRM_SALT = "ypmatch.email-confirm"


class TokenError(ValueError):
    """The link is expired, already used or not genuine; ``reason`` says which."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _serializer(secret_key: str, salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=salt)


def _password_fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def make_password_token(user: User, secret_key: str, purpose: str, now: datetime) -> str:
    serializer = _serializer(secret_key, PASSWORD_SALTS[purpose])
    return serializer.dumps(
        {"user": user.id, "pw": _password_fingerprint(user), "iat": int(now.timestamp())}
    )


def _loads(serializer: URLSafeSerializer, token: str, max_age: int, now: datetime) -> dict:
    try:
        payload = serializer.loads(token)
    except BadSignature as error:
        raise TokenError("invalid") from error
    if not isinstance(payload, dict) or not isinstance(payload.get("iat"), int):
        raise TokenError("invalid")
    # The issue time is inside the signed payload, so the app's clock decides expiry.
    if now.timestamp() - payload["iat"] > max_age:
        raise TokenError("expired")
    return payload


def user_for_password_token(
    token: str, secret_key: str, purpose: str, max_age: int, now: datetime
) -> User:
    payload = _loads(_serializer(secret_key, PASSWORD_SALTS[purpose]), token, max_age, now)
    user = (
        db.session.get(User, payload.get("user")) if isinstance(payload.get("user"), int) else None
    )
    if user is None or not user.active or user.deleted_at is not None:
        raise TokenError("invalid")
    if payload.get("pw") != _password_fingerprint(user):
        raise TokenError("used")
    return user


def make_confirm_token(user: User, secret_key: str, now: datetime) -> str:
    return _serializer(secret_key, CONFIRM_SALT).dumps(
        {"user": user.id, "email": user.email, "iat": int(now.timestamp())}
    )


def user_for_confirm_token(token: str, secret_key: str, max_age: int, now: datetime) -> User:
    payload = _loads(_serializer(secret_key, CONFIRM_SALT), token, max_age, now)
    user = (
        db.session.get(User, payload.get("user")) if isinstance(payload.get("user"), int) else None
    )
    if user is None or user.email != payload.get("email"):
        raise TokenError("invalid")
    if user.email_confirmed_at is not None:
        raise TokenError("used")
    return user


UNLOCK_SALT = "ypmatch.sign-in-unlock"
KNOWN_BROWSER_SALT = "ypmatch.known-browser"


def _lock_stamp(user: User) -> int | None:
    locked_until = as_utc(user.locked_until)
    return int(locked_until.timestamp()) if locked_until is not None else None


def make_unlock_token(user: User, secret_key: str, now: datetime) -> str:
    """A link that ends the account-wide sign-in wait; it works for the wait it was sent for."""
    return _serializer(secret_key, UNLOCK_SALT).dumps(
        {"user": user.id, "lock": _lock_stamp(user), "iat": int(now.timestamp())}
    )


def user_for_unlock_token(token: str, secret_key: str, max_age: int, now: datetime) -> User:
    payload = _loads(_serializer(secret_key, UNLOCK_SALT), token, max_age, now)
    user = (
        db.session.get(User, payload.get("user")) if isinstance(payload.get("user"), int) else None
    )
    if user is None or not user.active or user.deleted_at is not None:
        raise TokenError("invalid")
    if payload.get("lock") is None or payload.get("lock") != _lock_stamp(user):
        raise TokenError("used")
    return user


def make_known_browser_token(user: User, secret_key: str, now: datetime) -> str:
    """Proof, kept in a cookie, that the account's owner signed in from this browser."""
    return _serializer(secret_key, KNOWN_BROWSER_SALT).dumps(
        {"user": user.id, "iat": int(now.timestamp())}
    )


def known_browser_user_id(token: str, secret_key: str, max_age: int, now: datetime) -> int | None:
    try:
        payload = _loads(_serializer(secret_key, KNOWN_BROWSER_SALT), token, max_age, now)
    except TokenError:
        return None
    return payload.get("user") if isinstance(payload.get("user"), int) else None
