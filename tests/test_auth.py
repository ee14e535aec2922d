"""Sign-in, lockout, sign-up and review, sessions, the language switch."""

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from tests.conftest import PASSWORD
from ypmatch.extensions import db
from ypmatch.models import Company, User
from ypmatch.services.accounts import create_user


def test_production_hashes_passwords_with_scrypt(app, world):
    app.config["PASSWORD_HASH_METHOD"] = "scrypt"
    try:
        user = create_user("hash@example.org", PASSWORD, "curator", None)
    finally:
        app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"
    assert user.password_hash.startswith("scrypt:")
    assert PASSWORD not in user.password_hash
    assert user.check_password(PASSWORD)


def test_wrong_password_and_unknown_email_get_the_same_answer(client, world):
    wrong = client.post("/login", data={"email": world.curator.email, "password": "nope"})
    unknown = client.post("/login", data={"email": "ghost@example.org", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert "Email or password is wrong" in wrong.get_data(as_text=True)
    assert "Email or password is wrong" in unknown.get_data(as_text=True)


def test_login_does_not_redirect_elsewhere(client, world):
    response = client.post(
        "/login?next=https://evil.example/", data={"email": world.curator.email,
                                                   "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_logout_needs_post_and_ends_the_session(client, auth, world):
    auth.login(world.curator.email)
    assert client.get("/logout").status_code == 405
    client.post("/logout")
    assert client.get("/cities/new").status_code == 302


def test_changing_the_password_signs_out_other_sessions(app, world):
    first, second = app.test_client(), app.test_client()
    for browser in (first, second):
        browser.post("/login", data={"email": world.member_a.email, "password": PASSWORD})
    response = first.post(
        "/account/password",
        data={"pw-current_password": PASSWORD, "pw-new_password": "a-brand-new-password",
              "pw-new_password_again": "a-brand-new-password"},
    )
    assert response.status_code == 302
    assert first.get("/account").status_code == 200
    assert second.get("/account").status_code == 302  # sent to sign in again


def test_deactivated_account_cannot_sign_in(client, auth, world):
    world.member_b.active = False
    db.session.commit()
    assert auth.login(world.member_b.email).status_code == 401


def test_sign_up_review_and_first_technology(app, world):
    company_browser, curator_browser = app.test_client(), app.test_client()
    response = company_browser.post(
        "/signup",
        data={"name_ja": "金沢ウォーターテック株式会社", "name_en": "Kanazawa Watertech",
              "ward": "Kanazawa-ku", "size": "small", "website": "https://example.jp/kwt",
              "overseas_countries": ["VN", "PH"], "yport_member": "y",
              "person_name": "Yamada", "email": "yamada@example.org",
              "password": "long-password-1", "password_again": "long-password-1"},
    )
    assert response.status_code == 302
    company = db.session.scalar(sa.select(Company).where(Company.name_en == "Kanazawa Watertech"))
    assert company.approval_status == "pending"
    assert company.overseas_countries == ["PH", "VN"]
    assert company.yport_member is False  # only the bureau grants the Y-PORT badge
    new_tech = f"/companies/{company.id}/technologies/new"
    assert company_browser.get(new_tech).status_code == 403

    curator_browser.post("/login", data={"email": world.curator.email, "password": PASSWORD})
    queue = curator_browser.get("/companies/review").get_data(as_text=True)
    assert "金沢ウォーターテック株式会社" in queue or "Kanazawa Watertech" in queue
    curator_browser.post(f"/companies/{company.id}/review",
                         data={"decision": "approve", "reason": "Welcome"})

    assert company_browser.get(new_tech).status_code == 200
    response = company_browser.post(
        new_tech, data={"title_ja": "小型浄水装置", "description_ja": "膜ろ過による小規模浄水。"}
    )
    assert response.status_code == 302
    page = company_browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "小型浄水装置" in page


def test_sign_up_with_a_known_email_does_not_reveal_the_account(client, world):
    response = client.post(
        "/signup",
        data={"name_en": "Copycat", "size": "small", "person_name": "X",
              "email": world.curator.email, "password": "long-password-1",
              "password_again": "long-password-1"},
    )
    assert response.status_code == 422
    assert "could not create an account" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(Company).where(Company.name_en == "Copycat")) is None


def test_language_switch_and_browser_default(client, world):
    page = client.get("/", headers={"Accept-Language": "ja,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="ja">' in page
    response = client.post("/language", data={"language": "en", "next": "/needs/"})
    assert response.headers["Location"] == "/needs/"
    page = client.get("/", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert '<html lang="en">' in page
    evil = client.post("/language", data={"language": "ja", "next": "//evil.example"})
    assert evil.headers["Location"] == "/"


def test_signed_in_language_choice_is_remembered_on_the_account(client, auth, world):
    auth.login(world.member_a.email)
    client.post("/language", data={"language": "ja"})
    db.session.expire_all()
    assert db.session.get(User, world.member_a.id).locale == "ja"


def test_admin_creates_and_changes_accounts(client, auth, world):
    auth.login(world.admin.email)
    response = client.post(
        "/admin/users/new",
        data={"email": "focal@example.org", "role": "city", "city_id": world.danang.id,
              "company_id": "0", "name": "Da Nang DONRE", "active": "y"},
    )
    assert response.status_code == 302
    assert "one-time password" in client.get("/admin/users").get_data(as_text=True)
    user = db.session.scalar(sa.select(User).where(User.email == "focal@example.org"))
    assert user.city_id == world.danang.id
    response = client.post(
        f"/admin/users/{user.id}/edit",
        data={"email": "focal@example.org", "role": "curator", "city_id": "0",
              "company_id": "0", "name": "Promoted", "active": "y"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert user.role == "curator" and user.city_id is None
    # An admin cannot lock themselves out.
    response = client.post(
        f"/admin/users/{world.admin.id}/edit",
        data={"email": world.admin.email, "role": "curator", "city_id": "0", "company_id": "0",
              "active": "y"},
    )
    assert response.status_code == 422


def test_hash_helper_is_not_used_with_plain_text():
    assert generate_password_hash("x", method="pbkdf2:sha256:1000") != "x"


def test_a_visitor_with_a_link_to_a_need_for_companies_signs_in_and_returns(client, world):
    need = world.members_need
    response = client.get(f"/needs/{need.id}")
    assert response.status_code == 302 and "/login" in response.location
    assert "Please sign in" in client.get(response.location).get_data(as_text=True)
    back = client.post(response.location, data={"email": world.member_a.email,
                                                 "password": PASSWORD})
    assert back.status_code == 302 and back.location.endswith(f"/needs/{need.id}")
    assert "Landfill leachate" in client.get(back.location).get_data(as_text=True)
    client.post("/logout")
    # An internal need stays missing.
    assert client.get(f"/needs/{world.internal_need.id}").status_code == 404
