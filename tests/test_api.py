"""The JSON API: tokens, the role and ownership matrix, errors as problem+json."""

import json

import pytest
import sqlalchemy as sa

from tests.conftest import ROLES
from ypmatch.extensions import db
from ypmatch.models import ApiToken, HistoryEntry, Mission, Need, Outcome
from ypmatch.services.tokens import create_token, hash_token

PROBLEM = "application/problem+json"


@pytest.fixture
def tokens(world) -> dict[str, str | None]:
    """A token for each role's user (None for anonymous)."""
    made = {"anonymous": None}
    for role in ROLES[1:]:
        _token, plaintext = create_token(world.user(role), f"{role} script")
        made[role] = plaintext
    db.session.commit()
    return made


@pytest.fixture
def api(client, tokens):
    def call(method: str, path: str, role: str = "anonymous", body=None, **kwargs):
        headers = dict(kwargs.pop("headers", {}))
        if tokens.get(role):
            headers["Authorization"] = f"Bearer {tokens[role]}"
        if body is not None:
            kwargs["json"] = body
        return client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

    return call


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    data = response.get_json(force=True)
    assert data["status"] == status and data["title"] and data["detail"]
    return data


# -- tokens ----------------------------------------------------------------------------------


def test_token_is_shown_once_and_only_its_hash_is_stored(world):
    token, plaintext = create_token(world.member_a, "sync")
    db.session.commit()
    assert plaintext.startswith("ypm_") and len(plaintext) > 40
    assert token.token_hash == hash_token(plaintext) and plaintext not in token.token_hash
    assert plaintext.startswith(token.prefix)
    stored = db.session.scalars(sa.select(ApiToken.token_hash)).all()
    assert plaintext not in stored


def test_token_authenticates_and_records_its_use(api, tokens, world):
    response = api("GET", "/me", "member_a")
    assert response.status_code == 200
    assert response.get_json()["email"] == world.member_a.email
    token = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.token_hash == hash_token(tokens["member_a"]))
    )
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    "header",
    ["Bearer ypm_not-a-real-token", "Bearer garbage", "Basic YTpi", "Bearer", "ypm_x"],
)
def test_bad_tokens_are_refused_even_on_public_reads(client, world, header):
    response = client.get("/api/v1/needs", headers={"Authorization": header})
    _problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_token_and_deactivated_account_are_refused(api, tokens, world):
    from ypmatch.services.tokens import revoke_token

    token = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.token_hash == hash_token(tokens["member_a"]))
    )
    revoke_token(token, world.member_a)
    world.member_b.active = False
    db.session.commit()
    for role in ("member_a", "member_b"):
        problem = _problem(api("GET", "/me", role), 401)
        assert "token" in problem["detail"]
    assert api("GET", "/me", "curator").status_code == 200


