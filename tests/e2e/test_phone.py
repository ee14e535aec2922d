"""Every main page on a phone (390 px): nothing scrolls sideways, the menu folds away.

Each account's main pages are opened at 390 × 844 (an everyday phone) and checked that the
page is no wider than the screen. Pages marked for screenshots are saved as
docs/screenshots/<name>-phone-en.png.
"""

import pytest

pytest.importorskip("playwright.sync_api")

from playwright.sync_api import expect  # noqa: E402

from tests.e2e.pages import MAIN_PAGES, save_screenshot, sign_in  # noqa: E402

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("who", list(MAIN_PAGES))
def test_no_main_page_scrolls_sideways_on_a_phone(new_page, who):
    account, pages = MAIN_PAGES[who]
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    if account:
        sign_in(page, account)
    too_wide = {}
    for spec in pages:
        spec.open(page)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            widest = page.evaluate(
                """() => [...document.querySelectorAll('body *')]
                    .filter(e => e.getBoundingClientRect().right > 391)
                    .slice(0, 3)
                    .map(e => e.tagName + ' ' + e.textContent.trim().slice(0, 30))
                    .join(', ')"""
            )
            too_wide[spec.name] = f"{width} px ({widest})"
        if spec.screenshot:
            save_screenshot(page, f"{spec.name}-phone")
    assert not too_wide, too_wide


def test_the_menu_folds_behind_a_button_on_a_phone(new_page):
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto("/")
    needs_link = page.locator("header nav").get_by_role("link", name="Needs")
    menu = page.get_by_role("button", name="Menu")
    expect(needs_link).to_be_hidden()
    expect(menu).to_have_attribute("aria-expanded", "false")
    header_height = page.locator("header").bounding_box()["height"]
    assert header_height < 80, header_height  # not half the screen
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(needs_link).to_be_visible()
    needs_link.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("needs")


def test_the_menu_is_open_on_a_desktop(new_page):
    page = new_page()
    page.goto("/")
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(page.locator("header nav").get_by_role("link", name="Needs")).to_be_visible()


def test_the_archive_confirmation_opens_within_a_phone_screen(new_page):
    from tests.e2e.pages import CURATOR, WATER_NEED

    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(page, CURATOR)
    page.goto("/needs/?q=non-revenue+water")
    page.locator("main").get_by_role("link", name=WATER_NEED).click()
    page.locator("details.confirm summary").first.click()
    box = page.locator("details.confirm .confirm-box").first.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    expect(page.get_by_role("button", name="Yes, Archive")).to_be_visible()
