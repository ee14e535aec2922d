"""One marshmallow schema per resource: what a client sends (load) and what the API returns
(dump), and from both the resource's entry in the OpenAPI description.

Rules that only span fields of one request are stated here (``JSON_SCHEMA_RULES``) for the
description; the service layer checks them, with the rules that need the database.
"""

import marshmallow as ma
from marshmallow import fields

from ypmatch import labels
from ypmatch.api.fields import (
    MAX_ID,
    NOT_BLANK,
    Choice,
    Day,
    Distinct,
    Identifier,
    Items,
    JsonFlag,
    Pattern,
    Plain,
    Score,
    Size,
    Text,
    Timestamp,
    WholeNumber,
)
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

WEBSITE = (
    "^(|https?://[^\\s/?#\\u0000-\\u001f]+\\.[^\\s/?#\\u0000-\\u001f]+"
    "([/?#][^\\s\\u0000-\\u001f]*)?)$"
)
VERSION_HELP = "The version you last read; if the record changed since, the answer is 409."


def sector_ids_field() -> Distinct:
    """The sectors a need or technology is in, by id (written, never read back)."""
    description = "Sectors, by id (see /sectors)."
    return Distinct(Identifier(), 100, load_only=True, metadata={"description": description})


class Strict(ma.Schema):
    """Fields the resource does not have are refused, so a typo is not silently ignored."""

    error_messages = {"type": "the body must be a JSON object with the fields of this resource"}

    class Meta:
        unknown = ma.RAISE

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        known = ", ".join(sorted(self.load_fields))
        self.error_messages = {
            **self.error_messages,
            "unknown": f"is not a field of this resource; the fields are: {known}",
        }


def one_of_present(first: str, second: str) -> dict:
    """At least one of two texts says something (the service's rule, described)."""
    return {
        "anyOf": [
            {"required": [first], "properties": {first: {"pattern": NOT_BLANK}}},
            {"required": [second], "properties": {second: {"pattern": NOT_BLANK}}},
        ]
    }


def _read(field: fields.Field) -> fields.Field:
    field.dump_only = True
    return field


class SectorSchema(Strict):
    id = _read(fields.Integer())
    slug = _read(Plain())
    name_en = _read(Plain())
    name_ja = _read(Plain())


class NamedRefSchema(Strict):
    id = _read(fields.Integer())
    name_en = _read(Plain())
    name_ja = _read(Plain())


class CitySchema(Strict):
    id = _read(fields.Integer())
    slug = _read(Plain())
    name_en = _read(Plain())
    name_ja = _read(Plain())
    country_code = _read(Plain())
    region = _read(Choice(Region))
    relationship = _read(Choice(Relationship))
    relationship_date = _read(fields.Date(allow_none=True))
    population = _read(fields.Integer(allow_none=True))
    latitude = _read(fields.Float(allow_none=True))
    longitude = _read(fields.Float(allow_none=True))
    notes = _read(Plain())
    archived = _read(fields.Boolean(attribute="is_archived"))
    version = _read(fields.Integer())


class NeedRefSchema(Strict):
    id = _read(fields.Integer())
    title_en = _read(Plain())
    title_ja = _read(Plain())
    city_id = _read(fields.Integer())
    status = _read(Choice(NeedStatus))


class NeedSchema(Strict):
    JSON_SCHEMA_RULES = [
        one_of_present("title_en", "title_ja"),
        one_of_present("description_en", "description_ja"),
    ]

    id = _read(fields.Integer())
    ref = _read(fields.String(allow_none=True))
    city = _read(fields.Nested(NamedRefSchema))
    city_id = Identifier(
        required=True,
        load_only=True,
        metadata={"description": "The partner city. A city focal point gives its own city."},
    )
    title_en = Text(200, one_line=True, metadata={"description": "Title in English."})
    title_ja = Text(200, one_line=True, metadata={"description": "Title in Japanese."})
    description_en = Text(10000)
    description_ja = Text(10000)
    sectors = _read(fields.List(fields.Nested(SectorSchema)))
    sector_ids = sector_ids_field()
    status = Choice(NeedStatus, metadata={"description": "Curators only."})
    visibility = Choice(Visibility, metadata={"description": "Curators only."})
    funding = Distinct(Choice(FUNDING_SOURCES), metadata={"description": "Funding hints."})
    timeline = Text(120, one_line=True, metadata={"description": "For example '2027–2029'."})
    expires_on = _read(fields.Date(allow_none=True))
    archived = _read(fields.Boolean(attribute="is_archived"))
    version = _read(fields.Integer())
    created_at = _read(Timestamp())
    updated_at = _read(Timestamp())


