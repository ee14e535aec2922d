"""Read an uploaded spreadsheet row by row, refusing files that cannot be trusted.

The format is told by the file's content, never its name: an XLSX workbook is a zip
archive; anything else must be CSV text. Both are streamed, so memory does not grow
with the number of rows. Refused outright, before any row is read:

- a file larger than the configured limit;
- a zip whose members would unpack to more than the limit, or compress suspiciously
  well (a zip bomb): the sizes are checked in the archive's directory before opening,
  and Python's zipfile never unpacks more than a member declares;
- a first sheet with merged cells or formulas (the values a person sees are not the
  values stored);
- text that is neither UTF-8 nor Shift_JIS (CP932), or holds control characters;
- a CSV quote that is never closed.

Shift_JIS text, as Excel on Japanese Windows saves "CSV", is read as CP932 and the
import says so.
"""

import codecs
import csv
import itertools
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from xml.etree import ElementTree

from flask_babel import gettext as _

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls, or an encrypted .xlsx
SNIFF_BYTES = 64 * 1024
MAX_ZIP_MEMBERS = 1000
MAX_COMPRESSION_RATIO = 200
RATIO_CHECK_FROM = 1024 * 1024  # tiny members may compress well without harm
MAX_COLUMNS = 100
SCAN_CHUNK = 1024 * 1024
SCAN_OVERLAP = 4096
REPORTED_CELLS = 5

_FORMULA = re.compile(rb"<(?:\w+:)?c\b([^>]*)>\s*<(?:\w+:)?f\b")
_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Za-z0-9:$]+)\"")
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3}[0-9]{1,7})"')
_ROW_TAG = re.compile(rb"<(?:\w+:)?row\b")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ImportRefused(Exception):
    """The file as a whole cannot be imported; the message says why, for a person."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_uncompressed: int
    max_rows: int


@dataclass
class Table:
    """Rows of text cells under a header row; ``rows`` yields (row number, cells)."""

    format: str  # "xlsx" or "csv"
    headers: list[str]
    rows: Iterator[tuple[int, list[str]]]
    notices: list[str] = field(default_factory=list)
    # The fraction read so far (0..1), for a progress bar.
    progress: Callable[[], float] = lambda: 0.0
    close: Callable[[], None] = lambda: None


def open_table(path: Path, limits: Limits) -> Table:
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise ImportRefused(
            _(
                "The file is %(size)s MB; files up to %(limit)s MB can be imported.",
                size=f"{size / 1e6:.1f}",
                limit=f"{limits.max_bytes / 1e6:.0f}",
            )
        )
    if size == 0:
        raise ImportRefused(_("The file is empty."))
    with path.open("rb") as stream:
        head = stream.read(8)
    if head.startswith(ZIP_MAGIC):
        return _open_xlsx(path, limits)
    if head.startswith(OLE2_MAGIC):
        raise ImportRefused(
            _(
                "This is an old Excel (.xls) or a password-protected workbook. "
                "Save it as an Excel workbook (.xlsx) without a password, or as CSV UTF-8."
            )
        )
    return _open_csv(path, limits)


def cell_text(value) -> str:
    """A cell as the text it shows: numbers without a trailing .0, dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


# -- XLSX -------------------------------------------------------------------------


