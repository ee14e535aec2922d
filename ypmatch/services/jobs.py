"""The periodic work a scheduler runs (``ypmatch jobs run``): alerts, upkeep, mail."""

from dataclasses import asdict, dataclass
from datetime import datetime

from ypmatch.extensions import db
from ypmatch.services.alerts import (
    deliver_digests,
    expire_needs,
    remind_stale_profiles,
    run_saved_searches,
)
from ypmatch.services.mail import send_queued
from ypmatch.services.notifications import url_context
from ypmatch.services.sign_in import forget_old_failures
from ypmatch.services.submissions import forget_old_submissions


@dataclass
class JobReport:
    saved_search_alerts: int = 0
    digests: int = 0
    stale_reminders: int = 0
    expired_needs: int = 0
    forgotten_sign_in_failures: int = 0
    sent: int = 0
    deferred: int = 0
    failed: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def run_jobs(now: datetime, send: bool = True) -> JobReport:
    report = JobReport()
    db.session.expire_all()  # read what other requests committed, not a cached copy
    with url_context():
        report.saved_search_alerts = run_saved_searches(now)
        report.expired_needs = expire_needs(now)
        report.stale_reminders = remind_stale_profiles(now)
        report.digests = deliver_digests(now)
        report.forgotten_sign_in_failures = forget_old_failures(now)
        forget_old_submissions(now)
        db.session.commit()
        if send:
            sent = send_queued(now)
            report.sent, report.deferred, report.failed = sent.sent, sent.deferred, sent.failed
    return report
