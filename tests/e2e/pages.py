"""Helpers shared by the browser tests: sign-in, the language switch, screenshots."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Page, expect

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = PROJECT_ROOT / "docs" / "screenshots"
MAX_SCREENSHOT_HEIGHT = 1600

CURATOR = ("curator@demo.ypmatch.example", "demo-curator-pass")
MEMBER = ("member@demo.ypmatch.example", "demo-member-pass")
ADMIN = ("admin@demo.ypmatch.example", "demo-admin-pass")
CITY = ("cebu@demo.ypmatch.example", "demo-city-pass")

# The label of the language button, by the language the page is in now.
SWITCH_BUTTON = {"en": "日本語", "ja": "English"}
# Shown in the header of every page, by language.
NAV_NEEDS = {"en": "Needs", "ja": "ニーズ"}


def html_lang(page: Page) -> str:
    return page.locator("html").get_attribute("lang") or ""


def switch_language(page: Page, language: str) -> None:
    """Use the header button to show the current page in ``language`` ('en' or 'ja')."""
    if html_lang(page) == language:
        return
    path = page.url.split("#")[0]
    page.locator("header").get_by_role("button", name=SWITCH_BUTTON[html_lang(page)]).click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    # The menu may be folded away on a phone: the link is there, seen or not.
    nav = page.locator("header nav")
    needs = nav.get_by_role("link", name=NAV_NEEDS[language], include_hidden=True)
    expect(needs).to_have_count(1)
    # The switch returns to the same page.
    assert page.url.split("#")[0] == path


def sign_in(page: Page, account: tuple[str, str], language: str = "en") -> None:
    email, password = account
    page.goto("/login")
    switch_language(page, "en")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page.locator("header")).to_contain_text(re.compile("Sign out|ログアウト"))
    # A signed-in account keeps the language it last chose; start every test from a known one.
    switch_language(page, language)


def save_screenshot(page: Page, name: str) -> Path:
    """The top of the page (as wide as the window, at most 1600 high) as
    docs/screenshots/NAME-LANG.png."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}-{html_lang(page)}.png"
    height = min(
        page.evaluate("() => document.documentElement.scrollHeight"), MAX_SCREENSHOT_HEIGHT
    )
    page.screenshot(
        path=str(path),
        full_page=True,
        clip={"x": 0, "y": 0, "width": page.viewport_size["width"], "height": height},
        animations="disabled",
        caret="hide",
    )
    return path


# -- the main pages, by the account that sees them -------------------------------------------

WATER_NEED = "Reduce non-revenue water in the MCWD service area"
DEMO_MISSION = "Cebu joint survey mission"


@dataclass(frozen=True)
class MainPage:
    name: str
    open: Callable[[Page], None]
    japanese: str  # a label the page shows in Japanese
    screenshot: bool = False


def _goto(path: str) -> Callable[[Page], None]:
    def open_page(page: Page) -> None:
        page.goto(path)

    return open_page


def _open_need(page: Page) -> None:
    page.goto("/needs/?q=non-revenue+water")
    page.locator("main").get_by_role("link", name=WATER_NEED).click()
    expect(page.locator("#matches li.match").first).to_be_visible()


def _open_mission(page: Page) -> None:
    page.goto("/missions/")
    page.locator("main").get_by_role("link", name=DEMO_MISSION).click()
    expect(page.locator("table.shortlist")).to_be_visible()


def _open_own_company(page: Page) -> None:
    page.goto("/")
    page.get_by_role("link", name="Your company profile and technologies").click()
    expect(page.locator("#fit-title")).to_be_visible()


def _open_new_technology(page: Page) -> None:
    _open_own_company(page)
    page.get_by_role("link", name="Add a technology").click()


MAIN_PAGES: dict[str, tuple[tuple[str, str] | None, list[MainPage]]] = {
    "anonymous": (
        None,
        [
            MainPage(
                "start",
                _goto("/"),
                "パートナー都市のインフラニーズと横浜の技術をつなぐマッチング",
                True,
            ),
            MainPage("sign-in", _goto("/login"), "ログイン", True),
            MainPage("signup", _goto("/signup"), "企業登録"),
            MainPage("needs", _goto("/needs/"), "都市のニーズ", True),
            MainPage("companies", _goto("/companies/"), "横浜市内企業"),
            MainPage("cities", _goto("/cities/"), "パートナー都市"),
        ],
    ),
    "curator": (
        CURATOR,
        [
            MainPage("start-curator", _goto("/"), "国際局向け"),
            MainPage("need", _open_need, "このニーズに合う企業", True),
            MainPage("missions", _goto("/missions/"), "合同視察・調査団"),
            MainPage("mission", _open_mission, "候補企業リスト", True),
            MainPage("mission-new", _goto("/missions/new"), "視察・調査団を計画"),
            MainPage("kpis", _goto("/kpis"), "KPIダッシュボード", True),
            MainPage("review", _goto("/companies/review"), "審査待ちの企業登録"),
        ],
    ),
    "member": (
        MEMBER,
        [
            MainPage("company", _open_own_company, "これらの技術に合う公開中のニーズ", True),
            MainPage("technology-new", _open_new_technology, "技術を追加"),
            MainPage("invitations", _goto("/missions/invitations"), "視察・調査団への招待"),
            MainPage("account", _goto("/account"), "アカウント情報"),
        ],
    ),
    "city": (
        CITY,
        [MainPage("start-city", _goto("/"), "ニーズを提出")],
    ),
}
