"""The steps of :func:`ypmatch.create_app`."""

import sqlite3

from flask import Flask, render_template, request, session
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import event
from sqlalchemy.engine import Engine

from ypmatch import PROJECT_ROOT
from ypmatch.extensions import babel, csrf, db, login_manager, migrate


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, _connection_record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


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

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_user_from_session)


def register_blueprints(app: Flask) -> None:
    from ypmatch.views import (
        admin,
        auth,
        cities,
        companies,
        glossary,
        main,
        missions,
        needs,
        outcomes,
        sectors,
    )

    for module in (
        main,
        auth,
        cities,
        sectors,
        needs,
        companies,
        glossary,
        missions,
        outcomes,
        admin,
    ):
        app.register_blueprint(module.blueprint)


def register_error_handlers(app: Flask) -> None:
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

    @app.errorhandler(500)
    def server_error(_error):
        db.session.rollback()
        return render_error(
            500, _l("Something went wrong"), _l("Nothing was saved. Please try again.")
        )


def register_template_helpers(app: Flask) -> None:
    from ypmatch import labels

    app.add_template_filter(labels.country, "country")

    @app.context_processor
    def inject_helpers() -> dict:
        return {"locale": str(get_locale()), "labels": labels}

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


def register_cli(app: Flask) -> None:
    from ypmatch.cli import register_commands

    register_commands(app)
