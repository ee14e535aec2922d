"""Mission briefing files: the shortlist as XLSX and CSV, and the dates as iCalendar."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from ypmatch import labels
from ypmatch.extensions import db
from ypmatch.models import Mission, MissionCompany, Role, User
from ypmatch.services.matching import reason_label
from ypmatch.services.missions import active_participants
from ypmatch.services.spreadsheet_cells import csv_cell, xlsx_cell


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


def shortlist_xlsx(mission: Mission, locale: str) -> bytes:
    workbook = Workbook(write_only=True)
    sheets = [
        (_("Companies"), shortlist_table(mission, locale)),
        (_("Coverage"), coverage_matrix(mission, locale)),
        (_("Contacts"), contacts_table(mission, locale)),
    ]
    for title, (headers, rows) in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        for index, header in enumerate(headers, start=1):
            width = max([len(str(header))] + [len(str(r[index - 1])) for r in rows] or [10])
            sheet.column_dimensions[get_column_letter(index)].width = min(60, max(10, width + 2))
        sheet.freeze_panes = "A2"
        sheet.append([xlsx_cell(sheet, header, bold=True) for header in headers])
        for row in rows:
            sheet.append([xlsx_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def shortlist_csv(mission: Mission, locale: str) -> bytes:
    headers, rows = shortlist_table(mission, locale)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_cell(header) for header in headers])
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    # UTF-8 with BOM so Excel opens the Japanese correctly.
    return buffer.getvalue().encode("utf-8-sig")


# Every way text can break a line: a lone CR ends an iCalendar line as surely as CRLF.
LINE_BREAKS = re.compile("\r\n|[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")
OTHER_CONTROLS = re.compile("[\x00-\x08\x0e-\x1b\x1f\x7f]")


def _ics_escape(text: str) -> str:
    text = OTHER_CONTROLS.sub("", LINE_BREAKS.sub("\n", text))
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\n", "\\n")
    )


def mission_ics(mission: Mission, host: str) -> str:
    if mission.start_date is None:
        raise ValueError("the mission has no dates yet")
    end = (mission.end_date or mission.start_date) + timedelta(days=1)  # DTEND is exclusive
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//ypmatch//Y-PORT missions//EN",
        "CALSCALE:GREGORIAN",
        "BEGIN:VEVENT",
        f"UID:mission-{mission.id}@{host}",
        f"DTSTAMP:{stamp}",
        f"DTSTART;VALUE=DATE:{mission.start_date:%Y%m%d}",
        f"DTEND;VALUE=DATE:{end:%Y%m%d}",
        f"SUMMARY:{_ics_escape(mission.title)}",
        f"LOCATION:{_ics_escape(mission.city.name_en)}",
        f"DESCRIPTION:{_ics_escape(mission.notes or '')}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


def _fold(line: str) -> str:
    """RFC 5545: lines longer than 75 octets continue on the next line after a space."""
    encoded = line.encode("utf-8")
    if len(encoded) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        piece = char.encode("utf-8")
        if len(current) + len(piece) > (75 if not parts else 74):
            parts.append(current.decode("utf-8"))
            current = b""
        current += piece
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


def participant_for_company(mission: Mission, company_id: int) -> MissionCompany | None:
    return next((p for p in mission.participants if p.company_id == company_id), None)
