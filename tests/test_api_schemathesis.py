"""Schemathesis against the live app: every operation of the OpenAPI description, with a
token of each role, and every check Schemathesis has: no server errors, schema-conforming
responses, status codes and content types, enforced authentication, refused invalid input
and accepted valid input (positive data answers 2xx, or 401/403/404/409 for a caller who
may not, a record that is not there or a stale version).

The description is the one the app generates (apispec, from the marshmallow schemas);
requests go through the WSGI app in process, each in an application context of its own
(as in production).

Generated ids rarely name a record, so before a valid (positive) case is sent, the ids in
its path and body are pointed at records of the test world most of the time, and the
`version` of a PATCH at the record's current version half of the time: the success paths
are exercised too, not only the 404s and 409s. Two rules JSON Schema cannot state are
kept by the same step: a change must leave a record a title, a description (a company a
name), given the texts it already has; a mission does not end before it starts.
"""

import tempfile
from datetime import date

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, settings

from tests.conftest import ROLES
from ypmatch import create_app
from ypmatch.api import api_description
from ypmatch.extensions import db
from ypmatch.models import Company, Mission, Need, Outcome, Technology
from ypmatch.services.missions import create_mission
from ypmatch.services.outcomes import record_outcome
from ypmatch.services.tokens import create_token

# Examples per operation and role in the fuzzing phase; the coverage phase adds the
# boundary and type-mutation cases the schema implies.
MAX_EXAMPLES = 4


class FreshContextApp:
    """The Flask app as a WSGI callable that gives each request its own app context."""

    app = None

    def __call__(self, environ, start_response):
        with self.app.app_context():
            iterable = self.app(environ, start_response)
            try:
                return [b"".join(iterable)]
            finally:
                if hasattr(iterable, "close"):
                    iterable.close()


WSGI = FreshContextApp()


def _description() -> dict:
    with tempfile.TemporaryDirectory() as instance:
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "schemathesis",
                "SQLALCHEMY_DATABASE_URI": "sqlite://",
                "INSTANCE_PATH": instance,
            }
        )
        return api_description(app)


DESCRIPTION = _description()


def _schema(phases: dict):
    config = schemathesis.Config.from_dict(
        {
            "seed": 20240601,
            # Tokens are sent by the tests, per role; generated Authorization headers would
            # only ever be refused.
            "generation": {"with-security-parameters": False},
            "phases": phases,
            "checks": {
                # Valid data may still meet a caller who may not (401, 403), a record that
                # is not there (404) or a stale version (409); never a 422 or a 400.
                "positive_data_acceptance": {"expected-statuses": ["2xx", 401, 403, 404, 409]},
            },
        }
    )
    loaded = schemathesis.openapi.from_dict(DESCRIPTION, config=config)
    loaded.app = WSGI
    return loaded


# Random valid and invalid requests, for every role.
fuzzing = _schema({"fuzzing": {"enabled": True}, "coverage": {"enabled": False}})
# The boundary values and type mutations the schema implies (every maxLength, minimum,
# enum, required field …), once, as a curator: the role that reaches every code path.
coverage = _schema({"fuzzing": {"enabled": False}, "coverage": {"enabled": True}})

# Where the world's records are, for the current test (set by the `world_ids` fixture).
WORLD: dict[str, list[int]] = {}
PATH_MODELS = {
    "need_id": Need,
    "company_id": Company,
    "technology_id": Technology,
    "mission_id": Mission,
    "outcome_id": Outcome,
}


def _pick(generated: int, ids: list[int], keep_some: bool = True) -> int:
    """A world id; in paths the generated one is kept for one value in four (a 404)."""
    generated = int(generated)
    if not ids or (keep_some and generated % 4 == 0):
        return generated
    return ids[generated % len(ids)]


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == int(value)


def _current_version(model, record_id: int) -> int | None:
    return db.session.execute(sa.select(model.version).where(model.id == record_id)).scalar()


