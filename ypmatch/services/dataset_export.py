"""Lists and whole datasets as CSV (UTF-8 with BOM) and XLSX, in the importer's layout.

Companies and needs are written in exactly the columns and codes the importer reads
(:mod:`ypmatch.services.imports.columns`), so an export imports back unchanged: codes
rather than display labels, lists joined with "; " and sorted, external refs rather
than database ids. Missions and outcomes are export only.

Mission briefing files (the shortlist) are :mod:`ypmatch.services.exports`.
"""

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date
from typing import BinaryIO

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import selectinload

from ypmatch import labels
from ypmatch.extensions import db
from ypmatch.models import Company, Mission, Need, Outcome, PartnerCity, Sector, Technology
from ypmatch.services.imports.columns import LAYOUTS, Column
from ypmatch.services.missions import active_participants
from ypmatch.services.spreadsheet_cells import csv_cell, xlsx_cell

FORMATS = ("csv", "xlsx")
KINDS = tuple(LAYOUTS)
BATCH = 500
WIDE_COLUMNS = {
    "description_ja", "description_en", "technology_description_ja", "technology_description_en",
    "track_record", "notes", "reason", "companies",
}  # fmt: skip
MIME_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def joined(values: Iterable[str]) -> str:
    return "; ".join(sorted(values))


def yes_no(value: bool) -> str:
    return "yes" if value else "no"


# -- rows -------------------------------------------------------------------------------


def _stream(query: sa.Select, *options) -> Iterator:
    """Records in batches, so memory holds one batch at a time however long the list."""
    yield from db.session.scalars(query.options(*options).execution_options(yield_per=BATCH))


def company_rows(query: sa.Select) -> Iterator[list]:
    """One row per active technology; a company without technologies gets one row."""
    for company in _stream(
        query, selectinload(Company.technologies).selectinload(Technology.sectors)
    ):
        profile = [
            company.ref or "",
            company.name_ja,
            company.name_en,
            company.ward,
            company.size,
            company.website,
            joined(company.overseas_countries or []),
            yes_no(company.yport_member),
            company.description_ja,
            company.description_en,
            company.approval_status,
        ]
        technologies = company.active_technologies
        if not technologies:
            yield profile + [""] * 7
        for technology in technologies:
            yield profile + [
                technology.ref or "",
                technology.title_ja,
                technology.title_en,
                technology.description_ja,
                technology.description_en,
                joined(sector.slug for sector in technology.sectors),
                technology.track_record,
            ]


def need_rows(query: sa.Select) -> Iterator[list]:
    # Ordered by ref, then id: the same content gives the same file in any database.
    ordered = query.order_by(None).order_by(Need.ref.is_(None), Need.ref, Need.id)
    for need in _stream(ordered, selectinload(Need.sectors), selectinload(Need.city)):
        yield [
            need.ref or "",
            need.city.slug,
            need.title_en,
            need.title_ja,
            need.description_en,
            need.description_ja,
            joined(sector.slug for sector in need.sectors),
            need.status,
            need.visibility,
            joined(need.funding or []),
            need.timeline,
            need.expires_on,
        ]


def _need_label(need: Need) -> str:
    return need.ref or need.title_en or need.title_ja


def _company_label(company: Company) -> str:
    return company.ref or company.name_ja or company.name_en


def mission_rows(query: sa.Select) -> Iterator[list]:
    for mission in _stream(query, selectinload(Mission.city), selectinload(Mission.needs)):
        yield [
            mission.title,
            mission.city.slug,
            mission.start_date,
            mission.end_date,
            mission.status,
            mission.slots,
            "; ".join(_need_label(need) for need in mission.needs),
            "; ".join(
                f"{_company_label(row.company)} ({row.state})"
                for row in active_participants(mission)
            ),
            mission.notes,
        ]


def outcome_rows(query: sa.Select) -> Iterator[list]:
    for outcome in _stream(
        query,
        selectinload(Outcome.company),
        selectinload(Outcome.need).selectinload(Need.city),
        selectinload(Outcome.mission),
    ):
        yield [
            outcome.occurred_on,
            outcome.kind,
            outcome.company.ref or "",
            outcome.company.name_ja or outcome.company.name_en,
            outcome.need.ref or "",
            outcome.need.title_en or outcome.need.title_ja,
            outcome.need.city.slug,
            outcome.mission.title if outcome.mission else "",
            outcome.funding_source,
            int(outcome.amount_jpy) if outcome.amount_jpy is not None else None,
            outcome.reason,
            outcome.notes,
        ]


ROWS = {
    "companies": company_rows,
    "needs": need_rows,
    "missions": mission_rows,
    "outcomes": outcome_rows,
}


def full_query(kind: str) -> sa.Select:
    """Every record that is not archived, as a curator's list shows it (the CLI's export)."""
    if kind == "companies":
        return (
            sa.select(Company)
            .where(Company.archived_at.is_(None))
            .order_by(Company.name_en, Company.name_ja, Company.id)
        )
    if kind == "needs":
        return sa.select(Need).where(Need.archived_at.is_(None))
    if kind == "missions":
        return (
            sa.select(Mission)
            .where(Mission.archived_at.is_(None))
            .order_by(Mission.start_date.desc(), Mission.id.desc())
        )
    if kind == "outcomes":
        return (
            sa.select(Outcome)
            .where(Outcome.archived_at.is_(None))
            .order_by(Outcome.occurred_on.desc(), Outcome.id.desc())
        )
    raise ValueError(f"unknown export {kind!r}")


