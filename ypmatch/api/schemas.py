"""JSON Schemas of the API: request bodies (checked by :mod:`ypmatch.api.validation`) and
the resources it returns. :mod:`ypmatch.api.openapi` publishes them as they are here."""

from ypmatch import labels
from ypmatch.models import (
    FUNDING_SOURCES,
    ApprovalStatus,
    CompanySize,
    MissionStatus,
    NeedStatus,
    OutcomeKind,
    ParticipantState,
    Region,
    Relationship,
    Visibility,
)
from ypmatch.models.companies import YOKOHAMA_WARDS
from ypmatch.text_rules import json_schema_character_class

MAX_ID = 2_147_483_647
# The web forms refuse control characters other than tab and line breaks; so does the API.
_CONTROL = "\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f"
NO_CONTROL_CHARACTERS = f"^[^{_CONTROL}]*$"
NOT_BLANK = "\\S"
SAYS_SOMETHING = f"^[^{_CONTROL}]*[^\\s{_CONTROL}][^{_CONTROL}]*$"
WEBSITE = (
    "^https?://[^\\s/?#\\u0000-\\u001f]+\\.[^\\s/?#\\u0000-\\u001f]+([/?#][^\\s\\u0000-\\u001f]*)?$"
)


def text(max_length: int, description: str = "") -> dict:
    schema = {
        "type": "string",
        "maxLength": max_length,
        "pattern": NO_CONTROL_CHARACTERS,
        "x-pattern-message": "must not contain control characters",
    }
    if description:
        schema["description"] = description
    return schema


_NOT_IN_ONE_LINE = _CONTROL + json_schema_character_class()


def line(max_length: int, description: str = "", required: bool = False) -> dict:
    """A one-line string: a name, a title (no line breaks or direction controls)."""
    schema = {
        "type": "string",
        "maxLength": max_length,
        "pattern": (
            f"^[^{_NOT_IN_ONE_LINE}]*[^\\s{_NOT_IN_ONE_LINE}][^{_NOT_IN_ONE_LINE}]*$"
            if required
            else f"^[^{_NOT_IN_ONE_LINE}]*$"
        ),
        "x-pattern-message": (
            "must not be blank, and must be one line without control characters"
            if required
            else "must be one line without control characters"
        ),
    }
    if required:
        schema["minLength"] = 1
    if description:
        schema["description"] = description
    return schema


def required_text(max_length: int, description: str = "") -> dict:
    """Text that must say something (and has no control characters)."""
    schema = {
        "type": "string",
        "minLength": 1,
        "maxLength": max_length,
        "pattern": SAYS_SOMETHING,
        "x-pattern-message": "must not be blank or contain control characters",
    }
    if description:
        schema["description"] = description
    return schema


def identifier(description: str = "") -> dict:
    schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    if description:
        schema["description"] = description
    return schema


def nullable(schema: dict) -> dict:
    kind = schema.get("type")
    result = dict(schema)
    if "enum" in schema:
        result["enum"] = [*schema["enum"], None]
    result["type"] = [kind, "null"] if isinstance(kind, str) else [*kind, "null"]
    return result


def enum(values, description: str = "") -> dict:
    schema = {"type": "string", "enum": [str(value) for value in values]}
    if description:
        schema["description"] = description
    return schema


def id_list(description: str) -> dict:
    return {
        "type": "array",
        "items": identifier(),
        "uniqueItems": True,
        "maxItems": 100,
        "description": description,
    }


def date_field(description: str = "") -> dict:
    schema = {"type": "string", "format": "date"}
    if description:
        schema["description"] = description
    return schema


def one_of_present(first: str, second: str) -> dict:
    """At least one of two text fields must say something (the web forms' rule)."""
    return {
        "anyOf": [
            {"required": [first], "properties": {first: {"pattern": NOT_BLANK}}},
            {"required": [second], "properties": {second: {"pattern": NOT_BLANK}}},
        ]
    }


