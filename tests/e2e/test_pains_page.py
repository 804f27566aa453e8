"""A head opens the map of pains of the demo: topics and hotspots, usable by keyboard, and axe
finds nothing serious; recomputing brings the page back with a fresh report."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e import support

pytestmark = pytest.mark.e2e

HEAD = next(
    e for e in support.employees() if e["role"] == "head" and "przemysl-rynek" in e["offices"]
)


def test_a_head_sees_topics_and_hotspots_of_their_office(page, site):
    page.goto("/uk/pains/?office=przemysl-rynek")
    support.sign_in(page, HEAD["username"])
    assert page.url.startswith(f"{site}/uk/pains/")
    expect(page.locator("h1")).to_contain_text(support.office("przemysl-rynek")["name"]["uk"])

    topics = page.locator("section[aria-labelledby=topics-heading] li.pains-topic")
    expect(topics.first).to_be_visible()
    assert topics.count() >= 3, "the demo's comments hold several pains"
    expect(topics.first.locator("svg[role=img] title")).to_have_count(1)
    hotspots = page.locator("section[aria-labelledby=hotspots-heading] tbody tr")
    expect(hotspots.first).to_be_visible()
    expect(
        page.locator("section[aria-labelledby=satisfaction-heading] table").first
    ).to_be_visible()

    violations = support.accessibility_violations(page)
    assert not violations, "\n".join(violations)


def test_a_head_recomputes_with_the_keyboard(page, site):
    page.goto("/en/pains/?office=przemysl-rynek")
    support.sign_in(page, HEAD["username"])
    before = page.locator(".pains-meta dd").first.inner_text()

    button = page.get_by_role("button", name="Recompute now")
    button.focus()
    page.keyboard.press("Enter")

    expect(page.locator(".notice[role=status]")).to_contain_text("recomputed")
    assert "recomputed=1" in page.url
    expect(page.locator(".pains-meta")).to_be_visible()
    assert page.locator(".pains-meta dd").first.inner_text() >= before
    violations = support.accessibility_violations(page)
    assert not violations, "\n".join(violations)