# -- writers ------------------------------------------------------------------------------


def write_csv(columns: tuple[Column, ...], rows: Iterable[list], language: str, out: BinaryIO):
    """UTF-8 with a BOM, so Excel opens Japanese text correctly."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow([column.header(language) for column in columns])
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    text.flush()
    text.detach()


def _data_sheet(workbook: Workbook, title: str, columns, language: str):
    sheet = workbook.create_sheet(title=title[:31])
    for index, column in enumerate(columns, start=1):
        width = 50 if column.key in WIDE_COLUMNS else 18
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([xlsx_cell(sheet, column.header(language), bold=True) for column in columns])
    return sheet


def write_xlsx(
    columns: tuple[Column, ...],
    rows: Iterable[list],
    language: str,
    out: BinaryIO,
    title: str,
    instructions: list[list] | None = None,
):
    workbook = Workbook(write_only=True)
    sheet = _data_sheet(workbook, title, columns, language)
    for row in rows:
        sheet.append([xlsx_cell(sheet, value) for value in row])
    if instructions is not None:
        notes = workbook.create_sheet(title="説明 Instructions")
        notes.column_dimensions["A"].width = 28
        notes.column_dimensions["B"].width = 28
        notes.column_dimensions["C"].width = 60
        notes.column_dimensions["D"].width = 60
        for row in instructions:
            notes.append([xlsx_cell(notes, value) for value in row])
    workbook.save(out)


def export_dataset(
    kind: str, query: sa.Select, file_format: str, language: str, out: BinaryIO
) -> None:
    """Write the records ``query`` selects as ``kind`` in ``file_format`` to ``out``."""
    columns = LAYOUTS[kind]
    rows = ROWS[kind](query)
    if file_format == "csv":
        write_csv(columns, rows, language, out)
    elif file_format == "xlsx":
        write_xlsx(columns, rows, language, out, title=kind)
    else:
        raise ValueError(f"unknown format {file_format!r}")


def export_bytes(kind: str, query: sa.Select, file_format: str, language: str) -> bytes:
    buffer = io.BytesIO()
    export_dataset(kind, query, file_format, language, buffer)
    return buffer.getvalue()


def export_filename(kind: str, file_format: str, today: date) -> str:
    return f"ypmatch-{kind}-{today.isoformat()}.{file_format}"


# -- templates ----------------------------------------------------------------------------


def _value_lists(kind: str) -> list[list]:
    """The codes a template's cells accept, with their names in both languages."""
    from flask_babel import force_locale

    def labelled(title: str, mapping: dict) -> list[list]:
        with force_locale("en"):
            english = {code: str(label) for code, label in mapping.items()}
        with force_locale("ja"):
            japanese = {code: str(label) for code, label in mapping.items()}
        return [[title]] + [[code, english[code], japanese[code]] for code in mapping]

    sectors = db.session.scalars(
        sa.select(Sector).where(Sector.archived_at.is_(None)).order_by(Sector.id)
    )
    rows = [["sectors 分野"]] + [[s.slug, s.name_en, s.name_ja] for s in sectors]
    if kind == "companies":
        rows += labelled("ward 所在区", labels.WARD)
        rows += labelled("size 企業規模", labels.COMPANY_SIZE)
        rows += labelled("overseas_countries 海外実績（国）", labels.COUNTRIES)
        rows += labelled("approval_status 審査状況", labels.APPROVAL)
    else:
        cities = db.session.scalars(
            sa.select(PartnerCity).where(PartnerCity.archived_at.is_(None)).order_by(PartnerCity.id)
        )
        rows += [["city 都市"]] + [[c.slug, c.name_en, c.name_ja] for c in cities]
        rows += labelled("status 状況", labels.NEED_STATUS)
        rows += labelled("visibility 公開範囲", labels.VISIBILITY)
        rows += labelled("funding 資金スキーム", labels.FUNDING)
    return rows


def template_instructions(kind: str) -> list[list]:
    intro = (
        "Fill in the first sheet from row 2; keep row 1 (the headers, Japanese or English). "
        "Companies: one row per technology; repeat the company's columns on each of its rows."
        if kind == "companies"
        else "Fill in the first sheet from row 2, one need per row; keep row 1 (the headers)."
    )
    intro_ja = (
        "1枚目のシートの2行目から入力してください（1行目の見出しは日本語・英語のどちらでも可）。"
        "技術ごとに1行とし、同じ会社の行には会社の列を繰り返します。"
        if kind == "companies"
        else "1枚目のシートの2行目から、1行に1件のニーズを入力してください。"
    )
    rows = [[intro], [intro_ja], [], ["見出し", "column", "hint", "説明"]]
    rows += [[c.header_ja, c.key, c.hint_en, c.hint_ja] for c in LAYOUTS[kind]]
    rows += [[], ["Accepted values: the code, or the English or Japanese name. 使える値："]]
    rows += _value_lists(kind)
    return rows


def template_file(kind: str, file_format: str, language: str) -> bytes:
    """An empty import file with the headers in ``language`` ("ja" or "en")."""
    columns = LAYOUTS[kind]
    buffer = io.BytesIO()
    if file_format == "csv":
        write_csv(columns, [], language, buffer)
    else:
        write_xlsx(
            columns, [], language, buffer, title=kind, instructions=template_instructions(kind)
        )
    return buffer.getvalue()
