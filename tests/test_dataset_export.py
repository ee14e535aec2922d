"""Dataset exports: the importer's layout, a lossless round trip, the lists' visibility."""

import csv
import io
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from openpyxl import load_workbook

from ypmatch import create_app
from ypmatch.extensions import db
from ypmatch.models import Company, Need, NeedStatus, PartnerCity, Sector, Technology, Visibility
from ypmatch.services.exports.dataset import export_bytes, full_query
from ypmatch.services.imports import import_file
from ypmatch.services.missions import create_mission
from ypmatch.services.outcomes import record_outcome


@pytest.fixture(autouse=True)
def _english():
    with force_locale("en"):
        yield


@pytest.fixture
def dataset(world):
    """The world, plus records that use every column and the awkward values."""
    sewerage = Sector(slug="sewerage", name_en="Sewerage and septage", name_ja="下水道・汚泥処理")
    company = Company(
        ref="C100", name_ja="中区テクノ株式会社", name_en="Naka Techno Co., Ltd.",
        ward="Naka-ku", size="large", website="https://example.jp/naka",
        overseas_countries=["VN", "MV"], yport_member=True,
        description_ja="下水道の会社。\n二行目", approval_status="approved",
        description_en='=HYPERLINK("http://example.com") - and "quotes", commas',
    )  # fmt: skip
    quiet = Company(ref="C101", name_en="No Technology Yet", approval_status="pending")
    db.session.add_all([sewerage, company, quiet])
    db.session.flush()
    db.session.add_all(
        [
            Technology(
                company_id=company.id,
                ref="C100-T1",
                title_ja="汚泥の減量化",
                description_ja="脱水と乾燥",
                description_en="- dewatering\n- drying",
                sectors=[sewerage, world.waste],
                track_record="@Yokohama since 2001",
            ),
            Technology(
                company_id=company.id,
                title_en="Pump stations",
                description_en="Small pumps",
                sectors=[world.water],
            ),
            Need(
                ref="DAN-10",
                city_id=world.danang.id,
                title_en="Septage treatment",
                title_ja="汚泥処理",
                description_en="A plant for 200 m³/day",
                status=NeedStatus.PUBLISHED,
                visibility=Visibility.COMPANIES,
                funding=["JICA", "ADB"],
                timeline="2026-2028",
                expires_on=date(2029, 3, 31),
                sectors=[sewerage],
            ),
        ]  # fmt: skip
    )
    db.session.commit()
    return world


