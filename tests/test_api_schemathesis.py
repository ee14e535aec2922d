"""Schemathesis against the live app: every operation of the OpenAPI description, with a
token of each role, checked for server errors, schema-conforming responses, status codes,
content types, enforced authentication, refused invalid input and accepted valid input.

The description is loaded from the code that serves it; requests go through the WSGI app
in process, each in an application context of its own (as in production).

Generated ids rarely name a record, so before a valid (positive) case is sent, the ids in
its path and body are pointed at records of the test world most of the time, and the
`version` of a PATCH at the record's current version half of the time: the success paths
are exercised too, not only the 404s and 409s.
"""

from datetime import date

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.conftest import ROLES
from ypmatch.api.openapi import build_openapi
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


def _schema(phases: dict):
    config = schemathesis.Config.from_dict(
        {
            "seed": 20240601,
            # Tokens are sent by the tests, per role; generated Authorization headers would
            # only ever be refused.
            "generation": {"with-security-parameters": False},
            "phases": phases,
        }
    )
    loaded = schemathesis.openapi.from_dict(build_openapi(), config=config)
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
        if _is_number(body.get("version")) and int(body["version"]) % 2 == 0:
            model = next(
                (PATH_MODELS[p] for p in (case.path_parameters or {}) if p in PATH_MODELS), None
            )
            record_id = next(iter((case.path_parameters or {}).values()), None)
            if model is not None and isinstance(record_id, int):
                body["version"] = _current_version(model, record_id) or body["version"]


# A valid request may still be refused when a rule spans the stored record and the request
# (a PATCH that would leave a need without any title) or two fields (a mission that ends
# before it starts): JSON Schema cannot say these. Such 422s may name only these fields.
CROSS_FIELD_RULES = {
    "PATCH /needs/{need_id}": {"title_en", "description_en"},
    "PATCH /technologies/{technology_id}": {"title_en", "description_en"},
    "PATCH /companies/{company_id}": {"name_en"},
    "POST /missions": {"end_date"},
}


def valid_data_is_accepted(ctx, response, case):
    """Like schemathesis' positive_data_acceptance, allowing only the cross-field rules."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    if response.status_code < 400 or response.status_code in (401, 403, 404, 409):
        return None
    if response.status_code == 422:
        fields = set((response.json() or {}).get("errors", {}))
        if fields and fields <= CROSS_FIELD_RULES.get(case.operation.label, set()):
            return None
    raise AssertionError(
        f"Valid data was refused with {response.status_code}: {response.text[:500]}"
    )


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
        excluded_checks=[positive_data_acceptance],
        additional_checks=[valid_data_is_accepted, problem_json_for_errors],
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
