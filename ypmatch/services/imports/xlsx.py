"""Stream the values of an XLSX workbook's first worksheet, row by row.

openpyxl's read-only mode builds a rich-text object for every inline string and reads
the whole sheet once more when it states no dimensions (openpyxl's own write-only files
do not), which made reading four times slower than the import itself. This reader takes
the values alone: shared and inline strings, numbers, booleans, and dates (numbers in a
date format, told by the cell's style). Memory holds the shared strings and one row.

The XML is untrusted. ElementTree never fetches external entities and the expat it runs
on (2.4 and later) stops entity-expansion bombs; beyond that, any part declaring a DTD
is refused unread, since no spreadsheet needs one.
"""

import posixpath
import re
import zipfile
from collections.abc import Iterator
from datetime import datetime

from defusedxml import ElementTree
from openpyxl.styles.numbers import is_date_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel
from openpyxl.utils.escape import unescape

R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
# Built-in number formats that show dates or times (27–36 and 50–58: the Japanese ones).
DATE_FORMAT_IDS = {*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)}
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
SCAN_CHUNK = 1024 * 1024


class WorkbookError(Exception):
    """The archive is not a workbook this reader understands."""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _checked(archive: zipfile.ZipFile, part: str) -> str:
    """``part``, once it is known to declare no DTD (read in chunks, never whole)."""
    tail = b""
    with archive.open(part) as source:
        while chunk := source.read(SCAN_CHUNK):
            if _DTD.search(tail + chunk):
                raise WorkbookError(f"{part} declares a DTD")
            tail = chunk[-16:]
    return part


def _read(archive: zipfile.ZipFile, part: str):
    return ElementTree.fromstring(archive.read(_checked(archive, part)))


