"""Keyword search finds records in either language through the glossary, best answers first."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from ypmatch.extensions import db
from ypmatch.models import Company, Need, NeedStatus, Technology, Visibility
from ypmatch.models.base import utcnow
from ypmatch.services.matching import matching_index
from ypmatch.services.search import text_condition
from ypmatch.services.text_finder import COMPANY_TEXT_COLUMNS, TECHNOLOGY_TEXT_COLUMNS, TextFinder
from ypmatch.services.tokens import create_token


def _api(client, world, path):
    _token, plain = create_token(world.curator, "search")
    db.session.commit()
    return client.get(path, headers={"Authorization": f"Bearer {plain}"}).get_json()


def test_japanese_query_finds_english_needs_on_the_page_and_in_the_api(client, login_as, world):
    leak = Need(
        city_id=world.cebu.id,
        title_en="Find hidden leaks in Mandaue",
        description_en="Acoustic leak detection on old mains.",
        status=NeedStatus.PUBLISHED,
        visibility=Visibility.PUBLIC,
    )
    db.session.add(leak)
    db.session.commit()
    login_as("curator")
    for query in ("漏水", "無収水"):
        page = client.get(f"/needs/?q={query}").get_data(as_text=True)
        found = "Find hidden leaks in Mandaue" in page or "Reduce non-revenue water" in page
        assert found, query
    page = client.get("/needs/?q=漏水").get_data(as_text=True)
    assert "Find hidden leaks in Mandaue" in page and "Landfill leachate" not in page
    items = _api(client, world, "/api/v1/needs?q=無収水")["items"]
    assert [item["title_en"] for item in items][0] == "Reduce non-revenue water"


def test_japanese_query_finds_an_english_company_and_english_finds_japanese(
    client, login_as, world
):
    db.session.add(
        Technology(
            company_id=world.company_b.id,
            title_en="Reverse osmosis plants",
            description_en="Seawater desalination by reverse osmosis.",
        )
    )
    db.session.commit()
    login_as("curator")
    page = client.get("/companies/?q=逆浸透").get_data(as_text=True)
    assert "Tsurumi Environment" in page and "Kohoku Aqua" not in page
    page = client.get("/companies/?q=leak detection").get_data(as_text=True)
    assert "Kohoku Aqua" in page  # its technology is written 漏水探知 only
    items = _api(client, world, "/api/v1/companies?q=reverse osmosis")["items"]
    assert [item["name_en"] for item in items] == ["Tsurumi Environment"]


def test_results_are_ordered_by_relevance_when_a_query_is_given(client, login_as, world):
    strong = Need(
        city_id=world.cebu.id,
        title_en="Leak detection and leak repair crews",
        description_en="Leak detection training; leak repair; leakage control.",
        status=NeedStatus.PUBLISHED,
        visibility=Visibility.PUBLIC,
    )
    passing = Need(
        city_id=world.cebu.id,
        title_en="Bus depot upgrade",
        description_en="Roof leak at the depot, also new bus bays and lighting.",
        status=NeedStatus.PUBLISHED,
        visibility=Visibility.PUBLIC,
    )
    db.session.add(strong)
    db.session.commit()
    db.session.add(passing)  # newer: without relevance it would be listed first
    db.session.commit()
    login_as("curator")
    items = _api(client, world, "/api/v1/needs?q=leak")["items"]
    titles = [item["title_en"] for item in items]
    assert titles.index(strong.title_en) < titles.index(passing.title_en)


def test_archived_technologies_are_not_searched(client, world):
    from ypmatch.services.records import archive_record

    hidden = Technology(
        company_id=world.company_b.id,
        title_en="Secret prototype",
        description_en="Xylophagous quokka sorter, not public yet.",
        sectors=[world.waste],
    )
    db.session.add(hidden)
    db.session.commit()
    assert "Tsurumi Environment" in client.get("/companies/?q=quokka").get_data(as_text=True)
    archive_record(hidden, world.curator)
    db.session.commit()
    assert "Tsurumi Environment" not in client.get("/companies/?q=quokka").get_data(as_text=True)
    assert client.get("/api/v1/companies?q=quokka").get_json()["items"] == []
    by_sector = client.get(f"/companies/?sector={world.waste.id}").get_data(as_text=True)
    assert "Tsurumi Environment" not in by_sector


def test_needs_list_sorts_and_says_visibility_and_fitting_companies(client, login_as, world):
    from datetime import date

    world.members_need.expires_on = date(2030, 1, 1)
    world.public_need.expires_on = date(2029, 1, 1)
    db.session.commit()
    login_as("curator")
    page = client.get("/needs/?sort=deadline").get_data(as_text=True)
    assert page.index("Reduce non-revenue water") < page.index("Landfill leachate")
    assert "Registered companies" in page and "open until 2029-01-01" in page
    assert "fitting compan" in page  # the bureau sees how many companies fit each need
    client.post("/logout")
    login_as("member_a")
    page = client.get("/needs/?sort=fit").get_data(as_text=True)
    assert "Best fit for your company" in page
    # Kohoku Aqua's leak detection fits the water need best.
    assert page.index("Reduce non-revenue water") < page.index("Landfill leachate")
    assert "fitting compan" not in page  # members never see others' counts


def test_the_finder_reads_like_ilike_one_field_at_a_time():
    finder = TextFinder(
        [(1, ["Kohoku Aquatech", "漏水探知サービス"]), (2, ["Bay 50% Water_Works", ""]), (3, [])],
        as_of=utcnow(),
    )
    assert finder.find("AQUA") == {1}
    assert finder.find(" 漏水 ") == {1}
    assert finder.find("50%") == {2} and finder.find("r_w") == {2}  # wildcards are literal
    assert finder.find("tech漏水") == set()  # no match across two fields
    assert finder.find("") == set() and finder.find("\x00") == set()


@pytest.mark.parametrize("query", ["aqua", "AQUA", "leak", "漏水", "Tsurumi", "quokka", "%", "水"])
def test_companies_found_from_memory_are_those_sql_finds(app, world, query):
    from ypmatch.services import companies as companies_service

    finder = matching_index().company_finder
    by_sql = set(
        db.session.scalars(
            sa.select(Company.id).where(
                sa.or_(
                    text_condition(COMPANY_TEXT_COLUMNS, query),
                    Company.id.in_(
                        sa.select(Technology.company_id).where(
                            Technology.archived_at.is_(None),
                            text_condition(TECHNOLOGY_TEXT_COLUMNS, query),
                        )
                    ),
                )
            )
        )
    )
    assert finder.find(query) == by_sql
    # Nothing changed since the snapshot: the whole answer comes from memory.
    finder.as_of = utcnow() + timedelta(hours=1)
    try:
        assert finder.changed_since_built() == set()
        listed = set(
            db.session.scalars(sa.select(Company.id).where(companies_service.text_matches(query)))
        )
    finally:
        finder.as_of = utcnow()
    assert by_sql <= listed


def test_changes_after_the_snapshot_are_checked_in_sql(monkeypatch, world):
    from ypmatch.services import companies as companies_service
    from ypmatch.services.records import archive_record

    hidden = Technology(company_id=world.company_b.id, title_en="Quokka sorter")
    db.session.add(hidden)
    db.session.commit()
    stale = matching_index()  # its finder holds the technology and the old company name
    stale.company_finder.as_of = utcnow() + timedelta(hours=1)  # nothing counts as changed
    monkeypatch.setattr(companies_service, "matching_index", lambda: stale)

    def found(text):
        return set(
            db.session.scalars(sa.select(Company.id).where(companies_service.text_matches(text)))
        )

    assert found("quokka") == {world.company_b.id} and found("zanzibar") == set()
    stale.company_finder.as_of = utcnow()  # the snapshot was taken now; the edits follow
    archive_record(hidden, world.curator)
    world.company_b.name_en = "Zanzibar Pumps"
    db.session.commit()
    assert stale.company_finder.find("quokka") == {world.company_b.id}  # memory is stale …
    assert found("quokka") == set()  # … but the changed company is checked in SQL
    assert found("zanzibar") == {world.company_b.id}


def test_a_refit_keeps_a_young_snapshot_and_renews_an_old_one(world):
    from ypmatch.services.matching import FINDER_MAX_AGE, build_index

    first = matching_index()
    again = build_index(first.version + 1, first)
    assert again.company_finder is first.company_finder  # an edit re-reads no texts
    first.company_finder.as_of -= FINDER_MAX_AGE + timedelta(seconds=1)
    assert build_index(first.version + 2, first).company_finder is not first.company_finder


def test_search_pages_count_every_match_and_end(app, client, world):
    for n in range(3):
        company = Company(name_en=f"Quokka Works {n}", approval_status="approved")
        db.session.add(company)
        db.session.flush()
        db.session.add(Technology(company_id=company.id, title_en="Quokka sorting"))
    db.session.commit()
    app.config["PER_PAGE"] = 2
    try:
        first = client.get("/companies/?q=quokka").get_data(as_text=True)
        second = client.get("/companies/?q=quokka&page=2").get_data(as_text=True)
        assert "3 companies" in first and "3 companies" in second
        assert "Page 1 of 2" in first and "Page 2 of 2" in second
        assert first.count("Quokka Works") == 2 and second.count("Quokka Works") == 1
        assert client.get("/companies/?q=quokka&page=3").status_code == 404
        assert "0 companies" in client.get("/companies/?q=wombat").get_data(as_text=True)
    finally:
        app.config["PER_PAGE"] = 20
