"""The import run shared by companies and needs: headers, rows in chunks, the report.

A run reads the file once. A dry run only reads the database; a run that applies
writes each chunk as it goes and stops writing at the first error, and the caller
commits only a report that is ``ok`` (and rolls back otherwise), so an import is
all or nothing. Each row's planned actions feed a digest: confirming a preview
passes the preview's digest, and the import refuses to apply anything else.
"""

import hashlib
import re
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from ypmatch.extensions import db
from ypmatch.models import HistoryEntry, Sector, User
from ypmatch.services.imports.columns import Column
from ypmatch.services.imports.reading import ImportRefused, Limits, open_table
from ypmatch.services.imports.values import InvalidValue, Term, Vocabulary, parse_bool, parse_date
from ypmatch.services.records import mark_matcher_inputs_changed, record_type, snapshot
from ypmatch.services.rules import FieldErrors
from ypmatch.text_rules import ONE_LINE_MAX_LENGTH, one_line_problem

SOURCE = "import"
CHUNK_ROWS = 500
KEPT_ROWS = 1000  # rows listed in full in the report; later rows only when they have errors
KEPT_ERRORS = 1000


@dataclass(frozen=True)
class RecordAction:
    kind: str  # "company", "technology" or "need"
    action: str  # "create", "update", "unchanged" or "same" (as on an earlier row)
    label: str
    fields: tuple[str, ...] = ()
    same_as_row: int | None = None


@dataclass
class RowReport:
    number: int
    actions: list[RecordAction] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    kind: str
    filename: str
    import_id: str
    applied: bool = False
    refused: str | None = None
    notices: list[str] = field(default_factory=list)
    rows: list[RowReport] = field(default_factory=list)
    row_count: int = 0
    counts: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    error_count: int = 0
    digest: str = ""

    @property
    def ok(self) -> bool:
        return self.refused is None and self.error_count == 0

    @property
    def note(self) -> str:
        return f"import {self.filename} #{self.import_id}"

    def count(self, kind: str, action: str) -> int:
        return self.counts[(kind, action)]

    def total(self, action: str) -> int:
        return sum(n for (_kind, done), n in self.counts.items() if done == action)

    @property
    def changes(self) -> int:
        return sum(n for (_kind, action), n in self.counts.items() if action in CHANGING)

    def add_row(self, row: RowReport) -> None:
        self.row_count += 1
        for action in row.actions:
            if action.action != "same":
                self.counts[(action.kind, action.action)] += 1
        self.error_count += len(row.errors)
        room = KEPT_ERRORS - len(self.errors)
        self.errors.extend(row.errors[: max(room, 0)])
        if len(self.rows) < KEPT_ROWS or (row.errors and len(self.rows) < KEPT_ROWS + KEPT_ERRORS):
            self.rows.append(row)


CHANGING = ("create", "update")
# As the web forms: text may hold line breaks and tabs, no other control characters.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Cells:
    """One row's cells by column key, read and checked; errors say row and column."""

    def __init__(self, number: int, values: dict[str, str], headers: dict[str, str]):
        self.number = number
        self.values = values
        self.headers = headers
        self.errors: list[str] = []

    def has(self, key: str) -> bool:
        return key in self.values

    def raw(self, key: str) -> str:
        return self.values.get(key, "")

    def error(self, key: str, message: str) -> None:
        self.errors.append(
            _(
                "row %(row)d, column '%(column)s': %(message)s",
                row=self.number,
                column=self.headers.get(key, key),
                message=message,
            )
        )

    def row_error(self, message: str) -> None:
        self.errors.append(_("row %(row)d: %(message)s", row=self.number, message=message))

    def check_rules(self, check, values: dict) -> None:
        """Run a service's rule check (``check(values, errors)``) on the row's final values;
        what it finds becomes row errors, so an import obeys the rules the forms and API do."""
        errors = FieldErrors()
        check(values, errors)
        for messages in errors.errors.values():
            for message in messages:
                self.row_error(str(message))

    def text(self, key: str, max_length: int) -> str:
        value = self.raw(key)
        if len(value) > max_length:
            self.error(key, _("%(n)d characters; at most %(max)d", n=len(value), max=max_length))
        if CONTROL_CHARACTERS.search(value):
            self.error(key, _("remove the control characters from this cell"))
        elif max_length <= ONE_LINE_MAX_LENGTH:
            problem = one_line_problem(value)
            if problem == "line break":
                self.error(key, _("write this cell on one line"))
            elif problem:
                self.error(key, _("remove the text-direction control characters"))
        return value

    def code(self, key: str, vocabulary: Vocabulary) -> str | None:
        value = self.raw(key)
        if not value:
            return None
        try:
            return vocabulary.resolve(value)
        except InvalidValue as error:
            self.error(key, str(error))
            return None

    def codes(self, key: str, vocabulary: Vocabulary) -> list[str]:
        try:
            return vocabulary.resolve_list(self.raw(key))
        except InvalidValue as error:
            self.error(key, str(error))
            return []

    def boolean(self, key: str) -> bool:
        try:
            return parse_bool(self.raw(key))
        except InvalidValue as error:
            self.error(key, str(error))
            return False

    def day(self, key: str):
        try:
            return parse_date(self.raw(key))
        except InvalidValue as error:
            self.error(key, str(error))
            return None

    def website(self, key: str) -> str:
        value = self.text(key, 300)
        if value and not value.lower().startswith(("http://", "https://")):
            self.error(key, _("a website starts with http:// or https://"))
        return value


