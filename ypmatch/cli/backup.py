"""``ypmatch backup OUT`` and ``ypmatch restore IN``."""

from pathlib import Path

import click
from flask import current_app

from ypmatch.services.backup import (
    BackupError,
    backup_database,
    database_kind,
    manifest_path,
    restore_database,
)


def _database_url() -> str:
    return current_app.config["SQLALCHEMY_DATABASE_URI"]


def _show_counts(counts: dict[str, int]) -> None:
    for table, rows in sorted(counts.items()):
        if rows:
            click.echo(f"  {table:<28} {rows:>9}")


@click.command("backup")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite OUT if it exists.")
@click.option("--quiet", is_flag=True, help="Print only the summary line.")
def backup_command(out: Path, force: bool, quiet: bool) -> None:
    """Copy the whole database into OUT, safely while the app is running.

    SQLite: the online backup API (a consistent snapshot; writers are not stopped), then an
    integrity check of the copy. PostgreSQL: pg_dump --format=custom, with the row counts of
    the same snapshot written to OUT.counts.json for the restore to check against.
    """
    url = _database_url()
    try:
        report = backup_database(url, out, force=force)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    kind = database_kind(url)
    click.echo(
        f"Backed up {report.rows} rows in {len(report.counts)} tables to {report.path} "
        f"({report.size_bytes / 1e6:.1f} MB, {kind}, revision {report.revision or 'none'})."
    )
    if kind == "postgresql":
        click.echo(f"Row counts: {manifest_path(report.path)}")
        click.echo("Equivalent command: " + " ".join(report.command))
    if not quiet:
        _show_counts(report.counts)


@click.command("restore")
@click.argument("backup", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--force",
    is_flag=True,
    help="Replace a database that holds data (a copy of it is kept first).",
)
def restore_command(backup: Path, force: bool) -> None:
    """Replace the database with BACKUP, then check that the row counts match it.

    Stop the app (and the scheduler) first. Refuses a database that holds data unless
    --force is given; then a copy of the current database is kept beside it first.
    """
    try:
        report = restore_database(_database_url(), backup, force=force)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    if report.previous_copy:
        click.echo(f"The previous database was copied to {report.previous_copy} first.")
    checked = (
        f"counts match {report.checked_against}"
        if report.checked_against
        else "no recorded counts to check against"
    )
    click.echo(
        f"Restored {report.rows} rows in {len(report.counts)} tables into {report.database} "
        f"({checked}; revision {report.revision or 'none'}). Run `ypmatch db upgrade` if this "
        "code is newer than the backup, then start the app."
    )
