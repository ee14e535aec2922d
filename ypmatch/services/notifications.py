"""Compose emails in the recipient's language and queue them."""

from contextlib import AbstractContextManager, nullcontext
from datetime import datetime

from flask import current_app, has_request_context, render_template, request
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


LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
FALLBACK_BASE_URL = "http://127.0.0.1:5000"


def note_served_address(host_url: str, hostname: str) -> None:
    """Remember where this process is served, for links in email built outside a request.
    Only addresses of this machine count: a Host header from elsewhere could name any
    site, and a link in a password-reset email must never point there."""
    if hostname in LOOPBACK_HOSTS:
        current_app.config["SERVED_BASE_URL"] = host_url.rstrip("/")


def _base_url() -> str:
    configured = current_app.config.get("BASE_URL")
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        note_served_address(request.host_url, request.host.rsplit(":", 1)[0])
    served = current_app.config.get("SERVED_BASE_URL")
    if served:
        return served
    current_app.logger.warning(
        "YPMATCH_BASE_URL is not set and no request has shown where the app is served; "
        "links in email point to %s",
        FALLBACK_BASE_URL,
    )
    return FALLBACK_BASE_URL


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
