"""Marshmallow fields of the API: each checks on the server exactly what it declares in the
OpenAPI description (types are strict: "3" is not a number, 1 is not true), so a client
that follows the description is never refused for a reason it could not see."""

import re
from datetime import date, datetime

import marshmallow as ma
from marshmallow import fields, validate

from ypmatch.models.base import MAX_ID, utcnow
from ypmatch.text_rules import DIRECTION_CONTROLS, LINE_BREAKS

# Ids are 32-bit in PostgreSQL; larger numbers can name no record.
# What counts as space, for both JSON Schema (ECMA) and Python, spelled out: "\s" differs
# between the two, and a text of spaces only must be refused by both alike.
SPACES = (
    " \t\n\r\v\f\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
# The web forms refuse control characters other than tab and line breaks; so does the API.
CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f"


def _escaped(characters: str) -> str:
    """Characters for a JSON Schema (ECMA) character class, as \\uXXXX escapes."""
    return "".join(
        character if character == "-" else f"\\u{ord(character):04x}" for character in characters
    )


_SPACE_CLASS = _escaped(SPACES)
_CONTROL_CLASS = "\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f"
_NOT_IN_LINE = _CONTROL_CLASS + _escaped(LINE_BREAKS + DIRECTION_CONTROLS)
NOT_BLANK = f"[^{_SPACE_CLASS}]"


class Bounds(validate.Range):
    """A number's bounds, worded as the API words its messages."""

    def __call__(self, value):
        if self.min is not None and value < self.min:
            raise ma.ValidationError(f"must be at least {self.min}")
        if self.max is not None and value > self.max:
            raise ma.ValidationError(f"must be at most {self.max}")
        return value


class Size(validate.Length):
    """A text's length (characters) or a list's (entries)."""

    def __init__(self, min: int | None = None, max: int | None = None, unit: str = "characters"):  # noqa: A002
        super().__init__(min=min, max=max)
        self.unit = unit

    def __call__(self, value):
        if self.min is not None and len(value) < self.min:
            raise ma.ValidationError("must not be empty" if self.min == 1 else "is too short")
        if self.max is not None and len(value) > self.max:
            raise ma.ValidationError(f"can have at most {self.max} {self.unit}")
        return value


WORDING = {"required": "is required", "null": "must not be null"}


class Pattern(validate.Regexp):
    """A regular expression matched as JSON Schema does: ``$`` is the end of the text (in
    Python it also matches before a final line break)."""

    def __init__(self, pattern: str, error: str):
        super().__init__(pattern, error=error)
        python = pattern[:-1] + r"\Z" if pattern.endswith("$") else pattern
        self._python = re.compile(python)

    def __call__(self, value: str) -> str:
        if self._python.search(value) is None:
            raise ma.ValidationError(self._format_error(value))
        return value


class Text(fields.String):
    """Text without control characters; surrounding spaces are dropped, as the web forms
    do. ``one_line`` refuses line breaks and direction controls too (names, titles);
    ``says_something`` texts must not be blank."""

    default_error_messages = {**WORDING, "invalid": "must be text"}

    def __init__(
        self, max_length: int, *, one_line: bool = False, says_something: bool = False, **kwargs
    ):
        excluded = _NOT_IN_LINE if one_line else _CONTROL_CLASS
        if says_something:
            pattern = f"^[^{excluded}]*[^{_SPACE_CLASS}{excluded}][^{excluded}]*$"
            message = "must not be blank" + (", and must be one line" if one_line else "")
        else:
            pattern = f"^[^{excluded}]*$"
            message = "must be one line" if one_line else "must not contain control characters"
        message = f"{message} without control characters"
        validators = [
            Size(min=1 if says_something else None, max=max_length),
            Pattern(pattern, message),
        ]
        metadata = {**kwargs.pop("metadata", {}), "x-pattern-message": message}
        super().__init__(validate=validators, metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ma.ValidationError(
                "contains characters that are not valid Unicode text"
            ) from None
        return text

    def deserialize(self, value, attr=None, data=None, **kwargs):
        # Checked as sent (what the description states), then trimmed.
        text = super().deserialize(value, attr, data, **kwargs)
        return text.strip(SPACES) if isinstance(text, str) else text

    def _serialize(self, value, attr, obj, **kwargs):
        return "" if value is None else str(value)


class Plain(fields.String):
    """A text the API returns as it is stored ("" for none)."""

    default_error_messages = {**WORDING, "invalid": "must be text"}

    def _serialize(self, value, attr, obj, **kwargs):
        return "" if value is None else str(value)


class Choice(Plain):
    """One of fixed values (an enum in the description)."""

    def __init__(self, values, **kwargs):
        self.values = [str(value) for value in values]
        error = "must be one of: " + ", ".join(value for value in self.values if value)
        super().__init__(validate=validate.OneOf(self.values, error=error), **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None and self.allow_none:
            return None
        return super()._serialize(value, attr, obj, **kwargs)


class WholeNumber(fields.Integer):
    """A JSON integer: true, "3" and 3.5 are refused; 3.0 is 3, as in JSON Schema."""

    default_error_messages = {
        **WORDING,
        "invalid": "must be a whole number",
        "too_large": "is out of range",
    }

    def __init__(self, minimum: int | None = None, maximum: int | None = None, **kwargs):
        validators = [Bounds(min=minimum, max=maximum)]
        super().__init__(strict=True, validate=validators, **kwargs)

    def _validated(self, value):
        if isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return super()._validated(value)


def Identifier(**kwargs) -> WholeNumber:  # noqa: N802  (a field, named like one)
    return WholeNumber(1, MAX_ID, **kwargs)


class QueryNumber(WholeNumber):
    """A whole number in a query string: digits, perhaps after a minus sign."""

    def _validated(self, value):
        if isinstance(value, str):
            if not re.fullmatch(r"-?[0-9]{1,30}", value):
                raise self.make_error("invalid", input=value)
            return int(value)
        return super()._validated(value)


def QueryId(**kwargs) -> QueryNumber:  # noqa: N802  (a field, named like one)
    return QueryNumber(1, MAX_ID, **kwargs)


class Flag(fields.Boolean):
    """true or false in JSON; in a query string true/1 or false/0."""

    default_error_messages = {**WORDING, "invalid": "must be true or false"}

    truthy = {True, "true", "1"}
    falsy = {False, "false", "0"}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return super()._deserialize(value, attr, data, **kwargs)


class JsonFlag(Flag):
    """true or false, and nothing else (a JSON body)."""

    truthy = {True}
    falsy = {False}

    def _serialize(self, value, attr, obj, **kwargs):
        return bool(value)


class Day(fields.Date):
    """A date written YYYY-MM-DD."""

    default_error_messages = {**WORDING, "invalid": "must be a date written YYYY-MM-DD"}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            raise self.make_error("invalid")
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise self.make_error("invalid") from None


class Score(fields.Float):
    """A score or a share of one, to four decimals."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else round(float(value), 4)


class Timestamp(fields.DateTime):
    """A moment in UTC (SQLite gives naive values back: they are UTC)."""

    def _serialize(self, value: datetime | None, attr, obj, **kwargs):
        if value is None and self.allow_none:
            return None
        value = value or utcnow()
        if value.tzinfo is None:
            return value.isoformat() + "Z"
        return value.isoformat()


class Items(fields.List):
    """A list; none stored is an empty list."""

    default_error_messages = {**WORDING, "invalid": "must be a list"}

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize(value or [], attr, obj, **kwargs)


def unique(values: list) -> list:
    if len({repr(value) for value in values}) != len(values):
        raise ma.ValidationError("must not list the same entry twice")
    return values


def Distinct(item: fields.Field, max_items: int | None = None, **kwargs) -> fields.List:  # noqa: N802
    """A list without repeats (``uniqueItems`` in the description)."""
    validators = [unique]
    if max_items:
        validators.append(Size(max=max_items, unit="entries"))
    metadata = {**kwargs.pop("metadata", {}), "uniqueItems": True}
    return Items(item, validate=validators, metadata=metadata, **kwargs)