def body(properties: dict, required: list[str] = (), all_of: list[dict] = ()) -> dict:
    schema = {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
    }
    if all_of:
        schema["allOf"] = list(all_of)
    return schema


VERSION = {
    "type": "integer",
    "minimum": 1,
    "maximum": MAX_ID,
    "description": "The version you last read; if the record changed since, the answer is 409.",
}

# -- request bodies ----------------------------------------------------------------------

NEED_FIELDS = {
    "city_id": identifier("The partner city. A city focal point gives its own city."),
    "title_en": line(200, "Title in English."),
    "title_ja": line(200, "Title in Japanese."),
    "description_en": text(10000),
    "description_ja": text(10000),
    "sector_ids": id_list("Sectors, by id (see /sectors)."),
    "status": enum(NeedStatus, "Curators only."),
    "visibility": enum(Visibility, "Curators only."),
    "funding": {
        "type": "array",
        "items": enum(FUNDING_SOURCES),
        "uniqueItems": True,
        "description": "Funding hints.",
    },
    "timeline": line(120, "For example '2027–2029'."),
}
NEED_CREATE = body(
    NEED_FIELDS,
    required=["city_id"],
    all_of=[
        one_of_present("title_en", "title_ja"),
        one_of_present("description_en", "description_ja"),
    ],
)
NEED_UPDATE = body({**NEED_FIELDS, "version": VERSION}, required=["version"])

COMPANY_UPDATE = body(
    {
        "name_ja": line(200),
        "name_en": line(200),
        "ward": enum(["", *YOKOHAMA_WARDS], "Yokohama ward; empty for none."),
        "size": enum(CompanySize),
        "website": {
            "type": "string",
            "maxLength": 300,
            "anyOf": [{"const": ""}, {"pattern": WEBSITE}],
            "description": "Empty, or an address starting with http:// or https://.",
        },
        "overseas_countries": {
            "type": "array",
            "items": enum(labels.COUNTRIES),
            "uniqueItems": True,
            "description": "ISO country codes of overseas experience.",
        },
        "yport_member": {"type": "boolean"},
        "description_ja": text(5000),
        "description_en": text(5000),
        "version": VERSION,
    },
    required=["version"],
)

TECHNOLOGY_FIELDS = {
    "title_ja": line(200),
    "title_en": line(200),
    "description_ja": text(10000),
    "description_en": text(10000),
    "track_record": text(5000),
    "sector_ids": id_list("Sectors, by id (see /sectors)."),
}
TECHNOLOGY_CREATE = body(
    TECHNOLOGY_FIELDS,
    all_of=[
        one_of_present("title_en", "title_ja"),
        one_of_present("description_en", "description_ja"),
    ],
)
TECHNOLOGY_UPDATE = body({**TECHNOLOGY_FIELDS, "version": VERSION}, required=["version"])

MISSION_CREATE = body(
    {
        "city_id": identifier("The partner city visited."),
        "title": line(200, required=True),
        "start_date": nullable(date_field("First day.")),
        "end_date": nullable(date_field("Last day; not before the first.")),
        "slots": {"type": "integer", "minimum": 1, "maximum": 50, "default": 8},
        "per_need_cap": nullable({"type": "integer", "minimum": 1, "maximum": 20}),
        "need_ids": id_list("Needs in scope; all of the mission's city."),
        "notes": text(5000),
    },
    required=["city_id", "title"],
)

