"""Every change is kept; deleting archives; concurrent edits never overwrite silently."""

import re

import sqlalchemy as sa

from ypmatch.extensions import db
from ypmatch.models import HistoryEntry, Need


def _entries(record_type: str, record_id: int) -> list[HistoryEntry]:
    return list(
        db.session.scalars(
            sa.select(HistoryEntry)
            .where(HistoryEntry.record_type == record_type, HistoryEntry.record_id == record_id)
            .order_by(HistoryEntry.id)
        )
    )


def _need_form(world, need, **overrides) -> dict:
    data = {
        "city_id": need.city_id, "title_en": need.title_en, "title_ja": need.title_ja,
        "description_en": need.description_en, "description_ja": need.description_ja,
        "status": need.status, "visibility": need.visibility, "timeline": need.timeline,
        "sectors": [sector.id for sector in need.sectors], "version": need.version,
    }
    data.update(overrides)
    return data


def test_edit_records_who_and_which_fields(client, login_as, world):
    curator = login_as("curator")
    need = world.public_need
    response = client.post(
        f"/needs/{need.id}/edit",
        data=_need_form(world, need, title_en="Reduce NRW to 25%", sectors=[world.waste.id]),
    )
    assert response.status_code == 302
    entries = _entries("needs", need.id)
    assert entries[-1].action == "update"
    assert entries[-1].user_id == curator.id
    assert entries[-1].changes["title_en"] == ["Reduce non-revenue water", "Reduce NRW to 25%"]
    assert entries[-1].changes["sectors"] == [["water_supply"], ["solid_waste"]]
    page = client.get(f"/needs/{need.id}/history").get_data(as_text=True)
    assert "Reduce NRW to 25%" in page
    assert "Curator" in page


def test_saving_without_changes_adds_no_history(client, login_as, world):
    login_as("curator")
    need = world.public_need
    before = len(_entries("needs", need.id))
    client.post(f"/needs/{need.id}/edit", data=_need_form(world, need))
    assert len(_entries("needs", need.id)) == before


def test_archive_and_restore_keep_the_record(client, login_as, world):
    login_as("curator")
    need_id = world.public_need.id
    assert client.post(f"/needs/{need_id}/archive", data={"note": "duplicate"}).status_code == 302
    db.session.expire_all()
    need = db.session.get(Need, need_id)
    assert need is not None and need.archived_at is not None
    assert "Reduce non-revenue water" not in client.get("/needs/").get_data(as_text=True)
    assert "Reduce non-revenue water" in client.get("/needs/?archived=1").get_data(as_text=True)
    client.post(f"/needs/{need_id}/restore")
    db.session.expire_all()
    assert db.session.get(Need, need_id).archived_at is None
    actions = [entry.action for entry in _entries("needs", need_id)]
    assert actions[-2:] == ["archive", "restore"]
    assert _entries("needs", need_id)[-2].note == "duplicate"


def test_archived_need_is_hidden_from_the_public(client, login_as, world):
    login_as("curator")
    client.post(f"/needs/{world.public_need.id}/archive")
    client.post("/logout")
    assert client.get(f"/needs/{world.public_need.id}").status_code == 404


def test_second_concurrent_save_is_refused_and_shows_the_other_change(client, login_as, world):
    login_as("curator")
    need = world.public_need
    seen_version = need.version
    first = client.post(
        f"/needs/{need.id}/edit",
        data=_need_form(world, need, title_en="First editor's title", version=seen_version),
    )
    assert first.status_code == 302
    second = client.post(
        f"/needs/{need.id}/edit",
        data=_need_form(world, need, title_en="Second editor's title", version=seen_version),
    )
    assert second.status_code == 409
    page = second.get_data(as_text=True)
    assert "your changes were not saved" in page
    assert "First editor&#39;s title" in page  # the other change is shown
    assert 'value="Second editor&#39;s title"' in page  # the editor's input is kept
    db.session.expire_all()
    assert db.session.get(Need, need.id).title_en == "First editor's title"
    # Saving again after seeing the other change applies it deliberately.
    refreshed = db.session.get(Need, need.id)
    third = client.post(
        f"/needs/{need.id}/edit",
        data=_need_form(world, refreshed, title_en="Second editor's title"),
    )
    assert third.status_code == 302


def test_company_sign_up_review_is_in_history(client, login_as, world):
    login_as("curator")
    response = client.post(
        f"/companies/{world.pending_company.id}/review",
        data={"decision": "reject", "reason": ""},
    )
    assert response.status_code == 302  # refused: a rejection needs a reason
    db.session.expire_all()
    assert world.pending_company.approval_status == "pending"
    client.post(
        f"/companies/{world.pending_company.id}/review",
        data={"decision": "reject", "reason": "Not a Yokohama company"},
    )
    db.session.expire_all()
    assert world.pending_company.approval_status == "rejected"
    entry = _entries("companies", world.pending_company.id)[-1]
    assert entry.action == "reject"
    assert entry.note == "Not a Yokohama company"


def test_technology_edit_by_its_member_is_in_history(client, login_as, world):
    member = login_as("member_a")
    technology = world.technology_a
    response = client.post(
        f"/companies/{world.company_a.id}/technologies/{technology.id}/edit",
        data={"title_ja": "漏水探知サービス", "description_ja": technology.description_ja,
              "sectors": [world.water.id], "version": technology.version},
    )
    assert response.status_code == 302
    entry = _entries("technologies", technology.id)[-1]
    assert entry.user_id == member.id
    assert entry.changes["title_ja"] == ["漏水探知", "漏水探知サービス"]


