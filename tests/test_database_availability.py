"""SQLite in WAL mode, and a clear 503 (then recovery) when the database goes away."""

import os
import sqlite3
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import PASSWORD, World
from ypmatch import create_app
from ypmatch.extensions import db
from ypmatch.models import HistoryEntry, Need, Sector

UNAVAILABLE = "The database cannot be reached right now"


def file_app(tmp_path: Path, url: str | None = None):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": url or f"sqlite:///{tmp_path / 'app.sqlite3'}",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "MAIL_SEND_AFTER_REQUEST": False,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    with app.app_context():
        db.create_all()

    @app.get("/api/v1/availability-probe")
    def probe():
        return {"needs": db.session.scalar(sa.select(sa.func.count(Need.id)))}

    return app


@pytest.fixture
def live(tmp_path):
    """A file database with the test world; yields (app, world ids)."""
    path = tmp_path / "live.sqlite3"
    sqlite3.connect(path).close()  # mode=rw opens only a file that exists
    app = file_app(tmp_path, f"sqlite:///file:{path}?mode=rw&uri=true")
    with app.app_context():
        world = World()
        ids = {"need": world.public_need.id, "city": world.cebu.id, "curator": world.curator.email}
        db.session.remove()
    yield app, path, ids
    with app.app_context():
        db.engine.dispose()


def count(app, model) -> int:
    with app.app_context():
        value = db.session.scalar(sa.select(sa.func.count()).select_from(model))
        db.session.remove()
        return value


# -- WAL -------------------------------------------------------------------------------------


@pytest.mark.no_db
def test_file_databases_use_wal_and_readers_do_not_wait_for_a_writer(tmp_path):
    app = file_app(tmp_path)
    with app.app_context():
        engine = db.engine
        with engine.connect() as writer:
            assert writer.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert writer.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
            # The strongest write lock there is; in rollback-journal mode it shuts readers out.
            writer.exec_driver_sql("BEGIN EXCLUSIVE")
            writer.execute(sa.insert(Sector).values(slug="new", name_en="New", name_ja="新"))
            with engine.connect() as reader:
                reader.exec_driver_sql("PRAGMA busy_timeout=100")
                started = time.monotonic()
                seen = reader.scalar(sa.select(sa.func.count(Sector.id)))
                assert time.monotonic() - started < 0.1
                assert seen == 0  # the uncommitted row is not visible
            writer.commit()
        assert db.session.scalar(sa.select(sa.func.count(Sector.id))) == 1
        db.session.remove()
        engine.dispose()


@pytest.mark.no_db
def test_a_second_writer_waits_for_the_first_instead_of_failing(tmp_path):
    app = file_app(tmp_path)
    errors = []
    with app.app_context():
        engine = db.engine
        with engine.connect() as first:
            first.exec_driver_sql("BEGIN IMMEDIATE")
            first.execute(sa.insert(Sector).values(slug="a", name_en="A", name_ja="A"))

            def second_writer():
                try:
                    with app.app_context():
                        db.session.add(Sector(slug="b", name_en="B", name_ja="B"))
                        db.session.commit()  # waits (busy_timeout) for the first to commit
                        db.session.remove()
                except Exception as error:
                    errors.append(error)

            thread = threading.Thread(target=second_writer)
            thread.start()
            time.sleep(0.005)
            first.commit()
        thread.join(10)
        assert not errors, errors
        assert db.session.scalar(sa.select(sa.func.count(Sector.id))) == 2
        db.session.remove()
        engine.dispose()


@pytest.mark.no_db
def test_memory_databases_stay_in_memory_mode():
    engine = sa.create_engine("sqlite://")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "memory"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


# -- the database goes away ------------------------------------------------------------------


def take_database_away(app, path: Path) -> Path:
    """The file disappears (a lost volume): every new connection fails to open it."""
    with app.app_context():
        db.engine.dispose()
    hidden = path.with_name(path.name + ".away")
    os.replace(path, hidden)
    return hidden


def bring_database_back(path: Path, hidden: Path) -> None:
    os.replace(hidden, path)