_OUTCOME_PROPERTIES = {
    "company_id": identifier("An approved company."),
    "need_id": identifier(),
    "mission_id": nullable(identifier()),
    "kind": enum(OutcomeKind),
    "occurred_on": date_field(),
    "funding_source": enum(["", *labels.FUNDING]),
    "amount_jpy": nullable(
        {
            "type": "integer",
            "minimum": 0,
            "maximum": 10**15,
            "description": "Contract amount; only for contract_won.",
        }
    ),
    "reason": text(2000, "Required when the pair was dropped."),
    "notes": text(5000),
}
OUTCOME_CREATE = body(
    _OUTCOME_PROPERTIES,
    required=["company_id", "need_id", "kind", "occurred_on"],
    all_of=[
        {
            "anyOf": [
                {
                    "properties": {
                        "kind": {"const": OutcomeKind.CONTRACT_WON.value},
                    }
                },
                {
                    "properties": {
                        "kind": {"not": {"const": OutcomeKind.CONTRACT_WON.value}},
                        "amount_jpy": {"type": "null"},
                    }
                },
            ]
        },
        {
            "anyOf": [
                {"properties": {"kind": {"not": {"const": OutcomeKind.DROPPED.value}}}},
                {"required": ["reason"], "properties": {"reason": {"pattern": NOT_BLANK}}},
            ]
        },
    ],
)

# -- resources returned ------------------------------------------------------------------

TIMESTAMP = {"type": "string", "format": "date-time"}
NAMED_REF = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name_en": {"type": "string"},
        "name_ja": {"type": "string"},
    },
    "required": ["id", "name_en", "name_ja"],
}


def resource(properties: dict) -> dict:
    return {"type": "object", "properties": properties, "required": list(properties)}