@pytest.mark.parametrize("change", [{"role": "curator"}, {"active": ""}])
def test_tokens_end_when_an_admin_changes_the_accounts_access(client, login_as, api, tokens,
                                                              world, change):
    assert api("GET", "/me", "member_b").status_code == 200
    login_as("admin")
    form = {"email": world.member_b.email, "name": "Member B", "role": "company",
            "company_id": world.company_b.id, "city_id": 0, "active": "y", **change}
    response = client.post(f"/admin/users/{world.member_b.id}/edit", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    _problem(api("GET", "/me", "member_b"), 401)
    # Giving the access back does not bring the old token back.
    form.update({"role": "company", "active": "y"})
    assert client.post(f"/admin/users/{world.member_b.id}/edit", data=form).status_code == 302
    _problem(api("GET", "/me", "member_b"), 401)


def test_a_signed_in_browser_session_does_not_authenticate_api_calls(client, auth, world):
    assert auth.login(world.curator.email).status_code == 302
    body = {"city_id": world.cebu.id, "title_en": "Sneaky", "description_en": "From a cookie"}
    _problem(client.post("/api/v1/needs", json=body), 401)
    _problem(client.get("/api/v1/glossary"), 401)
    _problem(client.get("/api/v1/me"), 401)
    # Anonymous reads still answer, with what anonymous visitors see.
    titles = {n["title_en"] for n in client.get("/api/v1/needs").get_json()["items"]}
    assert titles == {"Reduce non-revenue water"}
    assert db.session.scalar(sa.select(Need).where(Need.title_en == "Sneaky")) is None


# -- the role matrix ----------------------------------------------------------------------------

VISIBLE_NEEDS = {
    "anonymous": {"public_need"},
    "member_a": {"public_need", "members_need"},
    "member_b": {"public_need", "members_need"},
    "city": {"public_need", "members_need", "draft_need", "internal_need"},
    "curator": {"public_need", "members_need", "draft_need", "internal_need"},
    "admin": {"public_need", "members_need", "draft_need", "internal_need"},
}


@pytest.mark.parametrize("role", ROLES)
def test_needs_list_shows_what_the_web_shows(api, world, role):
    response = api("GET", "/needs?per_page=100", role)
    assert response.status_code == 200
    data = response.get_json()
    ids = {item["id"] for item in data["items"]}
    expected = {getattr(world, name).id for name in VISIBLE_NEEDS[role]}
    assert ids == expected
    assert data["total"] == len(expected) and data["page"] == 1 and data["per_page"] == 100


# path template -> expected status per role: anonymous, member A, member B, city, curator, admin
GET_MATRIX = {
    "/needs/{public_need}": (200, 200, 200, 200, 200, 200),
    "/needs/{members_need}": (404, 200, 200, 200, 200, 200),
    "/needs/{internal_need}": (404, 404, 404, 200, 200, 200),
    "/needs/{draft_need}": (404, 404, 404, 200, 200, 200),
    "/needs/{public_need}/matches": (401, 403, 403, 200, 200, 200),
    "/needs/{members_need}/matches": (401, 403, 403, 403, 200, 200),
    "/needs/{internal_need}/matches": (401, 404, 404, 200, 200, 200),
    "/companies/{company_a}": (200, 200, 200, 200, 200, 200),
    "/companies/{pending_company}": (404, 404, 404, 404, 200, 200),
    "/companies/{company_a}/matches": (401, 200, 403, 403, 200, 200),
    "/companies/{company_a}/technologies": (200, 200, 200, 200, 200, 200),
    "/technologies/{technology_a}": (200, 200, 200, 200, 200, 200),
    "/cities": (200, 200, 200, 200, 200, 200),
    "/cities/{cebu}": (200, 200, 200, 200, 200, 200),
    "/sectors": (200, 200, 200, 200, 200, 200),
    "/glossary": (401, 403, 403, 403, 200, 200),
    "/missions": (401, 200, 200, 200, 200, 200),
    "/outcomes": (401, 403, 403, 403, 200, 200),
    "/me": (401, 200, 200, 200, 200, 200),
    "/openapi.json": (200, 200, 200, 200, 200, 200),
}


def _ids(world) -> dict[str, int]:
    names = (
        "public_need", "members_need", "internal_need", "draft_need", "cebu", "company_a",
        "company_b", "pending_company", "technology_a",
    )  # fmt: skip
    return {name: getattr(world, name).id for name in names}


@pytest.mark.parametrize("role_index,role", list(enumerate(ROLES)))
def test_get_matrix(api, world, role_index, role):
    ids = _ids(world)
    failures = []
    for template, expected in GET_MATRIX.items():
        response = api("GET", template.format(**ids), role)
        if response.status_code != expected[role_index]:
            failures.append(f"{template}: {response.status_code} != {expected[role_index]}")
        elif response.status_code >= 400:
            assert response.mimetype == PROBLEM
    assert not failures, failures


def _technology_patch(world, version: int) -> dict:
    return {"title_en": "Leak detection by acoustic loggers", "version": version}


@pytest.mark.parametrize(
    "role,status",
    [("anonymous", 401), ("member_a", 200), ("member_b", 403), ("city", 403),
     ("curator", 200), ("admin", 200)],
)  # fmt: skip
def test_only_the_companys_members_and_curators_change_its_technology(api, world, role, status):
    technology_id = world.technology_a.id
    response = api("PATCH", f"/technologies/{technology_id}", role, _technology_patch(world, 1))
    assert response.status_code == status, response.get_data(as_text=True)
    if status == 200:
        assert response.get_json()["title_en"] == "Leak detection by acoustic loggers"
        assert response.get_json()["version"] == 2
        entry = db.session.scalars(
            sa.select(HistoryEntry).where(
                HistoryEntry.record_type == "technologies",
                HistoryEntry.record_id == technology_id,
            )
        ).all()[-1]
        assert entry.user_id == world.user(role).id
        assert entry.changes["title_en"][1].startswith("Leak")
    else:
        _problem(response, status)


@pytest.mark.parametrize(
    "role,status",
    [("anonymous", 401), ("member_a", 201), ("member_b", 403), ("city", 403),
     ("curator", 201), ("admin", 201)],
)  # fmt: skip
def test_only_the_companys_members_and_curators_add_technologies(api, world, role, status):
    body = {
        "title_ja": "汚泥乾燥",
        "description_ja": "下水汚泥の乾燥設備",
        "sector_ids": [world.water.id],
    }
    response = api("POST", f"/companies/{world.company_a.id}/technologies", role, body)
    assert response.status_code == status, response.get_data(as_text=True)
    if status == 201:
        created = response.get_json()
        assert created["company_id"] == world.company_a.id
        assert [s["slug"] for s in created["sectors"]] == ["water_supply"]
        assert response.headers["Location"] == f"/api/v1/technologies/{created['id']}"


@pytest.mark.parametrize(
    "role,status",
    [("anonymous", 401), ("member_a", 200), ("member_b", 403), ("city", 403),
     ("curator", 200), ("admin", 200)],
)  # fmt: skip
def test_a_member_changes_only_their_own_company(api, world, role, status):
    body = {"name_en": "Kohoku Aqua Ltd.", "overseas_countries": ["VN", "PH"], "version": 1}
    response = api("PATCH", f"/companies/{world.company_a.id}", role, body)
    assert response.status_code == status, response.get_data(as_text=True)
    if status == 200:
        assert response.get_json()["overseas_countries"] == ["PH", "VN"]


def test_history_records_api_changes_with_their_author(api, world):
    api("PATCH", f"/companies/{world.company_a.id}", "member_a", {"ward": "Naka-ku", "version": 1})
    entry = db.session.scalars(
        sa.select(HistoryEntry)
        .where(
            HistoryEntry.record_type == "companies", HistoryEntry.record_id == world.company_a.id
        )
        .order_by(HistoryEntry.id.desc())
    ).first()
    assert entry.user_id == world.member_a.id
    assert entry.changes == {"ward": ["Kohoku-ku", "Naka-ku"]}


@pytest.mark.parametrize(
    "role,status",
    [("anonymous", 401), ("member_a", 403), ("member_b", 403), ("city", 201),
     ("curator", 201), ("admin", 201)],
)  # fmt: skip
def test_curators_and_focal_points_submit_needs(api, world, role, status):
    body = {
        "city_id": world.cebu.id,
        "title_en": "  Septage treatment  ",
        "description_en": "Desludging of 40,000 septic tanks.",
        "sector_ids": [world.waste.id],
        "funding": ["JICA"],
    }
    response = api("POST", "/needs", role, body)
    assert response.status_code == status, response.get_data(as_text=True)
    if status == 201:
        need = response.get_json()
        assert need["title_en"] == "Septage treatment"
        assert need["status"] == "draft" and need["city"]["id"] == world.cebu.id
        assert db.session.get(Need, need["id"]).created_by_id == world.user(role).id


def test_a_focal_point_submits_drafts_for_its_own_city_only(api, world):
    body = {"city_id": world.danang.id, "title_en": "Not ours", "description_en": "Elsewhere"}
    assert "own city" in _problem(api("POST", "/needs", "city", body), 403)["detail"]
    body = {"city_id": world.cebu.id, "title_en": "Ours", "description_en": "Here",
            "status": "published"}  # fmt: skip
    assert "status" in _problem(api("POST", "/needs", "city", body), 403)["detail"]
    # Its own drafts it may change; published needs are the bureau's.
    draft = world.draft_need
    ok = api("PATCH", f"/needs/{draft.id}", "city", {"timeline": "2027", "version": 1})
    assert ok.status_code == 200 and ok.get_json()["timeline"] == "2027"
    _problem(api("PATCH", f"/needs/{world.public_need.id}", "city", {"version": 1}), 403)


# -- optimistic locking and validation ------------------------------------------------------------


def test_a_stale_version_is_refused_with_409(api, world):
    path = f"/needs/{world.public_need.id}"
    first = api("PATCH", path, "curator", {"timeline": "2026–2028", "version": 1})
    assert first.status_code == 200 and first.get_json()["version"] == 2
    second = api("PATCH", path, "admin", {"timeline": "2030", "version": 1})
    problem = _problem(second, 409)
    assert problem["current_version"] == 2
    assert "version 1" in problem["detail"] and "version 2" in problem["detail"]
    assert api("GET", path, "curator").get_json()["timeline"] == "2026–2028"


@pytest.mark.parametrize(
    "body,field",
    [
        ({"city_id": 1}, "title_en"),
        ({"title_en": "No city", "description_en": "x"}, "city_id"),
        ({"city_id": "cebu", "title_en": "x", "description_en": "x"}, "city_id"),
        ({"city_id": 1, "title_en": "x" * 201, "description_en": "x"}, "title_en"),
        ({"city_id": 1, "title_en": "x", "description_en": "x", "titel_ja": "typo"}, "titel_ja"),
        ({"city_id": 1, "title_en": "x\x07", "description_en": "x"}, "title_en"),
        ({"city_id": 1, "title_en": "x\r\nBcc: y", "description_en": "x"}, "title_en"),
        ({"city_id": 1, "title_en": "x\u2028y", "description_en": "x"}, "title_en"),
        ({"city_id": 1, "title_ja": "\u202ex", "description_en": "x"}, "title_ja"),
        ({"city_id": 1, "title_en": "x", "description_en": "x", "status": "live"}, "status"),
        ({"city_id": 1, "title_en": "x", "description_en": "x", "sector_ids": [999999]},
         "sector_ids"),
        ({"city_id": 999999, "title_en": "x", "description_en": "x"}, "city_id"),
        ({"city_id": 1, "title_en": "x", "description_en": "x", "funding": ["Bank of Mars"]},
         "funding"),
    ],
)  # fmt: skip
def test_invalid_bodies_are_refused_with_field_errors(api, world, body, field):
    if body.get("city_id") == 1:
        body = {**body, "city_id": world.cebu.id}
    problem = _problem(api("POST", "/needs", "curator", body), 422)
    assert field in problem["errors"], problem
    assert all(isinstance(message, str) and message for message in problem["errors"][field])


def test_deeply_nested_json_is_a_400(api, world):
    body = "[" * 100_000 + "]" * 100_000
    response = api("POST", "/needs", "curator", data=body,
                   headers={"Content-Type": "application/json"})  # fmt: skip
    assert "nested too deeply" in _problem(response, 400)["detail"]


def test_malformed_json_wrong_media_type_and_non_objects(api, world):
    bad_json = api("POST", "/needs", "curator", data="{not json",
                   headers={"Content-Type": "application/json"})  # fmt: skip
    assert "not valid JSON" in _problem(bad_json, 400)["detail"]
    form = api("POST", "/needs", "curator", data={"title_en": "x"})
    assert "application/json" in _problem(form, 415)["detail"]
    _problem(api("POST", "/needs", "curator", [1, 2]), 422)
    nan = api("POST", "/needs", "curator", data='{"city_id": NaN}',
              headers={"Content-Type": "application/json"})  # fmt: skip
    _problem(nan, 400)


def test_query_parameters_are_checked(api, world):
    problem = _problem(api("GET", "/needs?per_page=1000&page=x&status=live"), 400)
    assert set(problem["errors"]) == {"per_page", "page", "status"}
    _problem(api("GET", "/needs?city=99999999999999999999999999999999"), 400)
    page = api("GET", "/needs?per_page=1&page=2", "curator").get_json()
    assert len(page["items"]) == 1 and page["total"] == 4 and page["page"] == 2
    assert api("GET", "/needs?per_page=1&page=99", "curator").get_json()["items"] == []
    found = api("GET", f"/needs?q=leachate&sector={world.waste.id}", "member_a").get_json()
    assert [n["title_en"] for n in found["items"]] == ["Landfill leachate"]


def test_unknown_addresses_and_methods_answer_in_problem_json(api, client, world):
    _problem(api("GET", "/nothing-here"), 404)
    _problem(api("GET", "/needs/not-a-number"), 404)
    _problem(api("GET", "/needs/99999999999"), 404)
    response = api("DELETE", f"/needs/{world.public_need.id}", "curator")
    _problem(response, 405)
    assert "PATCH" in response.headers["Allow"]
    # The web keeps its HTML error pages.
    assert client.get("/nothing-here").mimetype == "text/html"


# -- matches -------------------------------------------------------------------------------------


def test_need_matches_list_companies_with_reasons(api, world):
    response = api("GET", f"/needs/{world.public_need.id}/matches?k=5", "curator")
    items = response.get_json()["items"]
    assert items, "Kohoku Aqua's leak detection should match non-revenue water"
    first = items[0]
    assert first["company"]["id"] == world.company_a.id
    assert first["technology"]["id"] == world.technology_a.id
    assert 0 < first["score"] <= 1
    assert first["reasons"] and {"label", "kind", "share"} <= set(first["reasons"][0])
    japanese = api(
        "GET", f"/needs/{world.public_need.id}/matches", "curator",
        headers={"Accept-Language": "ja"},
    ).get_json()["items"][0]  # fmt: skip
    assert japanese["score"] == first["score"]


def test_company_matches_list_needs_the_member_may_see(api, world):
    items = api("GET", f"/companies/{world.company_a.id}/matches?k=10", "member_a").get_json()
    needs = {item["need"]["id"] for item in items["items"]}
    assert world.public_need.id in needs
    assert world.internal_need.id not in needs and world.draft_need.id not in needs
    _problem(api("GET", f"/companies/{world.company_a.id}/matches?k=0", "member_a"), 400)


# -- missions and outcomes ------------------------------------------------------------------


def test_curators_plan_missions_and_generate_shortlists(api, world):
    body = {
        "city_id": world.cebu.id,
        "title": "Cebu water mission",
        "start_date": "2026-02-10",
        "end_date": "2026-02-13",
        "slots": 4,
        "need_ids": [world.public_need.id],
    }
    for role, status in (("anonymous", 401), ("member_a", 403), ("city", 403)):
        _problem(api("POST", "/missions", role, body), status)
    response = api("POST", "/missions", "curator", body)
    assert response.status_code == 201, response.get_data(as_text=True)
    mission = response.get_json()
    assert mission["shortlist"] == [] and [n["id"] for n in mission["needs"]] == [
        world.public_need.id
    ]
    shortlisted = api("POST", f"/missions/{mission['id']}/shortlist", "curator")
    assert shortlisted.status_code == 200, shortlisted.get_data(as_text=True)
    data = shortlisted.get_json()
    assert data["status"] == "shortlisted"
    assert [p["company"]["id"] for p in data["shortlist"]] == [world.company_a.id]
    assert data["shortlist"][0]["covers"][0]["need_id"] == world.public_need.id
    _problem(api("POST", f"/missions/{mission['id']}/shortlist", "member_a"), 403)
    # A company not invited does not see the mission; the city's focal point sees the shortlist.
    _problem(api("GET", f"/missions/{mission['id']}", "member_b"), 404)
    assert api("GET", f"/missions/{mission['id']}", "city").get_json()["shortlist"]


def test_mission_rules_are_checked(api, world):
    body = {"city_id": world.cebu.id, "title": "Wrong", "start_date": "2026-02-10",
            "end_date": "2026-02-01", "need_ids": [world.members_need.id]}  # fmt: skip
    problem = _problem(api("POST", "/missions", "curator", body), 422)
    assert set(problem["errors"]) == {"end_date", "need_ids"}
    empty = api("POST", "/missions", "curator", {"city_id": world.cebu.id, "title": "Empty"})
    mission_id = empty.get_json()["id"]
    problem = _problem(api("POST", f"/missions/{mission_id}/shortlist", "curator"), 409)
    assert "need" in problem["detail"]
    assert db.session.get(Mission, mission_id).shortlisted_at is None


def test_curators_record_outcomes(api, world):
    body = {
        "company_id": world.company_a.id,
        "need_id": world.public_need.id,
        "kind": "contract_won",
        "occurred_on": "2026-03-01",
        "amount_jpy": 120000000,
        "funding_source": "JICA",
    }
    _problem(api("POST", "/outcomes", "member_a", body), 403)
    response = api("POST", "/outcomes", "curator", body)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["amount_jpy"] == 120000000
    dropped = {**body, "kind": "dropped", "amount_jpy": None}
    assert "kind" in _problem(api("POST", "/outcomes", "curator", dropped), 422)["errors"]
    listed = api("GET", "/outcomes?kind=contract_won", "curator").get_json()
    assert listed["total"] == 1
    assert db.session.scalar(sa.select(sa.func.count(Outcome.id))) == 1


# -- documentation -----------------------------------------------------------------------------


def test_openapi_describes_every_route(app, api):
    document = api("GET", "/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    documented = {
        (f"/api/v1{path}", method.upper())
        for path, methods in document["paths"].items()
        for method in methods
    }
    routes = {
        (rule.rule.replace("<int:", "{").replace(">", "}"), method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.v1.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == documented
    for methods in document["paths"].values():
        for operation in methods.values():
            assert operation["summary"] and "401" in operation["responses"]
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert PROBLEM in response["content"]
    json.dumps(document)


def test_docs_page_is_served_without_inline_scripts(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<script src="/static/js/api-docs.js"' in html
    assert "<script>" not in html and "style=" not in html and "http" not in html.split("<body")[1]
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    script = client.get("/static/js/api-docs.js")
    assert script.status_code == 200 and b"openapi.json" in script.data
    script.close()
    response.close()


# -- account page and command line ----------------------------------------------------------


def test_account_page_creates_shows_once_and_revokes_tokens(client, login_as, world):
    login_as("member_a")
    page = client.get("/account/tokens/")
    assert page.status_code == 200 and "You have no API tokens yet" in page.get_data(as_text=True)
    created = client.post("/account/tokens/", data={"name": "nightly sync"})
    html = created.get_data(as_text=True)
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.name == "nightly sync"))
    plaintext = html.split('id="new-token" value="')[1].split('"')[0]
    assert plaintext.startswith(token.prefix) and hash_token(plaintext) == token.token_hash
    assert plaintext not in client.get("/account/tokens/").get_data(as_text=True)
    bearer = {"Authorization": f"Bearer {plaintext}"}
    assert client.get("/api/v1/me", headers=bearer).get_json()["id"] == world.member_a.id
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 302
    _problem(client.get("/api/v1/me", headers=bearer), 401)
    assert client.post("/account/tokens/", data={"name": ""}).status_code == 422


def test_nobody_revokes_someone_elses_token(client, login_as, world):
    token, plaintext = create_token(world.member_b, "b's")
    db.session.commit()
    login_as("member_a")
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    assert db.session.get(ApiToken, token.id).revoked_at is None


def test_account_page_links_to_tokens(client, login_as, world):
    login_as("city")
    assert "/account/tokens/" in client.get("/account").get_data(as_text=True)


def test_cli_prints_a_token_once(runner, world):
    result = runner.invoke(args=["users", "token", "A@example.org", "--name", "etl"])
    assert result.exit_code == 0, result.output
    plaintext = result.stdout.strip().splitlines()[-1]
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.name == "etl"))
    assert token.user_id == world.member_a.id and hash_token(plaintext) == token.token_hash
    unknown = runner.invoke(args=["users", "token", "nobody@example.org"])
    assert unknown.exit_code != 0 and "no account" in unknown.output
