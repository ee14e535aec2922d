"""The steps of :func:`ypmatch.create_app`."""

import contextlib
import sqlite3
import threading
import time

from flask import Flask, abort, flash, render_template, request, session
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import event
from sqlalchemy.engine import Engine

from ypmatch.config import JSON_SERIALIZER, PROJECT_ROOT
from ypmatch.extensions import babel, csrf, db, limiter, login_manager, migrate
from ypmatch.services.rules import InvalidFields


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, _connection_record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        _use_write_ahead_log(cursor)
        cursor.close()


def _use_write_ahead_log(cursor: sqlite3.Cursor) -> None:
    """File databases run in WAL mode: readers never wait for a writer, and writers wait
    (busy_timeout) for each other instead of failing with "database is locked". The mode
    is stored in the file, so only the first connection ever switches it."""
    main_file = next(
        (row[2] for row in cursor.execute("PRAGMA database_list") if row[1] == "main"), ""
    )
    if not main_file:  # in memory, or a temporary database
        return
    if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
        return
    # If another connection is busy right now, a later connection switches instead.
    with contextlib.suppress(sqlite3.OperationalError):
        cursor.execute("PRAGMA journal_mode=WAL")


def select_locale() -> str:
    languages = ("en", "ja")
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    return request.accept_languages.best_match(languages) or "en"


def register_extensions(app: Flask) -> None:
    from ypmatch import models  # noqa: F401  (registers the tables)
    from ypmatch.services.accounts import load_user_from_session

    # Whatever engine options a deployment sets, JSON keeps Japanese searchable.
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {}).setdefault(
        "json_serializer", JSON_SERIALIZER
    )
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_user_from_session)


def connect_event_receivers() -> None:
    """Import the modules that react to domain events (:mod:`ypmatch.events`): their
    receivers connect when they load."""
    from ypmatch.services import alerts  # noqa: F401  (need_published → alerts)


def register_blueprints(app: Flask) -> None:
    from ypmatch.views import (
        accounts,
        admin,
        auth,
        cities,
        companies,
        glossary,
        imports,
        main,
        missions,
        needs,
        outcomes,
        sectors,
        tokens,
    )

    for module in (
        main,
        auth,
        accounts,
        cities,
        sectors,
        needs,
        companies,
        glossary,
        missions,
        outcomes,
        imports,
        admin,
        tokens,
    ):
        app.register_blueprint(module.blueprint)

    from ypmatch import api

    api.register(app)


def register_error_handlers(app: Flask) -> None:
    from ypmatch.database_errors import register_database_error_handlers

    register_database_error_handlers(app)

    def render_error(status: int, title, message):
        return render_template(
            "errors/error.html", status=status, title=title, message=message
        ), status

    @app.errorhandler(400)
    def bad_request(_error):
        return render_error(400, _l("Bad request"), _l("The request could not be understood."))

    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        return render_error(
            400,
            _l("Form expired"),
            _l("The form had expired or was sent from elsewhere. Reload the page and try again."),
        )

    @app.errorhandler(403)
    def forbidden(_error):
        return render_error(403, _l("Not allowed"), _l("Your account may not do this."))

    @app.errorhandler(404)
    def not_found(_error):
        return render_error(404, _l("Not found"), _l("There is nothing at this address."))

    @app.errorhandler(405)
    def method_not_allowed(_error):
        return render_error(405, _l("Not allowed"), _l("This address does not accept that."))

    @app.errorhandler(413)
    def too_large(_error):
        return render_error(413, _l("Too large"), _l("What you sent is larger than allowed."))

    @app.errorhandler(429)
    def too_many(_error):
        return render_error(
            429, _l("Too many attempts"), _l("Please wait a minute before trying again.")
        )

    @app.errorhandler(InvalidFields)
    def invalid_fields(error: InvalidFields):
        # The forms check these rules first; should one get past them, nothing is saved and
        # the user reads what was wrong (the API answers its own 422, see api/base.py).
        db.session.rollback()
        details = "; ".join(
            f"{field}: {', '.join(messages)}" for field, messages in error.errors.items()
        )
        return render_error(
            422, _l("Not saved"), _("Nothing was saved: %(details)s", details=details)
        )

    @app.errorhandler(500)
    def server_error(_error):
        db.session.rollback()
        return render_error(
            500, _l("Something went wrong"), _l("Nothing was saved. Please try again.")
        )