def check_zip(path: Path, limits: Limits) -> None:
    """Refuse archives that would unpack to too much, before anything reads them."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as error:
        raise ImportRefused(_("The file is not a readable XLSX workbook.")) from error
    if len(members) > MAX_ZIP_MEMBERS:
        raise ImportRefused(_("The workbook has too many parts to be a spreadsheet."))
    total = sum(member.file_size for member in members)
    if total > limits.max_uncompressed:
        raise ImportRefused(
            _(
                "The workbook would unpack to %(size)s MB, more than the %(limit)s MB allowed.",
                size=f"{total / 1e6:.0f}",
                limit=f"{limits.max_uncompressed / 1e6:.0f}",
            )
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_CHECK_FROM and ratio > MAX_COMPRESSION_RATIO:
            raise ImportRefused(
                _(
                    "The workbook is compressed %(ratio)d times, as a zip bomb is; "
                    "it was not opened.",
                    ratio=int(ratio),
                )
            )


def _scan_sheet(archive: zipfile.ZipFile, member: str) -> int:
    """Refuse merged cells and formulas; return the number of rows (for progress).

    A streaming read skips both, so the sheet's XML is scanned for them. ``<`` only
    ever starts markup in XML text, so a cell's text cannot fake a match."""
    formulas: list[str] = []
    merged: list[str] = []
    rows = 0
    data = b""
    with archive.open(member) as source:
        while True:
            chunk = source.read(SCAN_CHUNK)
            data += chunk
            # Matches starting in the last SCAN_OVERLAP bytes are left for the next round,
            # which sees them whole; every match is counted exactly once.
            cut = len(data) if not chunk else max(len(data) - SCAN_OVERLAP, 0)
            rows += sum(1 for m in _ROW_TAG.finditer(data) if m.start() < cut)
            if len(formulas) < REPORTED_CELLS:
                for match in _FORMULA.finditer(data):
                    if match.start() < cut:
                        ref = _CELL_REF.search(match.group(1))
                        formulas.append(ref.group(1).decode() if ref else "?")
            if len(merged) < REPORTED_CELLS:
                merged.extend(m.group(1).decode() for m in _MERGE.finditer(data) if m.start() < cut)
            data = data[cut:]
            if not chunk:
                break
    if merged:
        raise ImportRefused(
            _(
                "The sheet has merged cells (%(cells)s). Unmerge them so that every row "
                "holds its own values, then import again.",
                cells=", ".join(merged[:REPORTED_CELLS]),
            )
        )
    if formulas:
        raise ImportRefused(
            _(
                "The sheet has formulas (in %(cells)s). Copy the cells and paste them "
                "as values, then import again.",
                cells=", ".join(formulas[:REPORTED_CELLS]),
            )
        )
    return rows


