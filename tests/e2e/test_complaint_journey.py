"""A citizen files a complaint in Chromium and follows it by its reference; the head answers it on
the staff detail page; the citizen's status page then shows the answer. Every page is checked
with axe-core."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from tests.e2e import support

pytestmark = pytest.mark.e2e

OFFICE = "przemysl-rynek"
HEAD = "head.rynek"  # the demo's head of the Market Square office
TEXT = "I waited two hours at the Market Square office although I had booked a time."
ANSWER = "We are sorry: a window was closed that morning. It will not happen again."


def test_a_complaint_is_filed_followed_answered_by_the_head_and_the_answer_is_seen(
    browser, page, site
):
    cache.clear()  # no rate-limit counts left from other tests of this process
    violations: list[str] = []

    def check(on, heading: str | re.Pattern[str]) -> None:
        expect(on.locator("h1")).to_have_text(heading)
        violations.extend(support.accessibility_violations(on))

    # The citizen files a complaint from the office's page.
    page.goto(f"/en/offices/{OFFICE}/")
    page.get_by_role("link", name="Complain, suggest or thank this office").click()
    check(page, "Complain or suggest")
    expect(page.locator("#id_office")).to_have_value(OFFICE)
    expect(page.get_by_label("Complaint", exact=True)).to_be_checked()
    page.locator("#id_category").select_option("waiting")
    page.locator("#id_text").fill(TEXT)
    page.get_by_role("button", name="Send").click()
    check(page, "Your appeal is registered")
    code = page.locator(".booking-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{10}", code)

    # ... and follows it by the reference, typed in lower case.
    page.goto("/en/complaints/")
    check(page, "Follow your appeal")
    page.locator("#id_code").fill(code.lower())
    page.get_by_role("button", name="Show the status").click()
    check(page, f"Appeal {code}")
    expect(page.locator(".complaint-status")).to_contain_text("Received")

    # The head signs in, finds it in the list and answers it.
    staff_context = browser.new_context(base_url=site, locale="en-GB")
    head = staff_context.new_page()
    head.set_default_timeout(10_000)
    head.goto("/en/staff/complaints/")
    support.sign_in(head, HEAD)
    check(head, "Complaints and suggestions")
    head.locator(f"tr[data-code='{code}'] a").click()
    check(head, f"Complaint {code}")
    expect(head.locator(".complaint-text")).to_contain_text(TEXT)
    head.locator("#id_answer-answer").fill(ANSWER)
    head.locator("form[data-action='answer'] button").click()
    expect(head.locator(".notice--success")).to_contain_text("The answer was saved")
    expect(head.locator(".complaint-status")).to_have_text("Answered")
    violations.extend(support.accessibility_violations(head))
    staff_context.close()

    # The citizen's status page shows the answer.
    page.reload()
    check(page, f"Appeal {code}")
    expect(page.locator(".complaint-status")).to_contain_text("Answered")
    expect(page.locator(".complaint-answer")).to_contain_text(ANSWER)
    steps = page.locator(".complaint-timeline li")
    expect(steps).to_have_count(2)
    expect(page.locator("main")).not_to_contain_text(HEAD)

    assert violations == []
