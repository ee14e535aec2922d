"""The JSON API: ``/api/v1`` (bearer tokens, problem+json errors) and its documentation,
``/api/v1/openapi.json`` and the browsable page at ``/api/docs``."""

from flask import Blueprint, Flask, current_app, send_from_directory

from ypmatch.api import catalogue, companies, missions, needs  # noqa: F401  (registers routes)
from ypmatch.api.base import operation, v1
from ypmatch.api.description import build_api_description
from ypmatch.extensions import csrf

blueprint = Blueprint("api", __name__, url_prefix="/api")
DESCRIPTION_KEY = "ypmatch-api-description"


@v1.get("/openapi.json")
@operation("description")
@v1.response(200, description="The OpenAPI description of this API.")
def openapi_document():
    """This description (OpenAPI 3.1)"""
    return api_description(current_app)


@blueprint.get("/docs")
def docs():
    # A static page: its script fetches the description above and renders it.
    return send_from_directory(current_app.static_folder, "api-docs/index.html")


# Only bearer tokens authenticate API calls, so there is nothing for CSRF to protect.
csrf.exempt(v1)
blueprint.register_blueprint(v1)


def register(app: Flask) -> None:
    app.register_blueprint(blueprint)
    app.extensions[DESCRIPTION_KEY] = build_api_description(app)


def api_description(app: Flask) -> dict:
    """The OpenAPI document ``app`` serves at ``/api/v1/openapi.json``."""
    return app.extensions[DESCRIPTION_KEY].spec.to_dict()
