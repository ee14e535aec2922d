"""Compose emails in the recipient's language and queue them."""

from contextlib import AbstractContextManager, nullcontext
from datetime import datetime

from flask import current_app, has_request_context, render_template
from flask_babel import force_locale

from ypmatch.models import OutgoingMessage, User
from ypmatch.services.mail import queue_message


def recipient_locale(user: User | None) -> str:
    if user is not None and user.locale in ("en", "ja"):
        return user.locale
    return "ja" if user is not None and user.role == "company" else "en"


def url_context() -> AbstractContextManager:
    """Lets jobs run from the command line build links with ``url_for`` like a page does."""
    if has_request_context():
        return nullcontext()
    return current_app.test_request_context(base_url=_base_url())


def render_email(template: str, locale: str, **context) -> tuple[str, str]:
    """Templates start with a ``Subject:`` line, then a blank line, then the body."""
    with url_context(), force_locale(locale):
        text = render_template(f"email/{template}.txt", base_url=_base_url(), **context)
    head, _, body = text.lstrip().partition("\n\n")
    subject = head.removeprefix("Subject:").strip()
    return subject, body.strip() + "\n"


def _base_url() -> str:
    return current_app.config["BASE_URL"].rstrip("/")


def absolute_url(path: str) -> str:
    return _base_url() + path


def send_to_user(
    user: User,
    template: str,
    kind: str,
    now: datetime,
    dedupe_key: str | None = None,
    **context,
) -> OutgoingMessage | None:
    if not user.active or user.deleted_at is not None:
        return None
    locale = recipient_locale(user)
    subject, body = render_email(template, locale, user=user, **context)
    return queue_message(
        user.email, subject, body, kind, now, locale=locale, user=user, dedupe_key=dedupe_key
    )
