"""Email: queued in the database, sent over SMTP (or to instance/outbox/) by a job.

Pages never wait for the mail server: they queue a message and carry on. ``send_queued``
claims due messages one at a time (safe with several workers or hosts), sends them, and
on failure retries with growing back-off, so nothing is lost while the server is down.
"""

import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from ypmatch.extensions import db
from ypmatch.models import MessageStatus, OutgoingMessage, User

# Waits between attempts; after the last one the message is marked failed.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=24),
)


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    deferred: int = 0


def queue_message(
    to_address: str,
    subject: str,
    body: str,
    kind: str,
    now: datetime,
    locale: str = "en",
    user: User | None = None,
    dedupe_key: str | None = None,
) -> OutgoingMessage | None:
    """Queue one email; with a ``dedupe_key`` already used, nothing is queued (None)."""
    if dedupe_key is not None and db.session.scalar(
        sa.select(OutgoingMessage.id).where(OutgoingMessage.dedupe_key == dedupe_key)
    ):
        return None
    message = OutgoingMessage(
        to_address=to_address,
        subject=subject[:300],
        body=body,
        kind=kind,
        locale=locale,
        user_id=user.id if user else None,
        dedupe_key=dedupe_key,
        next_attempt_at=now,
    )
    db.session.add(message)
    db.session.flush()
    return message


def build_email(message: OutgoingMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain="ypmatch")
    email.set_content(message.body)
    email["Content-Language"] = message.locale  # after set_content, which resets Content-*
    return email


def _deliver(email: EmailMessage, config: dict, instance_path: str, message_id: int) -> None:
    if not config["SMTP_HOST"]:
        outbox = Path(instance_path) / "outbox"
        outbox.mkdir(parents=True, exist_ok=True)
        (outbox / f"{message_id:06d}.eml").write_bytes(bytes(email))
        return
    with smtplib.SMTP(
        config["SMTP_HOST"], config["SMTP_PORT"], timeout=config["SMTP_TIMEOUT"]
    ) as smtp:
        if config["SMTP_STARTTLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["SMTP_USER"]:
            smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
        smtp.send_message(email)


def _claim(message_id: int, now: datetime) -> bool:
    """Take a due message for this process; another worker that got it first wins."""
    claimed = db.session.execute(
        sa.update(OutgoingMessage)
        .where(
            OutgoingMessage.id == message_id,
            OutgoingMessage.status == MessageStatus.QUEUED,
            OutgoingMessage.next_attempt_at <= now,
        )
        .values(next_attempt_at=now + timedelta(minutes=10))
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return claimed.rowcount == 1


def send_queued(now: datetime, limit: int = 100) -> SendReport:
    """Send due messages; commits after each one so a crash never loses or repeats much."""
    report = SendReport()
    config = current_app.config
    due = db.session.scalars(
        sa.select(OutgoingMessage.id)
        .where(
            OutgoingMessage.status == MessageStatus.QUEUED, OutgoingMessage.next_attempt_at <= now
        )
        .order_by(OutgoingMessage.id)
        .limit(limit)
    ).all()
    for message_id in due:
        if not _claim(message_id, now):
            continue
        message = db.session.get(OutgoingMessage, message_id)
        try:
            email = build_email(message, config["MAIL_SENDER"])
            bytes(email)  # a header that cannot be written fails here, not halfway through
        except (ValueError, TypeError, UnicodeError) as error:
            # Trying again builds the same broken message: it fails now, with the reason,
            # and the rest of the batch goes out.
            message.attempts += 1
            message.status = MessageStatus.FAILED
            message.last_error = f"The message cannot be built: {error}"[:2000]
            report.failed += 1
            db.session.commit()
            continue
        try:
            _deliver(email, config, current_app.instance_path, message.id)
        except (OSError, smtplib.SMTPException) as error:
            message.attempts += 1
            message.last_error = f"{type(error).__name__}: {error}"[:2000]
            if message.attempts >= len(RETRY_DELAYS):
                message.status = MessageStatus.FAILED
                report.failed += 1
            else:
                message.next_attempt_at = now + RETRY_DELAYS[message.attempts - 1]
                report.deferred += 1
        else:
            message.attempts += 1
            message.status = MessageStatus.SENT
            message.sent_at = now
            message.last_error = ""
            report.sent += 1
        db.session.commit()
    return report


def requeue(message: OutgoingMessage, now: datetime) -> None:
    message.status = MessageStatus.QUEUED
    message.attempts = 0
    message.next_attempt_at = now


REMOVED = "(removed)"


def forget_person(user_id: int, email: str, name: str, placeholder: str) -> int:
    """On account deletion: mail to the person loses its address and body (queued mail is
    not sent), mail naming them elsewhere loses the name and address, and the written-out
    copies of those messages are deleted. Returns the number of messages changed."""
    mentions = [email] + ([name] if len(name.strip()) >= 3 else [])
    addressed = sa.or_(OutgoingMessage.user_id == user_id, OutgoingMessage.to_address == email)
    mentioning = sa.or_(
        *(
            sa.or_(
                OutgoingMessage.subject.contains(text, autoescape=True),
                OutgoingMessage.body.contains(text, autoescape=True),
            )
            for text in mentions
        )
    )
    changed = list(db.session.scalars(sa.select(OutgoingMessage).where(addressed | mentioning)))
    outbox = Path(current_app.instance_path) / "outbox"
    for message in changed:
        if message.user_id == user_id or message.to_address == email:
            message.to_address = placeholder
            message.body = "(removed: the recipient deleted their account)"
            if message.status == MessageStatus.QUEUED:
                message.status = MessageStatus.FAILED
                message.last_error = "Not sent: the recipient deleted their account."
        for text in mentions:
            message.subject = message.subject.replace(text, REMOVED)
            message.body = message.body.replace(text, REMOVED)
        (outbox / f"{message.id:06d}.eml").unlink(missing_ok=True)
    return len(changed)
