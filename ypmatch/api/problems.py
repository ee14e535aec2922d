"""Errors as RFC 9457 problem details (``application/problem+json``)."""

from flask import Response, json
from werkzeug.exceptions import HTTPException

PROBLEM_TYPE = "application/problem+json"

TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Invalid data",
    500: "Server error",
}
DETAILS = {
    400: "The request could not be understood.",
    401: "Send a valid personal API token as 'Authorization: Bearer <token>'.",
    403: "Your account may not do this.",
    404: "There is nothing at this address, or your account may not see it.",
    405: "This address does not accept that method.",
    413: "What you sent is larger than allowed.",
    415: "Send the body as JSON with 'Content-Type: application/json'.",
    500: "Something went wrong on our side; nothing was saved. Please try again.",
}


class ApiError(Exception):
    """Raised by API views; becomes a problem response."""

    def __init__(
        self,
        status: int,
        detail: str | None = None,
        errors: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
        **extra,
    ):
        super().__init__(detail or DETAILS.get(status, ""))
        self.status = status
        self.detail = detail or DETAILS.get(status, "")
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra


def problem(
    status: int,
    detail: str | None = None,
    errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
    **extra,
) -> Response:
    body = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail or DETAILS.get(status, ""),
    }
    if errors:
        body["errors"] = errors
    body.update(extra)
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_TYPE)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="ypmatch"'
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def from_api_error(error: ApiError) -> Response:
    return problem(error.status, error.detail, error.errors, error.headers, **error.extra)


def from_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    headers = {}
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(sorted(error.valid_methods))
    return problem(status, DETAILS.get(status), headers=headers)
