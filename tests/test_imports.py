"""Bulk import: dry run, all-or-nothing commit, idempotence, refused files, roles, CLI."""

import csv
import io
import random
import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from openpyxl import Workbook, load_workbook

from ypmatch.extensions import db
from ypmatch.models import Company, HistoryEntry, ImportUpload, Need, Sector, Technology
from ypmatch.services.imports import import_file

COMPANY_HEADERS = [
    "ref", "name_ja", "name_en", "ward", "size", "website", "overseas_countries",
    "yport_member", "description_ja", "description_en", "approval_status", "technology_ref",
    "technology_title_ja", "technology_title_en", "technology_description_ja",
    "technology_description_en", "sectors", "track_record",
]  # fmt: skip
NEED_HEADERS = [
    "ref", "city", "title_en", "title_ja", "description_en", "description_ja", "sectors",
    "status", "visibility", "funding", "timeline", "expires_on",
]  # fmt: skip


@pytest.fixture(autouse=True)
def _english():
    # Outside a request the locale is chosen here, as the CLI does.
    with force_locale("en"):
        yield


@pytest.fixture
def sewerage(world):
    sector = Sector(slug="sewerage", name_en="Sewerage and septage", name_ja="下水道・汚泥処理")
    db.session.add(sector)
    db.session.commit()
    return sector


def company_row(**values) -> list[str]:
    return [values.get(header, "") for header in COMPANY_HEADERS]


def need_row(**values) -> list[str]:
    return [values.get(header, "") for header in NEED_HEADERS]


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8-sig") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list], edit=None) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if edit:
        edit(sheet)
    workbook.save(path)
    return path


def companies_file(tmp_path: Path, name: str = "companies.csv") -> Path:
    rows = [
        COMPANY_HEADERS,
        company_row(
            ref="C900", name_ja="戸塚ウォーター株式会社", name_en="Totsuka Water Co., Ltd.",
            ward="Totsuka-ku", size="medium", website="https://example.jp/totsuka",
            overseas_countries="VN; PH", yport_member="yes", description_ja="上下水道の会社",
            technology_ref="C900-T1", technology_title_ja="管路更生",
            technology_description_ja="非開削で管路を更生する", sectors="water_supply",
        ),
        company_row(
            ref="C900", name_ja="戸塚ウォーター株式会社",
            technology_ref="C900-T2", technology_title_en="Smart meters",
            technology_description_en="AMR for small utilities",
            sectors="water_supply; solid_waste", track_record="Da Nang pilot",
        ),
        # No ref: found by its name; only the website changes.
        company_row(name_ja="港北アクア株式会社", name_en="Kohoku Aqua", ward="Kohoku-ku",
                    size="small", overseas_countries="PH", website="https://example.jp/kohoku"),
    ]  # fmt: skip
    if name.endswith(".xlsx"):
        return write_xlsx(tmp_path / name, rows)
    return write_csv(tmp_path / name, rows)


def counts() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Company, Technology, Need, HistoryEntry)
    )


def run(kind: str, path: Path, apply: bool = False, actor=None, **kwargs):
    report = import_file(kind, path, path.name, actor, apply=apply, **kwargs)
    if report.applied:
        db.session.commit()
    else:
        db.session.rollback()
    return report


@pytest.mark.parametrize("name", ["companies.csv", "companies.xlsx"])
def test_dry_run_reports_every_row_and_writes_nothing(world, tmp_path, name):
    before = counts()
    report = run("companies", companies_file(tmp_path, name))
    assert report.ok, report.errors
    assert not report.applied
    assert report.count("company", "create") == 1
    assert report.count("company", "update") == 1
    assert report.count("technology", "create") == 2
    assert [a.action for a in report.rows[1].actions] == ["same", "create"]
    assert report.rows[2].actions[0].fields == ("website",)
    assert counts() == before


