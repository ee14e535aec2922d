"""The ``/api/v1`` blueprint: bearer-token authentication, problem responses, and the
operation registry the OpenAPI description is built from.

Only ``Authorization: Bearer <token>`` authenticates: the session cookie is never read
here, so a browser that is signed in cannot be made to call the API (no CSRF exposure).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, g, request
from werkzeug.exceptions import HTTPException

from ypmatch.api.problems import ApiError, from_api_error, from_http_exception
from ypmatch.api.validation import MAX_ID
from ypmatch.extensions import db
from ypmatch.models import User
from ypmatch.services.rules import InvalidFields
from ypmatch.services.tokens import authenticate_token

v1 = Blueprint("v1", __name__, url_prefix="/v1")
API_PREFIX = "/api/v1"
ERROR_STATUSES = (400, 401, 403, 404, 405, 409, 413, 415, 422, 500)
MAX_PER_PAGE = 100


@dataclass
class Operation:
    """One documented API operation; the route and its OpenAPI entry come from here."""

    method: str
    path: str
    endpoint: str
    summary: str
    tag: str
    description: str = ""
    # "public": anyone; "optional": a token widens what is seen; "required".
    auth: str = "optional"
    parameters: list[dict] = field(default_factory=list)
    request_body: dict | None = None
    responses: dict[int, tuple[str, dict | None]] = field(default_factory=dict)
    errors: tuple[int, ...] = ()


OPERATIONS: list[Operation] = []


def api_route(
    method: str,
    path: str,
    *,
    summary: str,
    tag: str,
    description: str = "",
    auth: str = "optional",
    parameters: list[dict] = (),
    request_body: dict | None = None,
    responses: dict[int, tuple[str, dict | None]],
    errors: tuple[int, ...] = (),
) -> Callable:
    """Register a view on ``/api/v1`` and document it. Path parameters are ids: ``{need_id}``."""

    def decorator(view: Callable) -> Callable:
        rule = path.replace("{", "<int:").replace("}", ">")
        v1.add_url_rule(rule, view.__name__, view, methods=[method])
        OPERATIONS.append(
            Operation(
                method=method.lower(),
                path=path,
                endpoint=view.__name__,
                summary=summary,
                tag=tag,
                description=description,
                auth=auth,
                parameters=list(parameters),
                request_body=request_body,
                responses=responses,
                errors=errors,
            )
        )
        return view

    return decorator


# -- parameters shared by several operations -----------------------------------------------


def query_parameter(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}  # fmt: skip


PAGE_PARAMETERS = [
    query_parameter(
        "page", {"type": "integer", "minimum": 1, "maximum": 100000, "default": 1}, "Page number."
    ),
    query_parameter(
        "per_page",
        {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 20},
        f"Items per page (at most {MAX_PER_PAGE}).",
    ),
]


def page_envelope(item_schema: dict) -> dict:
    return {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": item_schema},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "total": {"type": "integer"},
        },
        "required": ["items", "page", "per_page", "total"],
    }


def paginate(query, serialize: Callable[[Any], dict], args: dict) -> dict:
    page = db.paginate(query, page=args["page"], per_page=args["per_page"], error_out=False)
    return {
        "items": [serialize(item) for item in page.items],
        "page": args["page"],
        "per_page": args["per_page"],
        "total": page.total or 0,
    }


# -- who is calling --------------------------------------------------------------------------


def api_user() -> User | None:
    return g.get("api_user")


def require_user() -> User:
    user = api_user()
    if user is None:
        raise ApiError(
            401,
            "This needs an account: send your personal API token as "
            "'Authorization: Bearer <token>' (create one on your account page).",
        )
    return user


def require(allowed: bool, detail: str = "Your account may not do this.") -> None:
    if not allowed:
        raise ApiError(403, detail)


def require_staff(detail: str = "Only bureau curators may do this.") -> User:
    user = require_user()
    require(user.is_staff, detail)
    return user


def get_or_404(model, record_id: int, label: str):
    record = db.session.get(model, record_id) if 0 < record_id <= MAX_ID else None
    if record is None:
        raise ApiError(404, f"There is no {label} {record_id}, or your account may not see it.")
    return record


def not_found(label: str, record_id: int) -> ApiError:
    return ApiError(404, f"There is no {label} {record_id}, or your account may not see it.")


def api_locale() -> str:
    return request.accept_languages.best_match(["en", "ja"]) or "en"


# -- hooks -------------------------------------------------------------------------------------


@v1.before_request
def authenticate() -> None:
    g.api_user = None
    header = request.headers.get("Authorization")
    if header is None:
        return
    scheme, _, credentials = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise ApiError(
            401,
            "The Authorization header must be 'Bearer <token>' with a personal API token; "
            "the API accepts no other kind of sign-in.",
        )
    user = authenticate_token(credentials.strip())
    if user is None:
        raise ApiError(
            401,
            "This token is not valid: it is unknown, revoked, or its account is deactivated. "
            "Create a new token on your account page.",
        )
    if db.session.dirty:
        db.session.commit()  # the token's last use is kept whatever the request's outcome
    g.api_user = user


@v1.before_app_request
def routing_errors_as_problems():
    """Unknown addresses and methods under /api/v1 answer in problem+json, not HTML."""
    error = request.routing_exception
    if error is None or not isinstance(error, HTTPException) or (error.code or 0) < 400:
        return None
    if request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/"):
        return from_http_exception(error)
    return None


@v1.errorhandler(ApiError)
def api_error(error: ApiError):
    if error.status >= 400:
        db.session.rollback()
    return from_api_error(error)


@v1.errorhandler(InvalidFields)
def invalid_fields(error: InvalidFields):
    """A business rule of the service layer, broken: a 422 naming the fields."""
    db.session.rollback()
    return from_api_error(
        ApiError(422, "Some fields are missing or invalid; nothing was saved.", error.errors)
    )


def _http_error(error: HTTPException):
    db.session.rollback()
    return from_http_exception(error)


for _status in ERROR_STATUSES:
    v1.register_error_handler(_status, _http_error)


@v1.after_request
def no_caching(response):
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def created(payload: dict, location: str):
    return payload, 201, {"Location": location}


def conflict(record, expected: int, label: str):
    return ApiError(
        409,
        f"This {label} changed since you read it (you sent version {expected}, it is now at "
        f"version {record.version}). Read it again, reapply your change and send the new "
        "version.",
        current_version=record.version,
    )
