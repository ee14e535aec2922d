"""Automated accessibility check of every main page in both languages, and keyboard focus.

axe-core (vendored in tests/e2e/vendor/, see its README) runs inside each page with the
WCAG 2.x A/AA rules and axe's best practices (landmarks, headings, labels, contrast …).
No violation of impact "serious" or "critical" may remain; lesser ones, and the items axe
cannot decide alone ("needs review"), are printed (``pytest -s``) for a person to judge.

The app's Content-Security-Policy allows only same-origin scripts (``script-src 'self'``), so
Playwright's inline ``add_script_tag(content=…)`` would be refused. Instead the browser context
answers a same-origin URL, /__e2e__/axe.min.js, with the vendored file (``context.route``): the
page's CSP stays in force during the check and nothing is bypassed. The app never serves axe.
"""

import json
from pathlib import Path

import pytest

pytest.importorskip("playwright.sync_api")

from playwright.sync_api import Page, expect  # noqa: E402

from tests.e2e.pages import MAIN_PAGES, WATER_NEED, sign_in, switch_language  # noqa: E402

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
AXE_VERSION = "4.14.1"
AXE_URL = "/__e2e__/axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
BLOCKING = {"serious", "critical"}


def open_checked_page(new_page) -> Page:
    page = new_page()
    page.context.route(
        f"**{AXE_URL}",
        lambda route: route.fulfill(path=str(AXE), content_type="application/javascript"),
    )
    return page


def run_axe(page: Page) -> list[dict]:
    """axe's violations, and its "needs review" items tagged ``review: true``."""
    page.add_script_tag(url=AXE_URL)
    version = page.evaluate("() => axe.version")
    assert version == AXE_VERSION
    return page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {
                runOnly: {type: 'tag', values: tags}, resultTypes: ['violations', 'incomplete'],
            });
            const shape = (review) => (v) => ({
                id: v.id, impact: v.impact, help: v.help, review: review,
                nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary
                    || n.any.concat(n.all, n.none).map(c => c.message).join('; ')})),
            });
            return r.violations.map(shape(false)).concat(r.incomplete.map(shape(true)));
        }""",
        AXE_TAGS,
    )


def blocking_violations(results: list[dict]) -> list[dict]:
    return [v for v in results if not v["review"] and v["impact"] in BLOCKING]


def describe(where: str, violations: list[dict]) -> str:
    lines = []
    for v in violations:
        kind = "needs review" if v["review"] else "violation"
        lines.append(f"{where}: {kind} [{v['impact']}] {v['id']}: {v['help']}")
        for node in v["nodes"][:3]:
            summary = (node["summary"] or "").strip().splitlines()
            lines.append(f"    {node['target']}  {summary[-1].strip() if summary else ''}")
    return "\n".join(lines)


@pytest.mark.parametrize("who", list(MAIN_PAGES))
def test_main_pages_have_no_serious_accessibility_violations(new_page, who):
    account, pages = MAIN_PAGES[who]
    page = open_checked_page(new_page)
    if account:
        sign_in(page, account)
    blocking, minor = [], []
    for spec in pages:
        spec.open(page)
        for language in ("en", "ja"):
            switch_language(page, language)
            where = f"{who} {spec.name} ({language}) {page.url}"
            results = run_axe(page)
            blocking += [(where, v) for v in blocking_violations(results)]
            minor += [(where, v) for v in results if v not in blocking_violations(results)]
        switch_language(page, "en")
    if minor:
        print("\n".join(describe(where, [v]) for where, v in minor))
    assert not blocking, "\n" + "\n".join(describe(where, [v]) for where, v in blocking)


def test_form_errors_are_accessible(new_page):
    """A refused sign-up: errors are announced and tied to their fields."""
    page = open_checked_page(new_page)
    page.goto("/signup")
    page.get_by_label("Email").fill("not-an-address")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("alert")).to_be_visible()
    email = page.get_by_label("Email")
    expect(email).to_have_attribute("aria-invalid", "true")
    described = email.get_attribute("aria-describedby") or ""
    assert "email-errors" in described.split()
    blocking = blocking_violations(run_axe(page))
    assert not blocking, describe("signup with errors", blocking)


def focus_state(page: Page) -> dict:
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            if (!el || el === document.body) return {tag: 'body'};
            const style = getComputedStyle(el);
            const box = el.getBoundingClientRect();
            return {
                tag: el.tagName.toLowerCase(),
                text: (el.innerText || el.value || el.getAttribute('aria-label') || '')
                    .trim().slice(0, 40),
                outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
                shadow: style.boxShadow !== 'none',
                visible: box.width > 0 && box.height > 0,
                inViewport: box.bottom > 0 && box.top < window.innerHeight,
            };
        }"""
    )


def test_keyboard_reaches_content_with_a_visible_focus(new_page):
    page = new_page()
    sign_in(page, MAIN_PAGES["curator"][0])
    page.goto("/needs/?q=non-revenue+water")
    page.locator("main").get_by_role("link", name=WATER_NEED).click()

    # The first Tab shows the skip link; following it moves focus into the main content.
    page.keyboard.press("Tab")
    state = focus_state(page)
    assert state["tag"] == "a" and state["text"] == "Skip to content", state
    assert state["visible"] and state["inViewport"] and state["outline"], state
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"

    # Every control the keyboard reaches on the way (filters, matches, decisions) shows focus.
    seen = []
    for _ in range(40):
        page.keyboard.press("Tab")
        state = focus_state(page)
        assert state["tag"] != "body", f"focus was lost after {seen}"
        assert state["visible"] and state["inViewport"], state
        assert state["outline"] or state["shadow"], f"no visible focus on {state}"
        seen.append(f"{state['tag']}:{state['text']}")
    assert any(item.startswith("select") for item in seen), json.dumps(seen)
    assert any(item.startswith("button:Confirm") for item in seen), json.dumps(seen)


def test_the_checker_finds_planted_violations(new_page):
    """axe really runs under the page's CSP: a missing alt text and label are reported."""
    page = open_checked_page(new_page)
    page.goto("/")
    page.evaluate(
        """() => {
            const main = document.querySelector('main');
            main.insertAdjacentHTML('beforeend', '<img src="/static/none.png"><input type="text">');
        }"""
    )
    found = {v["id"]: v["impact"] for v in blocking_violations(run_axe(page))}
    assert found.get("image-alt") == "critical", found
    assert found.get("label") in BLOCKING, found
