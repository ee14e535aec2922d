"""Backups and restores of the whole database, checked by row counts.

SQLite uses the online backup API: one backup step copies every page inside a single read
transaction, so the copy is a consistent snapshot even while the app keeps writing (in WAL
mode writers are not even blocked). PostgreSQL uses ``pg_dump``/``pg_restore`` (custom
format); the row counts are taken in the very snapshot that ``pg_dump`` dumps (an exported
snapshot) and kept beside the archive, so a restore can be checked against them.

Nothing here touches the app's session: these are operations on the database as a whole.
"""

import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

# Rows that a freshly migrated database holds already: they don't make it "non-empty".
SETUP_TABLES = frozenset({"alembic_version", "matching_state"})
MANIFEST_SUFFIX = ".counts.json"


class BackupError(Exception):
    """A backup or restore that was refused or failed; the message says why and what to do."""


@dataclass
class BackupReport:
    path: Path
    counts: dict[str, int]
    size_bytes: int
    revision: str | None = None
    command: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


@dataclass
class RestoreReport:
    database: str
    counts: dict[str, int]
    revision: str | None = None
    previous_copy: Path | None = None
    checked_against: str = ""

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def database_kind(url: str | sa.URL) -> str:
    backend = sa.make_url(url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups are supported for SQLite and PostgreSQL, not {backend}.")
    return backend


def sqlite_file(url: str | sa.URL) -> Path:
    """The database file of a SQLite URL; in-memory databases have none."""
    database = sa.make_url(url).database or ""
    if database.startswith("file:"):  # sqlite:///file:path?mode=rw&uri=true
        database = database[len("file:") :].split("?", 1)[0]
    if database in ("", ":memory:"):
        raise BackupError("The database is in memory: there is no file to back up or restore.")
    return Path(database).resolve()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# -- SQLite ----------------------------------------------------------------------------------


def _sqlite_counts(connection: sqlite3.Connection) -> dict[str, int]:
    tables = [
        name
        for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    # Table names come from sqlite_master and are quoted, never from user input.
    return {
        table: connection.execute(f"SELECT count(*) FROM {_quote(table)}").fetchone()[0]  # noqa: S608  # nosec B608
        for table in tables
    }


def _sqlite_revision(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        return None
    return row[0] if row else None


def check_sqlite_backup(path: Path) -> tuple[dict[str, int], str | None]:
    """Open a backup read-only, run ``PRAGMA integrity_check`` and count its rows."""
    if not path.is_file():
        raise BackupError(f"There is no backup file at {path}.")
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise BackupError(f"{path} cannot be opened as a SQLite database: {error}.") from error
    try:
        try:
            problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{path} is not a SQLite database ({error}).") from error
        if problems != ["ok"]:
            raise BackupError(f"{path} fails SQLite's integrity check: " + "; ".join(problems[:5]))
        counts = _sqlite_counts(connection)
        if "alembic_version" not in counts:
            raise BackupError(
                f"{path} is a SQLite database but not a ypmatch backup (it has no "
                "alembic_version table)."
            )
        return counts, _sqlite_revision(connection)
    finally:
        connection.close()


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _sqlite_copy(source: sqlite3.Connection, target: Path) -> None:
    destination = sqlite3.connect(target)
    try:
        # One step (pages=-1): every page is copied inside one read transaction, so the copy
        # is a consistent snapshot however busy the source is.
        source.backup(destination)
        # A backup is one self-contained file, not a WAL database with companions.
        destination.execute("PRAGMA journal_mode=DELETE")
    finally:
        destination.close()


def backup_sqlite(database: Path, out: Path, force: bool = False) -> BackupReport:
    if not database.is_file():
        raise BackupError(f"There is no database file at {database}.")
    out = out.resolve()
    if out == database:
        raise BackupError("The backup would overwrite the database itself; choose another file.")
    if out.exists() and not force:
        raise BackupError(f"{out} exists already; choose a new file name or add --force.")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(database, timeout=30)
    try:
        _sqlite_copy(source, partial)
    except sqlite3.Error as error:
        partial.unlink(missing_ok=True)
        raise BackupError(f"The backup of {database} failed: {error}.") from error
    finally:
        source.close()
    try:
        counts, revision = check_sqlite_backup(partial)
    except BackupError:
        partial.unlink(missing_ok=True)
        raise
    _fsync(partial)
    os.replace(partial, out)  # never leaves a half-written file under the final name
    return BackupReport(path=out, counts=counts, size_bytes=out.stat().st_size, revision=revision)


def _data_rows(counts: dict[str, int]) -> dict[str, int]:
    return {table: n for table, n in counts.items() if n and table not in SETUP_TABLES}


def _refuse_non_empty(where: str, counts: dict[str, int]) -> None:
    rows = _data_rows(counts)
    if rows:
        listed = ", ".join(f"{table} {n}" for table, n in sorted(rows.items())[:6])
        raise BackupError(
            f"{where} is not empty ({sum(rows.values())} rows: {listed}"
            f"{', …' if len(rows) > 6 else ''}). A restore replaces everything in it; "
            "add --force if that is what you want (a copy of it is kept first)."
        )


def _compare_counts(expected: dict[str, int], found: dict[str, int], what: str) -> None:
    differences = [
        f"{table}: {expected.get(table, 0)} expected, {found.get(table, 0)} found"
        for table in sorted(set(expected) | set(found))
        if expected.get(table, 0) != found.get(table, 0)
    ]
    if differences:
        raise BackupError(
            f"The restored database does not match {what}: " + "; ".join(differences[:8])
        )


def restore_sqlite(backup: Path, database: Path, force: bool = False) -> RestoreReport:
    expected, revision = check_sqlite_backup(backup)
    previous_copy = None
    if database.exists() and database.stat().st_size > 0:
        current = sqlite3.connect(database, timeout=30)
        try:
            counts = _sqlite_counts(current)
        except sqlite3.DatabaseError as error:
            raise BackupError(f"The database at {database} cannot be read: {error}.") from error
        finally:
            current.close()
        if not force:
            _refuse_non_empty(f"The database at {database}", counts)
        if _data_rows(counts):
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            previous_copy = database.with_name(f"{database.name}.before-restore-{stamp}")
            backup_sqlite(database, previous_copy)
    database.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)
    try:
        target = sqlite3.connect(database, timeout=30)
        try:
            source.backup(target)  # takes the target's write lock; readers see old or new
            found = _sqlite_counts(target)
        finally:
            target.close()
    except sqlite3.Error as error:
        raise BackupError(f"Restoring into {database} failed: {error}.") from error
    finally:
        source.close()
    _compare_counts(expected, found, f"the backup {backup}")
    return RestoreReport(
        database=str(database),
        counts=found,
        revision=revision,
        previous_copy=previous_copy,
        checked_against=str(backup),
    )


# -- PostgreSQL ------------------------------------------------------------------------------


def _libpq_arguments(url: sa.URL) -> tuple[list[str], dict[str, str]]:
    """Connection options for pg_dump/pg_restore; the password goes in the environment."""
    arguments = []
    if url.host:
        arguments += ["--host", url.host]
    if url.port:
        arguments += ["--port", str(url.port)]
    if url.username:
        arguments += ["--username", url.username]
    arguments += ["--dbname", url.database or ""]
    environment = {"PGPASSWORD": url.password} if url.password else {}
    return arguments, environment


def pg_dump_command(url: str | sa.URL, out: Path, snapshot: str | None = None) -> list[str]:
    arguments, _ = _libpq_arguments(sa.make_url(url))
    command = ["pg_dump", "--format=custom", "--no-owner", "--file", str(out)]
    if snapshot:
        command.append(f"--snapshot={snapshot}")
    return command + arguments


def pg_restore_command(url: str | sa.URL, backup: Path) -> list[str]:
    arguments, _ = _libpq_arguments(sa.make_url(url))
    return [
        "pg_restore",
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",
        "--exit-on-error",
        *arguments,
        str(backup),
    ]


def _tool(name: str, command: list[str]) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed here (Debian: apt-get install postgresql-client). "
            f"Run it where it is:\n  {' '.join(command)}\n(with PGPASSWORD set if the "
            "database needs a password)."
        )
    return path


def _run(command: list[str], environment: dict[str, str], what: str) -> str:
    result = subprocess.run(  # noqa: S603  (fixed tool, arguments from our own config)
        command,
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"{what} failed (exit {result.returncode}): {result.stderr.strip()}")
    return result.stdout


def _pg_counts(connection: sa.Connection) -> dict[str, int]:
    tables = sa.inspect(connection).get_table_names()
    # Table names come from the database catalogue and are quoted, never from user input.
    return {
        table: connection.execute(sa.text(f"SELECT count(*) FROM {_quote(table)}")).scalar_one()  # noqa: S608  # nosec B608
        for table in sorted(tables)
    }


def _pg_revision(connection: sa.Connection) -> str | None:
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def manifest_path(backup: Path) -> Path:
    return backup.with_name(backup.name + MANIFEST_SUFFIX)


def backup_postgresql(url: str | sa.URL, out: Path, force: bool = False) -> BackupReport:
    url = sa.make_url(url)
    out = out.resolve()
    command = pg_dump_command(url, out)
    pg_dump = _tool("pg_dump", command)
    if out.exists() and not force:
        raise BackupError(f"{out} exists already; choose a new file name or add --force.")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.unlink(missing_ok=True)
    _, environment = _libpq_arguments(url)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            # Counts and dump from one snapshot: this transaction stays open while pg_dump
            # reads through the snapshot it exports.
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                snapshot = connection.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
                counts = _pg_counts(connection)
                revision = _pg_revision(connection)
                command = pg_dump_command(url, partial, snapshot)
                _run([pg_dump, *command[1:]], environment, "pg_dump")
    except sa.exc.SQLAlchemyError as error:
        partial.unlink(missing_ok=True)
        raise BackupError(f"The database could not be read: {error}") from error
    except BackupError:
        partial.unlink(missing_ok=True)
        raise
    finally:
        engine.dispose()
    pg_restore = _tool("pg_restore", ["pg_restore", "--list", str(partial)])
    _run([pg_restore, "--list", str(partial)], {}, "Reading the archive back")
    _fsync(partial)
    manifest_path(out).write_text(
        json.dumps({"counts": counts, "revision": revision}, indent=1, sort_keys=True) + "\n"
    )
    os.replace(partial, out)
    return BackupReport(
        path=out,
        counts=counts,
        size_bytes=out.stat().st_size,
        revision=revision,
        command=pg_dump_command(url, out),
    )


def restore_postgresql(url: str | sa.URL, backup: Path, force: bool = False) -> RestoreReport:
    url = sa.make_url(url)
    if not backup.is_file():
        raise BackupError(f"There is no backup file at {backup}.")
    command = pg_restore_command(url, backup)
    pg_restore = _tool("pg_restore", command)
    _run([pg_restore, "--list", str(backup)], {}, f"Reading {backup} as a pg_dump archive")
    expected = None
    if manifest_path(backup).is_file():
        expected = json.loads(manifest_path(backup).read_text())["counts"]
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            current = _pg_counts(connection)
        if not force:
            _refuse_non_empty(f"The database {url.database}", current)
        previous_copy = None
        if _data_rows(current):
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            previous_copy = backup.resolve().with_name(
                f"{url.database}.before-restore-{stamp}.dump"
            )
            backup_postgresql(url, previous_copy)
        _, environment = _libpq_arguments(url)
        _run([pg_restore, *command[1:]], environment, "pg_restore")
        with engine.connect() as connection:
            found = _pg_counts(connection)
            revision = _pg_revision(connection)
    except sa.exc.SQLAlchemyError as error:
        raise BackupError(f"The database could not be reached: {error}") from error
    finally:
        engine.dispose()
    if expected is not None:
        _compare_counts(expected, found, f"the counts recorded in {manifest_path(backup)}")
    return RestoreReport(
        database=url.render_as_string(hide_password=True),
        counts=found,
        revision=revision,
        previous_copy=previous_copy,
        checked_against=str(manifest_path(backup)) if expected is not None else "",
    )


# -- either ----------------------------------------------------------------------------------


def backup_database(url: str | sa.URL, out: Path, force: bool = False) -> BackupReport:
    if database_kind(url) == "sqlite":
        return backup_sqlite(sqlite_file(url), out, force=force)
    return backup_postgresql(url, out, force=force)


def restore_database(url: str | sa.URL, backup: Path, force: bool = False) -> RestoreReport:
    if database_kind(url) == "sqlite":
        return restore_sqlite(backup, sqlite_file(url), force=force)
    return restore_postgresql(url, backup, force=force)
