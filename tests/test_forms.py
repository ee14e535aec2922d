"""Every form answers bad input with a clear error, never a 500, and writes nothing."""

import pytest
import sqlalchemy as sa

from ypmatch.extensions import db
from ypmatch.models import Company, HistoryEntry, Need, PartnerCity, Sector, Technology, User

SCRIPT = '<script>alert("x")</script>'
LONG = "x" * 20001


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _valid_need(world) -> dict:
    return {"city_id": world.cebu.id, "title_en": "Septage treatment",
            "description_en": "Septic tanks are desludged irregularly.", "status": "draft",
            "visibility": "internal", "sectors": [world.water.id]}


def _valid_city() -> dict:
    return {"name_en": "Pune", "country_code": "IN", "region": "asia_pacific",
            "relationship": "partner_city"}


def _valid_signup() -> dict:
    return {"name_ja": "磯子テック株式会社", "size": "small", "person_name": "Sato",
            "email": "sato@example.org", "password": "long-password-1",
            "password_again": "long-password-1"}


FORM_CASES = [
    # (role, url, model, valid data factory, field overrides that must be refused, message)
    ("curator", "/needs/new", Need, _valid_need, {"title_en": "", "title_ja": ""},
     "Give a title in English or Japanese."),
    ("curator", "/needs/new", Need, _valid_need, {"description_en": LONG}, "Field cannot be"),
    ("curator", "/needs/new", Need, _valid_need, {"city_id": "abc"}, "Invalid Choice"),
    ("curator", "/needs/new", Need, _valid_need, {"status": "deleted"}, "Not a valid choice"),
    ("curator", "/needs/new", Need, _valid_need, {"title_en": "tab\x07bell"},
     "control characters"),
    (None, "/signup", Company, lambda world: _valid_signup(),
     {"name_en": "Evil\r\nBcc: x@example.org"}, "Write this on one line."),
    (None, "/signup", Company, lambda world: _valid_signup(), {"name_en": "Evil\u2028Co"},
     "Write this on one line."),
    (None, "/signup", Company, lambda world: _valid_signup(), {"name_en": "Evil\x85Co"},
     "Write this on one line."),
    (None, "/signup", Company, lambda world: _valid_signup(), {"name_en": "\u202eoC livE"},
     "text-direction control"),
    ("curator", "/needs/new", Need, _valid_need, {"title_en": "Two\nlines"},
     "Write this on one line."),
    ("curator", "/cities/new", PartnerCity, lambda world: _valid_city(), {"name_en": ""},
     "This field is required."),
    ("curator", "/cities/new", PartnerCity, lambda world: _valid_city(),
     {"population": "many"}, "Not a valid integer value."),
    ("curator", "/cities/new", PartnerCity, lambda world: _valid_city(), {"latitude": "95"},
     "Number must be between"),
    ("curator", "/cities/new", PartnerCity, lambda world: _valid_city(),
     {"relationship_date": "31/02/2020"}, "Not a valid date value."),
    ("curator", "/sectors/new", Sector, lambda world: {"name_en": "Tourism", "name_ja": "観光"},
     {"slug": "Bad Slug!"}, "Use lower-case letters"),
    ("curator", "/sectors/new", Sector, lambda world: {"name_en": "Tourism", "name_ja": "観光"},
     {"name_ja": ""}, "This field is required."),
    (None, "/signup", Company, lambda world: _valid_signup(), {"name_ja": "", "name_en": ""},
     "Give the company name"),
    (None, "/signup", Company, lambda world: _valid_signup(), {"email": "not-an-email"},
     "Invalid email address."),
    (None, "/signup", Company, lambda world: _valid_signup(), {"password_again": "different"},
     "The passwords differ."),
    (None, "/signup", Company, lambda world: _valid_signup(),
     {"password": "short", "password_again": "short"}, "at least 10"),
    (None, "/signup", Company, lambda world: _valid_signup(), {"website": "javascript:alert(1)"},
     "Invalid URL."),
    (None, "/signup", Company, lambda world: _valid_signup(), {"overseas_countries": "XX"},
     "not a valid choice"),
    ("member_a", "/companies/{company_a}/technologies/new", Technology,
     lambda world: {"title_ja": "汚泥脱水機", "description_ja": "スクリュープレス式"},
     {"description_ja": "", "description_en": ""}, "Describe the technology"),
    ("member_a", "/companies/{company_a}/technologies/new", Technology,
     lambda world: {"title_ja": "汚泥脱水機", "description_ja": "スクリュープレス式"},
     {"sectors": "999"}, "not a valid choice"),
    ("admin", "/admin/users/new", User,
     lambda world: {"email": "new@example.org", "role": "curator", "company_id": "0",
                    "city_id": "0"},
     {"role": "company"}, "Choose the member's company."),
]


