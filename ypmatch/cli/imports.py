"""``ypmatch import …`` and ``ypmatch export …``: bulk data in and out as XLSX or CSV."""

import sys
from pathlib import Path

import click
from flask_babel import force_locale

from ypmatch.extensions import db
from ypmatch.services.exports.dataset import KINDS, export_dataset, full_query
from ypmatch.services.exports.writers import WRITERS
from ypmatch.services.imports import ImportReport, import_file

PROGRESS_STEPS = 1000
SHOWN_ERRORS = 200
RECORD_KINDS = {"companies": ("company", "technology"), "needs": ("need",)}


def _summary(report: ImportReport) -> list[str]:
    lines = []
    for kind in RECORD_KINDS[report.kind]:
        counts = ", ".join(
            f"{report.count(kind, action)} {word}"
            for action, word in (
                ("create", "to create" if not report.applied else "created"),
                ("update", "to update" if not report.applied else "updated"),
                ("unchanged", "unchanged"),
            )
        )
        lines.append(f"{kind}: {counts}")
    return lines


def _run_import(kind: str, path: Path, dry_run: bool, alert_companies: bool = True) -> None:
    with force_locale("en"):
        with click.progressbar(
            length=PROGRESS_STEPS, label=f"Reading {path.name}", file=sys.stderr
        ) as bar:

            def on_progress(fraction: float) -> None:
                bar.update(max(int(fraction * PROGRESS_STEPS) - bar.pos, 0))

            try:
                report = import_file(
                    kind,
                    path,
                    path.name,
                    None,
                    apply=not dry_run,
                    on_progress=on_progress,
                    alert_companies=alert_companies,
                )
            except BaseException:
                db.session.rollback()
                raise
        if report.applied:
            db.session.commit()
        else:
            db.session.rollback()
        for notice in report.notices:
            click.echo(f"Note: {notice}", err=True)
        if report.refused:
            click.echo(f"Refused: {report.refused}", err=True)
            click.echo("Nothing was written.", err=True)
            sys.exit(1)
        click.echo(f"{report.row_count} rows read from {path.name}.")
        for line in _summary(report):
            click.echo(line)
        if report.error_count:
            for message in report.errors[:SHOWN_ERRORS]:
                click.echo(message, err=True)
            if report.error_count > SHOWN_ERRORS:
                click.echo(f"… and {report.error_count - SHOWN_ERRORS} more errors.", err=True)
            click.echo(f"{report.error_count} errors; nothing was written.", err=True)
            sys.exit(1)
        if dry_run:
            click.echo("Dry run: nothing was written.")
        else:
            click.echo(f'Imported; the history notes say "{report.note}".')


@click.group("import")
def import_group() -> None:
    """Import companies (with technologies) or needs from XLSX or CSV.

    The file is checked in full first; any error writes nothing and exits with
    status 1. Layouts and headers: docs/import-export.md.
    """


FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@import_group.command("companies")
@click.argument("path", metavar="FILE", type=FILE)
@click.option("--dry-run", is_flag=True, help="Check and show what would change; write nothing.")
def import_companies_command(path: Path, dry_run: bool) -> None:
    """Companies, one row per technology (company columns repeated)."""
    _run_import("companies", path, dry_run)


@import_group.command("needs")
@click.argument("path", metavar="FILE", type=FILE)
@click.option("--dry-run", is_flag=True, help="Check and show what would change; write nothing.")
@click.option(
    "--no-alerts",
    is_flag=True,
    help="Do not alert companies about needs the import publishes (moving old data in).",
)
def import_needs_command(path: Path, dry_run: bool, no_alerts: bool) -> None:
    """City needs, one row per need."""
    _run_import("needs", path, dry_run, alert_companies=not no_alerts)


@click.command("export")
@click.argument("kind", type=click.Choice(KINDS))
@click.option(
    "--format",
    "file_format",
    type=click.Choice(tuple(WRITERS)),
    help="Default: from the --out file's extension, else csv.",
)
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--headers",
    type=click.Choice(["en", "ja"]),
    default="en",
    show_default=True,
    help="Column headers in English or Japanese (the importer reads both).",
)
def export_command(kind: str, file_format: str | None, out_path: Path, headers: str) -> None:
    """Export every record that is not archived, in the layout the importer reads."""
    suffix = out_path.suffix.lower().lstrip(".")
    file_format = file_format or (suffix if suffix in WRITERS else "csv")
    partial = out_path.with_name(out_path.name + ".partial")
    with force_locale("en"), partial.open("wb") as out:
        export_dataset(kind, full_query(kind), file_format, headers, out)
    partial.replace(out_path)
    click.echo(f"Wrote {out_path} ({file_format}).")