def test_commit_writes_with_history_and_reimport_changes_nothing(world, tmp_path):
    path = companies_file(tmp_path)
    report = run("companies", path, apply=True, actor=world.curator)
    assert report.ok and report.applied, report.errors
    company = db.session.scalar(sa.select(Company).where(Company.ref == "C900"))
    assert company.name_en == "Totsuka Water Co., Ltd."
    assert company.overseas_countries == ["PH", "VN"]
    assert company.approval_status == "approved" and company.yport_member is True
    assert [t.ref for t in company.technologies] == ["C900-T1", "C900-T2"]
    assert [s.slug for s in company.technologies[1].sectors] == ["water_supply", "solid_waste"]
    db.session.refresh(world.company_a)
    assert world.company_a.website == "https://example.jp/kohoku"
    entries = db.session.scalars(
        sa.select(HistoryEntry).where(HistoryEntry.source == "import")
    ).all()
    assert len(entries) == 4  # two companies, two technologies
    assert {e.note for e in entries} == {f"import companies.csv #{report.import_id}"}
    assert all(e.user_id == world.curator.id for e in entries)
    update = next(e for e in entries if e.action == "update")
    assert update.changes == {"website": ["", "https://example.jp/kohoku"]}

    before = counts()
    again = run("companies", path, apply=True, actor=world.curator)
    assert again.ok and again.changes == 0
    assert again.total("unchanged") == 4
    assert counts() == before


def test_rows_without_ref_are_matched_by_normalised_name(world, tmp_path):
    rows = [
        ["name_ja", "name_en", "website"],
        ["㈱港北アクア", "", "https://example.jp/a"],
        ["", "TSURUMI ENVIRONMENT CO., LTD.", "https://example.jp/b"],
    ]
    report = run("companies", write_csv(tmp_path / "c.csv", rows))
    assert report.ok, report.errors
    assert report.count("company", "update") == 2 and report.count("company", "create") == 0
    assert report.rows[0].actions[0].fields == ("name_en", "name_ja", "website")


def test_japanese_headers_names_and_labels(world, tmp_path):
    rows = [
        ["会社名（日本語）", "所在区", "企業規模", "Y-PORTセンター会員", "海外実績（国）",
         "技術名（日本語）", "技術の説明（日本語）", "分野"],
        ["磯子エネルギー株式会社", "磯子区", "中規模", "はい", "フィリピン、ベトナム",
         "廃熱回収", "工場の廃熱を回収する", "廃棄物"],
    ]  # fmt: skip
    report = run("companies", write_xlsx(tmp_path / "会社.xlsx", rows), apply=True)
    assert report.ok, report.errors
    company = db.session.scalar(
        sa.select(Company).where(Company.name_ja == "磯子エネルギー株式会社")
    )
    assert (company.ward, company.size, company.yport_member) == ("Isogo-ku", "medium", True)
    assert company.overseas_countries == ["PH", "VN"]
    assert [s.slug for s in company.technologies[0].sectors] == ["solid_waste"]


def test_unknown_values_get_did_you_mean_suggestions(world, sewerage, tmp_path):
    needs = write_csv(
        tmp_path / "needs.csv",
        [
            NEED_HEADERS,
            need_row(
                city="Cebu Cty",
                title_en="Septage",
                description_en="Septage plan",
                sectors="下水",
                funding="JICCA",
            ),
        ],  # fmt: skip
    )
    report = run("needs", needs)
    assert not report.ok
    sewerage_hint = "did you mean 'sewerage' (下水道・汚泥処理)?"
    assert f"row 2, column 'sectors': unknown sector '下水'; {sewerage_hint}" in report.errors
    assert any(
        "column 'city': unknown city 'Cebu Cty'; did you mean 'cebu'" in e for e in report.errors
    )
    assert any("unknown funding source 'JICCA'; did you mean 'JICA'" in e for e in report.errors)

    companies = write_csv(
        tmp_path / "companies.csv",
        [COMPANY_HEADERS, company_row(name_en="X", ward="Kohoku", overseas_countries="Philipines")],
    )
    report = run("companies", companies)
    assert any("unknown ward 'Kohoku'; did you mean 'Kohoku-ku'" in e for e in report.errors)
    assert any("did you mean 'PH' (Philippines)" in e for e in report.errors)


