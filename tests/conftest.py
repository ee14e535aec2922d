"""Fixtures: one app per session; each test runs inside a transaction that is rolled back.

The database is SQLite in memory unless YPMATCH_TEST_DATABASE_URL names another
(CI sets a PostgreSQL URL). The per-test rollback follows the pattern suggested in
flask-sqlalchemy#1167: the engine is swapped for one open connection whose outer
transaction is never committed, and the session joins it through savepoints.
"""

import os
import sqlite3
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.pool import StaticPool

from tests.smtp_server import SmtpServer
from ypmatch import create_app
from ypmatch.extensions import db
from ypmatch.models import (
    ApprovalStatus,
    Company,
    Need,
    NeedStatus,
    PartnerCity,
    Role,
    Sector,
    Technology,
    User,
    Visibility,
)
from ypmatch.services.accounts import create_user

TEST_DATABASE_URL = os.environ.get("YPMATCH_TEST_DATABASE_URL", "sqlite://")
PASSWORD = "correct horse battery"


def _use_savepoints_on_sqlite(engine: sa.Engine) -> None:
    # pysqlite opens transactions on its own and breaks SAVEPOINT; let SQLAlchemy do it.
    @sa.event.listens_for(engine, "connect")
    def _disable_pysqlite_transactions(dbapi_connection, _record):
        if isinstance(dbapi_connection, sqlite3.Connection):
            dbapi_connection.isolation_level = None

    @sa.event.listens_for(engine, "begin")
    def _begin(connection):
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN")


