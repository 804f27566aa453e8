"""A citizen finds a service, reads its passport, picks an office and follows a life situation."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation
from django.utils.translation import gettext as _
from playwright.sync_api import expect

from tests.e2e import support

pytestmark = pytest.mark.e2e

# The demo's passport: searched for with a Latin typo, as a visitor on a foreign keyboard would.
PASSPORT = support.service("A03")


def test_the_root_address_sends_the_visitor_to_their_browsers_language(browser, site):
    for language in ("uk", "pl"):
        context = browser.new_context(
            base_url=site, extra_http_headers={"Accept-Language": language}
        )
        page = context.new_page()
        page.goto("/")
        assert page.url == f"{site}/{language}/"
        expect(page.locator("html")).to_have_attribute("lang", language)
        context.close()


def test_the_language_switcher_keeps_the_page(page, site):
    page.goto(f"/uk/services/{PASSPORT['slug']}/")
    expect(page.locator("h1")).to_have_text(PASSPORT["name"]["uk"])

    page.locator("nav.languages a[hreflang=en]").click()
    assert page.url == f"{site}/en/services/{PASSPORT['slug']}/"
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text(PASSPORT["name"]["en"])

    page.locator("nav.languages a[hreflang=pl]").click()
    assert page.url == f"{site}/pl/services/{PASSPORT['slug']}/"
    expect(page.locator("h1")).to_have_text(PASSPORT["name"]["pl"])
    expect(page.locator("nav.languages a[aria-current]")).to_have_attribute("hreflang", "pl")


def test_the_language_switcher_keeps_the_search(page, site):
    page.goto("/uk/search/?q=pasport")
    page.locator("nav.languages a[hreflang=en]").click()
    assert page.url == f"{site}/en/search/?q=pasport"
    expect(page.locator("#q")).to_have_value("pasport")


def test_search_without_javascript_finds_the_passport_services_despite_a_typo(browser, site):
    context = browser.new_context(
        base_url=site, java_script_enabled=False, extra_http_headers={"Accept-Language": "uk"}
    )
    page = context.new_page()
    page.goto("/uk/")
    page.locator("#q").fill("pasport")
    page.locator("form[role=search] button[type=submit]").click()

    assert page.url == f"{site}/uk/search/?q=pasport"
    _expect_passport_services(page)
    context.close()


def test_live_search_shows_results_while_typing(page, site):
    page.goto("/uk/")
    page.locator("#q").press_sequentially("pasport", delay=40)

    _expect_passport_services(page)
    assert page.url == f"{site}/uk/", "live results must not leave the page"
    expect(page.locator("#search-results")).to_have_attribute("aria-live", "polite")


def test_a_passport_found_by_search_says_what_to_bring_what_it_costs_how_long_and_where(page):
    page.goto("/uk/search/?q=pasport")
    page.locator(f"#search-results a[href='/uk/services/{PASSPORT['slug']}/']").click()

    expect(page.locator("h1")).to_have_text(PASSPORT["name"]["uk"])
    documents = page.locator("ol.documents > li")
    expect(documents).to_have_count(len(PASSPORT["documents"]))
    for index, document in enumerate(PASSPORT["documents"]):
        expect(documents.nth(index).locator("strong")).to_have_text(document["name"]["uk"])
    facts = page.locator(".facts dd")
    fee, term = PASSPORT["fee"], PASSPORT["term"]
    with translation.override("uk"):
        expect(facts.nth(0)).to_contain_text(
            _("free") if fee["free"] else f"{_ukrainian_amount(fee['amount'])} {fee['currency']}"
        )
        expect(facts.nth(1)).to_contain_text(
            str(term["value"]) if term["value"] else _("on the spot")
        )
    where = page.locator("section[aria-labelledby=where-heading] li a")
    hrefs = where.evaluate_all("links => links.map(link => link.getAttribute('href'))")
    assert sorted(hrefs) == sorted(f"/uk/offices/{slug}/" for slug in PASSPORT["offices"])


def test_an_office_opened_from_a_passport_shows_todays_hours_and_that_it_is_open_now(page):
    office_slug = PASSPORT["offices"][0]
    zone = ZoneInfo(support.office(office_slug)["time_zone"])
    wednesday_morning = dt.datetime(2026, 12, 2, 10, 0, tzinfo=zone)  # no holiday, no exception
    opens, closes = next(
        (o, c)
        for o, c in support.hours_on(office_slug, wednesday_morning.weekday())
        if o <= "10:00" < c
    )
    with time_machine.travel(wednesday_morning, tick=True):
        page.goto(f"/uk/services/{PASSPORT['slug']}/")
        page.locator(f"a[href='/uk/offices/{office_slug}/']").click()

        expect(page.locator("h1")).to_have_text(support.office(office_slug)["name"]["uk"])
        status = page.locator(".status-line .status")
        expect(status).to_have_class(re.compile(r"\bstatus--open\b"))
        expect(status).to_contain_text(closes)
        expect(page.locator(".status-line small")).to_contain_text("10:00")
        today = page.locator("table.hours tr[aria-current=date]")
        expect(today).to_have_count(1)
        expect(today.locator("td")).to_contain_text(f"{opens}–{closes}")


def test_an_office_on_sunday_says_it_is_closed_and_when_it_opens(page):
    office_slug = PASSPORT["offices"][0]
    zone = ZoneInfo(support.office(office_slug)["time_zone"])
    sunday = dt.datetime(2026, 11, 29, 10, 0, tzinfo=zone)
    # In the office's own time, even where the site's default zone (Europe/Kyiv) differs.
    monday_opens = support.hours_on(office_slug, 0)[0][0]
    with time_machine.travel(sunday, tick=True):
        page.goto(f"/en/offices/{office_slug}/")

        status = page.locator(".status-line .status")
        expect(status).to_have_class(re.compile(r"\bstatus--closed\b"))
        expect(status).to_have_text(f"Closed now; opens Monday at {monday_opens}")
        expect(page.locator("table.hours tr[aria-current=date] td")).to_have_text("closed")


def test_a_life_situation_leads_step_by_step_to_a_passport(page):
    situation = support.catalog()["life_situations"][0]
    steps = [support.service(step["service"]) for step in situation["steps"]]

    page.goto("/uk/situations/")
    page.locator(f"a[href='/uk/situations/{situation['slug']}/']").click()
    expect(page.locator("h1")).to_have_text(situation["name"]["uk"])
    links = page.locator("ol.steps > li h3 a")
    expect(links).to_have_count(len(steps))
    for index, step in enumerate(steps):
        expect(links.nth(index)).to_have_attribute("href", f"/uk/services/{step['slug']}/")

    links.nth(1).click()
    expect(page.locator("h1")).to_have_text(steps[1]["name"]["uk"])


def _expect_passport_services(page) -> None:
    results = page.locator("#search-results")
    for service in support.passport_services():
        expect(results.locator(f"a[href='/uk/services/{service['slug']}/']")).to_have_text(
            service["name"]["uk"]
        )


def _ukrainian_amount(amount: str) -> str:
    """140.00 → "140", 12.50 → "12,50": whole amounts without decimals, a decimal comma."""
    number = Decimal(amount)
    return str(int(number)) if number == number.to_integral() else f"{number:.2f}".replace(".", ",")
