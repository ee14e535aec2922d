"""Missions: shortlist generation and curation, invitations, exports, outcomes and KPIs."""

import csv
import io
import json
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from tests.conftest import PASSWORD
from ypmatch.extensions import db
from ypmatch.models import (
    Company,
    HistoryEntry,
    Mission,
    MissionCompany,
    MissionStatus,
    Need,
    NeedStatus,
    Outcome,
    Technology,
    Visibility,
)
from ypmatch.services.missions import NEXT_STATUSES, MissionError, change_mission_status


@pytest.fixture
def mission_world(world):
    """Three Cebu needs and five companies with fitting Japanese technologies."""
    needs = [
        world.public_need,
        Need(city_id=world.cebu.id, title_en="Septage treatment plant",
             description_en="Septage from septic tanks needs dewatering and treatment.",
             status=NeedStatus.PUBLISHED, visibility=Visibility.PUBLIC),
        Need(city_id=world.cebu.id, title_en="LED street lighting",
             description_en="Replace sodium street lights with LED street lighting.",
             status=NeedStatus.PUBLISHED, visibility=Visibility.PUBLIC),
    ]
    db.session.add_all(needs[1:])
    companies = [
        ("浄化槽汚泥テック", "浄化槽汚泥の脱水処理", "浄化槽汚泥を収集し脱水・処理するプラント。"),
        ("港南ライティング", "LED街路灯", "省エネ型のLED街路灯への更新工事。"),
        ("戸塚漏水調査", "漏水調査", "無収水削減のための漏水探知と配水管の更新。"),
        ("磯子汚泥", "汚泥脱水機", "浄化槽汚泥と下水汚泥の脱水機。"),
        ("パン工房", "天然酵母パン", "国産小麦のパン。"),
    ]
    rows = []
    for name, title, description in companies:
        company = Company(name_ja=name, approval_status="approved")
        db.session.add(company)
        db.session.flush()
        db.session.add(Technology(company_id=company.id, title_ja=title,
                                  description_ja=description))
        rows.append(company)
    db.session.commit()
    world.mission_needs = needs
    world.mission_companies = rows
    return world


