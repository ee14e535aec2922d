"""Role and ownership rules, route by route, for every kind of user."""

from datetime import date

import pytest
import sqlalchemy as sa

from tests.conftest import ROLES
from ypmatch.extensions import db
from ypmatch.models import Mission, MissionCompany, User
from ypmatch.services.tokens import create_token

LOGIN = 302  # anonymous users are sent to the sign-in page

# url template -> expected status per role, in the order of ROLES:
# anonymous, member of A, member of B, city focal point (Cebu), curator, admin
GET_MATRIX = {
    "/needs/{public_need}": (200, 200, 200, 200, 200, 200),
    "/needs/{members_need}": (LOGIN, 200, 200, 200, 200, 200),  # a visitor is asked to sign in
    "/needs/{internal_need}": (404, 404, 404, 200, 200, 200),
    "/needs/{draft_need}": (404, 404, 404, 200, 200, 200),
    "/needs/{public_need}/edit": (LOGIN, 403, 403, 403, 200, 200),
    "/needs/{draft_need}/edit": (LOGIN, 404, 404, 200, 200, 200),
    "/needs/{public_need}/history": (LOGIN, 403, 403, 403, 200, 200),
    "/needs/new": (LOGIN, 403, 403, 200, 200, 200),
    # Every page of a record one may not see is missing, not forbidden.
    "/needs/{internal_need}/edit": (LOGIN, 404, 404, 403, 200, 200),
    "/needs/{internal_need}/history": (LOGIN, 404, 404, 403, 200, 200),
    "/needs/{draft_need}/history": (LOGIN, 404, 404, 200, 200, 200),
    "/companies/{pending_company}/edit": (LOGIN, 404, 404, 404, 200, 200),
    "/companies/{pending_company}/history": (LOGIN, 404, 404, 404, 200, 200),
    "/companies/{pending_company}/technologies/new": (LOGIN, 404, 404, 404, 200, 200),
    "/companies/{pending_company}/members": (LOGIN, 404, 404, 404, 200, 200),
    "/cities/{cebu}": (200, 200, 200, 200, 200, 200),
    "/cities/new": (LOGIN, 403, 403, 403, 200, 200),
    "/cities/{cebu}/edit": (LOGIN, 403, 403, 403, 200, 200),
    "/cities/{cebu}/history": (LOGIN, 403, 403, 403, 200, 200),
    "/sectors/": (200, 200, 200, 200, 200, 200),
    "/sectors/new": (LOGIN, 403, 403, 403, 200, 200),
    "/sectors/{water}/edit": (LOGIN, 403, 403, 403, 200, 200),
    "/companies/{company_a}": (200, 200, 200, 200, 200, 200),
    "/companies/{company_a}/edit": (LOGIN, 200, 403, 403, 200, 200),
    "/companies/{company_a}/history": (LOGIN, 200, 403, 403, 200, 200),
    "/companies/{company_a}/technologies/new": (LOGIN, 200, 403, 403, 200, 200),
    "/companies/{company_a}/technologies/{technology_a}": (200, 200, 200, 200, 200, 200),
    "/companies/{company_a}/technologies/{technology_a}/edit": (LOGIN, 200, 403, 403, 200, 200),
    "/companies/{company_b}/technologies/{technology_a}": (404, 404, 404, 404, 404, 404),
    "/companies/{pending_company}": (404, 404, 404, 404, 200, 200),
    "/companies/review": (LOGIN, 403, 403, 403, 200, 200),
    "/admin/users": (LOGIN, 403, 403, 403, 403, 200),
    "/admin/users/new": (LOGIN, 403, 403, 403, 403, 200),
    "/account": (LOGIN, 200, 200, 200, 200, 200),
}


def _ids(world) -> dict[str, int]:
    return {
        name: getattr(world, name).id
        for name in (
            "public_need", "members_need", "internal_need", "draft_need", "cebu", "water",
            "company_a", "company_b", "pending_company", "technology_a",
        )
    }


@pytest.mark.parametrize("role_index,role", list(enumerate(ROLES)))
def test_get_matrix(client, login_as, world, role_index, role):
    login_as(role)
    ids = _ids(world)
    failures = []
    for template, expected in GET_MATRIX.items():
        url = template.format(**ids)
        status = client.get(url).status_code
        if status != expected[role_index]:
            failures.append(f"{url}: expected {expected[role_index]}, got {status}")
    assert failures == []