@pytest.mark.parametrize("case", FORM_CASES, ids=lambda case: f"{case[1]}-{sorted(case[4])}")
def test_bad_input_is_refused_and_nothing_written(client, auth, world, case):
    role, url_template, model, valid, overrides, message = case
    if role:
        auth.login(world.user(role).email if role != "admin" else world.admin.email)
    url = url_template.format(company_a=world.company_a.id)
    before_rows, before_history = _count(model), _count(HistoryEntry)
    response = client.post(url, data={**valid(world), **overrides})
    assert response.status_code == 422
    assert message.lower() in response.get_data(as_text=True).lower()
    assert _count(model) == before_rows
    assert _count(HistoryEntry) == before_history
    # And the valid version of the same form goes through.
    ok = client.post(url, data=valid(world))
    assert ok.status_code == 302, ok.get_data(as_text=True)[:2000]
    assert _count(model) == before_rows + 1


def test_html_is_stored_as_text_and_escaped_everywhere(client, login_as, world):
    login_as("curator")
    data = {**_valid_need(world), "title_en": SCRIPT, "description_en": f"<b>{SCRIPT}</b>",
            "status": "published", "visibility": "public"}
    response = client.post("/needs/new", data=data)
    assert response.status_code == 302
    need = db.session.scalar(sa.select(Need).where(Need.title_en == SCRIPT))
    for url in (f"/needs/{need.id}", "/needs/", "/", f"/needs/{need.id}/history"):
        page = client.get(url).get_data(as_text=True)
        assert SCRIPT not in page
        assert "&lt;script&gt;" in page


def test_non_latin_text_is_accepted(client, login_as, world):
    login_as("curator")
    data = {**_valid_need(world), "title_en": "", "title_ja": "浄化槽汚泥の処理 — ត្រូវការ",
            "description_en": "", "description_ja": "セブ市のし尿処理。น้ำเสีย"}
    assert client.post("/needs/new", data=data).status_code == 302
    need = db.session.scalar(sa.select(Need).where(Need.title_ja.like("浄化槽%")))
    assert "ត្រូវការ" in client.get(f"/needs/{need.id}").get_data(as_text=True)


def test_query_parameters_never_cause_errors(client, world):
    for query in ("page=abc", "page=-5", "city=x", "sector=%00", "status=<x>", "q=" + "%" * 50,
                  "q=%00", "q=_", "lang=fr", "page=99999", "city=%C2%B2", "sector=%C2%B2",
                  "page=" + "9" * 23, "city=" + "9" * 23, "page=%C2%B2", "page="):
        assert client.get(f"/needs/?{query}").status_code in (200, 400, 404), query
        assert client.get(f"/companies/?{query}").status_code in (200, 400, 404), query


def test_paging_past_the_end_is_not_found(client, login_as, world):
    assert client.get("/needs/?page=1").status_code == 200
    assert client.get("/needs/?page=").status_code == 200
    assert client.get("/needs/?page=99").status_code == 404
    assert client.get("/companies/?page=" + "9" * 23).status_code == 404
    login_as("admin")
    assert client.get("/admin/users?page=2").status_code == 404


