"""The one rule for every cell of every CSV and XLSX file the app writes.

Whoever controls a company name or a need title controls a cell of some export, so:

- Text never becomes a formula. In CSV, text starting with a character a spreadsheet reads
  as the start of a formula (``= + - @``, their full-width forms, a tab, CR or LF) gets an
  apostrophe in front; so does text that already starts with one, so the importer can
  take exactly one off again. In XLSX, text is stored as text, which no spreadsheet runs.
- Bidirectional control characters (right-to-left override and its kin) are dropped: in a
  name they only serve to make one text look like another.
- Characters XML cannot hold are dropped from XLSX cells.
"""

import re
from datetime import date

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

FORMULA_STARTS = ("=", "+", "-", "@", "＝", "＋", "－", "＠", "\t", "\r", "\n")
ESCAPED_STARTS = (*FORMULA_STARTS, "'")
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str) -> str:
    return BIDI_CONTROLS.sub("", text)


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    text = clean_text(str(value))
    return "'" + text if text.startswith(ESCAPED_STARTS) else text


def xlsx_cell(sheet, value, bold: bool = False):
    """A cell for ``sheet`` (a write-only worksheet) holding ``value``."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", clean_text(value))
        if not value:
            return None
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # text stays text: "=HYPERLINK(…)" must not become a formula
    elif isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
    else:
        cell = WriteOnlyCell(sheet, value=value)
    if bold:
        cell.font = Font(bold=True)
    return cell