# State-changing routes: who may post, and the record must stay untouched for the others.
POST_MATRIX = {
    "/needs/{public_need}/status": ({"status": "closed"}, (LOGIN, 403, 403, 403, 302, 302)),
    "/needs/{public_need}/archive": ({}, (LOGIN, 403, 403, 403, 302, 302)),
    "/cities/{cebu}/archive": ({}, (LOGIN, 403, 403, 403, 302, 302)),
    "/companies/{company_a}/archive": ({}, (LOGIN, 403, 403, 403, 302, 302)),
    "/companies/{company_a}/technologies/{technology_a}/archive": (
        {}, (LOGIN, 302, 403, 403, 302, 302)),
    "/companies/{pending_company}/review": (
        {"decision": "approve", "reason": ""}, (LOGIN, 403, 403, 403, 302, 302)),
}


@pytest.mark.parametrize("url_template", list(POST_MATRIX))
@pytest.mark.parametrize("role_index,role", list(enumerate(ROLES)))
def test_post_matrix(client, login_as, world, role_index, role, url_template):
    login_as(role)
    data, expected = POST_MATRIX[url_template]
    url = url_template.format(**_ids(world))
    response = client.post(url, data=data)
    assert response.status_code == expected[role_index], url
    refused = role == "anonymous" or expected[role_index] == 403
    if refused:
        if role == "anonymous":
            assert "/login" in response.headers["Location"]
        db.session.expire_all()
        assert world.public_need.status == "published"
        assert world.public_need.archived_at is None
        assert world.cebu.archived_at is None
        assert world.company_a.archived_at is None
        assert world.technology_a.archived_at is None
        assert world.pending_company.approval_status == "pending"