def sheet_values(content: bytes) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    rows = [tuple(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    workbook.close()
    return rows


def csv_rows(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.mark.parametrize(("file_format", "language"), [("csv", "en"), ("xlsx", "ja")])
def test_export_import_into_an_empty_database_export_again_is_the_same(
    dataset, tmp_path, empty_database_url, file_format, language
):
    kinds = ("companies", "needs")
    first = {kind: export_bytes(kind, full_query(kind), file_format, language) for kind in kinds}
    sectors = [
        {"slug": s.slug, "name_en": s.name_en, "name_ja": s.name_ja}
        for s in db.session.scalars(sa.select(Sector))
    ]
    cities = [
        {"slug": c.slug, "name_en": c.name_en, "name_ja": c.name_ja, "country_code": c.country_code}
        for c in db.session.scalars(sa.select(PartnerCity))
    ]

    other = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": empty_database_url,
            "INSTANCE_PATH": str(tmp_path / "other"),
            "MAIL_SEND_AFTER_REQUEST": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    with other.app_context(), force_locale("en"):
        db.create_all()
        db.session.add_all([Sector(**s) for s in sectors] + [PartnerCity(**c) for c in cities])
        db.session.commit()
        for kind in kinds:
            path = tmp_path / f"{kind}.{file_format}"
            path.write_bytes(first[kind])
            report = import_file(kind, path, path.name, None, apply=True)
            assert report.ok, report.errors or report.refused
            assert report.total("create") > 0 and report.total("update") == 0
            db.session.commit()
        second = {
            kind: export_bytes(kind, full_query(kind), file_format, language) for kind in kinds
        }
        again = import_file("companies", path.with_name(f"companies.{file_format}"), "c", None)
        assert again.ok and again.changes == 0
        db.session.remove()
        db.engine.dispose()

    for kind in kinds:
        if file_format == "csv":
            assert second[kind] == first[kind]
        else:
            assert sheet_values(second[kind]) == sheet_values(first[kind])
    companies = csv_rows(first["companies"]) if file_format == "csv" else None
    if companies:
        assert len(companies) == 6  # 2 technologies + 1 + world: technology, 2 without
        assert companies[2]["description_en"].startswith("'=HYPERLINK")


def test_xlsx_text_that_looks_like_a_formula_stays_text(dataset):
    content = export_bytes("companies", full_query("companies"), "xlsx", "en")
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    cells = [cell for row in workbook.worksheets[0].iter_rows() for cell in row]
    assert any(str(cell.value).startswith("=HYPERLINK") for cell in cells)
    assert all(cell.data_type != "f" for cell in cells)
    workbook.close()


# -- list exports ---------------------------------------------------------------------------

NEEDS_SEEN = {
    "anonymous": {"Reduce non-revenue water"},
    "member_a": {"Reduce non-revenue water", "Landfill leachate"},
    "city": {"Reduce non-revenue water", "Landfill leachate", "Internal note on septage",
             "Draft drainage need"},
    "curator": {"Reduce non-revenue water", "Landfill leachate", "Internal note on septage",
                "Draft drainage need"},
}  # fmt: skip


@pytest.mark.parametrize("who", list(NEEDS_SEEN))
def test_needs_export_holds_what_the_list_shows(client, login_as, world, who):
    login_as(who)
    exported = {row["title_en"] for row in csv_rows(client.get("/exports/needs.csv").data)}
    assert exported == NEEDS_SEEN[who]
    page = client.get("/needs/").get_data(as_text=True)
    assert all(title in page for title in exported)


def test_list_exports_apply_the_lists_filters(client, login_as, world):
    login_as("curator")
    by_city = csv_rows(client.get(f"/exports/needs.csv?city={world.danang.id}").data)
    assert [row["title_en"] for row in by_city] == ["Landfill leachate"]
    by_text = csv_rows(client.get("/exports/needs.csv?q=septage&page=2").data)
    assert [row["title_en"] for row in by_text] == ["Internal note on septage"]
    pending = csv_rows(client.get("/exports/companies.csv?approval=pending").data)
    assert [row["name_en"] for row in pending] == ["Pending Works"]


def test_companies_export_hides_unapproved_companies_from_the_public(client, world):
    response = client.get("/exports/companies.xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    rows = sheet_values(response.data)
    assert rows[0][:3] == ("ref", "name_ja", "name_en")
    names = {row[2] for row in rows[1:]}
    assert names == {"Kohoku Aqua", "Tsurumi Environment"}


def test_exports_follow_the_interface_language(client, world):
    response = client.get("/exports/needs.csv", headers={"Accept-Language": "ja"})
    assert response.data.decode("utf-8-sig").startswith("ニーズID,都市,タイトル（英語）")


def test_mission_and_outcome_exports_are_for_curators(client, auth, login_as, world):
    mission = create_mission(
        {"city_id": world.cebu.id, "title": "Cebu water mission", "slots": 3},
        [world.public_need],
        world.curator,
    )
    record_outcome(
        {"company_id": world.company_a.id, "need_id": world.public_need.id,
         "mission_id": mission.id, "kind": "joint_survey", "occurred_on": date(2025, 5, 1)},
        world.curator,
    )  # fmt: skip
    db.session.commit()
    for path in ("/exports/missions.csv", "/exports/outcomes.xlsx"):
        assert client.get(path).status_code == 302  # to sign in
    login_as("member_a")
    for path in ("/exports/missions.csv", "/exports/outcomes.xlsx"):
        assert client.get(path).status_code == 403
    assert "/exports/missions.csv" not in client.get("/missions/").get_data(as_text=True)
    auth.logout()
    login_as("curator")
    missions = csv_rows(client.get("/exports/missions.csv").data)
    assert [(m["title"], m["city"], m["needs"]) for m in missions] == [
        ("Cebu water mission", "cebu", "Reduce non-revenue water")
    ]
    outcomes = sheet_values(client.get("/exports/outcomes.xlsx").data)
    assert outcomes[1][1:4] == ("joint_survey", None, "港北アクア株式会社")
    assert len(csv_rows(client.get("/exports/outcomes.csv?kind=contract_won").data)) == 0
    assert "/exports/missions.csv" in client.get("/missions/").get_data(as_text=True)


def test_list_pages_link_their_exports_with_their_filters(client, login_as, world):
    login_as("curator")
    page = client.get(f"/needs/?city={world.cebu.id}&page=1&_external=1").get_data(as_text=True)
    assert f'href="/exports/needs.csv?city={world.cebu.id}"' in page
    assert f'href="/exports/needs.xlsx?city={world.cebu.id}"' in page
    assert 'href="/imports/"' in page
    companies = client.get("/companies/?size=small").get_data(as_text=True)
    assert 'href="/exports/companies.csv?size=small"' in companies
    assert "/exports/outcomes.csv" in client.get("/outcomes").get_data(as_text=True)
    assert client.get("/exports/needs.pdf").status_code == 404


def test_cli_export_writes_the_file(runner, dataset, tmp_path):
    out = tmp_path / "needs.csv"
    result = runner.invoke(args=["export", "needs", "--out", str(out), "--headers", "ja"])
    assert result.exit_code == 0, result.output
    rows = out.read_bytes().decode("utf-8-sig").splitlines()
    assert rows[0].startswith("ニーズID,都市,")
    assert any(row.startswith("DAN-10,da-nang,Septage treatment") for row in rows)
    xlsx = tmp_path / "companies.xlsx"
    assert runner.invoke(args=["export", "companies", "--out", str(xlsx)]).exit_code == 0
    assert sheet_values(xlsx.read_bytes())[0][0] == "ref"
    assert not Path(str(xlsx) + ".partial").exists()
    for kind in ("missions", "outcomes"):
        result = runner.invoke(args=["export", kind, "--format", "xlsx", "--out", str(xlsx)])
        assert result.exit_code == 0, result.output