def test_needs_import_matches_by_ref_then_city_and_title(world, tmp_path):
    rows = [
        NEED_HEADERS,
        need_row(ref="CEB-90", city="セブ", title_en="Flood early warning",
                 description_en="Sensors on the Guadalupe river", sectors="Water supply",
                 status="published", visibility="public", funding="ADB; JICA",
                 expires_on="2030-03-31"),
        # The world's need has no ref: its city and title find it; the ref is added.
        need_row(ref="CEB-01", city="cebu", title_en="Reduce non-revenue water",
                 description_en="NRW is 38% in Metro Cebu.", sectors="water_supply",
                 status="published", visibility="public"),
    ]  # fmt: skip
    path = write_csv(tmp_path / "needs.csv", rows)
    report = run("needs", path, apply=True, actor=world.curator)
    assert report.ok, report.errors
    assert report.count("need", "create") == 1
    assert report.rows[1].actions[0].fields == ("ref",)
    need = db.session.scalar(sa.select(Need).where(Need.ref == "CEB-90"))
    assert need.city_id == world.cebu.id and need.funding == ["ADB", "JICA"]
    assert need.expires_on.isoformat() == "2030-03-31"
    assert need.created_by_id == world.curator.id
    assert db.session.get(Need, world.public_need.id).ref == "CEB-01"
    assert run("needs", path).changes == 0


def test_cells_are_checked_as_the_forms_check_them(world, tmp_path):
    rows = [
        ["name_en", "website", "description_en", "name_ja"],
        ["Too long " * 30, "example.jp", "bell_x0007_", "二行の\n社名"],  # as Excel writes "\a"
        ["Evil\u202e Co", "", "Two lines\nare fine in prose", ""],
    ]
    errors = run("companies", write_xlsx(tmp_path / "c.xlsx", rows)).errors
    assert "row 2, column 'name_ja': write this cell on one line" in errors
    assert "row 3, column 'name_en': remove the text-direction control characters" in errors
    assert not any("row 3, column 'description_en'" in error for error in errors)
    assert "row 2, column 'name_en': 269 characters; at most 200" in errors
    assert "row 2, column 'website': a website starts with http:// or https://" in errors
    assert "row 2, column 'description_en': remove the control characters from this cell" in errors


def test_rows_of_one_company_must_agree(world, tmp_path):
    rows = [
        COMPANY_HEADERS,
        company_row(ref="C1", name_en="One", website="https://one.example",
                    technology_title_en="A", technology_description_en="a"),
        company_row(ref="C1", name_en="One", website="https://other.example",
                    technology_title_en="B", technology_description_en="b"),
        company_row(ref="C1", technology_title_en="A", technology_description_en="again"),
    ]  # fmt: skip
    report = run("companies", write_csv(tmp_path / "c.csv", rows))
    assert any(e.startswith("row 3, column 'website': differs from row 2") for e in report.errors)
    assert "row 4: the same technology as row 2" in report.errors


def test_an_error_anywhere_writes_nothing(world, tmp_path):
    rows = [NEED_HEADERS] + [
        need_row(city="cebu", title_en=f"Need {n}", description_en="d") for n in range(600)
    ]
    rows.append(need_row(city="cebu", title_en="Last", description_en="d", status="done"))
    before = counts()
    report = run("needs", write_csv(tmp_path / "needs.csv", rows), apply=True)
    assert not report.ok and not report.applied
    assert report.error_count == 1 and report.errors[0].startswith("row 602, column 'status'")
    assert counts() == before


def test_apply_refuses_a_plan_other_than_the_preview(world, tmp_path):
    path = companies_file(tmp_path)
    preview = run("companies", path)
    world.company_a.website = "https://example.jp/kohoku"  # someone else saves meanwhile
    db.session.commit()
    before = counts()
    report = run("companies", path, apply=True, expected_digest=preview.digest)
    assert "changed since the preview" in report.refused
    assert counts() == before


