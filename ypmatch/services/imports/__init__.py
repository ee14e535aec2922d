"""Bulk import of companies (with technologies) and needs from XLSX or CSV.

Every import is first a dry run (``apply=False``): the report says, row by row, what
would be created, updated or left unchanged, and every error with its row and column.
Applying re-reads the file in the same way and writes as it goes; the caller commits
only an ``ok`` report and rolls back any other, so nothing is ever half-imported.
The file layouts are in :mod:`ypmatch.services.imports.columns` and docs/import-export.md.
"""

from collections.abc import Callable
from pathlib import Path

from ypmatch.models import User
from ypmatch.services.imports.companies import CompanyImporter
from ypmatch.services.imports.engine import ImportReport, RecordAction, RowReport, run_import
from ypmatch.services.imports.needs import NeedImporter
from ypmatch.services.imports.reading import ImportRefused

IMPORTERS = {"companies": CompanyImporter, "needs": NeedImporter}


def import_file(
    kind: str,
    path: Path,
    filename: str,
    actor: User | None,
    apply: bool = False,
    expected_digest: str | None = None,
    on_progress: Callable[[float], None] | None = None,
    alert_companies: bool = True,
) -> ImportReport:
    """Plan or apply the import of ``path`` as ``kind`` ("companies" or "needs").

    Never commits: after ``apply=True`` commit if ``report.ok``, roll back otherwise."""
    options = {"alert_companies": alert_companies} if kind == "needs" else {}
    return run_import(
        IMPORTERS[kind],
        path,
        filename,
        actor,
        apply,
        expected_digest=expected_digest,
        on_progress=on_progress,
        options=options,
    )


__all__ = [
    "IMPORTERS",
    "ImportRefused",
    "ImportReport",
    "RecordAction",
    "RowReport",
    "import_file",
]
