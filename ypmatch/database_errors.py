"""When the database is unreachable: a clear 503, nothing half-written, and recovery.

A request that hits a lost or locked database is rolled back (views commit once, at the
end, so nothing of it was written) and answered with 503 and ``Retry-After``: an HTML page,
or problem+json under ``/api/``. Nothing is kept from the failure: the next request asks the
pool for a connection again, ``pool_pre_ping`` replaces connections that died, and pages
work again as soon as the database is back.
"""

from flask import Flask, current_app, g, json, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import exc
from sqlalchemy.orm.exc import StaleDataError

from ypmatch.extensions import db, login_manager

RETRY_AFTER_SECONDS = 30
UNAVAILABLE_TITLE = _l("Temporarily unavailable")
UNAVAILABLE_MESSAGE = _l(
    "The database cannot be reached right now, so nothing was read or saved. "
    "Please try again in a minute."
)


# Lost, refused, locked or exhausted connections (psycopg and sqlite3 raise these as
# OperationalError or InterfaceError; the pool's own wait raises TimeoutError). Integrity
# errors and the like stay with the 500 handler: they are mistakes, not outages.
UNAVAILABLE_ERRORS = (exc.OperationalError, exc.InterfaceError, exc.TimeoutError)


def _problem_response():
    body = {
        "type": "about:blank",
        "title": "Service unavailable",
        "status": 503,
        "detail": "The database cannot be reached right now; nothing was read or saved. "
        "Retry after a short wait.",
    }
    return _unavailable(json.dumps(body), "application/problem+json")


def _unavailable(body: str, mimetype: str):
    response = current_app.response_class(body, status=503, mimetype=mimetype)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def _html_response():
    # The signed-in user can't be loaded (or refreshed after the rollback) without the
    # database, so the page is drawn as for a visitor.
    g._login_user = login_manager.anonymous_user()
    try:
        body = render_template(
            "errors/error.html", status=503, title=UNAVAILABLE_TITLE, message=UNAVAILABLE_MESSAGE
        )
    except exc.SQLAlchemyError:  # something in the page still needed the database
        body = (
            "<!doctype html><title>503</title><h1>Temporarily unavailable</h1>"
            "<p>The database cannot be reached right now. Please try again in a minute.</p>"
        )
    return _unavailable(body, "text/html")


def database_unavailable(error: exc.SQLAlchemyError):
    current_app.logger.error("database unavailable: %s", error)
    try:
        db.session.rollback()
    except exc.SQLAlchemyError:
        db.session.close()
    if request.path == "/api" or request.path.startswith("/api/"):
        return _problem_response()
    return _html_response()


SAVED_AT_ONCE_TITLE = _l("Saved by someone else at the same moment")
SAVED_AT_ONCE_MESSAGE = _l(
    "Someone else saved this record at the very moment you did, so your changes were not "
    "saved. Go back, reload the page to see their change, and save again."
)


def saved_at_once(_error: StaleDataError):
    """Two saves of one record raced past the version check; the second one lost."""
    db.session.rollback()
    if request.path == "/api" or request.path.startswith("/api/"):
        body = {
            "type": "about:blank",
            "title": "Conflict",
            "status": 409,
            "detail": "The record was changed by someone else at the same moment; nothing was "
            "saved. Read it again and send your change with its new version.",
        }
        return current_app.response_class(
            json.dumps(body), status=409, mimetype="application/problem+json"
        )
    page = render_template(
        "errors/error.html", status=409, title=SAVED_AT_ONCE_TITLE, message=SAVED_AT_ONCE_MESSAGE
    )
    return page, 409


def register_database_error_handlers(app: Flask) -> None:
    for error_class in UNAVAILABLE_ERRORS:
        app.register_error_handler(error_class, database_unavailable)
    app.register_error_handler(StaleDataError, saved_at_once)