class NeedChangeSchema(NeedSchema):
    """A need's change: only the fields to change, with the version read."""

    JSON_SCHEMA_RULES = []
    city_id = Identifier(load_only=True, metadata={"description": "The partner city."})
    version = WholeNumber(1, MAX_ID, required=True, metadata={"description": VERSION_HELP})


class TechnologyRefSchema(Strict):
    id = _read(fields.Integer())
    title_en = _read(Plain())
    title_ja = _read(Plain())


class TechnologySchema(Strict):
    JSON_SCHEMA_RULES = NeedSchema.JSON_SCHEMA_RULES

    id = _read(fields.Integer())
    ref = _read(fields.String(allow_none=True))
    company_id = _read(fields.Integer())
    title_ja = Text(200, one_line=True)
    title_en = Text(200, one_line=True)
    description_ja = Text(10000)
    description_en = Text(10000)
    track_record = Text(5000)
    sectors = _read(fields.List(fields.Nested(SectorSchema)))
    sector_ids = sector_ids_field()
    archived = _read(fields.Boolean(attribute="is_archived"))
    version = _read(fields.Integer())
    updated_at = _read(Timestamp())


class TechnologyChangeSchema(TechnologySchema):
    JSON_SCHEMA_RULES = []
    version = WholeNumber(1, MAX_ID, required=True, metadata={"description": VERSION_HELP})


class CompanySchema(Strict):
    """A company; a change sends only the fields to change, with the version read."""

    id = _read(fields.Integer())
    ref = _read(fields.String(allow_none=True))
    name_ja = Text(200, one_line=True)
    name_en = Text(200, one_line=True)
    ward = Choice(["", *YOKOHAMA_WARDS], metadata={"description": "Yokohama ward; empty for none."})
    size = Choice(CompanySize)
    website = Plain(
        validate=[
            Size(max=300),
            Pattern(WEBSITE, "must be empty or an address starting with http:// or https://"),
        ],
        metadata={"description": "Empty, or an address starting with http:// or https://."},
    )
    overseas_countries = Distinct(
        Choice(labels.COUNTRIES),
        metadata={"description": "ISO country codes of overseas experience."},
    )
    yport_member = JsonFlag()
    description_ja = Text(5000)
    description_en = Text(5000)
    approval_status = _read(Choice(ApprovalStatus))
    technologies = _read(
        fields.List(fields.Nested(TechnologyRefSchema), attribute="active_technologies")
    )
    archived = _read(fields.Boolean(attribute="is_archived"))
    version = WholeNumber(1, MAX_ID, required=True, metadata={"description": VERSION_HELP})
    updated_at = _read(Timestamp())


