"""A head of office signs in, sees their own offices and opens an office's team page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from okno.staff.demo import DEMO_PASSWORD
from tests.e2e import support

pytestmark = pytest.mark.e2e

HEAD = next(e for e in support.employees() if e["role"] == "head")


def test_a_wrong_password_shows_an_error_and_keeps_the_visitor_out(page, site):
    page.goto("/uk/staff/login/")
    page.locator("#id_username").fill(HEAD["username"])
    page.locator("#id_password").fill(DEMO_PASSWORD + "-wrong")
    page.locator("main button[type=submit]").click()

    expect(page.locator(".error-summary[role=alert]")).to_be_visible()
    assert page.url == f"{site}/uk/staff/login/"
    page.goto("/uk/staff/")
    assert page.url.startswith(f"{site}/uk/staff/login/"), "still signed out"


def test_a_head_sees_their_own_offices_and_each_offices_team(page, site):
    page.goto("/uk/staff/")  # signed out: sent to sign in, and back here afterwards
    page.locator("#id_username").fill(HEAD["username"])
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("main button[type=submit]").click()

    assert page.url == f"{site}/uk/staff/"
    expect(page.locator("h1")).to_contain_text(f"{HEAD['first_name']} {HEAD['last_name']}")
    offices = page.locator("main ul.cards a")
    hrefs = offices.evaluate_all("links => links.map(link => link.getAttribute('href'))")
    assert sorted(hrefs) == sorted(f"/uk/staff/offices/{slug}/" for slug in HEAD["offices"])

    office_slug = HEAD["offices"][0]
    page.locator(f"a[href='/uk/staff/offices/{office_slug}/']").click()
    expect(page.locator("h1")).to_have_text(support.office(office_slug)["name"]["uk"])
    team = [e for e in support.employees() if office_slug in e["offices"]]
    rows = page.locator("section[aria-labelledby=team-heading] tbody th[scope=row]")
    expect(rows).to_have_count(len(team))
    names = rows.all_inner_texts()
    for employee in team:
        assert f"{employee['first_name']} {employee['last_name']}" in names


def test_a_head_cannot_open_an_office_that_is_not_theirs(page, site):
    others = {o["slug"] for o in support.catalog()["offices"]} - set(HEAD["offices"])
    page.goto("/uk/staff/login/")
    page.locator("#id_username").fill(HEAD["username"])
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("main button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text(HEAD["first_name"])

    for slug in sorted(others):
        response = page.goto(f"/uk/staff/offices/{slug}/")
        assert response.status == 404
