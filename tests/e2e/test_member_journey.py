"""A company signs up, is approved, describes a technology in Japanese and joins a mission."""

import re

import pytest

pytest.importorskip("playwright.sync_api")

from playwright.sync_api import expect  # noqa: E402

from tests.e2e.pages import CURATOR, sign_in, switch_language  # noqa: E402

COMPANY_JA = "みなとみらい漏水テック株式会社"
COMPANY_EN = "Minatomirai Leak Tech Co., Ltd."
MEMBER_EMAIL = "e2e-member@example.org"
MEMBER_PASSWORD = "e2e-member-password"
TECHNOLOGY_JA = "音聴棒と相関式漏水探知器による漏水調査・無収水対策"
TECHNOLOGY_TEXT_JA = (
    "配水管の漏水を音聴棒による戸別音聴と相関式漏水探知器で特定し、夜間最小流量の測定と"
    "配水区画（DMA）の設定を組み合わせて無収水を削減します。水道事業体の職員に漏水調査の"
    "技術を研修で伝え、有収率の改善を支援します。"
)
# Public, published needs about non-revenue water in the demo data.
WATER_NEEDS = re.compile(
    "Reduce non-revenue water in the MCWD service area"
    "|Non-revenue water reduction in the Batam island water supply system"
)
MISSION = "Cebu joint survey mission"


def test_company_signs_up_is_approved_and_accepts_an_invitation(new_page):
    member = new_page()
    member.goto("/")
    member.locator("header").get_by_role("link", name="Register your company").click()
    expect(member.get_by_role("heading", level=1)).to_have_text("Register your company")
    member.get_by_label("Company name (Japanese)").fill(COMPANY_JA)
    member.get_by_label("Company name (English)").fill(COMPANY_EN)
    member.get_by_label("Ward").select_option(label="Nishi-ku")
    member.get_by_role("group", name="Overseas experience").get_by_label("Philippines").check()
    member.get_by_label("About the company (Japanese)").fill("横浜市西区の漏水調査会社です。")
    member.get_by_label("Your name").fill("Taro Minato")
    member.get_by_label("Email").fill(MEMBER_EMAIL)
    member.get_by_label("Password", exact=True).fill(MEMBER_PASSWORD)
    member.get_by_label("Password again").fill(MEMBER_PASSWORD)
    member.get_by_role("button", name="Register").click()
    expect(member.get_by_role("heading", level=1)).to_contain_text(COMPANY_EN)
    expect(member.get_by_text("Awaiting review")).to_be_visible()
    expect(member.get_by_role("link", name="Add a technology")).to_have_count(0)
    company_url = member.url

    # While it waits for review, the company can still fix a typo in its sign-up.
    member.get_by_role("link", name="Edit profile").click()
    member.get_by_label("Company name (English)").fill(COMPANY_EN)
    member.get_by_role("button", name="Save").click()
    expect(member.locator(".flash-success")).to_contain_text("Saved.")

    # The curator approves the sign-up from the review queue.
    curator = new_page()
    sign_in(curator, CURATOR)
    curator.locator("header").get_by_role("link", name="Sign-up review").click()
    review = curator.locator("section.panel").filter(
        has=curator.get_by_role("heading", name=COMPANY_EN)
    )
    review.get_by_label("Approve").check()
    review.get_by_label("Reason (sent to the company)").fill("Welcome to Y-PORT.")
    review.get_by_role("button", name="Record decision").click()
    expect(curator.get_by_role("heading", name=COMPANY_EN)).to_have_count(0)

    # The member, now approved, is guided to add a first technology, described in Japanese.
    member.goto("/")
    expect(member.get_by_text("Next step: add your first technology.")).to_be_visible()
    member.goto(company_url)
    expect(member.get_by_text("Awaiting review")).to_have_count(0)
    member.get_by_role("link", name="Add a technology").click()
    member.get_by_label("Title (Japanese)").fill(TECHNOLOGY_JA)
    member.get_by_label("Description (Japanese)").fill(TECHNOLOGY_TEXT_JA)
    member.get_by_role("group", name="Sectors").get_by_label("Water supply").check()
    member.get_by_role("button", name="Save").click()

    # Their company page lists the English-language needs that fit the Japanese text.
    member.goto(company_url)
    fit = member.locator("section.matches")
    expect(
        fit.get_by_role("heading", name="Published needs that fit these technologies")
    ).to_be_visible()
    expect(fit.get_by_role("heading", name=TECHNOLOGY_JA)).to_be_visible()
    expect(fit.get_by_role("link", name=WATER_NEEDS).first).to_be_visible()
    fit.get_by_role("link", name=WATER_NEEDS).first.click()
    expect(member.get_by_role("heading", level=1)).to_have_text(WATER_NEEDS)
    # The need shows the member its own fit; raising a hand is confirmed and can be undone.
    expect(member.get_by_text(f"How {COMPANY_EN} fits:")).to_be_visible()
    member.get_by_role("button", name="Raise our hand").click()
    expect(member.get_by_text("You raised your hand on")).to_be_visible()
    member.get_by_role("button", name="Withdraw our hand").click()
    expect(member.get_by_role("button", name="Raise our hand")).to_be_visible()
    switch_language(member, "ja")
    switch_language(member, "en")

    # The curator adds the company to the Cebu mission by hand and invites it.
    curator.goto("/missions/")
    curator.get_by_role("link", name=MISSION).click()
    adding = curator.locator("#add-company")
    adding.get_by_label("Company name").fill(COMPANY_EN)
    adding.get_by_role("button", name="Search").click()
    adding.get_by_role("listitem").filter(has_text=COMPANY_EN).get_by_role(
        "button", name="Add", exact=True
    ).click()
    row = curator.locator("table.shortlist tbody tr").filter(
        has=curator.get_by_role("link", name=COMPANY_EN, exact=True)
    )
    expect(row).to_contain_text("added by hand")
    row.get_by_role("button", name="Invite").click()
    expect(row).to_contain_text("Invited")

    # The member finds the invitation (the menu counts it) and accepts it.
    member.reload()
    menu_link = member.locator("header").get_by_role("link", name=re.compile("^Invitations"))
    expect(menu_link.locator(".count")).to_have_text("1")
    menu_link.click()
    invitation = member.locator(".card").filter(has_text=MISSION)
    expect(invitation).to_contain_text("Invited")
    expect(invitation).to_contain_text("Please answer by")
    invitation.get_by_role("link", name=MISSION).click()
    answer = member.locator("section.panel").filter(
        has=member.get_by_role("heading", name="Your invitation")
    )
    answer.get_by_label("We will join").check()
    answer.get_by_label("Note to the bureau").fill("Two engineers can join.")
    answer.get_by_role("button", name="Send answer").click()
    expect(answer).to_contain_text("Your answer: Accepted")
    expect(member.locator("header .count")).to_have_count(0)

    # The curator sees the acceptance on the shortlist.
    curator.reload()
    expect(row).to_contain_text("Accepted")
    expect(row).to_contain_text("Two engineers can join.")