def _create_mission(client, world, slots=3, **extra):
    data = {"city_id": world.cebu.id, "title": "Cebu survey", "start_date": "2027-02-08",
            "end_date": "2027-02-12", "slots": str(slots),
            "needs": [need.id for need in world.mission_needs], **extra}
    response = client.post("/missions/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return db.session.scalar(sa.select(Mission).order_by(Mission.id.desc()))


def _listed(mission) -> list[int]:
    db.session.expire_all()
    return [row.company_id for row in mission.participants
            if row.archived_at is None and not row.excluded]


def test_shortlist_covers_every_need_and_curators_steer_it(client, login_as, mission_world):
    world = mission_world
    login_as("curator")
    mission = _create_mission(client, world, slots=3)
    assert client.post(f"/missions/{mission.id}/shortlist").status_code == 302
    listed = _listed(mission)
    septage, led, nrw, sludge, bakery = world.mission_companies
    assert len(listed) == 3
    assert {led.id, nrw.id} <= set(listed) or {led.id, world.company_a.id} <= set(listed)
    assert bakery.id not in listed
    page = client.get(f"/missions/{mission.id}").get_data(as_text=True)
    assert "LED" in page

    # Exclude one, pin another by hand: both survive a re-run.
    row = db.session.scalar(sa.select(MissionCompany).where(
        MissionCompany.mission_id == mission.id, MissionCompany.company_id == listed[0]))
    excluded = client.post(f"/missions/{mission.id}/participants/{row.id}/exclude")
    assert "Excluded" in client.get(excluded.location).get_data(as_text=True)
    client.post(f"/missions/{mission.id}/participants", data={"company_id": bakery.id})
    rerun = client.post(f"/missions/{mission.id}/shortlist")
    summary = client.get(rerun.location).get_data(as_text=True)
    # The re-run says what it changed, and why a company left.
    assert "Shortlist: 3 companies. Added" in summary
    dropped = [c for c in world.mission_companies if c.id in listed and c.id != listed[0]]
    listed_again = _listed(mission)
    for company in dropped:
        if company.id not in listed_again:
            assert f"dropped: {company.name('en')} (" in summary
    assert listed[0] not in listed_again
    assert bakery.id in listed_again
    assert len(listed_again) == 3
    actions = {entry.action for entry in db.session.scalars(
        sa.select(HistoryEntry).where(HistoryEntry.record_type == "missions",
                                      HistoryEntry.record_id == mission.id))}
    assert {"create", "shortlist", "update"} <= actions
    history = client.get(f"/missions/{mission.id}/history").get_data(as_text=True)
    assert "added" in history and "excluded=yes" in history


def test_weak_needs_are_flagged(client, login_as, mission_world):
    world = mission_world
    login_as("curator")
    weak = Need(city_id=world.cebu.id, title_en="Cable car feasibility",
                description_en="Aerial ropeway to the mountain barangays.",
                status=NeedStatus.PUBLISHED, visibility=Visibility.PUBLIC)
    db.session.add(weak)
    db.session.commit()
    world.mission_needs.append(weak)
    mission = _create_mission(client, world, slots=4)
    fresh = client.get(f"/missions/{mission.id}").get_data(as_text=True)
    assert "No strong candidate" not in fresh  # no alarm before any shortlist run
    assert "Generate the shortlist to see which companies cover this need." in fresh
    client.post(f"/missions/{mission.id}/shortlist")
    page = client.get(f"/missions/{mission.id}").get_data(as_text=True)
    assert f"No strong candidate for {weak.id}" in page


def test_invitation_pipeline(app, client, login_as, mission_world):
    world = mission_world
    login_as("curator")
    mission = _create_mission(client, world, slots=3)
    client.post(f"/missions/{mission.id}/participants", data={"company_id": world.company_a.id})
    client.post(f"/missions/{mission.id}/shortlist")  # scores what the hand-added one covers
    row = db.session.scalar(sa.select(MissionCompany).where(
        MissionCompany.company_id == world.company_a.id))
    assert client.post(f"/missions/{mission.id}/participants/{row.id}/invite").status_code == 302

    member = app.test_client()
    member.post("/login", data={"email": world.member_a.email, "password": PASSWORD})
    invitations = member.get("/missions/invitations").get_data(as_text=True)
    assert "Cebu survey" in invitations
    assert "Please answer by 2027-01-25." in invitations  # two weeks before 2027-02-08
    assert '<span class="count"' in invitations and ">1</span>" in invitations  # the menu
    page = member.get(f"/missions/{mission.id}").get_data(as_text=True)
    assert "Your invitation" in page and "Re-run shortlist" not in page
    # The invitation names the needs it is about, with the company's technology for each.
    assert "The bureau invites you for these needs" in page
    assert "Reduce non-revenue water" in page and "漏水探知" in page
    response = member.post(f"/missions/{mission.id}/respond",
                           data={"decision": "accept", "note": "Two engineers"})
    assert response.status_code == 302
    db.session.expire_all()
    assert row.state == "accepted" and row.response_note == "Two engineers"
    page = member.get(f"/missions/{mission.id}").get_data(as_text=True)
    assert "Your answer: Accepted" in page and "Two engineers" in page
    assert '<span class="count"' not in page  # nothing left to answer

    other = app.test_client()
    other.post("/login", data={"email": world.member_b.email, "password": PASSWORD})
    assert other.post(f"/missions/{mission.id}/respond",
                      data={"decision": "decline"}).status_code == 404
    assert "Cebu survey" not in other.get("/missions/invitations").get_data(as_text=True)

    client.post(f"/missions/{mission.id}/participants/{row.id}/joined")
    db.session.expire_all()
    assert row.state == "joined"
    assert mission.status == "invitations_sent"


def test_role_rules_for_missions(client, login_as, mission_world):
    world = mission_world
    login_as("curator")
    mission = _create_mission(client, world)
    client.post(f"/missions/{mission.id}/shortlist")
    client.post("/logout")
    login_as("city")  # Cebu focal point: read-only, sees the list
    page = client.get(f"/missions/{mission.id}")
    assert page.status_code == 200 and "Shortlist" in page.get_data(as_text=True)
    assert client.post(f"/missions/{mission.id}/shortlist").status_code == 403
    assert client.get("/missions/new").status_code == 403
    assert client.get(f"/missions/{mission.id}/shortlist.xlsx").status_code == 403
    client.post("/logout")
    login_as("member_b")  # not invited: the mission does not exist for it
    assert client.get(f"/missions/{mission.id}").status_code == 404
    client.post("/logout")
    assert client.get(f"/missions/{mission.id}").status_code == 302


def test_exports_contain_what_the_screen_shows(client, login_as, mission_world):
    world = mission_world
    login_as("curator")
    mission = _create_mission(client, world, slots=3)
    client.post(f"/missions/{mission.id}/shortlist")
    listed = [db.session.get(Company, company_id) for company_id in _listed(mission)]
    page = client.get(f"/missions/{mission.id}").get_data(as_text=True)

    response = client.get(f"/missions/{mission.id}/shortlist.xlsx")
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["Companies", "Coverage", "Contacts"]
    names = [row[1] for row in workbook["Companies"].iter_rows(min_row=2, values_only=True)]
    assert names == [company.name("en") for company in listed]
    for name in names:
        assert name in page
    coverage_rows = list(workbook["Coverage"].iter_rows(values_only=True))
    assert len(coverage_rows) == 1 + len(world.mission_needs)

    response = client.get(f"/missions/{mission.id}/shortlist.csv")
    assert response.data.startswith(b"\xef\xbb\xbf")  # BOM for Excel
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert [row[1] for row in rows[1:]] == names

    ics = client.get(f"/missions/{mission.id}/calendar.ics").get_data(as_text=True)
    assert "DTSTART;VALUE=DATE:20270208" in ics and "DTEND;VALUE=DATE:20270213" in ics
    printed = client.get(f"/missions/{mission.id}/print").get_data(as_text=True)
    assert "print.css" in printed and names[0] in printed


def test_outcomes_move_the_kpis(client, login_as, mission_world):
    world = mission_world
    login_as("curator")
    this_year = date.today().year
    before = client.get("/kpis").get_data(as_text=True)
    assert "0 / 100" in before.replace("\n", " ") or ">0</span> / 100" in before
    for kind in ("information_provided", "joint_survey", "contract_won"):
        response = client.post("/outcomes/new", data={
            "company_id": world.company_a.id, "need_id": world.public_need.id, "mission_id": "0",
            "kind": kind, "occurred_on": date.today().isoformat(),
            "amount_jpy": "1000000" if kind == "contract_won" else ""})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    dropped = client.post("/outcomes/new", data={
        "company_id": world.company_a.id, "need_id": world.public_need.id, "mission_id": "0",
        "kind": "dropped", "occurred_on": date.today().isoformat()})
    assert dropped.status_code == 422  # a reason is required
    amount_on_survey = client.post("/outcomes/new", data={
        "company_id": world.company_a.id, "need_id": world.public_need.id, "mission_id": "0",
        "kind": "joint_survey", "occurred_on": date.today().isoformat(), "amount_jpy": "5"})
    assert amount_on_survey.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(Outcome.id))) == 3
    page = client.get(f"/kpis?from={this_year - 1}").get_data(as_text=True)
    assert '<span class="big">2</span> / 100' in page
    assert '<span class="big">1</span> / 52' in page
    assert "Cebu" in page and "Water supply" in page


