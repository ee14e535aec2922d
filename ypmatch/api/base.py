"""The ``/api/v1`` blueprint (flask-smorest): bearer-token authentication, request bodies
and query strings read by the resources' marshmallow schemas, errors as problem details.

Only ``Authorization: Bearer <token>`` authenticates: the session cookie is never read
here, so a browser that is signed in cannot be made to call the API (no CSRF exposure).
"""

import json
from collections.abc import Callable, Iterable
from copy import deepcopy
from functools import wraps

import flask_smorest
import marshmallow as ma
from flask import g, request
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException

from ypmatch.api.fields import MAX_ID, QueryNumber
from ypmatch.api.problems import ApiError, from_api_error, from_http_exception
from ypmatch.extensions import db
from ypmatch.models import User
from ypmatch.services.rules import InvalidFields
from ypmatch.services.tokens import authenticate_token

API_PREFIX = "/api/v1"
ERROR_STATUSES = (400, 401, 403, 404, 405, 409, 413, 415, 422, 500)
MAX_PER_PAGE = 100
INVALID = "Some fields are missing or invalid; nothing was saved."


def _flatten(messages, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as ``{field: [message, …]}`` (list entries counted
    from 1: ``sector_ids`` entry 2 → "entry 2: …")."""
    if isinstance(messages, list | tuple):
        return {prefix or "_body": [str(message) for message in messages]}
    flat: dict[str, list[str]] = {}
    for key, value in messages.items():
        if isinstance(key, int):
            for name, items in _flatten(value, prefix).items():
                flat.setdefault(name, []).extend(f"entry {key + 1}: {item}" for item in items)
            continue
        name = "_body" if key == "_schema" else key
        for field, items in _flatten(value, f"{prefix}.{name}" if prefix else name).items():
            flat.setdefault(field, []).extend(items)
    return flat


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not allowed in JSON")


class ApiParser(FlaskParser):
    """Strict JSON (a JSON media type, no NaN, a depth Python can read) and problem details
    for whatever does not fit the schema."""

    def _raw_load_json(self, req):
        if req.mimetype != "application/json":
            raise ApiError(
                415, "Send the body as JSON with the header 'Content-Type: application/json'."
            )
        try:
            return json.loads(
                req.get_data(cache=True).decode("utf-8"), parse_constant=_refuse_constant
            )
        except (UnicodeDecodeError, ValueError) as error:
            raise ApiError(400, f"The body is not valid JSON: {error}.") from None
        except RecursionError:
            raise ApiError(400, "The body is nested too deeply to be read.") from None

    def load_querystring(self, req, schema):
        repeated = {
            name: ["give this parameter once"]
            for name, values in req.args.lists()
            if len(values) > 1 and name in schema.fields
        }
        if repeated:
            raise ApiError(400, "Some query parameters are invalid.", repeated)
        return super().load_querystring(req, schema)

    def handle_error(self, error, req, schema, *, error_status_code, error_headers):
        status = error_status_code or self.DEFAULT_VALIDATION_STATUS
        messages = error.messages
        if isinstance(messages, dict) and len(messages) == 1:
            messages = next(iter(messages.values()))  # drop the location ("json", "query")
        if status == 400:
            raise ApiError(400, "Some query parameters are invalid.", _flatten(messages))
        raise ApiError(status, INVALID, _flatten(messages))


class ApiBlueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = ApiParser()


v1 = ApiBlueprint("v1", __name__, url_prefix="/v1")


# -- what operations declare ------------------------------------------------------------------

# "optional": a token widens what is seen; "required": no answer without one.
SECURITY = {"optional": [{}, {"bearerAuth": []}], "required": [{"bearerAuth": []}]}


def operation(tag: str, auth: str = "optional", errors: Iterable[int] = ()) -> Callable:
    """The operation's tag, whether it needs a token, and the errors it may answer besides
    those its shape implies (see :mod:`ypmatch.api.description`). Summary and description
    come from the view's docstring."""
    responses = {str(status): {"description": "An error."} for status in errors}

    def decorator(view: Callable) -> Callable:
        return v1.doc(
            operationId=view.__name__, tags=[tag], security=SECURITY[auth], responses=responses
        )(view)

    return decorator


def query(schema) -> Callable:
    """Query parameters checked by ``schema``; a bad one answers 400 naming it."""
    return v1.arguments(schema, location="query", error_status_code=400, as_kwargs=False)


class RequestBody:
    """The JSON body, read by ``schema`` when the view asks: who may call is settled first,
    so a caller who may not is told so (401, 403, 404) whatever they sent."""

    def __init__(self, schema: type[ma.Schema]):
        self.schema = schema

    def load(self) -> dict:
        return v1.ARGUMENTS_PARSER.parse(
            self.schema(), request, location="json", error_status_code=422
        )


def body(schema: type[ma.Schema]) -> Callable:
    """The operation takes a JSON body described by ``schema``; the view gets a
    :class:`RequestBody` to load once it has checked the caller."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            return view(*args, RequestBody(schema), **kwargs)

        # Documented as flask-smorest documents its own ``arguments``.
        wrapper._apidoc = deepcopy(getattr(wrapper, "_apidoc", {}))
        arguments = wrapper._apidoc.setdefault("arguments", {})
        arguments.setdefault("parameters", []).append(
            {"in": "json", "required": True, "schema": schema}
        )
        return wrapper

    return decorator


class PageArgs(ma.Schema):
    page = QueryNumber(1, 100_000, load_default=1, metadata={"description": "Page number."})
    per_page = QueryNumber(
        1,
        MAX_PER_PAGE,
        load_default=20,
        metadata={"description": f"Items per page (at most {MAX_PER_PAGE})."},
    )


_PAGE_SCHEMAS: dict[type, type] = {}


def page_of(item_schema: type[ma.Schema]) -> type[ma.Schema]:
    """The envelope of a list: ``{items, page, per_page, total}``."""
    if item_schema not in _PAGE_SCHEMAS:
        name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
        _PAGE_SCHEMAS[item_schema] = ma.Schema.from_dict(
            {
                "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
                "page": ma.fields.Integer(required=True),
                "per_page": ma.fields.Integer(required=True),
                "total": ma.fields.Integer(required=True),
            },
            name=name,
        )
    return _PAGE_SCHEMAS[item_schema]


def paginate(query, args: dict, present: Callable = lambda record: record) -> dict:
    page = db.paginate(query, page=args["page"], per_page=args["per_page"], error_out=False)
    return {
        "items": [present(item) for item in page.items],
        "page": args["page"],
        "per_page": args["per_page"],
        "total": page.total or 0,
    }


def picked(data: dict, names: Iterable[str]) -> dict:
    return {name: data[name] for name in names if name in data}


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


def not_found(label: str, record_id: int) -> ApiError:
    return ApiError(404, f"There is no {label} {record_id}, or your account may not see it.")


def get_or_404(model, record_id: int, label: str):
    record = db.session.get(model, record_id) if 0 < record_id <= MAX_ID else None
    if record is None:
        raise not_found(label, record_id)
    return record


def api_locale() -> str:
    return request.accept_languages.best_match(["en", "ja"]) or "en"


def created(record, location: str):
    return record, 201, {"Location": location}


def conflict(record, expected: int, label: str) -> ApiError:
    return ApiError(
        409,
        f"This {label} changed since you read it (you sent version {expected}, it is now at "
        f"version {record.version}). Read it again, reapply your change and send the new "
        "version.",
        current_version=record.version,
    )


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
    return from_api_error(ApiError(422, INVALID, error.errors))


def _http_error(error: HTTPException):
    db.session.rollback()
    return from_http_exception(error)


for _status in ERROR_STATUSES:
    v1.register_error_handler(_status, _http_error)


@v1.after_request
def no_caching(response):
    response.headers.setdefault("Cache-Control", "no-store")
    return response
