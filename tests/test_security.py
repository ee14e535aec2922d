"""CSRF, cookies, headers, session rotation, sign-out, login throttling."""

import pytest
from sqlalchemy.pool import StaticPool

from tests.conftest import PASSWORD, IsolatedRequestClient
from ypmatch import create_app
from ypmatch.extensions import db
from ypmatch.services.accounts import create_user


@pytest.fixture
def strict_app(tmp_path):
    """An app of its own with CSRF and rate limiting on, as in production."""
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "strict",
        "SQLALCHEMY_DATABASE_URI": "sqlite://",
        "SQLALCHEMY_ENGINE_OPTIONS": {"poolclass": StaticPool,
                                      "connect_args": {"check_same_thread": False}},
        "INSTANCE_PATH": str(tmp_path),
        "WTF_CSRF_ENABLED": True,
        "RATELIMIT_ENABLED": True,
        "MAIL_SEND_AFTER_REQUEST": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    })
    app.test_client_class = IsolatedRequestClient
    with app.app_context():
        db.create_all()
        create_user("curator@example.org", PASSWORD, "curator", None, name="Curator")
        db.session.commit()
        yield app
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def _csrf_token(client, url: str) -> str:
    page = client.get(url).get_data(as_text=True)
    marker = 'name="csrf_token" type="hidden" value="'
    start = page.index(marker) + len(marker)
    return page[start:page.index('"', start)]


def test_state_changing_requests_need_the_csrf_token(strict_app):
    client = strict_app.test_client()
    response = client.post("/login", data={"email": "curator@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert "Form expired" in response.get_data(as_text=True)
    token = _csrf_token(client, "/login")
    response = client.post("/login", data={"email": "curator@example.org", "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302
    # Signed in, a POST without the token is still refused.
    assert client.post("/cities/new", data={"name_en": "X", "country_code": "PH"}
                       ).status_code == 400
    assert client.post("/language", data={"language": "ja"}).status_code == 400
    assert client.post("/logout").status_code == 400


def test_session_is_renewed_at_sign_in_and_dead_after_sign_out(strict_app):
    client = strict_app.test_client()
    token = _csrf_token(client, "/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    client.post("/login", data={"email": "curator@example.org", "password": PASSWORD,
                                "csrf_token": token})
    with client.session_transaction() as session:
        assert "planted" not in session
        stolen = dict(session)
    logout_token = _csrf_token(client, "/account")
    response = client.post("/logout", data={"csrf_token": logout_token})
    assert response.status_code == 302, response.get_data(as_text=True)
    thief = strict_app.test_client()
    with thief.session_transaction() as session:
        session.update(stolen)
    assert thief.get("/cities/new").status_code == 302  # back to sign-in


def test_cookies_are_http_only_and_same_site(strict_app):
    client = strict_app.test_client()
    token = _csrf_token(client, "/login")
    response = client.post("/login", data={"email": "curator@example.org", "password": PASSWORD,
                                           "csrf_token": token, "remember": "y"})
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies
    for cookie in cookies:
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_failed_sign_ins_are_throttled_per_account(strict_app):
    client = strict_app.test_client()
    token = _csrf_token(client, "/login")
    statuses = []
    for attempt in range(12):
        response = client.post(
            "/login",
            data={"email": "curator@example.org", "password": "wrong", "csrf_token": token},
            environ_base={"REMOTE_ADDR": f"10.0.0.{attempt}"},  # a different address each time
        )
        statuses.append(response.status_code)
    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429, 429]
    assert "Too many attempts" in response.get_data(as_text=True)


def test_failed_sign_ins_are_throttled_per_address(strict_app):
    client = strict_app.test_client()
    token = _csrf_token(client, "/login")
    statuses = [
        client.post("/login", data={"email": f"user{n}@example.org", "password": "x",
                                    "csrf_token": token}).status_code
        for n in range(22)
    ]
    assert statuses.count(429) == 2


@pytest.mark.parametrize("url", ["/", "/needs/", "/login", "/cities/", "/does-not-exist",
                                 "/static/css/app.css"])
def test_security_headers(client, url):
    response = client.get(url)
    response.close()
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert "script-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
