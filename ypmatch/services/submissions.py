"""Carrying out a create form once, however often it is sent (double clicks, a reload that
sends again, two tabs): the form carries a random key, and the first submission with a
key claims it. A repeat learns where the first one led instead of creating again."""

from datetime import datetime, timedelta

import sqlalchemy as sa

from ypmatch.extensions import db
from ypmatch.models import FormSubmission, User

# Keys are kept this long; a form left open longer is sent as new.
KEPT_FOR = timedelta(days=2)


class AlreadySubmitted(Exception):
    """The form with this key was sent before; ``result_path`` is where it led (empty
    while the first submission is still being carried out)."""

    def __init__(self, result_path: str):
        super().__init__(result_path)
        self.result_path = result_path


def claim(key: str | None, user: User | None) -> FormSubmission | None:
    """Claim ``key`` for this request, or raise :class:`AlreadySubmitted`. No key (a
    client that does not send one): nothing to claim."""
    if not key:
        return None
    submission = FormSubmission(key=key[:64], user_id=user.id if user else None)
    try:
        # A concurrent twin waits here on the unique key until the first one commits.
        with db.session.begin_nested():
            db.session.add(submission)
    except sa.exc.IntegrityError:
        earlier = db.session.scalar(sa.select(FormSubmission).where(FormSubmission.key == key))
        raise AlreadySubmitted(earlier.result_path if earlier else "") from None
    return submission


def record_result(submission: FormSubmission | None, path: str) -> None:
    if submission is not None:
        submission.result_path = path[:300]


def forget_old_submissions(now: datetime) -> int:
    result = db.session.execute(
        sa.delete(FormSubmission).where(FormSubmission.created_at < now - KEPT_FOR)
    )
    return result.rowcount or 0