def _column_letters(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: spreadsheet column names, without openpyxl's XFD limit."""
    letters, number = "", index + 1
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _check_width(cells: dict[int, object], row: int) -> None:
    """A cell far to the right (a stray value in column ZZZZZ) would make every row that
    wide; the importer reads MAX_COLUMNS columns and refuses a sheet with more."""
    if cells and max(cells) >= MAX_COLUMNS:
        raise ImportRefused(
            _(
                "Row %(row)d has a value in column %(column)s; the importer reads at most "
                "%(n)d columns. Delete what lies to the right of your table and try again.",
                row=row,
                column=_column_letters(max(cells)),
                n=MAX_COLUMNS,
            )
        )


def _open_xlsx(path: Path, limits: Limits) -> Table:
    from ypmatch.services.imports.xlsx import FirstSheet, WorkbookError

    check_zip(path, limits)
    archive = zipfile.ZipFile(path)
    state = {"row": 1}
    try:
        sheet = FirstSheet(archive)
        total_rows = _scan_sheet(archive, sheet.path)
        values = sheet.rows()
        first = next(values, None)
        header_cells = first[1] if first and first[0] == 1 else {}
        _check_width(header_cells, 1)
        headers = [cell_text(header_cells.get(i)) for i in range(max(header_cells, default=-1) + 1)]
        while headers and not headers[-1]:
            headers.pop()
        if len(headers) > MAX_COLUMNS:
            raise ImportRefused(_("The sheet has more than %(n)d columns.", n=MAX_COLUMNS))
        if first and first[0] != 1:
            values = itertools.chain([first], values)  # no header row: the mapping refuses
    except ImportRefused:
        archive.close()
        raise
    except (WorkbookError, ElementTree.ParseError, KeyError, ValueError, zipfile.BadZipFile,
            OSError) as error:  # fmt: skip
        archive.close()
        raise ImportRefused(_("The file is not a readable XLSX workbook.")) from error

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, cells in values:
                state["row"] = number
                _check_width(cells, number)
                width = max(len(headers), max(cells) + 1)
                yield number, [cell_text(cells.get(i)) for i in range(width)]
        except (ElementTree.ParseError, IndexError, KeyError, ValueError, zlib.error,
                zipfile.BadZipFile, EOFError) as error:  # fmt: skip
            raise ImportRefused(
                _("Row %(row)d of the workbook could not be read.", row=state["row"] + 1)
            ) from error

    return Table(
        format="xlsx",
        headers=headers,
        rows=rows(),
        progress=lambda: min(state["row"] / max(total_rows, 1), 1.0),
        close=archive.close,
    )


# -- CSV --------------------------------------------------------------------------


def _valid_prefix(sample: bytes, encoding: str) -> bool:
    """Whether ``sample`` (possibly cut in the middle of a character) decodes."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        decoder.decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(sample: bytes) -> tuple[str, str | None]:
    """(codec, notice for the person importing) or ImportRefused."""
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportRefused(_('The file is UTF-16 text. Save it as "CSV UTF-8 (comma delimited)".'))
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", None
    if b"\x00" in sample:
        raise ImportRefused(_("The file is neither a CSV text file nor an XLSX workbook."))
    if _valid_prefix(sample, "utf-8"):
        return "utf-8", None
    if _valid_prefix(sample, "cp932"):
        return "cp932", _(
            "The file is in Shift_JIS (CP932) and was read as such. Files exported from "
            "ypmatch are UTF-8."
        )
    raise ImportRefused(
        _(
            "The file is neither a CSV text file (UTF-8 or Shift_JIS) nor an XLSX workbook. "
            'Save it as "CSV UTF-8 (comma delimited)" or as an Excel workbook (.xlsx).'
        )
    )


def _unescape_csv_cell(text: str) -> str:
    # Exports put an apostrophe before text a spreadsheet would run as a formula
    # (= + - @) and before a leading apostrophe; one is taken off again here.
    return text[1:] if text.startswith("'") else text


def _decoded_lines(binary, encoding: str, state: dict) -> Iterator[str]:
    """The file's lines as text, decoded one line at a time so that a decoding error
    names its own line. Neither UTF-8 nor CP932 uses the byte 0x0A inside a character."""
    decode = codecs.getdecoder(encoding)
    for raw in binary:
        state["line"] += 1
        try:
            yield decode(raw)[0]
        except UnicodeDecodeError as error:
            raise ImportRefused(
                _(
                    "Line %(line)d is not valid %(encoding)s text. Save the file as "
                    '"CSV UTF-8 (comma delimited)" and import it again.',
                    line=state["line"],
                    encoding="Shift_JIS" if encoding == "cp932" else "UTF-8",
                )
            ) from error


def _open_csv(path: Path, limits: Limits) -> Table:
    size = path.stat().st_size
    binary = path.open("rb")
    try:
        sample = binary.read(SNIFF_BYTES)
        encoding, notice = detect_encoding(sample)
    except ImportRefused:
        binary.close()
        raise
    # The BOM is skipped here, not decoded: utf-8-sig would only drop it from a first line.
    binary.seek(len(codecs.BOM_UTF8) if encoding == "utf-8-sig" else 0)
    encoding = "utf-8" if encoding == "utf-8-sig" else encoding
    state = {"line": 0, "row": 0}
    reader = csv.reader(_decoded_lines(binary, encoding, state), strict=True)

    def next_record() -> list[str] | None:
        start_line = state["line"] + 1
        try:
            record = next(reader)
        except StopIteration:
            return None
        except csv.Error as error:
            raise ImportRefused(
                _(
                    'Row %(row)d (line %(line)d): a double quote (") opens a field that is '
                    "never closed, or stray text follows a closing quote. Check the quotes "
                    "in that row. (%(detail)s)",
                    row=state["row"] + 1,
                    line=start_line,
                    detail=str(error),
                )
            ) from error
        state["row"] += 1
        for value in record:
            if _CONTROL.search(value):
                raise ImportRefused(
                    _(
                        "Row %(row)d (line %(line)d) holds control characters; the file "
                        "is not a text spreadsheet.",
                        row=state["row"],
                        line=start_line,
                    )
                )
        return record

    try:
        header_record = next_record()
        if header_record is None:
            raise ImportRefused(_("The file is empty."))
        headers = [value.strip() for value in header_record]
        while headers and not headers[-1]:
            headers.pop()
        if len(headers) > MAX_COLUMNS:
            raise ImportRefused(_("The sheet has more than %(n)d columns.", n=MAX_COLUMNS))
        if len(headers) == 1 and ("\t" in headers[0] or ";" in headers[0]):
            raise ImportRefused(
                _("The columns must be separated by commas (,), not tabs or semicolons.")
            )
    except ImportRefused:
        binary.close()
        raise

    def rows() -> Iterator[tuple[int, list[str]]]:
        while (record := next_record()) is not None:
            yield state["row"], [_unescape_csv_cell(value.strip()) for value in record]

    return Table(
        format="csv",
        headers=headers,
        rows=rows(),
        notices=[notice] if notice else [],
        progress=lambda: 1.0 if binary.closed else min(binary.tell() / max(size, 1), 1.0),
        close=binary.close,
    )
