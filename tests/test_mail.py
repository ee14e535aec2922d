"""Email over real SMTP: alerts in the member's language, digests, the queue, tokens."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import PASSWORD, START
from ypmatch.extensions import db
from ypmatch.models import MessageStatus, Need, NeedStatus, Outcome, OutgoingMessage, Visibility
from ypmatch.services.jobs import run_jobs
from ypmatch.services.mail import send_queued


@pytest.fixture
def members(world):
    for user in (world.member_a, world.member_b, world.curator, world.focal_point):
        user.email_confirmed_at = START - timedelta(days=30)
    world.member_a.locale = "ja"
    world.member_a.alert_frequency = "daily"
    world.member_b.locale = "en"
    db.session.commit()
    return world


def _publish(client, need: Need) -> None:
    """Publish through the review step, telling every company it proposes. (The test adds
    its needs directly, so it tells the matcher, as the services do.)"""
    from ypmatch.services.records import mark_matcher_inputs_changed

    mark_matcher_inputs_changed()
    db.session.commit()
    review = client.get(f"/needs/{need.id}/publish").get_data(as_text=True)
    values = re.findall(r'name="notify" value="(\d+)"', review)
    assert client.post(f"/needs/{need.id}/publish", data={"notify": values}).status_code == 302


def _publish_leak_need(client, world) -> Need:
    need = Need(city_id=world.cebu.id, title_en="Leak detection for Mandaue",
                description_en="Non-revenue water reduction with leak detection.",
                status=NeedStatus.DRAFT, visibility=Visibility.COMPANIES)
    db.session.add(need)
    db.session.commit()
    response = client.post(f"/needs/{need.id}/status", data={"status": "published"})
    assert response.status_code == 302 and response.location.endswith(f"/needs/{need.id}/publish")
    db.session.refresh(need)
    assert need.status == NeedStatus.DRAFT  # nothing happens before the review
    _publish(client, need)
    return need


def test_publishing_a_need_alerts_the_fitting_company_in_its_language(
    app, client, login_as, members, mail, smtp_server
):
    login_as("curator")
    need = _publish_leak_need(client, members)
    report = run_jobs(mail())
    assert report.digests == 1 and report.sent == 1
    [message] = smtp_server.messages
    assert message["X-Envelope-To"] == members.member_a.email
    assert message["Content-Language"] == "ja"
    body = message.get_content()
    assert "Leak detection for Mandaue" in body
    assert f"/needs/{need.id}" in body
    assert "無収水" in body  # the reason, in Japanese
    assert "[有力]" in body or "[可能性あり]" in body  # the band, in Japanese
    assert "water_supply" not in body  # never a sector key
    assert "件" in message["Subject"]  # Japanese subject
    # An email is not an outcome: the KPI moves only when the bureau confirms the contact.
    assert db.session.scalar(sa.select(Outcome).where(Outcome.need_id == need.id)) is None
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "Companies told about this need" in page
    counted = client.post(f"/needs/{need.id}/contacts/{members.company_a.id}")
    assert counted.status_code == 302
    client.post(f"/needs/{need.id}/contacts/{members.company_a.id}")  # twice: counted once
    outcomes = db.session.scalars(sa.select(Outcome).where(Outcome.need_id == need.id)).all()
    assert [(o.company_id, o.kind) for o in outcomes] == [
        (members.company_a.id, "information_provided")]


def test_at_most_one_digest_per_day_and_opt_out(app, client, login_as, members, mail,
                                                 smtp_server):
    login_as("curator")
    _publish_leak_need(client, members)
    run_jobs(mail())
    second = Need(city_id=members.cebu.id, title_en="Water meters and NRW audit",
                  description_en="District metered areas to cut non-revenue water.",
                  status=NeedStatus.DRAFT, visibility=Visibility.PUBLIC)
    db.session.add(second)
    db.session.commit()
    _publish(client, second)
    mail.advance(hours=3)
    run_jobs(mail())
    assert len(smtp_server.messages) == 1  # the second waits for tomorrow's digest
    mail.advance(days=1)
    run_jobs(mail())
    assert len(smtp_server.messages) == 2
    assert "Water meters" in smtp_server.messages[-1].get_content()

    members.member_a.alert_frequency = "never"
    db.session.commit()
    third = Need(city_id=members.cebu.id, title_en="Leakage control training",
                 description_en="Leak detection and non-revenue water training.",
                 status=NeedStatus.DRAFT, visibility=Visibility.PUBLIC)
    db.session.add(third)
    db.session.commit()
    _publish(client, third)
    mail.advance(days=2)
    run_jobs(mail())
    assert len(smtp_server.messages) == 2


def test_queue_keeps_mail_while_the_server_is_down(app, members, mail, smtp_server):
    from ypmatch.services.mail import queue_message

    queue_message("someone@example.org", "Hello", "Body", "test", mail())
    db.session.commit()
    smtp_server.stop()
    try:
        report = send_queued(mail())
        assert report.deferred == 1 and report.sent == 0
        message = db.session.scalar(sa.select(OutgoingMessage))
        assert message.status == MessageStatus.QUEUED and message.attempts == 1
        assert "Connection" in message.last_error or "refused" in message.last_error.lower()
    finally:
        smtp_server.start()
    assert send_queued(mail()).sent == 0  # not due yet: back-off
    mail.advance(minutes=2)
    assert send_queued(mail()).sent == 1
    assert [m["Subject"] for m in smtp_server.messages] == ["Hello"]


def test_password_reset_end_to_end(app, client, members, mail, smtp_server):
    response = client.post("/password/forgot", data={"email": members.member_b.email})
    assert response.status_code == 302
    unknown = client.post("/password/forgot", data={"email": "nobody@example.org"})
    assert unknown.status_code == 302  # same answer: no account enumeration
    send_queued(mail())
    [message] = smtp_server.messages
    assert message["To"] == members.member_b.email
    link = next(line for line in message.get_content().splitlines() if "/password/reset/" in line)
    path = link[link.index("/password/reset/"):].strip()
    assert client.get(path).status_code == 200
    response = client.post(path, data={"password": "a-new-password-1",
                                       "password_again": "a-new-password-1"})
    assert response.status_code == 302
    assert client.post("/login", data={"email": members.member_b.email,
                                       "password": "a-new-password-1"}).status_code == 302
    client.post("/logout")
    reused = client.get(path)
    assert reused.status_code == 400 and "used already" in reused.get_data(as_text=True)
    tampered = client.get(path[:-3] + "abc")
    assert tampered.status_code == 400 and "not valid" in tampered.get_data(as_text=True)


def test_reset_link_expires(app, client, members, mail, smtp_server):
    client.post("/password/forgot", data={"email": members.member_b.email})
    send_queued(mail())
    body = smtp_server.messages[-1].get_content()
    path = body[body.index("/password/reset/"):].split()[0]
    mail.advance(hours=3)
    expired = client.get(path)
    assert expired.status_code == 400 and "expired" in expired.get_data(as_text=True)


def test_sign_up_sends_a_confirmation_link(app, client, mail, smtp_server, world):
    client.post("/signup", data={
        "name_en": "Confirm Co", "size": "small", "person_name": "Kato",
        "email": "kato@example.org", "password": "long-password-1",
        "password_again": "long-password-1"}, headers={"Accept-Language": "ja"})
    send_queued(mail())
    [message] = smtp_server.messages
    assert message["Content-Language"] == "ja"
    body = message.get_content()
    path = body[body.index("/confirm/"):].split()[0]
    assert client.get(path).status_code == 302
    assert client.get(path).status_code == 400  # used


def test_member_invites_a_colleague(app, client, login_as, members, mail, smtp_server):
    login_as("member_a")
    response = client.post(f"/companies/{members.company_a.id}/members",
                           data={"email": "colleague@example.org", "name": "Colleague"})
    assert response.status_code == 302
    send_queued(mail())
    body = smtp_server.messages[-1].get_content()
    path = body[body.index("/welcome/"):].split()[0]
    client.post("/logout")
    client.post(path, data={"password": "colleague-pass-1", "password_again": "colleague-pass-1"})
    assert client.post("/login", data={"email": "colleague@example.org",
                                       "password": "colleague-pass-1"}).status_code == 302
    assert client.get(f"/companies/{members.company_a.id}/edit").status_code == 200
    client.post("/logout")
    login_as("member_b")
    assert client.post(f"/companies/{members.company_a.id}/members",
                       data={"email": "x@example.org"}).status_code == 403


def test_mission_invitation_reaches_the_company_by_email(app, client, login_as, members, mail,
                                                       smtp_server):
    from ypmatch.models import Mission

    login_as("curator")
    mission = Mission(city_id=members.cebu.id, title="Cebu water mission", slots=3)
    mission.needs = [members.public_need]
    db.session.add(mission)
    db.session.commit()
    client.post(f"/missions/{mission.id}/participants", data={"company_id": members.company_a.id})
    row = mission.participants[0]
    client.post(f"/missions/{mission.id}/participants/{row.id}/invite")
    send_queued(mail())
    message = smtp_server.messages[-1]
    assert message["To"] == members.member_a.email
    assert "Cebu water mission" in message["Subject"]


def test_account_deletion_anonymises_but_keeps_company_history(app, client, members, mail):
    client.post("/login", data={"email": members.member_b.email, "password": PASSWORD})
    response = client.post("/account/delete", data={"password": PASSWORD})
    assert response.status_code == 302
    db.session.expire_all()
    user = members.member_b
    assert user.email.endswith("@deleted.invalid") and user.name == "" and not user.active
    assert client.post("/login", data={"email": "b@example.org",
                                       "password": PASSWORD}).status_code == 401
    assert members.company_b.name_en == "Tsurumi Environment"


def test_stale_profiles_get_one_reminder_a_month(app, members, mail, smtp_server):
    members.company_a.updated_at = START - timedelta(days=400)
    db.session.commit()
    run_jobs(mail())
    run_jobs(mail())
    reminders = [m for m in smtp_server.messages if m["To"] == members.member_a.email]
    assert len(reminders) == 1


def test_needs_past_their_end_date_close_and_curators_hear_of_it(app, members, mail,
                                                                 smtp_server):
    members.public_need.expires_on = (START - timedelta(days=1)).date()
    db.session.commit()
    report = run_jobs(mail())
    assert report.expired_needs == 1
    db.session.expire_all()
    assert members.public_need.status == "closed"
    assert any(m["To"] == members.curator.email for m in smtp_server.messages)


def test_saved_search_alerts_new_needs(app, client, members, mail, smtp_server):
    client.post("/login", data={"email": members.focal_point.email, "password": PASSWORD})
    client.post("/account/searches", data={"name": "Leaks", "target": "needs", "text": "Leak",
                                           "city_id": "0", "sector_id": "0"})
    mail.advance(minutes=5)
    need = Need(city_id=members.danang.id, title_en="Leak survey in Hai Chau",
                description_en="Survey.", status=NeedStatus.PUBLISHED,
                visibility=Visibility.PUBLIC)
    db.session.add(need)
    db.session.commit()
    mail.advance(minutes=5)
    run_jobs(mail())
    assert any("Leak survey in Hai Chau" in m.get_content() for m in smtp_server.messages
               if m["To"] == members.focal_point.email)


def test_digest_lines_show_band_concepts_and_the_quoted_sentence(app, world):
    from flask import render_template

    from ypmatch.services.alerts import AlertLine

    need = db.session.scalars(sa.select(Need)).first()
    line = AlertLine(need, ["non-revenue water"], "strong", "Two thirds of our water is lost.")
    with app.test_request_context():
        body = render_template(
            "email/alert_digest.txt", user=world.member_b, company=world.company_a,
            alerts=[line], base_url="http://127.0.0.1:5000", locale="en",
        )
    assert f"{need.title_en} (" in body and "[Strong fit]" in body
    assert "Why it fits: non-revenue water\n" in body
    assert "  The need says “Two thirds of our water is lost.”\n  http://" in body


def test_a_message_that_cannot_be_built_fails_with_its_reason_and_the_batch_goes_on(
    app, members, mail, smtp_server
):
    from ypmatch.services.mail import queue_message

    broken = queue_message("someone@example.org", "Invitation: Evil\r\nBcc: x@example.org",
                           "Body", "test", mail())
    queue_message("other@example.org", "Fine", "Body", "test", mail())
    db.session.commit()
    report = send_queued(mail())
    assert report.failed == 1 and report.sent == 1
    db.session.refresh(broken)
    assert broken.status == MessageStatus.FAILED
    assert "cannot be built" in broken.last_error
    assert [m["Subject"] for m in smtp_server.messages] == ["Fine"]
    assert send_queued(mail()).failed == 0  # not tried again on the next run


def test_account_deletion_removes_the_person_from_mail_and_written_out_copies(
    app, client, members, mail, monkeypatch
):
    from ypmatch.services.mail import queue_message

    monkeypatch.setitem(app.config, "SMTP_HOST", "")  # written to instance/outbox/
    member = members.member_b
    sent = queue_message(member.email, "Welcome", "Hello Member B, welcome.", "test", mail(),
                         user=member)
    naming = queue_message("colleague@example.org", "Member B invites you",
                           "Member B (b@example.org) added you.", "member_invitation", mail())
    db.session.commit()
    send_queued(mail())
    outbox = Path(app.instance_path) / "outbox"
    assert (outbox / f"{sent.id:06d}.eml").exists()
    waiting = queue_message(member.email, "Later", "Hello Member B", "test", mail(), user=member)
    db.session.commit()

    client.post("/login", data={"email": member.email, "password": PASSWORD})
    assert client.post("/account/delete", data={"password": PASSWORD}).status_code == 302
    db.session.expire_all()
    for message in (sent, naming, waiting):
        text = message.to_address + message.subject + message.body
        assert "b@example.org" not in text and "Member B" not in text, text
        assert not (outbox / f"{message.id:06d}.eml").exists()
    assert waiting.status == MessageStatus.FAILED
    client.post("/login", data={"email": members.admin.email, "password": PASSWORD})
    listing = client.get("/admin/messages").get_data(as_text=True)
    assert "b@example.org" not in listing and "Member B" not in listing


def test_links_in_email_point_where_the_app_is_served(app, client, mail, smtp_server, world,
                                                      monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "")
    monkeypatch.delitem(app.config, "SERVED_BASE_URL", raising=False)
    served = "http://127.0.0.1:5401"
    client.post("/signup", data={
        "name_en": "Port Co", "size": "small", "person_name": "Ito",
        "email": "ito@example.org", "password": "long-password-1",
        "password_again": "long-password-1"}, base_url=served)
    send_queued(mail())
    body = smtp_server.messages[-1].get_content()
    link = next(word for word in body.split() if "/confirm/" in word)
    assert link.startswith(served + "/confirm/"), link
    assert client.get(link).status_code == 302  # the link opens on that port


def test_a_host_header_from_elsewhere_never_makes_the_links(app, client, mail, smtp_server,
                                                            members, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "")
    monkeypatch.delitem(app.config, "SERVED_BASE_URL", raising=False)
    client.post("/password/forgot", data={"email": members.member_b.email},
                base_url="http://evil.example")
    send_queued(mail())
    body = smtp_server.messages[-1].get_content()
    assert "evil.example" not in body and "/password/reset/" in body


def test_the_configured_base_url_wins(app, client, mail, smtp_server, members, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "https://ypmatch.example.jp/")
    client.post("/password/forgot", data={"email": members.member_b.email},
                base_url="http://127.0.0.1:5401")
    send_queued(mail())
    assert "https://ypmatch.example.jp/password/reset/" in smtp_server.messages[-1].get_content()


def test_publishing_shows_whom_it_tells_and_the_email_and_tells_only_those_chosen(
    app, client, login_as, members, mail, smtp_server
):
    from ypmatch.models import PendingAlert
    from ypmatch.services.records import mark_matcher_inputs_changed

    login_as("curator")
    need = Need(city_id=members.cebu.id, title_en="Leak detection for Talisay",
                description_en="Non-revenue water reduction with leak detection.",
                status=NeedStatus.DRAFT, visibility=Visibility.PUBLIC)
    db.session.add(need)
    mark_matcher_inputs_changed()
    db.session.commit()
    review = client.get(f"/needs/{need.id}/publish").get_data(as_text=True)
    assert "fit this need well enough to be told" in review or "fits this need" in review
    assert "Kohoku Aqua" in review or "港北アクア株式会社" in review
    assert "The email, as" in review and "Leak detection for Talisay" in review  # the preview
    assert "/needs/" in review.split("The email, as", 1)[1]  # with the link it will carry
    # Choose nobody: published, nobody told, nothing counted.
    assert client.post(f"/needs/{need.id}/publish", data={}).status_code == 302
    db.session.refresh(need)
    assert need.status == NeedStatus.PUBLISHED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PendingAlert).where(
        PendingAlert.need_id == need.id)) == 0
    run_jobs(mail())
    assert smtp_server.messages == []
    # Later, from the same page, tell one company.
    client.post(f"/needs/{need.id}/publish", data={"notify": [members.company_a.id]})
    alerts = db.session.scalars(sa.select(PendingAlert).where(PendingAlert.need_id == need.id))
    assert {alert.company_id for alert in alerts} == {members.company_a.id}


def test_a_need_saved_as_published_goes_to_the_review(app, client, login_as, members):
    login_as("curator")
    response = client.post("/needs/new", data={
        "city_id": members.cebu.id, "title_en": "Published at once", "description_en": "x",
        "status": "published", "visibility": "public"})
    assert response.status_code == 302 and response.location.endswith("/publish")