def test_cli_missions(runner, mission_world, tmp_path):
    result = runner.invoke(args=["missions", "create", "--city", "Cebu", "--title", "CLI mission",
                                 "--slots", "2", "--all-published"])
    assert result.exit_code == 0, result.output
    mission_id = int(result.output.strip())
    listing = runner.invoke(args=["missions", "list"])
    assert "CLI mission" in listing.output
    result = runner.invoke(args=["missions", "shortlist", str(mission_id), "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output.strip().splitlines()[-1])
    assert document["mission"] == mission_id
    assert 0 < len(document["companies"]) <= 2
    assert {"company_id", "name", "needs"} <= set(document["companies"][0])
    out = tmp_path / "shortlist.csv"
    result = runner.invoke(args=["missions", "shortlist", str(mission_id), "--format", "csv",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().decode("utf-8-sig").startswith("Order,Company,")
    bad = runner.invoke(args=["missions", "create", "--city", "Atlantis", "--title", "x",
                              "--slots", "2", "--all-published"])
    assert bad.exit_code != 0 and "no partner city" in bad.output
    missing = runner.invoke(args=["missions", "shortlist", "999"])
    assert missing.exit_code != 0


def test_exports_never_run_names_as_formulas_nor_break_lines(client, login_as, mission_world):
    """Every cell of the shortlist files goes through one escaping rule; the calendar
    escapes every line break."""
    world = mission_world
    hostile = world.mission_companies[0]
    hostile.name_ja = '=HYPERLINK("http://evil.example","Open")'
    world.mission_companies[1].name_ja = "\tTabbed"
    world.mission_companies[2].name_ja = "\u202eevil\u202c Co."
    db.session.commit()
    login_as("curator")
    mission = _create_mission(client, world, slots=5, notes="Line one\rSUMMARY:forged")
    assert "\r" in mission.notes
    client.post(f"/missions/{mission.id}/shortlist")

    workbook = load_workbook(io.BytesIO(client.get(f"/missions/{mission.id}/shortlist.xlsx").data))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                assert "\u202e" not in str(cell.value or "")
    header = [cell.value for cell in workbook["Coverage"][1]]
    assert '=HYPERLINK("http://evil.example","Open")' in header

    rows = list(csv.reader(io.StringIO(
        client.get(f"/missions/{mission.id}/shortlist.csv").data.decode("utf-8-sig"))))
    names = {row[1] for row in rows[1:]} | {row[2] for row in rows[1:]}
    assert "'=HYPERLINK(\"http://evil.example\",\"Open\")" in names
    assert "'\tTabbed" in names
    assert "evil Co." in names

    ics = client.get(f"/missions/{mission.id}/calendar.ics").get_data(as_text=True)
    assert "\r\nSUMMARY:forged" not in ics and "\rSUMMARY" not in ics
    assert "Line one\\nSUMMARY:forged" in ics


def test_kpi_breakdowns_add_up_to_the_headline(mission_world):
    from ypmatch.services.outcomes import fiscal_year, kpi_report

    world = mission_world
    two_sectors = world.public_need
    two_sectors.sectors = [world.water, world.waste]
    no_sector = world.mission_needs[1]
    no_sector.sectors = []
    today = date.today()
    for need, kind in ((two_sectors, "information_provided"), (two_sectors, "joint_survey"),
                       (no_sector, "information_provided"), (no_sector, "order_support")):
        db.session.add(Outcome(company_id=world.company_a.id, need_id=need.id, kind=kind,
                               occurred_on=today))
    db.session.commit()
    report = kpi_report(fiscal_year(today))
    information, orders = (indicator.total for indicator in report.indicators)
    assert (information, orders) == (3, 1)
    for rows in (report.by_city, report.by_sector):
        assert sum(row[1] for row in rows) == information
        assert sum(row[2] for row in rows) == orders
    assert report.by_sector[-1][0] is None  # the needs without a sector have their row


def test_a_rerun_says_who_left_and_why(client, login_as, mission_world):
    world = mission_world
    login_as("curator")
    mission = _create_mission(client, world, slots=4)
    client.post(f"/missions/{mission.id}/shortlist")
    septage, led, nrw, sludge, bakery = world.mission_companies
    assert {septage.id, sludge.id} <= set(_listed(mission))  # two for the septage need
    db.session.refresh(mission)
    mission.per_need_cap = 1
    db.session.commit()
    rerun = client.post(f"/missions/{mission.id}/shortlist")
    summary = client.get(rerun.location).get_data(as_text=True)
    left = septage if septage.id not in _listed(mission) else sludge
    assert f"dropped: {left.name('en')} (cap per need)" in summary


def test_the_mission_form_asks_for_the_city_and_groups_needs_by_city(client, login_as,
                                                                      mission_world):
    world = mission_world
    login_as("curator")
    page = client.get("/missions/new").get_data(as_text=True)
    select = page[page.index('<select id="city_id"'):]
    select = select[:select.index("</select>")]
    assert select.index('<option value="0">Choose the partner city</option>') < select.index(
        "Cebu") and "selected" not in select  # no city is picked for the curator
    assert f'data-city="{world.cebu.id}"' in page and f'data-city="{world.danang.id}"' in page
    response = client.post("/missions/new", data={"city_id": "0", "title": "Nowhere",
                                                  "slots": "3"})
    assert response.status_code == 422
    assert "Choose the mission's city." in response.get_data(as_text=True)


def test_adding_by_hand_offers_the_best_fits_and_a_search(client, login_as, mission_world):
    world = mission_world
    login_as("curator")
    mission = _create_mission(client, world, slots=2)
    client.post(f"/missions/{mission.id}/shortlist")
    page = client.get(f"/missions/{mission.id}").get_data(as_text=True)
    panel = page[page.index('id="add-company"'):]
    panel = panel[:panel.index("</section>")]
    assert "fit 0." in panel and "パン工房" not in panel  # fits only, best first: no bakery
    assert "<select" not in panel
    search = client.get(f"/missions/{mission.id}?add_q=パン").get_data(as_text=True)
    panel = search[search.index('id="add-company"'):]
    assert "パン工房" in panel[:panel.index("</section>")] and "no fit found" in panel


def test_mission_status_moves_only_along_its_life(client, login_as, mission_world):
    login_as("curator")
    mission = _create_mission(client, mission_world)
    page = client.get(f"/missions/{mission.id}").get_data(as_text=True)
    offered = page[page.index('id="mission-status"') :].split("</select>")[0]
    assert "Shortlisted" in offered and "Cancelled" in offered and "Completed" not in offered
    client.post(f"/missions/{mission.id}/status", data={"status": "completed"})
    db.session.refresh(mission)
    assert mission.status == MissionStatus.PLANNING  # refused: not a next step
    for step in ("shortlisted", "invitations_sent", "confirmed", "completed", "confirmed"):
        client.post(f"/missions/{mission.id}/status", data={"status": step})
        db.session.refresh(mission)
        assert mission.status == step
    with pytest.raises(MissionError):
        change_mission_status(mission, MissionStatus.PLANNING, mission_world.curator)
    assert {MissionStatus(s) for s in NEXT_STATUSES} == set(MissionStatus)


def test_only_listed_companies_can_be_added_by_hand(client, login_as, mission_world):
    login_as("curator")
    mission = _create_mission(client, mission_world)
    pending = mission_world.pending_company
    response = client.post(f"/missions/{mission.id}/participants",
                           data={"company_id": pending.id}, follow_redirects=True)
    assert "Choose an approved company." in response.get_data(as_text=True)
    assert pending.id not in _listed(mission)
    client.post(f"/missions/{mission.id}/participants", data={"company_id": "not a number"})
    assert pending.id not in _listed(mission)


def test_a_mission_cannot_end_before_it_starts(client, login_as, mission_world):
    login_as("curator")
    world = mission_world
    before = db.session.scalar(sa.select(sa.func.count(Mission.id)))
    data = {"city_id": world.cebu.id, "title": "Backwards", "start_date": "2027-02-12",
            "end_date": "2027-02-08", "slots": "3", "needs": [n.id for n in world.mission_needs]}
    response = client.post("/missions/new", data=data)
    assert response.status_code == 422
    assert "The last day cannot be before the first." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Mission.id))) == before
    mission = _create_mission(client, world)
    edited = client.post(f"/missions/{mission.id}/edit",
                         data={**data, "version": str(mission.version)})
    assert edited.status_code == 422
    db.session.refresh(mission)
    assert mission.end_date.isoformat() == "2027-02-12"