class IsolatedRequestClient(FlaskClient):
    """Each request gets an app context of its own, as in production.

    The session-wide app context would otherwise be reused by every request, so
    ``g`` (the signed-in user, the locale) and the database session would leak from
    one request to the next.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": TEST_DATABASE_URL,
        "WTF_CSRF_ENABLED": False,
        "INSTANCE_PATH": str(tmp_path_factory.mktemp("instance")),
        "LOGIN_MAX_FAILURES": 3,
        "RATELIMIT_ENABLED": False,  # test_security turns it on in an app of its own
        "MAIL_SEND_AFTER_REQUEST": False,
        # Hashing stays real but cheap; test_auth checks production's scrypt separately.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }
    if TEST_DATABASE_URL.startswith("sqlite"):
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "poolclass": StaticPool,
            "connect_args": {"check_same_thread": False},
        }
    app = create_app(config)
    app.test_client_class = IsolatedRequestClient
    with app.app_context():
        _use_savepoints_on_sqlite(db.engine)
        db.drop_all()
        db.create_all()
        yield app
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _rollback_after_test(request, app):
    # Each test builds its own data, so the per-process matching index starts afresh.
    app.extensions.pop("ypmatch.matching_index", None)
    if "no_db" in request.keywords:
        yield
        return
    engines = db.engines
    swapped = []
    for key, engine in list(engines.items()):
        connection = engine.connect()
        transaction = connection.begin()
        engines[key] = connection
        swapped.append((key, engine, connection, transaction))
    try:
        yield
    finally:
        db.session.remove()
        for key, engine, connection, transaction in swapped:
            transaction.rollback()
            connection.close()
            engines[key] = engine


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, email: str, password: str = PASSWORD):
        return self._client.post("/login", data={"email": email, "password": password})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


class World:
    """A small, complete set of records: two cities, two companies, a user per role."""

    def __init__(self):
        self.water = Sector(slug="water_supply", name_en="Water supply", name_ja="上水道")
        self.waste = Sector(slug="solid_waste", name_en="Solid waste", name_ja="廃棄物")
        self.cebu = PartnerCity(
            slug="cebu", name_en="Cebu", name_ja="セブ", country_code="PH",
            relationship_date=date(2012, 7, 1),
        )
        self.danang = PartnerCity(
            slug="da-nang", name_en="Da Nang", name_ja="ダナン", country_code="VN"
        )
        self.company_a = Company(
            name_ja="港北アクア株式会社", name_en="Kohoku Aqua", ward="Kohoku-ku",
            approval_status=ApprovalStatus.APPROVED, overseas_countries=["PH"],
        )
        self.company_b = Company(
            name_ja="鶴見環境サービス", name_en="Tsurumi Environment",
            approval_status=ApprovalStatus.APPROVED,
        )
        self.pending_company = Company(name_en="Pending Works", approval_status="pending")
        db.session.add_all(
            [self.water, self.waste, self.cebu, self.danang, self.company_a, self.company_b,
             self.pending_company]
        )
        db.session.flush()
        self.technology_a = Technology(
            company_id=self.company_a.id, title_ja="漏水探知",
            description_ja="無収水対策の漏水調査",
            sectors=[self.water],
        )
        self.public_need = Need(
            city_id=self.cebu.id, title_en="Reduce non-revenue water",
            description_en="NRW is 38% in Metro Cebu.", status=NeedStatus.PUBLISHED,
            visibility=Visibility.PUBLIC, sectors=[self.water],
        )
        self.members_need = Need(
            city_id=self.danang.id, title_en="Landfill leachate",
            description_en="Leachate treatment at Khanh Son.", status=NeedStatus.PUBLISHED,
            visibility=Visibility.COMPANIES, sectors=[self.waste],
        )
        self.internal_need = Need(
            city_id=self.cebu.id, title_en="Internal note on septage",
            description_en="Not for companies yet.", status=NeedStatus.PUBLISHED,
            visibility=Visibility.INTERNAL,
        )
        self.draft_need = Need(
            city_id=self.cebu.id, title_en="Draft drainage need",
            description_en="Flooding in Mabolo.", status=NeedStatus.DRAFT,
            visibility=Visibility.PUBLIC,
        )
        db.session.add_all(
            [self.technology_a, self.public_need, self.members_need, self.internal_need,
             self.draft_need]
        )
        db.session.flush()
        self.admin = create_user("admin@example.org", PASSWORD, Role.ADMIN, None, name="Admin")
        self.curator = create_user("curator@example.org", PASSWORD, Role.CURATOR, None,
                                   name="Curator")
        self.member_a = create_user("a@example.org", PASSWORD, Role.COMPANY, None,
                                    company_id=self.company_a.id, name="Member A")
        self.member_b = create_user("b@example.org", PASSWORD, Role.COMPANY, None,
                                    company_id=self.company_b.id, name="Member B")
        self.focal_point = create_user("cebu@example.org", PASSWORD, Role.CITY, None,
                                       city_id=self.cebu.id, name="Cebu focal point")
        self.pending_member = create_user("p@example.org", PASSWORD, Role.COMPANY, None,
                                          company_id=self.pending_company.id)
        db.session.commit()

    def user(self, who: str) -> User | None:
        return {
            "anonymous": None, "member_a": self.member_a, "member_b": self.member_b,
            "city": self.focal_point, "curator": self.curator, "admin": self.admin,
        }[who]


@pytest.fixture
def world(app):
    return World()


ROLES = ("anonymous", "member_a", "member_b", "city", "curator", "admin")


@pytest.fixture
def login_as(world, auth):
    def _login(who: str):
        user = world.user(who)
        if user is not None:
            response = auth.login(user.email)
            assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return _login


@pytest.fixture
def empty_database_url(tmp_path):
    if TEST_DATABASE_URL.startswith("postgresql"):
        name = f"ypmatch_migrations_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = sa.make_url(TEST_DATABASE_URL).set(database=name)
        yield url.render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
    else:
        yield f"sqlite:///{tmp_path / 'migrated.sqlite3'}"


START = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(scope="module")
def smtp_server():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


class Clock:
    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def mail(app, smtp_server):
    """SMTP pointed at the test server and an injectable clock, restored afterwards."""
    clock = Clock(START)
    saved = {key: app.config.get(key) for key in ("SMTP_HOST", "SMTP_PORT", "CLOCK")}
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port, CLOCK=clock)
    smtp_server.messages.clear()
    yield clock
    app.config.update(saved)


@pytest.fixture
def strict_app_factory(tmp_path):
    """Apps of their own with CSRF and rate limiting on, as in production."""
    from ypmatch.extensions import limiter

    made = []
    # The limiter is one object for every app: give the shared test app its setting back.
    limiter_was_enabled = limiter.enabled

    def make(**overrides):
        app = create_app({
            "TESTING": True,
            "SECRET_KEY": "strict",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "SQLALCHEMY_ENGINE_OPTIONS": {"poolclass": StaticPool,
                                          "connect_args": {"check_same_thread": False}},
            "INSTANCE_PATH": str(tmp_path),
            "WTF_CSRF_ENABLED": True,
            "RATELIMIT_ENABLED": True,
            "MAIL_SEND_AFTER_REQUEST": False,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            **overrides,
        })
        app.test_client_class = IsolatedRequestClient
        context = app.app_context()
        context.push()
        db.create_all()
        create_user("curator@example.org", PASSWORD, "curator", None, name="Curator")
        db.session.commit()
        made.append((app, context))
        return app

    yield make
    for _app, context in reversed(made):
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
        context.pop()
    limiter.enabled = limiter_was_enabled


@pytest.fixture
def strict_app(strict_app_factory):
    return strict_app_factory()
