"""Lists and whole datasets in the importer's layout.

Companies and needs are written in exactly the columns and codes the importer reads
(:mod:`ypmatch.services.imports.columns`), so an export imports back unchanged: codes
rather than display labels, lists joined with "; " and sorted, external refs rather
than database ids. Missions and outcomes are export only.
"""

import io
from collections.abc import Iterable, Iterator
from datetime import date
from typing import BinaryIO

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ypmatch.extensions import db
from ypmatch.models import Company, Mission, Need, Outcome, Technology
from ypmatch.services.exports.writers import Sheet, writer_for
from ypmatch.services.imports.columns import LAYOUTS, Column
from ypmatch.services.missions import active_participants

KINDS = tuple(LAYOUTS)
BATCH = 500
WIDE_COLUMNS = {
    "description_ja", "description_en", "technology_description_ja", "technology_description_en",
    "track_record", "notes", "reason", "companies",
}  # fmt: skip


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
            .where(Company.is_current)
            .order_by(Company.name_en, Company.name_ja, Company.id)
        )
    if kind == "needs":
        return sa.select(Need).where(Need.is_current)
    if kind == "missions":
        return (
            sa.select(Mission)
            .where(Mission.is_current)
            .order_by(Mission.start_date.desc(), Mission.id.desc())
        )
    if kind == "outcomes":
        return (
            sa.select(Outcome)
            .where(Outcome.is_current)
            .order_by(Outcome.occurred_on.desc(), Outcome.id.desc())
        )
    raise ValueError(f"unknown export {kind!r}")


# -- sheets ------------------------------------------------------------------------------


def layout_sheet(
    kind: str, columns: tuple[Column, ...], rows: Iterable[list], language: str
) -> Sheet:
    """``rows`` under the layout's headers in ``language`` ("ja" or "en")."""
    return Sheet(
        title=kind,
        headers=[column.header(language) for column in columns],
        rows=rows,
        widths=[50 if column.key in WIDE_COLUMNS else 18 for column in columns],
    )


def export_dataset(
    kind: str, query: sa.Select, file_format: str, language: str, out: BinaryIO
) -> None:
    """Write the records ``query`` selects as ``kind`` in ``file_format`` to ``out``."""
    sheet = layout_sheet(kind, LAYOUTS[kind], ROWS[kind](query), language)
    writer_for(file_format).write([sheet], out)


def export_bytes(kind: str, query: sa.Select, file_format: str, language: str) -> bytes:
    buffer = io.BytesIO()
    export_dataset(kind, query, file_format, language, buffer)
    return buffer.getvalue()


def export_filename(kind: str, file_format: str, today: date) -> str:
    return writer_for(file_format).filename(f"ypmatch-{kind}-{today.isoformat()}")