def register_request_guards(app: Flask) -> None:
    from ypmatch.services.notifications import note_served_address

    if not app.config.get("BASE_URL"):

        @app.before_request
        def remember_where_served():
            # Email built after the response (development's background jobs) links here.
            note_served_address(request.host_url, request.host.rsplit(":", 1)[0])

    @app.before_request
    def refuse_nul_bytes():
        # No text column accepts NUL (PostgreSQL refuses it outright): answer 400 up front
        # rather than fail deep inside a query.
        for values in (request.args, request.form):
            for value in values.values():
                if "\x00" in value:
                    abort(400)


def register_session_guards(app: Flask) -> None:
    """Signed-in sessions end when idle, and nothing a signed-in user sees is cached."""
    from flask_login import logout_user, user_loaded_from_cookie

    @user_loaded_from_cookie.connect_via(app)
    def _restored_from_cookie(_sender, user):
        session["remembered"] = True

    @app.before_request
    def end_idle_sessions():
        if request.endpoint == "static" or "_user_id" not in session:
            return
        from ypmatch import clock

        now = clock.now().timestamp()
        if session.get("remembered"):
            allowed = app.config["REMEMBER_COOKIE_DURATION"].total_seconds()
        else:
            allowed = app.config["IDLE_TIMEOUT_MINUTES"] * 60
        last_seen = session.get("seen_at")
        if isinstance(last_seen, int | float) and now - last_seen > allowed:
            locale = session.get("locale")
            logout_user()
            session.clear()
            if locale:
                session["locale"] = locale
            flash(_l("You were signed out after a while without activity."), "info")
            return
        # One write a minute keeps the cookie from changing on every request.
        if not isinstance(last_seen, int | float) or now - last_seen > 60:
            session["seen_at"] = int(now)

    @app.after_request
    def no_store_when_signed_in(response):
        signed_in = "_user_id" in session or request.headers.get("Authorization")
        if signed_in and request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
            response.vary.add("Cookie")
        return response


def register_template_helpers(app: Flask) -> None:
    from ypmatch import labels

    app.add_template_filter(labels.country, "country")
    app.add_template_filter(
        lambda moment: labels.local_time(moment, app.config["TIMEZONE"]), "local_time"
    )
    app.add_template_filter(
        lambda moment: labels.local_time(moment, app.config["TIMEZONE"], with_time=False),
        "local_date",
    )
    app.add_template_filter(
        lambda value: labels.history_value(value, app.config["TIMEZONE"]), "history_value"
    )

    @app.context_processor
    def inject_helpers() -> dict:
        return {
            "locale": str(get_locale()),
            "labels": labels,
            "unanswered_invitations": _unanswered_invitations,
        }

    def _unanswered_invitations() -> int:
        """For the menu: the signed-in member's invitations still to answer."""
        from ypmatch.services.invitations import unanswered_invitations

        if not (current_user.is_authenticated and current_user.company_id):
            return 0
        return unanswered_invitations(current_user.company_id)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
        )
        return response


def register_mail_after_requests(app: Flask) -> None:
    """In development (no scheduler), run the periodic jobs after responses, at most every
    half minute per process; production runs ``ypmatch jobs run`` from a scheduler."""
    if not app.config.get("MAIL_SEND_AFTER_REQUEST") or app.config.get("TESTING"):
        return
    state = {"last": 0.0}
    lock = threading.Lock()

    def run_jobs_now() -> None:
        from ypmatch import clock
        from ypmatch.services.jobs import run_jobs

        with lock:
            if time.monotonic() - state["last"] < 30:
                return
            state["last"] = time.monotonic()
        with app.app_context():
            try:
                run_jobs(clock.now())
            except Exception:  # never let background mail break a page
                app.logger.exception("background jobs failed")
                db.session.rollback()

    @app.after_request
    def schedule_jobs(response):
        if request.method == "POST":
            response.call_on_close(run_jobs_now)
        return response


def register_cli(app: Flask) -> None:
    from ypmatch.cli import register_commands

    register_commands(app)
