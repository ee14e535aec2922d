"""A bureau curator publishes a need, reads its explained matches and plans a Cebu mission."""

import re

import pytest

pytest.importorskip("playwright.sync_api")

from openpyxl import load_workbook  # noqa: E402
from playwright.sync_api import Page, expect  # noqa: E402

from tests.e2e.pages import CURATOR, sign_in, switch_language  # noqa: E402

DRAFT_NEED = "Cold chain for fish landings at Cebu Baseport and Pasil"
WATER_NEED = "Reduce non-revenue water in the MCWD service area"
MISSION_TITLE = "E2E Cebu cold chain and water survey"


def shortlist_names(page: Page) -> list[str]:
    rows = page.locator("table.shortlist tbody tr")
    return [
        rows.nth(i).locator("td").nth(1).get_by_role("link").inner_text()
        for i in range(rows.count())
    ]


def shortlist_row(page: Page, company: str):
    return page.locator("table.shortlist tbody tr").filter(
        has=page.get_by_role("link", name=company, exact=True)
    )


def test_curator_publishes_a_need_and_plans_a_mission(new_page, tmp_path):
    page = new_page()
    sign_in(page, CURATOR)

    # The home page lists the drafts waiting for the bureau.
    expect(page.get_by_role("link", name=DRAFT_NEED)).to_be_visible()
    page.get_by_role("link", name=DRAFT_NEED).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(DRAFT_NEED)
    expect(page.locator("p.meta .badge")).to_have_text("Draft")

    # Publish it with the status form: first the review of whom it tells, and the email.
    page.get_by_label("Status", exact=True).select_option(label="Published")
    page.get_by_role("button", name="Change", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Publish this need")
    # An internal need tells nobody, and the page says so.
    expect(page.get_by_text("This need is internal: no company is told about it.")).to_be_visible()
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text("Published.")
    expect(page.locator("p.meta .badge")).to_have_text("Published")

    # Explained matches: a score meter and the reasons for each company.
    matches = page.locator("#matches")
    expect(matches.get_by_role("heading", name="Companies that fit this need")).to_be_visible()
    items = matches.locator("li.match")
    expect(items.first).to_be_visible()
    assert items.count() >= 3
    first = items.first
    expect(first.locator("meter")).to_have_attribute("aria-label", "Score")
    score = float(first.locator("p.score span").inner_text())
    assert score > 0
    assert first.locator(".reason").count() >= 1
    expect(first.get_by_role("button", name="Confirm")).to_be_visible()
    switch_language(page, "ja")
    expect(matches.get_by_role("heading", name="このニーズに合う企業")).to_be_visible()
    switch_language(page, "en")

    # Plan a mission to Cebu with the newly published need and the water need.
    page.goto("/missions/new")
    page.get_by_label("Partner city").select_option(label="Cebu")
    page.get_by_label("Title").fill(MISSION_TITLE)
    page.get_by_label("First day").fill("2027-02-15")
    page.get_by_label("Last day").fill("2027-02-19")
    page.get_by_label("Company slots").fill("4")
    needs = page.get_by_role("group", name="Needs in scope")
    needs.get_by_label(re.compile(re.escape(DRAFT_NEED))).check()
    needs.get_by_label(re.compile(re.escape(WATER_NEED))).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(MISSION_TITLE)
    expect(page.get_by_text("No shortlist yet.")).to_be_visible()

    # Generate the shortlist: four companies, each with the needs it covers.
    page.get_by_role("button", name="Generate shortlist").click()
    expect(page.locator("table.shortlist tbody tr")).to_have_count(4)
    first_run = shortlist_names(page)
    assert len(set(first_run)) == 4

    # Adjust: pin the last company, exclude the first, move the second down, re-run.
    pinned, excluded = first_run[3], first_run[0]
    shortlist_row(page, pinned).get_by_role("button", name="Pin").click()
    expect(shortlist_row(page, pinned).locator(".badge", has_text="pinned")).to_be_visible()
    shortlist_row(page, excluded).get_by_role("button", name="Exclude").click()
    expect(shortlist_row(page, excluded)).to_have_count(0)
    excluded_list = page.get_by_role("heading", name="Excluded").locator(
        "xpath=following-sibling::ul[1]"
    )
    expect(excluded_list).to_contain_text(excluded)
    before_move = shortlist_names(page)
    shortlist_row(page, before_move[0]).get_by_role("button", name="Move down").click()
    expect(page.locator("table.shortlist tbody tr").nth(1)).to_contain_text(before_move[0])

    page.get_by_role("button", name="Re-run shortlist").click()
    expect(page.locator("table.shortlist tbody tr")).to_have_count(4)
    second_run = shortlist_names(page)
    assert pinned in second_run
    assert excluded not in second_run
    expect(shortlist_row(page, pinned).locator(".badge", has_text="pinned")).to_be_visible()
    expect(excluded_list).to_contain_text(excluded)

    # Export the shortlist as XLSX: the same companies in the same order.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="XLSX", exact=True).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    workbook = load_workbook(target, read_only=True)
    sheet = workbook["Companies"]
    rows = list(sheet.iter_rows(values_only=True))
    workbook.close()
    assert rows[0][:2] == ("Order", "Company")
    assert [row[1] for row in rows[1:]] == second_run
    assert [row[4] for row in rows[1:]].count("Yes") == 1