def plain(value):
    """Values as compared and recorded: lists sorted, so order alone is no change."""
    if isinstance(value, list | tuple):
        return sorted(value)
    return value


def shown_fields(changes: dict, created: bool) -> tuple[str, ...]:
    """The fields a preview lists, named as the file's columns: what changes, or what a
    new record gets (its empty fields left out)."""
    names = {"city_id": "city"}
    keys = [key for key, value in changes.items() if not created or value not in ("", [], None)]
    return tuple(sorted(names.get(key, key) for key in keys))


def current_state_with_sectors(
    columns: list, association: sa.Table, key: sa.Column, ids: list[int]
) -> dict[int, dict]:
    """Rows of ``columns`` (the id first) by id, each with the slugs of its sectors."""
    if not ids:
        return {}
    model_id = columns[0]
    rows = db.session.execute(sa.select(*columns).where(model_id.in_(ids)))
    current = {row.id: dict(row._mapping) | {"sectors": []} for row in rows}
    for record_id, slug in db.session.execute(
        sa.select(key, Sector.slug)
        .join(Sector, Sector.id == association.c.sector_id)
        .where(key.in_(ids))
    ):
        current[record_id]["sectors"].append(slug)
    return current


def changed_fields(current: dict, wanted: dict) -> dict:
    return {key: value for key, value in wanted.items() if plain(current.get(key)) != plain(value)}


class Importer:
    """One kind of import; subclasses read rows into records (``process``)."""

    kind: str = ""
    columns: tuple[Column, ...] = ()

    def __init__(self, report: ImportReport, actor: User | None, apply: bool, headers: dict):
        self.report = report
        self.actor = actor
        self.apply = apply
        self.headers = headers
        self.digest = hashlib.sha256()
        self.created_any = False

    @property
    def writing(self) -> bool:
        # Once a row failed the import will be rolled back: stop writing.
        return self.apply and self.report.error_count == 0

    def record_row(self, row: RowReport) -> None:
        parts = [str(row.number)]
        for action in row.actions:
            parts.append(f"{action.kind}:{action.action}:{','.join(action.fields)}")
        parts.append(str(len(row.errors)))
        self.digest.update(("|".join(parts) + "\n").encode())
        self.report.add_row(row)

    def check_headers(self, keys: set[str]) -> None:
        """Refuse a header row that lacks what rows need to be matched or created."""

    def process(self, chunk: list[Cells]) -> None:
        raise NotImplementedError

    def keep_session(self) -> None:
        """Remember what the session held before the import: all else is released."""
        self._kept = set(db.session.identity_map.keys())

    def release(self) -> None:
        """Forget the records written for a chunk, so memory does not grow with the file."""
        if not self.apply:
            return
        db.session.flush()
        for key, record in list(db.session.identity_map.items()):
            if key not in self._kept:
                db.session.expunge(record)

    def finish(self) -> None:
        if self.writing and self.created_any:
            mark_matcher_inputs_changed()

    # -- writing helpers ----------------------------------------------------------

    def create_all(self, records: list) -> None:
        """Insert new records in one flush and their history in one statement."""
        if not records:
            return
        db.session.add_all(records)
        db.session.flush()
        user_id = self.actor.id if self.actor else None
        db.session.execute(
            sa.insert(HistoryEntry),
            [
                {
                    "record_type": record_type(record),
                    "record_id": record.id,
                    "action": "create",
                    "changes": {},
                    "snapshot": snapshot(record),
                    "version": record.version,
                    "user_id": user_id,
                    "source": SOURCE,
                    "note": self.report.note,
                }
                for record in records
            ],
        )
        self.created_any = True


