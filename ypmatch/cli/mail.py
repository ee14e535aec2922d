"""``ypmatch mail …`` and ``ypmatch jobs run``: the work a scheduler runs every few minutes."""

import json

import click

from ypmatch import clock
from ypmatch.services.jobs import run_jobs
from ypmatch.services.mail import send_queued


@click.group("mail")
def mail_group() -> None:
    """Outgoing email."""


@mail_group.command("send-queued")
@click.option("--limit", type=click.IntRange(1, 10000), default=500, show_default=True)
def send_queued_command(limit: int) -> None:
    """Send the queued messages that are due (retries use back-off)."""
    report = send_queued(clock.now(), limit=limit)
    click.echo(f"sent {report.sent}, deferred {report.deferred}, failed {report.failed}")


@click.group("jobs")
def jobs_group() -> None:
    """Periodic work: alerts, digests, reminders, expiry, sending."""


@jobs_group.command("run")
@click.option("--no-send", is_flag=True, help="Queue messages but do not send them.")
def run_command(no_send: bool) -> None:
    """Saved-search alerts, need expiry, stale reminders, digests, then send the queue."""
    report = run_jobs(clock.now(), send=not no_send)
    click.echo(json.dumps(report.as_dict()))
