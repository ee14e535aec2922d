"""Checking a password at sign-in, slowing guessers without locking the owner out.

- Per account and client address: after ``max_failures`` wrong passwords that address waits
  30 seconds, then twice as long after each further failure, up to ``max_delay_seconds``.
  Other addresses, the owner's among them, are not affected.
- Per account, from all addresses: after ``account_max_failures`` wrong passwords (a guess
  spread over many addresses), browsers the owner has never signed in from wait
  ``max_delay_seconds`` too; the owner's own browsers are not held up, and the owner is
  emailed a link that lifts the wait and marks the browser it is opened in as theirs.
- Unknown addresses cost the same password hash as known ones, so the time an answer takes
  does not tell which emails have accounts.
"""

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from ypmatch.extensions import db
from ypmatch.models import SignInThrottle, User
from ypmatch.models.base import as_utc
from ypmatch.services.accounts import find_user_by_email

FIRST_DELAY_SECONDS = 30
# Failures older than this are forgotten.
FAILURE_MEMORY = timedelta(days=1)


@dataclass(frozen=True)
class ThrottleSettings:
    max_failures: int
    account_max_failures: int
    max_delay_seconds: int


@dataclass
class SignInResult:
    user: User | None = None
    # The account-wide wait began with this attempt: its owner should get the unlock link.
    locked_account: User | None = None


@functools.cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash("not a password of anyone's", method=method)


def _pair_throttle(user: User, address: str) -> SignInThrottle | None:
    return db.session.scalar(
        sa.select(SignInThrottle).where(
            SignInThrottle.user_id == user.id, SignInThrottle.address == address
        )
    )


def _is_waiting(
    user: User, pair: SignInThrottle | None, known_user_id: int | None, now: datetime
) -> bool:
    if pair is not None and (as_utc(pair.blocked_until) or now) > now:
        return True
    return known_user_id != user.id and (as_utc(user.locked_until) or now) > now


def sign_in(
    email: str,
    password: str,
    address: str,
    known_user_id: int | None,
    settings: ThrottleSettings,
    hash_method: str,
    now: datetime,
) -> SignInResult:
    """``known_user_id``: the account whose owner signed in from this browser before, by
    the signed cookie the browser carries (None without one)."""
    user = find_user_by_email(email)
    if user is None:
        check_password_hash(_dummy_hash(hash_method), password)
        return SignInResult()
    password_right = user.check_password(password)
    pair = _pair_throttle(user, address)
    if _is_waiting(user, pair, known_user_id, now):
        return SignInResult()
    if not password_right or not user.active:
        return _count_failure(user, pair, address, settings, now)
    if pair is not None:
        db.session.delete(pair)
    user.failed_logins = 0
    user.locked_until = None
    return SignInResult(user=user)


def _count_failure(
    user: User,
    pair: SignInThrottle | None,
    address: str,
    settings: ThrottleSettings,
    now: datetime,
) -> SignInResult:
    if pair is None:
        pair = SignInThrottle(user_id=user.id, address=address, failures=0, last_failure_at=now)
        db.session.add(pair)
    elif now - as_utc(pair.last_failure_at) > FAILURE_MEMORY:
        pair.failures = 0
    pair.failures += 1
    pair.last_failure_at = now
    beyond = pair.failures - settings.max_failures
    if beyond >= 0:
        delay = min(FIRST_DELAY_SECONDS * 2 ** min(beyond, 20), settings.max_delay_seconds)
        pair.blocked_until = now + timedelta(seconds=delay)
    result = SignInResult()
    user.failed_logins += 1
    if user.failed_logins >= settings.account_max_failures:
        user.failed_logins = 0
        user.locked_until = now + timedelta(seconds=settings.max_delay_seconds)
        result.locked_account = user
    return result


def lift_waits(user: User) -> None:
    """The owner proved they hold the account's email: every wait on it ends."""
    user.failed_logins = 0
    user.locked_until = None
    db.session.execute(sa.delete(SignInThrottle).where(SignInThrottle.user_id == user.id))


def forget_old_failures(now: datetime) -> int:
    """Throttles whose failures are forgotten and whose wait is over."""
    result = db.session.execute(
        sa.delete(SignInThrottle).where(
            SignInThrottle.last_failure_at < now - FAILURE_MEMORY,
            sa.or_(SignInThrottle.blocked_until.is_(None), SignInThrottle.blocked_until < now),
        )
    )
    return result.rowcount or 0