def test_saves_of_one_record_at_the_same_moment_answer_409(client, login_as, world):
    """Two saves pass the version check together; the database refuses the second one."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    need = world.public_need
    login_as("curator")
    form = {"city_id": world.cebu.id, "title_en": "Mine", "description_en": "x",
            "status": "published", "visibility": "public", "version": str(need.version)}

    def someone_else_saves_first(session, _context, _instances):
        session.connection().execute(
            sa.text("UPDATE needs SET version = version + 1 WHERE id = :id"), {"id": need.id})

    event.listen(Session, "before_flush", someone_else_saves_first)
    try:
        response = client.post(f"/needs/{need.id}/edit", data=form)
    finally:
        event.remove(Session, "before_flush", someone_else_saves_first)
    assert response.status_code == 409
    assert "same moment" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Need, need.id).title_en == "Reduce non-revenue water"


def test_search_and_filters(client, world):
    page = client.get("/needs/?q=non-revenue").get_data(as_text=True)
    assert "Reduce non-revenue water" in page
    page = client.get(f"/needs/?sector={world.waste.id}").get_data(as_text=True)
    assert "Reduce non-revenue water" not in page
    page = client.get(f"/needs/?city={world.cebu.id}&lang=en").get_data(as_text=True)
    assert "Reduce non-revenue water" in page
    page = client.get("/needs/?lang=ja").get_data(as_text=True)
    assert "Reduce non-revenue water" not in page
    page = client.get("/companies/?q=漏水").get_data(as_text=True)
    assert "Kohoku Aqua" in page
    assert "Tsurumi Environment" not in page


def test_a_create_form_sent_twice_creates_one_record(client, login_as, world):
    from ypmatch.models import FormSubmission

    login_as("member_a")
    page = client.get(f"/companies/{world.company_a.id}/technologies/new").get_data(as_text=True)
    marker = 'id="submission_key" name="submission_key" type="hidden" value="'
    key = page[page.index(marker) + len(marker):].split('"', 1)[0]
    form = {"title_ja": "二重送信テスト", "description_ja": "一度だけ保存される",
            "submission_key": key}
    first = client.post(f"/companies/{world.company_a.id}/technologies/new", data=form)
    again = client.post(f"/companies/{world.company_a.id}/technologies/new", data=form)
    assert first.status_code == again.status_code == 302
    assert again.location == first.location  # the repeat lands on the record the first made
    titles = db.session.scalars(sa.select(Technology.title_ja).where(
        Technology.company_id == world.company_a.id)).all()
    assert titles.count("二重送信テスト") == 1
    assert "sent more than once" in client.get(again.location).get_data(as_text=True)
    # A fresh form is a new submission.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FormSubmission)) == 1


def test_raising_a_hand_twice_keeps_one_hand(client, login_as, world):
    from ypmatch.models import CompanyInterest

    login_as("member_a")
    for note in ("We do leak detection", "Also district metering"):
        assert client.post(f"/needs/{world.public_need.id}/interest",
                           data={"note": note}).status_code == 302
    hands = db.session.scalars(sa.select(CompanyInterest).where(
        CompanyInterest.need_id == world.public_need.id)).all()
    assert [hand.note for hand in hands] == ["Also district metering"]
    # The database itself refuses a second open hand, whatever the code path.
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.add(CompanyInterest(company_id=world.company_a.id,
                                       need_id=world.public_need.id, note="twin"))


def test_a_rule_broken_past_the_form_is_a_clear_422(client, login_as, world, monkeypatch):
    from ypmatch.services.rules import InvalidFields
    from ypmatch.views import needs as need_views

    def refuse(*_args, **_kwargs):
        raise InvalidFields({"title_en": ["give a title in English or Japanese"]})

    monkeypatch.setattr(need_views, "create_need", refuse)
    login_as("curator")
    before = db.session.scalar(sa.select(sa.func.count(Need.id)))
    response = client.post("/needs/new", data=_valid_need(world))
    assert response.status_code == 422
    assert "give a title in English or Japanese" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Need.id))) == before


def test_list_filters_ignore_what_makes_no_sense(app):
    from werkzeug.datastructures import MultiDict

    from ypmatch.forms.filters import MatchListFilters, NeedListFilters

    form = NeedListFilters(MultiDict({"city": "٣", "sector": "12", "status": "secret",
                                      "sort": "fit", "archived": "yes", "q": "x" * 500}))
    assert (form.city.data, form.sector.data, form.status.data, form.sort.data) == (
        None, 12, "", "fit")
    assert form.archived.data is False and len(form.q.data) == 200
    assert NeedListFilters(MultiDict({"city": "99999999999"})).city.data is None
    assert [MatchListFilters(MultiDict(args)).k.data
            for args in ({}, {"k": "0"}, {"k": "500"}, {"k": "25"}, {"k": "²"})] == [
        10, 1, 100, 25, 10]