class OutcomeSchema(Strict):
    JSON_SCHEMA_RULES = [
        {
            "anyOf": [
                {"properties": {"kind": {"const": OutcomeKind.CONTRACT_WON.value}}},
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
    ]

    id = _read(fields.Integer())
    company_id = Identifier(required=True, metadata={"description": "An approved company."})
    need_id = Identifier(required=True)
    mission_id = Identifier(allow_none=True)
    kind = Choice(OutcomeKind, required=True)
    occurred_on = Day(required=True)
    funding_source = Choice(["", *labels.FUNDING])
    amount_jpy = WholeNumber(
        0,
        10**15,
        allow_none=True,
        metadata={"description": "Contract amount; only for contract_won."},
    )
    reason = Text(2000, metadata={"description": "Required when the pair was dropped."})
    notes = Text(5000)
    version = _read(fields.Integer())


class ConceptSchema(Strict):
    id = _read(fields.Integer())
    key = _read(Plain())
    label_en = _read(Plain())
    label_ja = _read(Plain())
    forms_en = _read(Items(fields.String()))
    forms_ja = _read(Items(fields.String()))
    sectors = _read(fields.List(fields.Nested(SectorSchema)))
    outside_scope = _read(fields.Boolean())
    related = _read(Items(fields.String()))


class MeSchema(Strict):
    id = _read(fields.Integer())
    email = _read(Plain())
    name = _read(Plain())
    role = _read(Choice(["admin", "curator", "company", "city"]))
    company_id = _read(fields.Integer(allow_none=True))
    city_id = _read(fields.Integer(allow_none=True))


class ReasonSchema(Strict):
    label = _read(Plain())
    kind = _read(
        Plain(
            metadata={
                "description": "concept (a glossary concept), sector (a shared sector), passage "
                "(the need's sentence closest in meaning to the technology's, in detail) or boost."
            }
        )
    )
    share = _read(Score(validate=ma.validate.Range(min=0)))
    detail = _read(Plain())


BANDS = ["strong", "possible", "weak"]


class CompanyMatchSchema(Strict):
    company = _read(fields.Nested(NamedRefSchema))
    score = _read(Score())
    technology = _read(fields.Nested(TechnologyRefSchema))
    band = _read(Choice(BANDS))
    reasons = _read(fields.List(fields.Nested(ReasonSchema)))
    decision = _read(Choice(["confirmed", "dismissed"], allow_none=True))


class NeedMatchSchema(Strict):
    need = _read(fields.Nested(NeedRefSchema))
    score = _read(Score())
    technology = _read(fields.Nested(TechnologyRefSchema))
    band = _read(Choice(BANDS))
    reasons = _read(fields.List(fields.Nested(ReasonSchema)))


class CompanyMatchesSchema(Strict):
    items = _read(fields.List(fields.Nested(CompanyMatchSchema), required=True))


class NeedMatchesSchema(Strict):
    items = _read(fields.List(fields.Nested(NeedMatchSchema), required=True))


class CoverageSchema(Strict):
    need_id = _read(fields.Integer())
    score = _read(fields.Float())
    technology_id = _read(fields.Integer(allow_none=True, dump_default=None))


class ParticipantSchema(Strict):
    company = _read(fields.Nested(NamedRefSchema))
    state = _read(Choice(ParticipantState))
    position = _read(fields.Integer())
    pinned = _read(fields.Boolean())
    added_by_hand = _read(fields.Boolean())
    covers = _read(Items(fields.Nested(CoverageSchema), attribute="coverage"))


class MissionSchema(Strict):
    """A mission as its caller may see it (``needs`` and ``shortlist`` are chosen per caller:
    see :class:`ypmatch.api.missions.MissionSeen`)."""

    id = _read(fields.Integer())
    city = _read(fields.Nested(NamedRefSchema))
    city_id = Identifier(
        required=True, load_only=True, metadata={"description": "The partner city visited."}
    )
    title = Text(200, one_line=True, says_something=True, required=True)
    start_date = Day(allow_none=True, metadata={"description": "First day."})
    end_date = Day(allow_none=True, metadata={"description": "Last day; not before the first."})
    slots = WholeNumber(1, 50, load_default=8, metadata={"default": 8})
    per_need_cap = WholeNumber(1, 20, allow_none=True)
    status = _read(Choice(MissionStatus))
    notes = Text(5000)
    needs = _read(fields.List(fields.Nested(NeedRefSchema)))
    need_ids = Distinct(
        Identifier(),
        100,
        load_only=True,
        metadata={"description": "Needs in scope; all of the mission's city."},
    )
    shortlisted_at = _read(Timestamp(allow_none=True))
    shortlist = _read(
        fields.List(
            fields.Nested(ParticipantSchema),
            allow_none=True,
            metadata={"description": "Curators and the city's focal point only; null for others."},
        )
    )
    version = _read(fields.Integer())