def _relationships(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id → (type, part name) for ``part``."""
    folder, name = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", name + ".rels")
    if rels not in archive.NameToInfo:
        return {}
    found = {}
    for element in _read(archive, rels):
        target = element.get("Target", "")
        if element.get("TargetMode") == "External":
            continue
        path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        found[element.get("Id")] = (element.get("Type", ""), posixpath.normpath(path))
    return found


def _text(element, text_tag: str | None = None, run_tag: str | None = None) -> str:
    """The text of a string item: its runs, without phonetic (furigana) runs. The tags
    may be given with their namespace (faster); otherwise local names are compared."""
    parts = []
    for child in element:
        tag = child.tag if text_tag else _local(child.tag)
        if tag == (text_tag or "t"):
            parts.append(child.text or "")
        elif tag == (run_tag or "r"):
            parts.extend(
                t.text or ""
                for t in child
                if (t.tag if text_tag else _local(t.tag)) == (text_tag or "t")
            )
    text = parts[0] if len(parts) == 1 else "".join(parts)
    # Characters XML cannot hold are written as _xHHHH_ (OOXML's own escape).
    return unescape(text) if "_x" in text else text


def _column(ref: str) -> int:
    index = 0
    for char in ref:
        if "A" <= char <= "Z":
            index = index * 26 + ord(char) - 64
        else:
            break
    return index - 1


class FirstSheet:
    """The first worksheet of the workbook in ``archive`` (an open zip)."""

    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive
        package = _relationships(archive, "")
        workbook = next(
            (path for kind, path in package.values() if kind.endswith("/officeDocument")), None
        )
        if workbook is None or workbook not in archive.NameToInfo:
            raise WorkbookError("no workbook part")
        parts = _relationships(archive, workbook)
        root = _read(archive, workbook)
        properties = next((e for e in root if _local(e.tag) == "workbookPr"), None)
        date1904 = properties is not None and properties.get("date1904") in ("1", "true")
        self.epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
        self.path = None
        for sheet in (e for e in root.iter() if _local(e.tag) == "sheet"):
            kind, path = parts.get(sheet.get(R_ID), ("", ""))
            if kind.endswith("/worksheet") and path in archive.NameToInfo:
                self.path = path
                break
        if self.path is None:
            raise WorkbookError("no worksheet")
        by_kind = {kind.rsplit("/", 1)[-1]: path for kind, path in parts.values()}
        self.shared = self._shared_strings(by_kind.get("sharedStrings"))
        self.date_styles = self._date_styles(by_kind.get("styles"))

    def _shared_strings(self, part: str | None) -> list[str]:
        if not part or part not in self.archive.NameToInfo:
            return []
        strings, root = [], None
        with self.archive.open(_checked(self.archive, part)) as source:
            for event, element in ElementTree.iterparse(source, events=("start", "end")):
                if root is None:
                    root = element
                elif event == "end" and _local(element.tag) == "si":
                    strings.append(_text(element))
                    root.clear()
        return strings

    def _date_styles(self, part: str | None) -> set[int]:
        if not part or part not in self.archive.NameToInfo:
            return set()
        root = _read(self.archive, part)
        custom = {
            int(fmt.get("numFmtId", -1)): fmt.get("formatCode", "")
            for fmt in root.iter()
            if _local(fmt.tag) == "numFmt"
        }
        formats = next((e for e in root if _local(e.tag) == "cellXfs"), [])
        dates = set()
        for index, style in enumerate(e for e in formats if _local(e.tag) == "xf"):
            format_id = int(style.get("numFmtId", 0))
            if format_id in custom:
                if is_date_format(custom[format_id]):
                    dates.add(index)
            elif format_id in DATE_FORMAT_IDS:
                dates.add(index)
        return dates

    def rows(self) -> Iterator[tuple[int, dict[int, object]]]:
        """(row number, {column index: value}) for each row that has cells."""
        shared, dates, epoch = self.shared, self.date_styles, self.epoch
        with self.archive.open(_checked(self.archive, self.path)) as source:
            tags = None
            sheet_data = None
            number = 0
            cells: dict[int, object] = {}
            next_column = 0
            for event, element in ElementTree.iterparse(source, events=("start", "end")):
                tag = element.tag
                if tags is None:  # the root: its namespace names every tag
                    space = tag[: tag.index("}") + 1] if tag.startswith("{") else ""
                    tags = {name: space + name for name in ("c", "row", "v", "is", "t", "r")}
                    tags["sheetData"] = space + "sheetData"
                    cell_tag, row_tag, value_tag, inline_tag = (
                        tags["c"], tags["row"], tags["v"], tags["is"]
                    )  # fmt: skip
                    text_tag, run_tag = tags["t"], tags["r"]
                if event == "start":
                    if tag == tags["sheetData"]:
                        sheet_data = element
                    continue
                if tag == cell_tag:
                    ref = element.get("r")
                    column = _column(ref) if ref else next_column
                    next_column = column + 1
                    kind = element.get("t", "n")
                    if kind == "inlineStr":
                        inline = element.find(inline_tag)
                        value = _text(inline, text_tag, run_tag) if inline is not None else ""
                    else:
                        raw = element.find(value_tag)
                        text = raw.text if raw is not None else None
                        if text is None:
                            value = None
                        elif kind == "s":
                            value = shared[int(text)]
                        elif kind == "b":
                            value = text.strip() == "1"
                        elif kind in ("str", "e", "d"):
                            value = text
                        else:
                            value = float(text) if any(c in text for c in ".eE") else int(text)
                            if int(element.get("s", 0)) in dates:
                                value = _as_date(value, epoch)
                    if value is not None:
                        cells[column] = value
                elif tag == row_tag:
                    ref = element.get("r")
                    number = int(ref) if ref else number + 1
                    if cells:
                        yield number, cells
                    cells, next_column = {}, 0
                    if sheet_data is not None:
                        sheet_data.clear()  # rows already read take no memory


def _as_date(value: float, epoch) -> object:
    try:
        converted = from_excel(value, epoch)
    except (ValueError, OverflowError):
        return value
    return converted if isinstance(converted, datetime) else value