def test_editing_keeps_archived_sectors_until_the_editor_unticks_them(client, login_as, world):
    import re

    from ypmatch.services.records import archive_record, restore_record

    need = world.public_need
    need.sectors = [world.water, world.waste]
    db.session.commit()
    archive_record(world.waste, world.curator)
    db.session.commit()
    login_as("curator")
    page = client.get(f"/needs/{need.id}/edit").get_data(as_text=True)
    assert "Solid waste (archived)" in page
    ticked = [int(value) for value in re.findall(
        r'<input checked id="sectors-\d+" name="sectors" type="checkbox" value="(\d+)"', page)]
    assert sorted(ticked) == sorted([world.water.id, world.waste.id])
    form = {"city_id": world.cebu.id, "title_en": "Reduce NRW", "description_en": "x",
            "status": "published", "visibility": "public", "version": str(need.version),
            "sectors": ticked}
    assert client.post(f"/needs/{need.id}/edit", data=form).status_code == 302
    restore_record(world.waste, world.curator)
    db.session.commit()
    db.session.expire_all()
    assert {s.slug for s in db.session.get(Need, need.id).sectors} == {"water_supply",
                                                                        "solid_waste"}


def test_history_speaks_in_labels_and_local_time_and_restores_a_version(client, login_as,
                                                                        world):
    need = world.public_need
    login_as("curator")
    original = "Reduce non-revenue water in Metro Cebu"
    for title in (original, "A worse title"):
        db.session.refresh(need)
        form = {"city_id": world.cebu.id, "title_en": title, "description_en": "x",
                "status": "published", "visibility": "public", "version": str(need.version)}
        assert client.post(f"/needs/{need.id}/edit", data=form).status_code == 302
    page = client.get(f"/needs/{need.id}/history").get_data(as_text=True)
    assert "Title (English)" in page and ">title_en<" not in page
    assert "JST" in page and " UTC<" not in page
    assert not re.search(r"\d\d:\d\d:\d\d\.\d+", page)  # no microseconds
    created = db.session.scalars(sa.select(HistoryEntry).where(
        HistoryEntry.record_type == "needs", HistoryEntry.record_id == need.id)
        .order_by(HistoryEntry.id)).first()
    restore = f"/needs/{need.id}/history/{created.id}/restore"
    assert f'action="{restore}"' in page
    db.session.refresh(need)
    response = client.post(restore, data={"version": str(need.version)})
    assert response.status_code == 302
    db.session.expire_all()
    need = db.session.get(Need, need.id)
    assert need.title_en == original and need.status == "published"
    latest = db.session.scalars(sa.select(HistoryEntry).where(
        HistoryEntry.record_type == "needs", HistoryEntry.record_id == need.id)
        .order_by(HistoryEntry.id.desc())).first()
    assert latest.note == f"restored version {created.version}"
    # A stale page (old version) restores nothing.
    assert client.post(restore, data={"version": "1"}).status_code == 302
    assert "Someone saved this record meanwhile" in client.get(
        f"/needs/{need.id}/history").get_data(as_text=True)


def test_members_see_their_hand_and_can_withdraw_it(client, login_as, world):
    login_as("member_a")
    need = world.public_need
    client.post(f"/needs/{need.id}/interest", data={"note": "We did this in Da Nang"})
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "You raised your hand on" in page and "We did this in Da Nang" in page
    assert "Withdraw our hand" in page and "Raise our hand" not in page
    assert client.post(f"/needs/{need.id}/interest/withdraw").status_code == 302
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "Raise our hand" in page and "You raised your hand" not in page
    assert client.post(f"/needs/{need.id}/interest/withdraw").status_code == 404


def test_new_needs_get_a_reference_in_their_citys_series(client, login_as, world):
    from ypmatch.services.needs import next_reference

    world.public_need.ref = "CEB-09"
    db.session.commit()
    login_as("curator")
    response = client.post("/needs/new", data={
        "city_id": world.cebu.id, "title_en": "Septage trucks", "description_en": "x",
        "status": "draft", "visibility": "public"})
    assert response.status_code == 302
    need = db.session.scalar(sa.select(Need).where(Need.title_en == "Septage trucks"))
    assert need.ref == "CEB-10"
    assert next_reference(world.danang.id) == "DAN-01"  # a city's first need starts a series


def test_curators_restore_earlier_versions_of_cities_too(client, login_as, world):
    login_as("curator")
    city = world.cebu
    for name in ("Cebu City", "Cebu (typo)"):
        db.session.refresh(city)
        form = {"name_en": name, "name_ja": "セブ", "country_code": "PH", "region": "asia_pacific",
                "relationship": "yport_memorandum", "version": str(city.version)}
        response = client.post(f"/cities/{city.id}/edit", data=form)
        assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    first = db.session.scalars(sa.select(HistoryEntry).where(
        HistoryEntry.record_type == "partner_cities", HistoryEntry.record_id == city.id)
        .order_by(HistoryEntry.id)).first()
    page = client.get(f"/cities/{city.id}/history").get_data(as_text=True)
    restore = f"/cities/{city.id}/history/{first.id}/restore"
    assert f'action="{restore}"' in page
    db.session.refresh(city)
    assert client.post(restore, data={"version": str(city.version)}).status_code == 302
    db.session.expire_all()
    assert db.session.get(type(city), city.id).name_en == "Cebu City"
