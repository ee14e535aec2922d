"""The language switch works on every main page, and the run saves their screenshots.

Each page is opened in English, switched to Japanese with the header button (``<html lang>``
flips, a known Japanese label appears, the same page comes back) and switched back. Pages
marked for it are saved in both languages as docs/screenshots/<name>-<en|ja>.png.
"""

import pytest

pytest.importorskip("playwright.sync_api")

from playwright.sync_api import expect  # noqa: E402

from tests.e2e.pages import MAIN_PAGES, save_screenshot, sign_in, switch_language  # noqa: E402


@pytest.mark.parametrize("who", list(MAIN_PAGES))
def test_language_switch_on_every_page(new_page, who):
    account, pages = MAIN_PAGES[who]
    page = new_page()
    if account:
        sign_in(page, account)
    for spec in pages:
        spec.open(page)
        expect(page.locator("html")).to_have_attribute("lang", "en")
        if spec.screenshot:
            save_screenshot(page, spec.name)
        switch_language(page, "ja")
        expect(page.get_by_text(spec.japanese, exact=False).first).to_be_visible()
        if spec.screenshot:
            save_screenshot(page, spec.name)
        switch_language(page, "en")
        expect(page.get_by_text(spec.japanese, exact=False)).to_have_count(0)
