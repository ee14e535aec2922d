"""The OpenAPI 3.1 description, built from the registered operations and their schemas."""

import re

from ypmatch.api import schemas
from ypmatch.api.base import OPERATIONS, Operation
from ypmatch.api.problems import PROBLEM_TYPE, TITLES

DESCRIPTION = """\
The ypmatch JSON API: partner cities, sectors, city needs, companies and their technologies,
matches with their reasons, joint survey missions and their shortlists, outcomes and the
glossary.

**Authentication.** Send a personal API token as `Authorization: Bearer <token>`. Create one
on your account page (Account → API tokens) or with `ypmatch users token EMAIL`. A token acts
with its account's role and ownership, exactly as the web pages do. Cookies never
authenticate API calls. Without a token you read what an anonymous visitor of the web site
sees (public needs, approved companies, cities, sectors).

**Errors** are `application/problem+json` objects (`type`, `title`, `status`, `detail`, and for
invalid input `errors`: the messages per field or parameter).

**Lists** answer `{items, page, per_page, total}`; ask for pages with `page` and `per_page`.

**Changes** (PATCH) carry the `version` you read; if someone saved in between, the answer is
409 and nothing is changed.
"""

TAGS = [
    ("account", "The account a token belongs to."),
    ("cities", "Partner cities (Y-PORT)."),
    ("sectors", "The bilingual sector taxonomy."),
    ("needs", "What partner cities need."),
    ("companies", "Yokohama companies."),
    ("technologies", "What companies offer."),
    ("matches", "Scored need↔company pairs, with the reasons behind each score."),
    ("missions", "Joint survey missions and their shortlists."),
    ("outcomes", "What came of a company↔need pair (the city's KPIs)."),
    ("glossary", "Bilingual concepts that let Japanese and English texts meet."),
    ("description", "This description."),
]
ERROR_DESCRIPTIONS = {
    400: "The query string or the JSON is malformed; `errors` names each bad parameter.",
    401: "No valid token where one is needed, or an invalid token was sent.",
    403: "The token's account may not do this.",
    404: "Nothing here, or not visible to the caller.",
    409: "The record changed since you read it, or its state does not allow this.",
    415: "The body is not sent as application/json.",
    422: "The JSON is well formed but some fields are invalid; `errors` says why, per field.",
}


def _problem_response(status: int) -> dict:
    response = {
        "description": ERROR_DESCRIPTIONS.get(status, TITLES.get(status, "Error")),
        "content": {PROBLEM_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if status == 401:
        response["headers"] = {
            "WWW-Authenticate": {
                "required": True,
                "schema": {"type": "string"},
                "description": "Bearer",
            }
        }
    return response


def _operation(operation: Operation) -> dict:
    path_names = re.findall(r"{(\w+)}", operation.path)
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": schemas.identifier(),
            "description": f"The {name.removesuffix('_id')}'s id.",
        }
        for name in path_names
    ]
    parameters.extend(operation.parameters)
    entry: dict = {
        "operationId": operation.endpoint,
        "summary": operation.summary,
        "tags": [operation.tag],
        "responses": {},
    }
    if operation.description:
        entry["description"] = operation.description
    if parameters:
        entry["parameters"] = parameters
    if operation.auth == "required":
        entry["security"] = [{"bearerAuth": []}]
    else:
        # A token is optional: it widens what the caller may see.
        entry["security"] = [{}, {"bearerAuth": []}]
    statuses = set(operation.errors) | {401}
    if operation.request_body is not None:
        entry["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": operation.request_body}},
        }
        statuses |= {400, 415, 422}
    if path_names:
        statuses.add(404)
    if operation.parameters:
        statuses.add(400)
    for status, (description, schema) in operation.responses.items():
        response: dict = {"description": description}
        if schema is not None:
            response["content"] = {"application/json": {"schema": schema}}
        if status == 201:
            response["headers"] = {
                "Location": {
                    "required": True,
                    "schema": {"type": "string"},
                    "description": "Where the new record can be read.",
                }
            }
        entry["responses"][str(status)] = response
    for status in sorted(statuses):
        entry["responses"][str(status)] = _problem_response(status)
    return entry


def build_openapi() -> dict:
    paths: dict[str, dict] = {}
    for operation in OPERATIONS:
        paths.setdefault(operation.path, {})[operation.method] = _operation(operation)
    paths["/openapi.json"] = {
        "get": {
            "operationId": "openapi_document",
            "summary": "This description (OpenAPI 3.1)",
            "tags": ["description"],
            "security": [{}, {"bearerAuth": []}],
            "responses": {
                "200": {
                    "description": "The OpenAPI description of this API.",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
                "401": _problem_response(401),
            },
        }
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ypmatch API",
            "version": "1.0.0",
            "description": DESCRIPTION,
        },
        "servers": [{"url": "/api/v1"}],
        "tags": [{"name": name, "description": text} for name, text in TAGS],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "ypm_…",
                    "description": "A personal API token from your account page.",
                }
            },
            "schemas": {"Problem": schemas.PROBLEM},
        },
    }
