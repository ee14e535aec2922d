"""Match alerts, saved-search alerts, digests, and the upkeep of stale records.

Alerts are collected when a need is published (``alerts_for_published_need``), for the
companies the curator chose on the review page, and sent as one digest per member at the
member's chosen frequency (``deliver_digests``). An alert is not an outcome: the bureau
counts a contact as information provided (the KPI) only when it confirms it was meaningful
(``count_information_provided``).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, url_for

from ypmatch.events import need_published
from ypmatch.extensions import db
from ypmatch.models import (
    AlertFrequency,
    Company,
    HistoryAction,
    Need,
    NeedStatus,
    Outcome,
    OutcomeKind,
    PendingAlert,
    Role,
    SavedSearch,
    Technology,
    User,
    Visibility,
)
from ypmatch.permissions import can_view_need
from ypmatch.services.companies import company_members
from ypmatch.services.matches import reason_label
from ypmatch.services.matching import matching_index
from ypmatch.services.needs import NeedFilters, needs_query
from ypmatch.services.notifications import recipient_locale, render_email, send_to_user
from ypmatch.services.records import create_record, update_record
from ypmatch.services.search import text_condition
from ypmatch.services.text_finder import TECHNOLOGY_TEXT_COLUMNS

DIGEST_INTERVALS = {
    AlertFrequency.IMMEDIATELY: timedelta(days=1),  # the first at once, then at most daily
    AlertFrequency.DAILY: timedelta(days=1),
    AlertFrequency.WEEKLY: timedelta(days=7),
}


@dataclass
class NotificationCandidate:
    """A company that publishing a need would alert, and why."""

    company: Company
    score: float
    band: str
    reasons: list[tuple[str, str]]  # (token, kind) as the matcher gives them
    members: list[User]  # the company's members, read once for the page and the alerts

    @property
    def recipients(self) -> list[User]:
        """The members who would get the email (not those who turned alerts off)."""
        return [m for m in self.members if m.alert_frequency != AlertFrequency.NEVER]


def notification_candidates(need: Need) -> list[NotificationCandidate]:
    """The companies whose technologies fit ``need`` well enough to be alerted when it is
    published, best first, with the members each would email."""
    if need.visibility == Visibility.INTERNAL:
        return []
    index = matching_index()
    if str(need.id) not in index.matcher.need_index_:
        return []
    threshold = current_app.config["ALERT_MIN_SCORE"]
    candidates = []
    for match in index.matcher.rank_companies_for_need(str(need.id), k=50):
        if match.score < threshold:
            break
        company = db.session.get(Company, int(match.company_id))
        candidates.append(
            NotificationCandidate(
                company=company,
                score=match.score,
                band=index.matcher.rules_.band(match.score),
                reasons=[(r.token, r.kind) for r in match.reasons],
                members=company_members(company.id),
            )
        )
    return candidates


def alerts_for_published_need(
    need: Need, now: datetime, company_ids: set[int] | None = None
) -> int:
    """Queue alerts for the members of companies whose technologies fit a published need:
    all of them, or only ``company_ids`` (those the curator chose when publishing)."""
    if need.status != NeedStatus.PUBLISHED:
        return 0
    created = 0
    for candidate in notification_candidates(need):
        if company_ids is not None and candidate.company.id not in company_ids:
            continue
        for member in candidate.members:
            created += _add_pending(
                member,
                need,
                candidate.company.id,
                candidate.score,
                candidate.reasons,
                now,
                "match",
            )
    return created


@need_published.connect
def _alert_fitting_companies(need: Need, now: datetime, company_ids: set[int] | None) -> None:
    alerts_for_published_need(need, now, company_ids)


def preview_alert(need: Need, candidate: NotificationCandidate, locale: str) -> tuple[str, str]:
    """The subject and body of the email a member of ``candidate``'s company would get."""
    index = matching_index()
    line = AlertLine(
        need=need,
        reason_labels=[
            reason_label(token, kind, locale, index.glossary)
            for token, kind in candidate.reasons[:4]
            if kind in ("concept", "sector")
        ],
        band=candidate.band,
        quote=next((token for token, kind in candidate.reasons if kind == "passage"), ""),
    )
    reader = candidate.members[0] if candidate.members else User(email="member@example.org")
    return render_email(
        "alert_digest", locale, user=reader, company=candidate.company, alerts=[line]
    )


