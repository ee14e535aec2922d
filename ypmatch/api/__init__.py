"""The JSON API: ``/api/v1`` (bearer tokens, problem+json errors) and its documentation,
``/api/v1/openapi.json`` and the browsable page at ``/api/docs``."""

from flask import Blueprint, current_app, send_from_directory

from ypmatch.api import catalogue, companies, missions, needs  # noqa: F401  (registers routes)
from ypmatch.api.base import v1
from ypmatch.api.openapi import build_openapi
from ypmatch.extensions import csrf

blueprint = Blueprint("api", __name__, url_prefix="/api")


@v1.get("/openapi.json")
def openapi_document():
    return build_openapi()


@blueprint.get("/docs")
def docs():
    # A static page: its script fetches the description above and renders it.
    return send_from_directory(current_app.static_folder, "api-docs/index.html")


# Only bearer tokens authenticate API calls, so there is nothing for CSRF to protect.
csrf.exempt(v1)
blueprint.register_blueprint(v1)