def point_at_world(case) -> None:
    meta = case.meta
    if not WORLD or meta is None or not meta.generation.mode.is_positive:
        return
    for name, value in list((case.path_parameters or {}).items()):
        if _is_number(value) and name in WORLD:
            case.path_parameters[name] = _pick(value, WORLD[name])
    body = case.body
    if isinstance(body, dict):
        for field, world_key in (
            ("city_id", "city_id"),
            ("company_id", "company_id"),
            ("need_id", "listed_need_id"),
        ):
            if _is_number(body.get(field)):
                body[field] = _pick(body[field], WORLD[world_key], keep_some=False)
        if _is_number(body.get("mission_id")):
            body["mission_id"] = _pick(body["mission_id"], WORLD["mission_id"], keep_some=False)
        if isinstance(body.get("sector_ids"), list):
            body["sector_ids"] = WORLD["sector_id"][: len(body["sector_ids"])]
        if isinstance(body.get("need_ids"), list) and body["need_ids"]:
            # A mission's needs are published needs of its city.
            body["city_id"] = WORLD["cebu"][0]
            body["need_ids"] = WORLD["cebu_listed_need_id"]
        keep_rules_json_schema_cannot_state(case, body)
        if _is_number(body.get("version")) and int(body["version"]) % 2 == 0:
            model = next(
                (PATH_MODELS[p] for p in (case.path_parameters or {}) if p in PATH_MODELS), None
            )
            record_id = next(iter((case.path_parameters or {}).values()), None)
            if model is not None and isinstance(record_id, int):
                body["version"] = _current_version(model, record_id) or body["version"]


# Rules across a request and the stored record (or between two dates) that JSON Schema
# cannot state: the service refuses a change leaving a record without a title or a
# description (a company without a name), and a mission ending before it starts.
TEXT_PAIRS = {
    "need_id": (Need, [("title_en", "title_ja"), ("description_en", "description_ja")]),
    "technology_id": (Technology, [("title_en", "title_ja"), ("description_en", "description_ja")]),
    "company_id": (Company, [("name_en", "name_ja")]),
}


def _says_something(value) -> bool:
    return isinstance(value, str) and bool(value.strip())


def keep_rules_json_schema_cannot_state(case, body: dict) -> None:
    start, end = body.get("start_date"), body.get("end_date")
    if isinstance(start, str) and isinstance(end, str) and end < start:
        body["start_date"], body["end_date"] = end, start
    if case.method.upper() != "PATCH":
        return
    for name, record_id in (case.path_parameters or {}).items():
        if name not in TEXT_PAIRS or not str(record_id).isdigit():
            continue
        model, pairs = TEXT_PAIRS[name]
        record = db.session.get(model, int(record_id))
        if record is None:
            return
        for first, second in pairs:
            kept = {field: body.get(field, getattr(record, field)) for field in (first, second)}
            if not any(_says_something(value) for value in kept.values()):
                body.pop(first, None)
                body.pop(second, None)
                if not any(_says_something(getattr(record, f)) for f in (first, second)):
                    body[first] = "restored by the test"


def problem_json_for_errors(ctx, response, case):
    if response.status_code >= 400:
        assert response.headers.get("content-type", [""])[0].startswith(
            "application/problem+json"
        ), f"{response.status_code} answered as {response.headers.get('content-type')}"
        body = response.json()
        assert body["status"] == response.status_code and body["detail"], body
    return None


@pytest.fixture
def tokens(app, world):
    WSGI.app = app
    made: dict[str, str | None] = {"anonymous": None}
    for role in ROLES[1:]:
        made[role] = create_token(world.user(role), f"schemathesis {role}")[1]
    db.session.commit()
    return made


@pytest.fixture
def world_ids(world):
    mission = create_mission(
        {"city_id": world.cebu.id, "title": "Cebu water", "slots": 3},
        [world.public_need],
        world.curator,
    )
    outcome = record_outcome(
        {"company_id": world.company_a.id, "need_id": world.public_need.id,
         "kind": "information_provided", "occurred_on": date(2026, 1, 15)},
        world.curator,
    )  # fmt: skip
    db.session.commit()
    WORLD.clear()
    WORLD.update(
        {
            "need_id": [world.public_need.id, world.members_need.id, world.draft_need.id,
                        world.internal_need.id],
            "listed_need_id": [world.public_need.id, world.members_need.id],
            "cebu_listed_need_id": [world.public_need.id],
            "company_id": [world.company_a.id, world.company_b.id],
            "technology_id": [world.technology_a.id],
            "city_id": [world.cebu.id, world.danang.id],
            "cebu": [world.cebu.id],
            "sector_id": [world.water.id, world.waste.id],
            "mission_id": [mission.id],
            "outcome_id": [outcome.id],
        }
    )  # fmt: skip
    yield WORLD
    WORLD.clear()


HYPOTHESIS_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    # The world and tokens are made once per operation and role, not per example.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)


def _call(case, token: str | None) -> None:
    point_at_world(case)
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"} if token else None,
        additional_checks=[problem_json_for_errors],
    )


@pytest.mark.parametrize("role", ROLES)
@fuzzing.parametrize()
@HYPOTHESIS_SETTINGS
def test_every_operation_for_every_role(tokens, world_ids, role, case):
    _call(case, tokens[role])


@coverage.parametrize()
@HYPOTHESIS_SETTINGS
def test_every_operation_at_its_boundaries(tokens, world_ids, case):
    _call(case, tokens["curator"])