SECTOR = resource(
    {
        "id": {"type": "integer"},
        "slug": {"type": "string"},
        "name_en": {"type": "string"},
        "name_ja": {"type": "string"},
    }
)
CITY = resource(
    {
        "id": {"type": "integer"},
        "slug": {"type": "string"},
        "name_en": {"type": "string"},
        "name_ja": {"type": "string"},
        "country_code": {"type": "string"},
        "region": enum(Region),
        "relationship": enum(Relationship),
        "relationship_date": nullable(date_field()),
        "population": {"type": ["integer", "null"]},
        "latitude": {"type": ["number", "null"]},
        "longitude": {"type": ["number", "null"]},
        "notes": {"type": "string"},
        "archived": {"type": "boolean"},
        "version": {"type": "integer"},
    }
)
NEED = resource(
    {
        "id": {"type": "integer"},
        "ref": {"type": ["string", "null"]},
        "city": NAMED_REF,
        "title_en": {"type": "string"},
        "title_ja": {"type": "string"},
        "description_en": {"type": "string"},
        "description_ja": {"type": "string"},
        "status": enum(NeedStatus),
        "visibility": enum(Visibility),
        "sectors": {"type": "array", "items": SECTOR},
        "funding": {"type": "array", "items": {"type": "string"}},
        "timeline": {"type": "string"},
        "expires_on": nullable(date_field()),
        "archived": {"type": "boolean"},
        "version": {"type": "integer"},
        "created_at": TIMESTAMP,
        "updated_at": TIMESTAMP,
    }
)
TECHNOLOGY = resource(
    {
        "id": {"type": "integer"},
        "ref": {"type": ["string", "null"]},
        "company_id": {"type": "integer"},
        "title_ja": {"type": "string"},
        "title_en": {"type": "string"},
        "description_ja": {"type": "string"},
        "description_en": {"type": "string"},
        "track_record": {"type": "string"},
        "sectors": {"type": "array", "items": SECTOR},
        "archived": {"type": "boolean"},
        "version": {"type": "integer"},
        "updated_at": TIMESTAMP,
    }
)
TECHNOLOGY_REF = resource(
    {
        "id": {"type": "integer"},
        "title_en": {"type": "string"},
        "title_ja": {"type": "string"},
    }
)
COMPANY = resource(
    {
        "id": {"type": "integer"},
        "ref": {"type": ["string", "null"]},
        "name_ja": {"type": "string"},
        "name_en": {"type": "string"},
        "ward": {"type": "string"},
        "size": enum(CompanySize),
        "website": {"type": "string"},
        "overseas_countries": {"type": "array", "items": {"type": "string"}},
        "yport_member": {"type": "boolean"},
        "description_ja": {"type": "string"},
        "description_en": {"type": "string"},
        "approval_status": enum(ApprovalStatus),
        "technologies": {"type": "array", "items": TECHNOLOGY_REF},
        "archived": {"type": "boolean"},
        "version": {"type": "integer"},
        "updated_at": TIMESTAMP,
    }
)
REASON = resource(
    {
        "label": {"type": "string"},
        "kind": {
            "type": "string",
            "description": "concept (a glossary concept), sector (a shared sector), passage "
            "(the need's sentence closest in meaning to the technology's, in detail) or boost.",
        },
        "share": {"type": "number", "minimum": 0},
        "detail": {"type": "string"},
    }
)
NEED_REF = resource(
    {
        "id": {"type": "integer"},
        "title_en": {"type": "string"},
        "title_ja": {"type": "string"},
        "city_id": {"type": "integer"},
        "status": enum(NeedStatus),
    }
)
COMPANY_MATCH = resource(
    {
        "company": NAMED_REF,
        "score": {"type": "number"},
        "technology": TECHNOLOGY_REF,
        "band": {"type": "string", "enum": ["strong", "possible", "weak"]},
        "reasons": {"type": "array", "items": REASON},
        "decision": {"type": ["string", "null"], "enum": ["confirmed", "dismissed", None]},
    }
)
NEED_MATCH = resource(
    {
        "need": NEED_REF,
        "score": {"type": "number"},
        "technology": TECHNOLOGY_REF,
        "band": {"type": "string", "enum": ["strong", "possible", "weak"]},
        "reasons": {"type": "array", "items": REASON},
    }
)
COVERAGE = {
    "type": "object",
    "properties": {
        "need_id": {"type": "integer"},
        "score": {"type": "number"},
        "technology_id": {"type": ["integer", "null"]},
    },
    "required": ["need_id", "score", "technology_id"],
}
PARTICIPANT = resource(
    {
        "company": NAMED_REF,
        "state": enum(ParticipantState),
        "position": {"type": "integer"},
        "pinned": {"type": "boolean"},
        "added_by_hand": {"type": "boolean"},
        "covers": {"type": "array", "items": COVERAGE},
    }
)
MISSION = resource(
    {
        "id": {"type": "integer"},
        "city": NAMED_REF,
        "title": {"type": "string"},
        "start_date": nullable(date_field()),
        "end_date": nullable(date_field()),
        "slots": {"type": "integer"},
        "per_need_cap": {"type": ["integer", "null"]},
        "status": enum(MissionStatus),
        "notes": {"type": "string"},
        "needs": {"type": "array", "items": NEED_REF},
        "shortlisted_at": nullable(TIMESTAMP),
        "shortlist": {
            "type": ["array", "null"],
            "items": PARTICIPANT,
            "description": "Curators and the city's focal point only; null for others.",
        },
        "version": {"type": "integer"},
    }
)
OUTCOME = resource(
    {
        "id": {"type": "integer"},
        "company_id": {"type": "integer"},
        "need_id": {"type": "integer"},
        "mission_id": {"type": ["integer", "null"]},
        "kind": enum(OutcomeKind),
        "occurred_on": date_field(),
        "funding_source": {"type": "string"},
        "amount_jpy": {"type": ["integer", "null"]},
        "reason": {"type": "string"},
        "notes": {"type": "string"},
        "version": {"type": "integer"},
    }
)
CONCEPT = resource(
    {
        "id": {"type": "integer"},
        "key": {"type": "string"},
        "label_en": {"type": "string"},
        "label_ja": {"type": "string"},
        "forms_en": {"type": "array", "items": {"type": "string"}},
        "forms_ja": {"type": "array", "items": {"type": "string"}},
        "sectors": {"type": "array", "items": SECTOR},
    }
)
ME = resource(
    {
        "id": {"type": "integer"},
        "email": {"type": "string"},
        "name": {"type": "string"},
        "role": {"type": "string", "enum": ["admin", "curator", "company", "city"]},
        "company_id": {"type": ["integer", "null"]},
        "city_id": {"type": ["integer", "null"]},
    }
)
PROBLEM = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "Per field or parameter: what is wrong with it.",
        },
    },
    "required": ["type", "title", "status", "detail"],
}
