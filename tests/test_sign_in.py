"""Sign-in throttling: guessers are slowed, the account's owner is never locked out."""

import os

import pytest
import sqlalchemy as sa

from tests.conftest import PASSWORD
from ypmatch.extensions import db
from ypmatch.models import OutgoingMessage, SignInThrottle
from ypmatch.services import sign_in
from ypmatch.services.jobs import run_jobs
from ypmatch.services.mail import send_queued
from ypmatch.views.auth import KNOWN_BROWSER_COOKIE


def _post(client, email, password, address="192.0.2.10"):
    return client.post(
        "/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def test_wrong_passwords_slow_that_address_only(app, client, world, mail):
    # LOGIN_MAX_FAILURES is 3 in the test settings.
    email = world.curator.email
    for _ in range(3):
        assert _post(client, email, "wrong").status_code == 401
    # That address waits, even with the right password ...
    assert _post(client, email, PASSWORD).status_code == 401
    # ... but the owner elsewhere signs in at once: nobody is locked out.
    other = app.test_client()
    assert _post(other, email, PASSWORD, address="198.51.100.7").status_code == 302
    # The wait is 30 s and doubles with each further failure.
    mail.advance(seconds=31)
    assert _post(client, email, "wrong").status_code == 401
    mail.advance(seconds=31)
    assert _post(client, email, PASSWORD).status_code == 401
    mail.advance(seconds=30)
    assert _post(client, email, PASSWORD).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SignInThrottle)) == 0


def test_guesses_from_many_addresses_hold_back_new_browsers_not_the_owners(
    app, client, world, mail, smtp_server, monkeypatch
):
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_MAX_FAILURES", 6)
    email = world.member_b.email
    owner = app.test_client()
    assert _post(owner, email, PASSWORD, address="198.51.100.7").status_code == 302
    assert owner.get_cookie(KNOWN_BROWSER_COOKIE) is not None
    owner.post("/logout")
    for n in range(6):  # one guess from each of many addresses
        assert _post(client, email, f"guess {n}", address=f"203.0.113.{n}").status_code == 401
    # A browser the owner never used waits, whatever the address ...
    newcomer = app.test_client()
    assert _post(newcomer, email, PASSWORD, address="192.0.2.99").status_code == 401
    # ... the owner's own browser does not.
    assert _post(owner, email, PASSWORD, address="192.0.2.77").status_code == 302
    owner.post("/logout")
    # The owner was emailed a link that lets the new browser in too, once.
    send_queued(mail())
    [message] = [m for m in smtp_server.messages if m["To"] == email]
    assert message["Subject"] in ("Someone is trying to sign in to your ypmatch account",
                                  "ypmatch アカウントへのサインインが試みられています")
    link = next(line for line in message.get_content().splitlines() if "/login/unlock/" in line)
    path = link[link.index("/login/unlock/") :].strip()
    # The owner's sign-in above ended the wait: the link has done its work already.
    assert newcomer.get(path).status_code == 400
    for n in range(6):
        _post(client, email, f"guess {n}", address=f"203.0.113.{n}")
    send_queued(mail())
    link = next(
        line
        for line in smtp_server.messages[-1].get_content().splitlines()
        if "/login/unlock/" in line
    )
    path = link[link.index("/login/unlock/") :].strip()
    assert newcomer.get(path).status_code == 302
    assert _post(newcomer, email, PASSWORD, address="192.0.2.99").status_code == 302
    assert newcomer.get(path).status_code == 400  # used


def test_unknown_addresses_cost_a_password_hash_too(client, world, monkeypatch):
    checked = []
    real_check = sign_in.check_password_hash

    def counting_check(hash_value, password):
        checked.append(password)
        return real_check(hash_value, password)

    monkeypatch.setattr(sign_in, "check_password_hash", counting_check)
    assert _post(client, "ghost@example.org", "a guess").status_code == 401
    assert checked == ["a guess"]


def test_old_failures_are_forgotten_by_the_jobs(app, client, world, mail):
    _post(client, world.curator.email, "wrong")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SignInThrottle)) == 1
    mail.advance(days=2)
    assert run_jobs(mail(), send=False).forgotten_sign_in_failures == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutgoingMessage)) == 0


@pytest.fixture
def proxied_app(strict_app_factory):
    return strict_app_factory(PROXY_FIX=1)


def test_behind_a_proxy_each_client_is_throttled_on_its_own(proxied_app):
    client = proxied_app.test_client()
    behind_proxy = {"REMOTE_ADDR": "10.0.0.1"}
    token = _csrf(client)
    for n in range(22):
        client.post(
            "/login",
            data={"email": f"made-up-{n}@example.org", "password": "x", "csrf_token": token},
            headers={"X-Forwarded-For": "203.0.113.5"},
            environ_base=behind_proxy,
        )
    response = client.post(
        "/login",
        data={"email": "curator@example.org", "password": PASSWORD, "csrf_token": token},
        headers={"X-Forwarded-For": "198.51.100.7"},
        environ_base=behind_proxy,
    )
    assert response.status_code == 302


def _csrf(client) -> str:
    page = client.get("/login").get_data(as_text=True)
    marker = 'name="csrf_token" type="hidden" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


REDIS_URL = os.environ.get("YPMATCH_TEST_REDIS_URL", "")


@pytest.mark.skipif(not REDIS_URL, reason="needs YPMATCH_TEST_REDIS_URL (a Redis server)")
def test_rate_limits_are_shared_by_hosts_through_redis(strict_app_factory):
    """The production settings in README: two hosts (two apps) count one client's failed
    sign-ins together when the limiter stores its counts in Redis."""
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    settings = {"RATELIMIT_STORAGE_URI": REDIS_URL, "PROXY_FIX": 1}
    hosts = [strict_app_factory(**settings), strict_app_factory(**settings)]
    clients = [host.test_client() for host in hosts]
    tokens = [_csrf(client) for client in clients]
    statuses = []
    for attempt in range(21):
        host = attempt % 2
        with hosts[host].app_context():
            response = clients[host].post(
                "/login",
                data={"email": f"ghost{attempt}@example.org", "password": "x",
                      "csrf_token": tokens[host]},
                headers={"X-Forwarded-For": "203.0.113.9"},
                environ_base={"REMOTE_ADDR": "10.0.0.1"},
            )
        statuses.append(response.status_code)
    assert statuses[:20] == [401] * 20
    assert statuses[20] == 429