def _merged(sheet):
    sheet.merge_cells("A2:B2")


def _formula(sheet):
    sheet["B2"] = '=A2&" Co."'


def _zip_bomb(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (20 * 1024 * 1024))
    return path


def _far_column(path: Path, header: bool = False) -> Path:
    """A small workbook with one value in column ZZZZZ (as a hostile file can hold)."""
    write_xlsx(path, [["name_ja", "name_en"], ["港北", "Kohoku"], ["戸塚", "Totsuka"]])
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    target = b'r="B1"' if header else b'r="B3"'
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(target, target.replace(b"B", b"ZZZZZ"))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return path


def _bytes(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


def _junk(path: Path) -> Path:
    path.write_bytes(random.Random(6).randbytes(10 * 1024 * 1024))
    return path


MALFORMED = {
    "wrong headers": (
        lambda p: write_csv(p / "c.csv", [["company", "name_jp"], ["a", "b"]]),
        "unknown column 'name_jp'; did you mean 'name_ja' (会社名（日本語）)",
    ),
    "merged cells": (
        lambda p: write_xlsx(p / "c.xlsx", [["name_ja", "name_en"], ["港北", "Kohoku"]], _merged),
        "merged cells (A2:B2)",
    ),
    "formulas": (
        lambda p: write_xlsx(p / "c.xlsx", [["name_ja", "name_en"], ["港北", "x"]], _formula),
        "formulas (in B2)",
    ),
    "a value in a far column": (
        lambda p: _far_column(p / "c.xlsx"), "Row 3 has a value in column ZZZZZ"),
    "a header in a far column": (
        lambda p: _far_column(p / "c.xlsx", header=True), "Row 1 has a value in column ZZZZZ"),
    "10 MB of junk": (lambda p: _junk(p / "c.csv"), "neither a CSV text file"),
    "junk in a zip": (
        lambda p: _bytes(p / "c.xlsx", b"PK\x03\x04" + b"junk" * 1000),
        "not a readable XLSX workbook",
    ),
    "stray quote": (
        lambda p: _bytes(p / "c.csv", 'name_ja,name_en\n"港北,Kohoku\n戸塚,Totsuka\n'.encode()),
        "Row 2 (line 2): a double quote",
    ),
    "zip bomb": (lambda p: _zip_bomb(p / "c.xlsx"), "as a zip bomb is"),
    "old xls": (
        lambda p: _bytes(p / "c.xls", bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 512),
        "old Excel (.xls)",
    ),
    "UTF-16": (lambda p: _bytes(p / "c.csv", "name_ja\n港北\n".encode("utf-16")), "UTF-16"),
    "empty": (lambda p: _bytes(p / "c.csv", b""), "The file is empty."),
    "headers only": (
        lambda p: write_csv(p / "c.csv", [COMPANY_HEADERS]),
        "no rows to import",
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_files_are_refused_and_nothing_is_written(world, tmp_path, case):
    make, message = MALFORMED[case]
    path = make(tmp_path)
    before = counts()
    report = run("companies", path, apply=True)
    assert report.refused is not None, case
    assert message in report.refused
    assert not report.applied
    assert counts() == before


def test_a_workbook_part_declaring_a_dtd_is_refused(world, tmp_path):
    plain = write_xlsx(tmp_path / "plain.xlsx", [["name_en"], ["Kohoku"]])
    hostile = tmp_path / "dtd.xlsx"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(hostile, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaa">]>' + data
            target.writestr(item, data)
    report = run("companies", hostile, apply=True)
    assert report.refused == "The file is not a readable XLSX workbook."


def test_xlsx_numbers_and_dates_read_as_a_person_sees_them(world, tmp_path):
    rows = [
        ["ref", "city", "title_en", "description_en", "expires_on", "timeline"],
        [1001, "cebu", "Numbers", "Ref and date typed as numbers", date(2031, 3, 31), 2030],
    ]
    report = run("needs", write_xlsx(tmp_path / "n.xlsx", rows), apply=True)
    assert report.ok, report.errors
    need = db.session.scalar(sa.select(Need).where(Need.ref == "1001"))
    assert need.expires_on == date(2031, 3, 31) and need.timeline == "2030"


def test_files_over_the_upload_limit_are_refused(app, world, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 1000)
    path = write_csv(tmp_path / "c.csv", [COMPANY_HEADERS] + [company_row(name_en="x" * 50)] * 30)
    report = run("companies", path, apply=True)
    assert "files up to" in report.refused


def test_shift_jis_is_read_and_said(world, tmp_path):
    rows = [COMPANY_HEADERS, company_row(name_ja="鶴見テック株式会社", description_ja="下水道")]
    report = run("companies", write_csv(tmp_path / "sjis.csv", rows, "cp932"), apply=True)
    assert report.ok, report.errors or report.refused
    assert any("Shift_JIS" in notice for notice in report.notices)
    assert db.session.scalar(sa.select(Company).where(Company.name_ja == "鶴見テック株式会社"))


def test_text_that_is_not_shift_jis_after_all_is_refused_with_its_line(world, tmp_path):
    # The first 64 KB decide the encoding; the UTF-8 text comes after them.
    rows = [COMPANY_HEADERS] + [company_row(name_ja=f"会社{n}", description_ja="説明" * 500)
                                for n in range(40)]  # fmt: skip
    path = write_csv(tmp_path / "sjis.csv", rows, "cp932")
    path.write_bytes(path.read_bytes() + "最後,\n".encode())
    report = run("companies", path, apply=True)
    assert re.search(r"Line 42 is not valid Shift_JIS text", report.refused)


def test_csv_exported_apostrophes_are_taken_off(world, tmp_path):
    rows = [COMPANY_HEADERS, company_row(name_en="'=Odd Name", description_en="'- a list")]
    assert run("companies", write_csv(tmp_path / "c.csv", rows), apply=True).ok
    company = db.session.scalar(sa.select(Company).where(Company.name_en == "=Odd Name"))
    assert company.description_en == "- a list"


# -- web ------------------------------------------------------------------------------


def upload(client, path: Path, kind: str = "companies"):
    with path.open("rb") as stream:
        return client.post(
            "/imports/",
            data={"kind": kind, "file": (stream, path.name)},
            content_type="multipart/form-data",
        )


def test_curator_uploads_previews_and_confirms(app, client, login_as, world, tmp_path):
    login_as("curator")
    assert client.get("/imports/").status_code == 200
    response = upload(client, companies_file(tmp_path, "companies.xlsx"))
    assert response.status_code == 302
    token = response.headers["Location"].rsplit("/", 1)[1]
    # Kept in the database, so any web host behind a balancer can carry on with it.
    stored = sa.select(ImportUpload).where(ImportUpload.token == token)
    assert db.session.scalar(stored) is not None
    assert not (Path(app.instance_path) / "uploads").exists()

    preview = client.get(f"/imports/{token}")
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "Totsuka Water Co., Ltd." in page or "戸塚ウォーター株式会社" in page
    assert "Import 4 changes" in page
    assert db.session.scalar(sa.select(Company).where(Company.ref == "C900")) is None
    digest = re.search(r'name="digest"[^>]*value="([0-9a-f]+)"', page).group(1)

    confirmed = client.post(f"/imports/{token}/confirm", data={"digest": digest})
    assert confirmed.status_code == 302 and confirmed.headers["Location"].endswith("/companies/")
    assert db.session.scalar(sa.select(Company).where(Company.ref == "C900")) is not None
    assert db.session.scalar(stored) is None


def test_preview_lists_errors_and_offers_no_confirmation(client, login_as, world, tmp_path):
    login_as("curator")
    rows = [NEED_HEADERS, need_row(city="Cebu", title_en="T", description_en="D", sectors="ゴミ")]
    token = upload(client, write_csv(tmp_path / "n.csv", rows), "needs").headers["Location"]
    page = client.get(token)
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert "row 2, column &#39;sectors&#39;: unknown sector &#39;ゴミ&#39;" in text
    assert 'name="digest"' not in text


def test_uploads_belong_to_their_curator_and_tokens_name_no_paths(
    app, client, auth, login_as, world, tmp_path
):
    login_as("curator")
    token = upload(client, companies_file(tmp_path)).headers["Location"].rsplit("/", 1)[1]
    for bad in ("..%2F..%2Fsecret_key", "x" * 32, token[:-1] + "!", "../" + token):
        assert client.get(f"/imports/{bad}").status_code == 404
    auth.logout()
    login_as("admin")
    assert client.get(f"/imports/{token}").status_code == 404
    assert client.post(f"/imports/{token}/confirm", data={"digest": "ab"}).status_code == 404


def test_upload_needs_a_file_within_the_size_limit(app, client, login_as, world, monkeypatch):
    login_as("curator")
    assert client.post("/imports/", data={"kind": "companies"}).status_code == 422
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2048)
    big = io.BytesIO(b"name_en\n" + b"x" * 4096)
    response = client.post(
        "/imports/",
        data={"kind": "companies", "file": (big, "big.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413


@pytest.mark.parametrize("who", ["member_a", "city"])
def test_only_curators_import(client, login_as, world, tmp_path, who):
    login_as(who)
    assert client.get("/imports/").status_code == 403
    assert upload(client, companies_file(tmp_path)).status_code == 403
    assert client.get("/imports/templates/companies.csv").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    assert client.get("/imports/").status_code == 302


def test_templates_have_headers_in_either_language(client, login_as, world):
    login_as("curator")
    csv_en = client.get("/imports/templates/needs.csv?headers=en")
    assert csv_en.data.decode("utf-8-sig").startswith("ref,city,title_en")
    xlsx_ja = client.get("/imports/templates/companies.xlsx?headers=ja")
    workbook = load_workbook(io.BytesIO(xlsx_ja.data), read_only=True)
    headers = next(workbook.worksheets[0].iter_rows(values_only=True))
    assert headers[:3] == ("会社ID", "会社名（日本語）", "会社名（英語）")
    instructions = [row[0] for row in workbook.worksheets[1].iter_rows(values_only=True) if row]
    assert "water_supply" in instructions
    assert client.get("/imports/templates/missions.csv").status_code == 404


# -- command line -----------------------------------------------------------------------


def test_cli_dry_run_then_import(runner, world, tmp_path):
    path = companies_file(tmp_path)
    before = counts()
    result = runner.invoke(args=["import", "companies", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "company: 1 to create, 1 to update, 0 unchanged" in result.output
    assert "Dry run: nothing was written." in result.output
    assert counts() == before

    result = runner.invoke(args=["import", "companies", str(path)])
    assert result.exit_code == 0, result.output
    assert "technology: 2 created" in result.output
    assert db.session.scalar(sa.select(Company).where(Company.ref == "C900")) is not None


def test_cli_exits_non_zero_on_any_error(runner, world, sewerage, tmp_path):
    rows = [NEED_HEADERS, need_row(city="cebu", title_en="T", description_en="D", sectors="下水")]
    before = counts()
    result = runner.invoke(args=["import", "needs", str(write_csv(tmp_path / "n.csv", rows))])
    assert result.exit_code == 1
    assert "row 2, column 'sectors': unknown sector '下水'" in result.output
    assert "nothing was written" in result.output
    assert counts() == before
    junk = runner.invoke(args=["import", "needs", str(_junk(tmp_path / "junk.csv"))])
    assert junk.exit_code == 1 and "Refused:" in junk.output


def test_imported_needs_obey_the_rules_the_forms_and_the_api_do(world, tmp_path):
    rows = [NEED_HEADERS, need_row(ref="CEB-91", city="cebu", description_en="No title here")]
    report = run("needs", write_csv(tmp_path / "needs.csv", rows))
    assert "row 2: Give a title in English or Japanese." in report.errors
    assert report.count("need", "create") == 0 or not report.ok
