"""A mission's briefing tables: the shortlist, the needs it covers, and whom to contact."""

import sqlalchemy as sa
from flask_babel import gettext as _

from ypmatch import labels
from ypmatch.extensions import db
from ypmatch.models import Mission, Role, User
from ypmatch.services.exports.writers import Sheet, fitted_widths
from ypmatch.services.matches import reason_label
from ypmatch.services.missions import active_participants


def need_label(need, locale: str) -> str:
    return f"{need.ref or f'N-{need.id}'} {need.title(locale)}"


def shortlist_table(mission: Mission, locale: str) -> tuple[list[str], list[list]]:
    """The companies view: one row per company on the list, in the curators' order."""
    needs = {need.id: need for need in mission.needs}
    headers = [
        _("Order"),
        _("Company"),
        _("Company (other language)"),
        _("Status"),
        _("Pinned"),
        _("Needs covered"),
        _("Best score"),
        _("Technology"),
        _("Why"),
    ]
    rows = []
    for position, row in enumerate(active_participants(mission), start=1):
        company = row.company
        coverage = sorted(row.coverage or [], key=lambda c: -c["score"])
        covered = "; ".join(
            f"{need_label(needs[c['need_id']], locale)} ({c['score']:.2f})"
            for c in coverage
            if c["need_id"] in needs
        )
        technology = _technology_title(coverage, company, locale)
        reasons = ", ".join(
            reason_label(r["token"], r["kind"], locale)
            for r in (coverage[0]["reasons"] if coverage else [])
            if r["kind"] in ("concept", "sector")
        )
        rows.append(
            [
                position,
                company.name(locale),
                company.name_en if locale == "ja" else company.name_ja,
                labels.label(labels.PARTICIPANT_STATE, row.state),
                _("Yes") if row.pinned else "",
                covered,
                round(coverage[0]["score"], 3) if coverage else "",
                technology,
                reasons,
            ]
        )
    return headers, rows


def _technology_title(coverage: list[dict], company, locale: str) -> str:
    if not coverage or coverage[0].get("technology_id") is None:
        return ""
    for technology in company.technologies:
        if technology.id == coverage[0]["technology_id"]:
            return technology.title(locale)
    return ""


def coverage_matrix(mission: Mission, locale: str) -> tuple[list[str], list[list]]:
    """Needs × companies: each cell the company's score for the need (blank if not covered)."""
    participants = active_participants(mission)
    headers = [_("Need")] + [row.company.name(locale) for row in participants]
    rows = []
    for need in mission.needs:
        cells = []
        for row in participants:
            score = next((c["score"] for c in row.coverage or [] if c["need_id"] == need.id), None)
            cells.append(round(score, 3) if score is not None else "")
        rows.append([need_label(need, locale), *cells])
    return headers, rows


def contacts_table(mission: Mission, locale: str) -> tuple[list[str], list[list]]:
    participants = active_participants(mission)
    company_ids = [row.company_id for row in participants]
    members: dict[int, list[User]] = {}
    if company_ids:
        for user in db.session.scalars(
            sa.select(User)
            .where(
                User.company_id.in_(company_ids), User.role == Role.COMPANY, User.active.is_(True)
            )
            .order_by(User.id)
        ):
            members.setdefault(user.company_id, []).append(user)
    headers = [_("Company"), _("Ward"), _("Website"), _("Contact"), _("Email"), _("Status")]
    rows = []
    for row in participants:
        company = row.company
        people = members.get(company.id) or [None]
        for person in people:
            rows.append(
                [
                    company.name(locale),
                    labels.label(labels.WARD, company.ward),
                    company.website,
                    person.name if person else "",
                    person.email if person else "",
                    labels.label(labels.PARTICIPANT_STATE, row.state),
                ]
            )
    return headers, rows


def shortlist_sheets(mission: Mission, locale: str) -> list[Sheet]:
    """The briefing workbook's sheets; the shortlist comes first, so a CSV holds it."""
    sheets = []
    for title, table in (
        (_("Companies"), shortlist_table),
        (_("Coverage"), coverage_matrix),
        (_("Contacts"), contacts_table),
    ):
        headers, rows = table(mission, locale)
        sheets.append(Sheet(title, headers, rows, fitted_widths(headers, rows)))
    return sheets
