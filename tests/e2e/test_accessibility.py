"""axe-core finds nothing serious or critical on any page, in the default language and another."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from okno.staff.demo import DEMO_PASSWORD
from tests.e2e import support

pytestmark = pytest.mark.e2e

PASSPORT = support.service("A03")
OFFICE_SLUG = PASSPORT["offices"][0]
SITUATION = support.catalog()["life_situations"][0]
HEAD = next(e for e in support.employees() if e["role"] == "head" and OFFICE_SLUG in e["offices"])

PORTAL_PAGES = [
    "/{language}/",
    "/{language}/search/?q=pasport",
    "/{language}/services/",
    f"/{{language}}/services/{PASSPORT['slug']}/",
    "/{language}/situations/",
    f"/{{language}}/situations/{SITUATION['slug']}/",
    "/{language}/offices/",
    f"/{{language}}/offices/{OFFICE_SLUG}/",
]


@pytest.mark.parametrize("language", ["uk", "en"])
def test_no_page_has_a_serious_or_critical_accessibility_violation(page, language):
    violations = []
    for path in PORTAL_PAGES:
        page.goto(path.format(language=language))
        violations += support.accessibility_violations(page)

    # Live results, as HTMX swaps them into the home page.
    page.goto(f"/{language}/")
    page.locator("#q").press_sequentially("pasport", delay=30)
    expect(page.locator("#search-results .results")).to_be_visible()
    violations += support.accessibility_violations(page)

    page.goto(f"/{language}/staff/login/")
    violations += support.accessibility_violations(page)
    page.locator("#id_username").fill(HEAD["username"])
    page.locator("#id_password").fill("not the password")
    page.locator("main button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    violations += support.accessibility_violations(page)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("main button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/{language}/staff/$"))
    violations += support.accessibility_violations(page)
    page.goto(f"/{language}/staff/offices/{OFFICE_SLUG}/")
    violations += support.accessibility_violations(page)

    assert not violations, "axe-core found:\n" + "\n".join(violations)
