"""``ypmatch backup`` / ``ypmatch restore``: consistent copies taken while the app writes."""

import sqlite3
import threading
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import stamp

from tests.conftest import TEST_DATABASE_URL
from ypmatch import create_app
from ypmatch.extensions import db
from ypmatch.models import Sector
from ypmatch.services.backup import check_sqlite_backup


def make_app(tmp_path: Path, url: str):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "MAIL_SEND_AFTER_REQUEST": False,
        }
    )
    with app.app_context():
        db.create_all()
        stamp()  # as if migrated: a backup must carry its schema revision
    return app


def sqlite_app(tmp_path: Path, name: str):
    return make_app(tmp_path, f"sqlite:///{tmp_path / name}")


def sector_count(app) -> int:
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count(Sector.id)))
        db.session.remove()
        return count


def add_sectors(app, n: int, prefix: str = "s") -> None:
    with app.app_context():
        db.session.add_all(
            Sector(slug=f"{prefix}-{i}", name_en=f"Sector {i}", name_ja=f"分野{i}")
            for i in range(n)
        )
        db.session.commit()
        db.session.remove()


def cli(app, *args: str):
    # The CLI runs in the current app context; the session's app has one pushed already.
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args))


def dispose(*apps) -> None:
    for app in apps:
        with app.app_context():
            db.engine.dispose()


class Writer(threading.Thread):
    """Commits one row at a time through the app, like requests do, until told to stop."""

    def __init__(self, app, limit: int = 20_000):
        super().__init__(daemon=True)
        self.app = app
        self.limit = limit
        self.written = 0
        self.errors: list[BaseException] = []
        self.running = threading.Event()
        self.stop = threading.Event()

    def run(self) -> None:
        with self.app.app_context():
            try:
                for i in range(self.limit):
                    if self.stop.is_set():
                        break
                    db.session.add(Sector(slug=f"w-{i}", name_en=f"Written {i}", name_ja="書込"))
                    db.session.commit()
                    self.written += 1
                    if self.written == 20:
                        self.running.set()
            except BaseException as error:  # reported by the test
                self.errors.append(error)
            finally:
                self.running.set()
                db.session.remove()

    def wait_for(self, rows: int, seconds: float = 20) -> None:
        deadline = time.monotonic() + seconds
        while self.written < rows and self.is_alive() and time.monotonic() < deadline:
            time.sleep(0.001)


@pytest.mark.no_db
def test_backup_while_the_app_writes_then_restore(tmp_path):
    app = sqlite_app(tmp_path, "live.sqlite3")
    add_sectors(app, 2_000, prefix="base")  # a few hundred KB, so the copy takes a moment
    out = tmp_path / "backups" / "live-backup.sqlite3"

    writer = Writer(app)
    writer.start()
    try:
        assert writer.running.wait(20)
        before = writer.written
        result = cli(app, "backup", str(out))
        during = writer.written
        writer.wait_for(during + 20)  # the app kept writing afterwards too
    finally:
        writer.stop.set()
        writer.join(20)
    assert not writer.errors, writer.errors
    assert result.exit_code == 0, result.output
    assert "Backed up" in result.output
    assert writer.written >= during + 20

    counts, revision = check_sqlite_backup(out)
    # A consistent snapshot: every row committed before the backup started, none of the
    # rows committed after it finished.
    assert 2_000 + before <= counts["sectors"] <= 2_000 + during
    assert not out.with_name(out.name + ".partial").exists()
    backup = sqlite3.connect(out)
    assert backup.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    backup.close()

    restored = sqlite_app(tmp_path, "restored.sqlite3")
    dispose(restored)
    (tmp_path / "restored.sqlite3").unlink()  # restore into a database that doesn't exist yet
    result = cli(restored, "restore", str(out))
    assert result.exit_code == 0, result.output
    assert "Restored" in result.output and "counts match" in result.output
    assert sector_count(restored) == counts["sectors"]
    dispose(app, restored)


@pytest.mark.no_db
def test_restore_refuses_a_database_with_data_unless_forced(tmp_path):
    source = sqlite_app(tmp_path, "source.sqlite3")
    add_sectors(source, 5)
    out = tmp_path / "source-backup.sqlite3"
    assert cli(source, "backup", str(out)).exit_code == 0

    target = sqlite_app(tmp_path, "target.sqlite3")
    add_sectors(target, 3, prefix="mine")
    refused = cli(target, "restore", str(out))
    assert refused.exit_code != 0
    assert "not empty" in refused.output and "--force" in refused.output
    assert sector_count(target) == 3  # untouched

    forced = cli(target, "restore", "--force", str(out))
    assert forced.exit_code == 0, forced.output
    assert sector_count(target) == 5
    kept = list(tmp_path.glob("target.sqlite3.before-restore-*"))
    assert len(kept) == 1
    assert check_sqlite_backup(kept[0])[0]["sectors"] == 3
    dispose(source, target)


@pytest.mark.no_db
def test_backup_and_restore_refuse_bad_input(tmp_path):
    app = sqlite_app(tmp_path, "app.sqlite3")
    out = tmp_path / "b.sqlite3"
    assert cli(app, "backup", str(out)).exit_code == 0
    again = cli(app, "backup", str(out))
    assert again.exit_code != 0 and "exists already" in again.output

    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"this is not a database" * 100)
    missing = tmp_path / "nothing-here.sqlite3"
    other = tmp_path / "other.sqlite3"
    connection = sqlite3.connect(other)
    connection.execute("CREATE TABLE t (x)")
    connection.close()
    for path, message in (
        (garbage, "not a SQLite database"),
        (missing, "no backup file"),
        (other, "not a ypmatch backup"),
    ):
        result = cli(app, "restore", "--force", str(path))
        assert result.exit_code != 0, path
        assert message in result.output
    dispose(app)

    memory = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "INSTANCE_PATH": str(tmp_path),
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
        }
    )
    result = cli(memory, "backup", str(tmp_path / "m.sqlite3"))
    assert result.exit_code != 0 and "in memory" in result.output


@pytest.fixture
def second_postgresql_database():
    name = f"ypmatch_restore_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield sa.make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.mark.no_db
@pytest.mark.skipif(
    not TEST_DATABASE_URL.startswith("postgresql"), reason="needs YPMATCH_TEST_DATABASE_URL"
)
def test_postgresql_backup_and_restore(empty_database_url, second_postgresql_database, tmp_path):
    import shutil

    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    app = make_app(tmp_path, empty_database_url)
    add_sectors(app, 7)
    out = tmp_path / "pg.dump"
    result = cli(app, "backup", str(out))
    assert result.exit_code == 0, result.output
    assert "pg_dump --format=custom" in result.output
    assert Path(str(out) + ".counts.json").is_file()

    target = make_app(tmp_path, second_postgresql_database)
    add_sectors(target, 2, prefix="mine")
    refused = cli(target, "restore", str(out))
    assert refused.exit_code != 0 and "not empty" in refused.output
    dispose(target)
    forced = cli(target, "restore", "--force", str(out))
    assert forced.exit_code == 0, forced.output
    assert "counts match" in forced.output
    assert sector_count(target) == 7
    dispose(app, target)