def header_vocabulary(columns: tuple[Column, ...]) -> Vocabulary:
    return Vocabulary(
        _("column"),
        (Term(column.key, column.key, column.header_ja, column.aliases) for column in columns),
    )


def map_headers(headers: list[str], columns: tuple[Column, ...]) -> dict[int, str]:
    """Column index → key; refuses unknown, repeated and missing columns."""
    vocabulary = header_vocabulary(columns)
    mapping: dict[int, str] = {}
    problems = []
    for index, header in enumerate(headers):
        if not header:
            continue
        try:
            key = vocabulary.resolve(header)
        except InvalidValue as error:
            problems.append(str(error))
            continue
        if key in mapping.values():
            problems.append(_("the column '%(column)s' appears twice", column=header))
        mapping[index] = key
    if problems:
        raise ImportRefused(
            _(
                "The header row does not match the template: %(problems)s. Row 1 must hold "
                "the column headers, in Japanese or English; download the template to see them.",
                problems="; ".join(problems),
            )
        )
    return mapping


def import_limits() -> Limits:
    config = current_app.config
    max_bytes = config.get("IMPORT_MAX_BYTES") or config.get("MAX_CONTENT_LENGTH") or 16_000_000
    return Limits(
        max_bytes=max_bytes,
        max_uncompressed=config.get("IMPORT_MAX_UNCOMPRESSED_BYTES", 400 * 1024 * 1024),
        max_rows=config.get("IMPORT_MAX_ROWS", 100_000),
    )


def run_import(
    importer_class: type[Importer],
    path: Path,
    filename: str,
    actor: User | None,
    apply: bool,
    expected_digest: str | None = None,
    on_progress: Callable[[float], None] | None = None,
    options: dict | None = None,
) -> ImportReport:
    """Read ``path`` and plan (``apply=False``) or apply the import; never commits.

    After a run with ``apply=True`` the caller commits if ``report.ok`` and rolls
    back otherwise."""
    report = ImportReport(
        kind=importer_class.kind, filename=filename, import_id=secrets.token_hex(4)
    )
    limits = import_limits()
    try:
        table = open_table(path, limits)
    except ImportRefused as refusal:
        report.refused = str(refusal)
        return report
    report.notices.extend(table.notices)
    try:
        mapping = map_headers(table.headers, importer_class.columns)
        headers = {key: table.headers[index] for index, key in mapping.items()}
        importer = importer_class(report, actor, apply, headers, **(options or {}))
        importer.check_headers(set(mapping.values()))
        chunk: list[Cells] = []
        for number, cells in table.rows:
            if not any(cells):
                continue
            if report.row_count + len(chunk) >= limits.max_rows:
                raise ImportRefused(
                    _("The file has more than %(n)d rows; split it.", n=limits.max_rows)
                )
            row = Cells(
                number,
                {key: cells[i] if i < len(cells) else "" for i, key in mapping.items()},
                headers,
            )
            stray = [i for i, value in enumerate(cells) if value and i not in mapping]
            if stray:
                row.row_error(_("a value stands in a column without a header"))
            chunk.append(row)
            if len(chunk) >= CHUNK_ROWS:
                importer.process(chunk)
                chunk = []
                if on_progress:
                    on_progress(table.progress())
        importer.process(chunk)
        importer.finish()
        report.digest = importer.digest.hexdigest()[:20]
    except ImportRefused as refusal:
        report.refused = str(refusal)
    except (sa.exc.IntegrityError, StaleDataError) as error:
        current_app.logger.warning("import %s stopped: %s", report.import_id, error)
        report.refused = _(
            "Someone changed the same records while the import ran; nothing was saved. "
            "Run the import again."
        )
    finally:
        table.close()
    if on_progress:
        on_progress(1.0)
    if report.ok and expected_digest is not None and expected_digest != report.digest:
        report.refused = _(
            "The data changed since the preview, so the import was not saved. "
            "Look at the new preview and confirm again."
        )
    if report.ok and report.row_count == 0:
        report.refused = _("The file has a header row but no rows to import.")
    report.applied = apply and report.ok
    return report


__all__ = [
    "Cells",
    "ImportRefused",
    "ImportReport",
    "Importer",
    "RecordAction",
    "RowReport",
    "changed_fields",
    "run_import",
]
