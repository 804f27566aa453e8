"""Keyboard-only use, a 320 px screen and paper: the portal works for each of them."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e import support

pytestmark = pytest.mark.e2e

PASSPORT = support.service("A03")
OFFICE = support.office(PASSPORT["offices"][0])
SITUATION = support.catalog()["life_situations"][0]

NARROW_PAGES = [
    "/uk/",
    "/uk/search/?q=pasport",
    "/uk/services/",
    f"/uk/services/{PASSPORT['slug']}/",
    f"/uk/situations/{SITUATION['slug']}/",
    "/uk/offices/",
    f"/uk/offices/{OFFICE['slug']}/",
    "/uk/staff/login/",
]

# What a visible focus indicator needs: an outline or a ring that is actually drawn.
_FOCUS_INDICATOR = """element => {
    const style = getComputedStyle(element);
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
    return outline || style.boxShadow !== "none";
}"""
_ACTIVE = """() => {
    const element = document.activeElement;
    return {id: element.id, className: element.className, tag: element.tagName,
            hreflang: element.getAttribute("hreflang")};
}"""


def test_the_first_tab_reaches_the_skip_link_which_moves_focus_to_the_main_content(page):
    page.goto("/uk/")
    skip_link = page.locator(".skip-link")
    assert skip_link.bounding_box()["x"] < 0, "the skip link waits off screen"

    page.keyboard.press("Tab")
    assert page.evaluate(_ACTIVE)["className"] == "skip-link"
    box = skip_link.bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0, "the skip link shows on focus"
    assert skip_link.evaluate(_FOCUS_INDICATOR)

    page.keyboard.press("Enter")
    assert page.evaluate(_ACTIVE)["id"] == "content"
    page.keyboard.press("Tab")
    assert page.evaluate(_ACTIVE)["id"] == "q", "the search field comes first in the content"
    assert page.locator("#q").evaluate(_FOCUS_INDICATOR)


def test_the_language_links_and_the_search_field_are_reachable_by_tab_with_visible_focus(page):
    page.goto("/uk/")
    reached = []
    for _ in range(30):
        page.keyboard.press("Tab")
        active = page.evaluate(_ACTIVE)
        reached.append(active)
        if active["hreflang"] or active["id"] == "q":
            focused = page.locator(":focus")
            assert focused.evaluate(_FOCUS_INDICATOR), f"no visible focus on {active}"
        if active["id"] == "q":
            break
    languages = [a["hreflang"] for a in reached if a["hreflang"]]
    assert languages == ["uk", "ru", "pl", "kk", "en"]
    assert reached[-1]["id"] == "q"


def test_every_page_fits_a_320_pixel_screen_without_sideways_scrolling(browser, site):
    context = browser.new_context(base_url=site, viewport={"width": 320, "height": 640})
    page = context.new_page()
    too_wide = []
    for path in NARROW_PAGES:
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 320:
            too_wide.append(f"{path} is {width} px wide")
    context.close()
    assert not too_wide, "at 320 px: " + "; ".join(too_wide)


def test_the_printed_passport_leaves_out_the_header_and_the_search(page):
    page.goto(f"/uk/services/{PASSPORT['slug']}/")
    page.emulate_media(media="print")

    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".skip-link")).to_be_hidden()
    expect(page.locator(".breadcrumbs")).to_be_hidden()
    expect(page.locator(".site-footer")).to_be_hidden()
    for search in page.locator("[role=search], #search-results").all():
        expect(search).to_be_hidden()
    expect(page.locator("h1")).to_have_text(PASSPORT["name"]["uk"])
    expect(page.locator("ol.documents")).to_be_visible()
    expect(page.locator(".facts")).to_be_visible()


def test_the_printed_search_page_shows_the_results_without_the_search_form(page):
    page.goto("/uk/search/?q=pasport")
    page.emulate_media(media="print")

    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator("form[role=search]")).to_be_hidden()
    results = page.locator("#search-results")
    expect(results).to_be_visible()
    expect(results.locator("#results-heading")).to_be_visible()
    expect(results.locator(".card").first).to_be_visible()
