"""Table formats: each writer turns sheets into one file, cell by cell through the one
escaping rule (:mod:`.spreadsheet_cells`)."""

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from ypmatch.services.exports.spreadsheet_cells import csv_cell, xlsx_cell


@dataclass(frozen=True)
class Sheet:
    """One table. Without headers the rows are written as they come (instructions), with
    neither a bold first row nor frozen panes. ``widths`` are XLSX column widths."""

    title: str
    headers: Sequence[str] | None
    rows: Iterable[Sequence]
    widths: Sequence[float] = ()


@dataclass(frozen=True)
class Writer:
    name: str
    mimetype: str
    extension: str
    write: Callable[[Sequence[Sheet], BinaryIO], None]

    def to_bytes(self, sheets: Sequence[Sheet]) -> bytes:
        buffer = io.BytesIO()
        self.write(sheets, buffer)
        return buffer.getvalue()

    def filename(self, stem: str) -> str:
        return f"{stem}.{self.extension}"


def write_csv(sheets: Sequence[Sheet], out: BinaryIO) -> None:
    """The first sheet (a CSV holds one table), in UTF-8 with a BOM so Excel opens
    Japanese text correctly."""
    sheet = sheets[0]
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text)
    if sheet.headers is not None:
        writer.writerow([csv_cell(header) for header in sheet.headers])
    for row in sheet.rows:
        writer.writerow([csv_cell(value) for value in row])
    text.flush()
    text.detach()


def write_xlsx(sheets: Sequence[Sheet], out: BinaryIO) -> None:
    """Every sheet, streamed (openpyxl's write-only mode); text cells stay text."""
    workbook = Workbook(write_only=True)
    for sheet in sheets:
        worksheet = workbook.create_sheet(title=sheet.title[:31])
        for index, width in enumerate(sheet.widths, start=1):
            worksheet.column_dimensions[get_column_letter(index)].width = width
        if sheet.headers is not None:
            worksheet.freeze_panes = "A2"
            worksheet.append([xlsx_cell(worksheet, header, bold=True) for header in sheet.headers])
        for row in sheet.rows:
            worksheet.append([xlsx_cell(worksheet, value) for value in row])
    workbook.save(out)


def fitted_widths(headers: Sequence[str], rows: Sequence[Sequence]) -> list[float]:
    """Column widths that fit the longest value, between 10 and 60 characters."""
    widths = []
    for index, header in enumerate(headers):
        longest = max([len(str(header))] + [len(str(row[index])) for row in rows])
        widths.append(min(60, max(10, longest + 2)))
    return widths


CSV = Writer("csv", "text/csv; charset=utf-8", "csv", write_csv)
XLSX = Writer(
    "xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xlsx",
    write_xlsx,
)
WRITERS: dict[str, Writer] = {writer.name: writer for writer in (CSV, XLSX)}


def writer_for(file_format: str) -> Writer:
    try:
        return WRITERS[file_format]
    except KeyError:
        raise ValueError(f"unknown format {file_format!r}") from None
