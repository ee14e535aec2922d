"""Reading requests: JSON bodies and query strings checked against the same JSON Schemas
the OpenAPI description publishes, so the description and the checks cannot drift apart.

Only the schema keywords the API's own schemas use are understood.
"""

import json
import re
from datetime import date
from typing import Any

from flask import request

from ypmatch.api.problems import ApiError

# Ids are 32-bit in PostgreSQL; larger numbers can name no record.
MAX_ID = 2_147_483_647
_PATTERNS: dict[str, re.Pattern] = {}


def _compiled(pattern: str) -> re.Pattern:
    if pattern not in _PATTERNS:
        # JSON Schema patterns are ECMA regexes, where "$" never matches before a final
        # line break as Python's does.
        python_pattern = pattern[:-1] + r"\Z" if pattern.endswith("$") else pattern
        _PATTERNS[pattern] = re.compile(python_pattern)
    return _PATTERNS[pattern]


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "boolean": "true or false",
    "array": "a list",
    "object": "an object",
    "null": "null",
    "number": "a number",
}


def check_value(schema: dict, value: Any) -> list[str]:
    """What is wrong with ``value`` under ``schema`` (empty when nothing is)."""
    allowed = schema.get("type")
    if allowed is not None:
        types = allowed if isinstance(allowed, list) else [allowed]
        actual = _type_name(value)
        if actual == "number" and "integer" in types and float(value).is_integer():
            actual = "integer"  # JSON Schema counts 3.0 as an integer
        if actual not in types and not (actual == "integer" and "number" in types):
            expected = " or ".join(TYPE_WORDS.get(t, t) for t in types)
            return [f"must be {expected}"]
    if value is None:
        return []
    if "enum" in schema and value not in schema["enum"]:
        return ["must be one of: " + ", ".join(str(option) for option in schema["enum"] if option)]
    if isinstance(value, str):
        return _check_string(schema, value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            return [f"must be at least {schema['minimum']}"]
        if "maximum" in schema and value > schema["maximum"]:
            return [f"must be at most {schema['maximum']}"]
    if isinstance(value, list):
        return _check_array(schema, value)
    return []


def _check_string(schema: dict, value: str) -> list[str]:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return ["contains characters that are not valid Unicode text"]
    if "minLength" in schema and len(value) < schema["minLength"]:
        return ["must not be empty"] if schema["minLength"] == 1 else ["is too short"]
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        return [f"can have at most {schema['maxLength']} characters"]
    if "pattern" in schema and not _compiled(schema["pattern"]).search(value):
        return [schema.get("x-pattern-message", "has the wrong form")]
    if schema.get("format") == "date":
        try:
            date.fromisoformat(value)
        except ValueError:
            return ["must be a date written YYYY-MM-DD"]
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            return ["must be a date written YYYY-MM-DD"]
    return []


def _check_array(schema: dict, value: list) -> list[str]:
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        return [f"can have at most {schema['maxItems']} entries"]
    if schema.get("uniqueItems") and len({json.dumps(item) for item in value}) != len(value):
        return ["must not list the same entry twice"]
    item_schema = schema.get("items")
    if item_schema:
        for position, item in enumerate(value):
            problems = check_value(item_schema, item)
            if problems:
                return [f"entry {position + 1} {problems[0]}"]
    return []


def check_object(schema: dict, data: dict) -> dict[str, list[str]]:
    """Field errors of ``data`` against an object schema (properties, required,
    additionalProperties: false)."""
    errors: dict[str, list[str]] = {}
    properties = schema.get("properties", {})
    for name in schema.get("required", []):
        if name not in data:
            errors[name] = ["is required"]
    for name, value in data.items():
        if name not in properties:
            if schema.get("additionalProperties") is False:
                known = ", ".join(sorted(properties))
                errors[name] = [f"is not a field of this resource; the fields are: {known}"]
            continue
        problems = check_value(properties[name], value)
        if problems:
            errors[name] = problems
    return errors


def json_body(schema: dict) -> dict:
    """The request's JSON object, checked against ``schema``; 415/400/422 otherwise."""
    if not request.mimetype or request.mimetype != "application/json":
        raise ApiError(
            415,
            "Send the body as JSON with the header 'Content-Type: application/json'.",
        )
    raw = request.get_data(cache=True)
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError) as error:
        raise ApiError(400, f"The body is not valid JSON: {error}.") from None
    except RecursionError:
        raise ApiError(400, "The body is nested too deeply to be read.") from None
    if not isinstance(data, dict):
        raise ApiError(
            422,
            "The body must be a JSON object with the fields listed in the API description.",
        )
    errors = check_object(schema, data)
    if errors:
        raise ApiError(422, "Some fields are missing or invalid; nothing was saved.", errors)
    return {name: _integers(schema["properties"][name], value) for name, value in data.items()}


def _integers(schema: dict, value: Any) -> Any:
    """Whole numbers sent as 3.0 become 3 where the schema asks for integers."""
    if isinstance(value, float) and "integer" in str(schema.get("type")):
        return int(value)
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [_integers(schema["items"], item) for item in value]
    return value


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not allowed in JSON")


def query_args(parameters: list[dict]) -> dict[str, Any]:
    """Query parameters converted to their declared types; 400 names every bad one."""
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for parameter in parameters:
        if parameter.get("in") != "query":
            continue
        name, schema = parameter["name"], parameter["schema"]
        given = request.args.getlist(name)
        if not given:
            values[name] = schema.get("default")
            continue
        if len(given) > 1:
            errors[name] = ["give this parameter once"]
            continue
        value, problem = _convert(schema, given[0])
        if problem:
            errors[name] = [problem]
            continue
        problems = check_value(schema, value)
        if problems:
            errors[name] = problems
        else:
            values[name] = value
    if errors:
        raise ApiError(400, "Some query parameters are invalid.", errors)
    return values


def _convert(schema: dict, text: str) -> tuple[Any, str | None]:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next(k for k in kind if k != "null")
    if kind == "integer":
        if not re.fullmatch(r"-?[0-9]+", text):
            return None, "must be a whole number"
        if len(text) > 30:
            return None, "is out of range"
        return int(text), None
    if kind == "boolean":
        if text in ("true", "1"):
            return True, None
        if text in ("false", "0"):
            return False, None
        return None, "must be true or false"
    return text, None


def strip_strings(data: dict) -> dict:
    """Surrounding whitespace is dropped, as the web forms do."""
    return {key: value.strip() if isinstance(value, str) else value for key, value in data.items()}