def notified_companies(need: Need) -> list[tuple[Company, bool]]:
    """Companies alerted about ``need``, each with whether the bureau has counted the
    contact as information provided (the KPI)."""
    company_ids = db.session.scalars(
        sa.select(PendingAlert.company_id)
        .where(PendingAlert.need_id == need.id, PendingAlert.company_id.is_not(None))
        .distinct()
    ).all()
    counted = set(
        db.session.scalars(
            sa.select(Outcome.company_id).where(
                Outcome.need_id == need.id,
                Outcome.kind == OutcomeKind.INFORMATION_PROVIDED,
                Outcome.is_current,
            )
        )
    )
    companies = [db.session.get(Company, company_id) for company_id in company_ids]
    return sorted(
        ((company, company.id in counted) for company in companies),
        key=lambda row: row[0].name("en"),
    )


def _add_pending(
    user: User,
    need: Need,
    company_id: int | None,
    score: float,
    reasons: list,
    now: datetime,
    source: str,
) -> int:
    if user.alert_frequency == AlertFrequency.NEVER or not can_view_need(user, need):
        return 0
    exists = db.session.scalar(
        sa.select(PendingAlert.id).where(
            PendingAlert.user_id == user.id, PendingAlert.need_id == need.id
        )
    )
    if exists:
        return 0
    db.session.add(
        PendingAlert(
            user_id=user.id,
            need_id=need.id,
            company_id=company_id,
            score=score,
            reasons=reasons,
            source=source,
            created_at=now,
        )
    )
    db.session.flush()
    return 1


@dataclass
class AlertLine:
    need: Need
    reason_labels: list[str]
    band: str = ""  # "strong" or "possible"
    quote: str = ""  # the need's sentence closest in meaning to the company's technology


def _due(user: User, now: datetime) -> bool:
    interval = DIGEST_INTERVALS.get(AlertFrequency(user.alert_frequency))
    if interval is None:
        return False
    last = user.last_digest_at
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=now.tzinfo)
    return last is None or now - last >= interval


def deliver_digests(now: datetime) -> int:
    """One digest per member whose interval has passed; returns the number queued."""
    pending = db.session.scalars(
        sa.select(PendingAlert)
        .where(PendingAlert.delivered_at.is_(None))
        .order_by(PendingAlert.user_id, PendingAlert.score.desc(), PendingAlert.id)
    ).all()
    by_user: dict[int, list[PendingAlert]] = defaultdict(list)
    for alert in pending:
        by_user[alert.user_id].append(alert)
    index = matching_index()
    queued = 0
    for user_id, alerts in by_user.items():
        user = db.session.get(User, user_id)
        if user is None or not user.active or user.email_confirmed_at is None:
            continue
        if user.alert_frequency == AlertFrequency.NEVER:
            for alert in alerts:
                alert.delivered_at = now  # dropped: the member opted out
            continue
        if not _due(user, now):
            continue
        visible = [a for a in alerts if can_view_need(user, db.session.get(Need, a.need_id))]
        if not visible:
            continue
        locale = recipient_locale(user)
        company = db.session.get(Company, user.company_id) if user.company_id else None
        lines = [
            AlertLine(
                need=db.session.get(Need, alert.need_id),
                reason_labels=[
                    reason_label(token, kind, locale, index.glossary)
                    for token, kind in alert.reasons[:4]
                    if kind in ("concept", "sector")
                ],
                band=index.matcher.rules_.band(alert.score),
                quote=next((token for token, kind in alert.reasons if kind == "passage"), ""),
            )
            for alert in visible
        ]
        message = (
            send_to_user(user, "alert_digest", "alert_digest", now, company=company, alerts=lines)
            if company
            else _saved_search_digest(user, lines, now)
        )
        for alert in alerts:
            alert.delivered_at = now
            alert.message_id = message.id if message else None
        user.last_digest_at = now
        queued += 1 if message else 0
    db.session.flush()
    return queued


def _saved_search_digest(user: User, lines: list[AlertLine], now: datetime):
    return send_to_user(
        user,
        "saved_search",
        "saved_search",
        now,
        search=SavedSearch(name="needs"),
        results=[
            (line.need.title(recipient_locale(user)), url_for("needs.show", need_id=line.need.id))
            for line in lines
        ],
    )