@pytest.mark.no_db
def test_pages_answer_503_while_the_database_is_away_and_recover(live):
    app, path, ids = live
    client = app.test_client()
    assert client.get("/needs/").status_code == 200

    hidden = take_database_away(app, path)
    for url in ("/needs/", f"/needs/{ids['need']}", "/"):
        response = client.get(url)
        assert response.status_code == 503, url
        page = response.get_data(as_text=True)
        assert "Temporarily unavailable" in page and UNAVAILABLE in page
        assert response.headers["Retry-After"] == "30"
        assert response.headers["Content-Security-Policy"]  # still a normal response
    japanese = client.get("/needs/", headers={"Accept-Language": "ja"})
    assert japanese.status_code == 503
    assert '<html lang="ja">' in japanese.get_data(as_text=True)

    api = client.get("/api/v1/availability-probe")
    assert api.status_code == 503
    assert api.mimetype == "application/problem+json"
    assert api.json["status"] == 503 and "database" in api.json["detail"]

    bring_database_back(path, hidden)
    assert client.get("/needs/").status_code == 200
    assert client.get("/api/v1/availability-probe").json == {"needs": 4}


@pytest.mark.no_db
def test_a_signed_in_curator_gets_503_then_continues_signed_in(live):
    app, path, ids = live
    client = app.test_client()
    login = client.post("/login", data={"email": ids["curator"], "password": PASSWORD})
    assert login.status_code == 302
    assert client.get(f"/needs/{ids['need']}").status_code == 200

    hidden = take_database_away(app, path)
    response = client.get(f"/needs/{ids['need']}")
    assert response.status_code == 503
    assert UNAVAILABLE in response.get_data(as_text=True)
    saving = client.post(
        "/needs/new",
        data={
            "city_id": ids["city"],
            "title_en": "Flood sensors",
            "description_en": "Rivers.",
            "status": "draft",
            "visibility": "internal",
        },
    )
    assert saving.status_code == 503

    bring_database_back(path, hidden)
    page = client.get(f"/needs/{ids['need']}")
    assert page.status_code == 200
    assert "Sign out" in page.get_data(as_text=True)
    assert count(app, Need) == 4  # the refused save left nothing behind


@pytest.mark.no_db
def test_a_database_failing_halfway_through_a_save_leaves_nothing_half_written(live):
    app, _path, ids = live
    client = app.test_client()
    client.post("/login", data={"email": ids["curator"], "password": PASSWORD})
    needs, history = count(app, Need), count(app, HistoryEntry)
    with app.app_context():
        engine = db.engine

    def fail_on_history(_conn, _cursor, statement, *_args):
        # The need's row is already inserted in this transaction when its history fails.
        if statement.startswith("INSERT INTO history_entries"):
            raise sqlite3.OperationalError("disk I/O error")

    sa.event.listen(engine, "before_cursor_execute", fail_on_history)
    try:
        response = client.post(
            "/needs/new",
            data={
                "city_id": ids["city"],
                "title_en": "Flood sensors",
                "description_en": "Rivers.",
                "status": "draft",
                "visibility": "internal",
            },
        )
    finally:
        sa.event.remove(engine, "before_cursor_execute", fail_on_history)
    assert response.status_code == 503
    assert (count(app, Need), count(app, HistoryEntry)) == (needs, history)

    response = client.post(
        "/needs/new",
        data={
            "city_id": ids["city"],
            "title_en": "Flood sensors",
            "description_en": "Rivers.",
            "status": "draft",
            "visibility": "internal",
        },
    )
    assert response.status_code == 302
    assert (count(app, Need), count(app, HistoryEntry)) == (needs + 1, history + 1)


@pytest.mark.no_db
def test_connections_refused_by_the_driver_give_503_until_they_succeed(live, monkeypatch):
    app, _path, ids = live
    client = app.test_client()
    with app.app_context():
        engine = db.engine
    engine.dispose()

    def refuse(*_args, **_kwargs):
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(engine.dialect, "connect", refuse)
    assert client.get(f"/needs/{ids['need']}").status_code == 503
    monkeypatch.undo()
    assert client.get(f"/needs/{ids['need']}").status_code == 200
