"""CSRF, cookies, headers, session rotation, sign-out, login throttling."""

import pytest

from tests.conftest import PASSWORD


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


def test_secure_cookies_setting_covers_the_remember_me_cookie(strict_app_factory, monkeypatch):
    monkeypatch.setenv("YPMATCH_SECURE_COOKIES", "1")
    app = strict_app_factory()
    client = app.test_client()
    page = client.get("/login", base_url="https://localhost").get_data(as_text=True)
    marker = 'name="csrf_token" type="hidden" value="'
    token = page[page.index(marker) + len(marker):].split('"', 1)[0]
    response = client.post("/login", data={"email": "curator@example.org", "password": PASSWORD,
                                           "csrf_token": token, "remember": "y"},
                           base_url="https://localhost",
                           headers={"Referer": "https://localhost/login"})
    cookies = {cookie.split("=", 1)[0]: cookie for cookie in response.headers.getlist("Set-Cookie")}
    assert {"session", "remember_token", "ypmatch_known_browser"} <= set(cookies)
    for cookie in cookies.values():
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Expires" in cookies["remember_token"]


def test_signed_in_pages_are_never_cached(client, login_as):
    assert "no-store" not in client.get("/needs/").headers.get("Cache-Control", "")
    login_as("admin")
    for url in ("/account", "/admin/users", "/needs/", "/api/v1/needs"):
        response = client.get(url)
        assert response.headers["Cache-Control"] == "no-store", url
    static = client.get("/static/css/app.css")
    static.close()
    assert static.headers.get("Cache-Control") != "no-store"


def test_idle_sessions_end(app, client, login_as, mail):
    login_as("curator")
    assert client.get("/account").status_code == 200
    mail.advance(hours=7)
    assert client.get("/account").status_code == 200  # activity keeps it going
    mail.advance(hours=8, minutes=1)
    response = client.get("/account")
    assert response.status_code == 302 and "/login" in response.location
    assert "without activity" in client.get("/login").get_data(as_text=True)


def test_remembered_sessions_end_after_the_remember_period(app, client, world, mail):
    client.post("/login", data={"email": world.curator.email, "password": PASSWORD,
                                "remember": "y"})
    mail.advance(hours=20)
    assert client.get("/account").status_code == 200
    mail.advance(days=15)
    assert client.get("/account").status_code == 302


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