def count_information_provided(company: Company, need: Need, actor: User, now: datetime) -> bool:
    """The bureau confirms that alerting ``company`` about ``need`` was a meaningful
    contact: it counts once as information provided (the KPI). False if counted before."""
    exists = db.session.scalar(
        sa.select(Outcome.id).where(
            Outcome.company_id == company.id,
            Outcome.need_id == need.id,
            Outcome.kind == OutcomeKind.INFORMATION_PROVIDED,
            Outcome.is_current,
        )
    )
    if exists is not None:
        return False
    create_record(
        Outcome(
            company_id=company.id,
            need_id=need.id,
            kind=OutcomeKind.INFORMATION_PROVIDED,
            occurred_on=now.date(),
            source="curator",
            notes="a meaningful contact after the match alert",
        ),
        actor,
    )
    return True


# -- saved searches ----------------------------------------------------------------------


def run_saved_searches(now: datetime) -> int:
    """Alert users to needs (or, for curators, technologies) new since their last check."""
    sent = 0
    for search in db.session.scalars(sa.select(SavedSearch).order_by(SavedSearch.id)).all():
        user = search.user
        since = search.last_checked_at
        if search.target == "technologies" and user.is_staff:
            results = _new_technologies(search, since)
            if results:
                message = send_to_user(
                    user,
                    "saved_search",
                    "saved_search",
                    now,
                    search=search,
                    results=[
                        (
                            t.title(recipient_locale(user)),
                            url_for(
                                "companies.technology", company_id=t.company_id, technology_id=t.id
                            ),
                        )
                        for t in results
                    ],
                )
                sent += 1 if message else 0
        else:
            filters = NeedFilters(
                text=search.text,
                city_id=search.city_id,
                sector_id=search.sector_id,
                status=NeedStatus.PUBLISHED,
            )
            query = needs_query(user, filters).where(Need.updated_at > since)
            for need in db.session.scalars(query).all():
                sent += _add_pending(user, need, user.company_id, 0.0, [], now, "saved_search")
        search.last_checked_at = now
    db.session.flush()
    return sent


def _new_technologies(search: SavedSearch, since: datetime) -> list[Technology]:
    query = (
        sa.select(Technology)
        .join(Company)
        .where(
            Technology.is_current,
            Technology.created_at > since,
            Company.is_listed,
        )
    )
    if search.text:
        # Saved searches read like the search they were saved from: wildcards are literal.
        query = query.where(text_condition(TECHNOLOGY_TEXT_COLUMNS, search.text))
    if search.sector_id:
        query = query.where(Technology.sectors.any(id=search.sector_id))
    return list(db.session.scalars(query.order_by(Technology.id)))


# -- freshness -----------------------------------------------------------------------------


def stale_before(now: datetime) -> datetime:
    return now - timedelta(days=current_app.config["STALE_AFTER_DAYS"])


def remind_stale_profiles(now: datetime) -> int:
    """At most one reminder a month per company whose profile or technologies went stale."""
    cutoff = stale_before(now)
    reminders = 0
    companies = db.session.scalars(sa.select(Company).where(Company.is_listed)).all()
    for company in companies:
        items = []
        if _older(company.updated_at, cutoff):
            items.append(company.name("en") + " (profile)")
        items.extend(
            t.title("en") for t in company.active_technologies if _older(t.updated_at, cutoff)
        )
        if not items:
            continue
        for member in company_members(company.id):
            message = send_to_user(
                member,
                "stale_reminder",
                "stale_reminder",
                now,
                dedupe_key=f"stale:{company.id}:{member.id}:{now:%Y-%m}",
                company=company,
                items=items,
            )
            reminders += 1 if message else 0
    return reminders


def _older(moment: datetime, cutoff: datetime) -> bool:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=cutoff.tzinfo)
    return moment < cutoff


def expire_needs(now: datetime) -> int:
    """Close published needs whose end date has passed and tell the curators."""
    expired = db.session.scalars(
        sa.select(Need).where(
            Need.status.in_([NeedStatus.PUBLISHED, NeedStatus.IN_MISSION]),
            Need.expires_on.is_not(None),
            Need.expires_on < now.date(),
            Need.is_current,
        )
    ).all()
    curators = db.session.scalars(
        sa.select(User).where(User.role == Role.CURATOR, User.active.is_(True))
    ).all()
    for need in expired:
        update_record(
            need,
            {"status": NeedStatus.CLOSED},
            None,
            action=HistoryAction.CLOSE,
            source="upkeep",
            note="past its end date",
        )
        for curator in curators:
            send_to_user(
                curator,
                "need_expired",
                "need_expired",
                now,
                dedupe_key=f"expired:{need.id}:{curator.id}",
                need=need,
            )
    return len(expired)