def test_member_cannot_edit_another_company(client, login_as, world):
    login_as("member_b")
    response = client.post(
        f"/companies/{world.company_a.id}/edit",
        data={"name_en": "Taken over", "size": "small", "version": world.company_a.version},
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert world.company_a.name_en == "Kohoku Aqua"


def test_pending_company_member_cannot_add_technologies(client, auth, world):
    auth.login(world.pending_member.email)
    response = client.get(f"/companies/{world.pending_company.id}/technologies/new")
    assert response.status_code == 403
    # ...but sees their own company's page with its review status.
    response = client.get(f"/companies/{world.pending_company.id}")
    assert response.status_code == 200
    assert "Awaiting review" in response.get_data(as_text=True)


def test_focal_point_cannot_create_needs_for_another_city(client, login_as, world):
    login_as("city")
    response = client.post(
        "/needs/new",
        data={"city_id": world.danang.id, "title_en": "Bus lanes", "description_en": "BRT",
              "status": "published", "visibility": "public"},
    )
    # Only their own city is offered; another city is not a valid choice.
    assert response.status_code == 422
    response = client.post(
        "/needs/new",
        data={"city_id": world.cebu.id, "title_en": "Bus lanes", "description_en": "BRT",
              "status": "published", "visibility": "public"},
    )
    assert response.status_code == 302
    from ypmatch.models import Need

    need = db.session.scalar(db.select(Need).where(Need.title_en == "Bus lanes"))
    assert need.city_id == world.cebu.id
    assert need.status == "draft"  # focal points submit drafts; the bureau publishes


def test_needs_list_respects_visibility(client, login_as, world):
    text = client.get("/needs/").get_data(as_text=True)
    assert "Reduce non-revenue water" in text
    assert "Landfill leachate" not in text
    assert "Draft drainage need" not in text
    login_as("member_a")
    text = client.get("/needs/").get_data(as_text=True)
    assert "Landfill leachate" in text
    assert "Internal note on septage" not in text


@pytest.fixture
def mission_with_hidden_needs(world):
    """A Cebu mission holding a public, a companies-only and an internal need; company B
    is invited, company A only proposed on the shortlist."""
    members_need = world.members_need
    members_need.city_id = world.cebu.id
    mission = Mission(city_id=world.cebu.id, title="Cebu survey", notes="Hotel: Marco Polo",
                      start_date=date(2027, 2, 8), end_date=date(2027, 2, 12),
                      needs=[world.public_need, members_need, world.internal_need])
    db.session.add(mission)
    db.session.flush()
    db.session.add_all([
        MissionCompany(mission_id=mission.id, company_id=world.company_b.id, state="invited"),
        MissionCompany(mission_id=mission.id, company_id=world.company_a.id, state="proposed"),
        MissionCompany(mission_id=mission.id, company_id=world.pending_company.id,
                       state="invited"),
    ])
    db.session.commit()
    return mission


def _api_get(client, user, path):
    _token, plaintext = create_token(user, "probe")
    db.session.commit()
    return client.get(f"/api/v1{path}", headers={"Authorization": f"Bearer {plaintext}"})


@pytest.mark.parametrize("who", ["pending_member", "fresh_signup", "member_a"])
def test_missions_are_hidden_from_accounts_not_invited(client, auth, world,
                                                        mission_with_hidden_needs, who):
    mission = mission_with_hidden_needs
    if who == "fresh_signup":
        response = client.post("/signup", data={
            "name_en": "New Co", "size": "small", "person_name": "New",
            "email": "new@example.org", "password": "long-password-1",
            "password_again": "long-password-1"})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        user = db.session.scalar(sa.select(User).where(User.email == "new@example.org"))
    else:
        user = getattr(world, who)
        auth.login(user.email)
    for path in (f"/missions/{mission.id}", f"/missions/{mission.id}/calendar.ics"):
        assert client.get(path).status_code == 404, path
    listing = client.get("/missions/").get_data(as_text=True)
    assert "Cebu survey" not in listing
    assert _api_get(client, user, f"/missions/{mission.id}").status_code == 404
    assert _api_get(client, user, "/missions").get_json()["items"] == []


def test_invited_company_sees_only_the_needs_it_may_see(client, login_as, world,
                                                        mission_with_hidden_needs):
    mission = mission_with_hidden_needs
    user = login_as("member_b")
    page = client.get(f"/missions/{mission.id}").get_data(as_text=True)
    assert "Reduce non-revenue water" in page and "Landfill leachate" in page
    assert "Internal note on septage" not in page
    assert "Marco Polo" in client.get(f"/missions/{mission.id}/calendar.ics").get_data(
        as_text=True)
    data = _api_get(client, user, f"/missions/{mission.id}").get_json()
    assert {need["id"] for need in data["needs"]} == {world.public_need.id,
                                                      world.members_need.id}
    assert data["shortlist"] is None
    assert [item["id"] for item in _api_get(client, user, "/missions").get_json()["items"]] == [
        mission.id]


@pytest.mark.parametrize("who", ["city", "curator"])
def test_bureau_and_focal_point_see_every_need_of_the_mission(client, login_as, world,
                                                              mission_with_hidden_needs, who):
    mission = mission_with_hidden_needs
    user = login_as(who)
    page = client.get(f"/missions/{mission.id}").get_data(as_text=True)
    assert "Internal note on septage" in page
    data = _api_get(client, user, f"/missions/{mission.id}").get_json()
    assert len(data["needs"]) == 3 and data["shortlist"] is not None


def test_only_the_bureau_sets_the_y_port_badge(client, login_as, world):
    company = world.company_a
    form = {"name_en": "Kohoku Aqua", "name_ja": "港北アクア株式会社", "size": "small",
            "yport_member": "y", "version": str(company.version)}
    user = login_as("member_a")
    assert "Y-PORT Center" not in client.get(f"/companies/{company.id}/edit").get_data(
        as_text=True)
    assert client.post(f"/companies/{company.id}/edit", data=form).status_code == 302
    db.session.expire_all()
    assert company.yport_member is False
    response = client.patch(
        f"/api/v1/companies/{company.id}", json={"yport_member": True, "version": company.version},
        headers={"Authorization": f"Bearer {create_token(user, 'badge')[1]}"})
    assert response.status_code == 422 and "yport_member" in response.get_json()["errors"]
    client.post("/logout")
    login_as("curator")
    form["version"] = str(company.version)
    assert client.post(f"/companies/{company.id}/edit", data=form).status_code == 302
    db.session.expire_all()
    assert company.yport_member is True


def test_a_company_awaiting_review_fixes_its_own_sign_up(client, auth, world):
    company = world.pending_company
    auth.login(world.pending_member.email)
    page = client.get(f"/companies/{company.id}").get_data(as_text=True)
    assert "Edit profile" in page and "Add a technology" not in page
    response = client.post(f"/companies/{company.id}/edit", data={
        "name_en": "Pending Works Ltd.", "size": "small", "version": str(company.version)})
    assert response.status_code == 302
    db.session.expire_all()
    assert company.name_en == "Pending Works Ltd." and company.approval_status == "pending"
    assert client.get(f"/companies/{company.id}/technologies/new").status_code == 403
