"""Signed, expiring tokens for password reset, member invitation and email confirmation.

A reset or invitation token carries a fingerprint of the current password hash: once the
password changes the token no longer verifies, which makes it single-use.
"""

import hashlib
from datetime import datetime

from itsdangerous import BadSignature, URLSafeSerializer

from ypmatch.extensions import db
from ypmatch.models import User

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
