"""Each portal page, with its stylesheet and scripts, arrives in under 100 KB (gzipped)."""

from __future__ import annotations

import pytest

from tests.e2e import support

pytestmark = pytest.mark.e2e

PASSPORT = support.service("A03")
OFFICE_SLUG = PASSPORT["offices"][0]
SITUATION = support.catalog()["life_situations"][0]

PAGES = [
    "/uk/",
    "/uk/search/?q=pasport",
    "/uk/services/",
    f"/uk/services/{PASSPORT['slug']}/",
    "/uk/situations/",
    f"/uk/situations/{SITUATION['slug']}/",
    "/uk/offices/",
    f"/uk/offices/{OFFICE_SLUG}/",
]


def test_every_portal_page_weighs_under_100_kb_with_its_css_and_js(browser, site):
    report, too_heavy = [], []
    for path in PAGES:
        context = browser.new_context(base_url=site)  # an empty cache for every page
        transfers = support.page_weight(context.new_page(), path)
        context.close()
        assert {t.kind for t in transfers} >= {"document", "stylesheet"}, path
        assert all(t.status == 200 for t in transfers), [(t.url, t.status) for t in transfers]
        total = sum(t.gzip_bytes for t in transfers)
        parts = ", ".join(f"{t.url.removeprefix(site)} {t.gzip_bytes:,}" for t in transfers)
        report.append(
            f"{path}: {total:,} bytes gzipped ({sum(t.wire_bytes for t in transfers):,} "
            f"as the test server sent them) — {parts}"
        )
        if total >= support.PAGE_WEIGHT_BUDGET:
            too_heavy.append(path)
    print("\n".join(report))
    assert not too_heavy, "over 100 KB:\n" + "\n".join(report)
