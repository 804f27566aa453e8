"""The head of a centre reads its figures in a real browser, and a citizen its public page.

On the demo (60 past days of visits at each demo office, their rollups, 90 days of ratings):
the head of the Rynek centre opens the dashboard, narrows the period and groups it by week,
drills down to one service, downloads the KPI table as XLSX, compares the offices, opens the
employees' table and one employee's page, and the monthly report; an operator sees her own
figures only; anybody sees the office's public page. axe-core checks every page.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e import support

pytestmark = pytest.mark.e2e

HEAD = support.employee("head.rynek")
OPERATOR = support.employee("operator.anna")


@pytest.fixture(autouse=True)
def _past_visits(demo_data):
    """The demo's 60 past days of visits and their rollups (the shared demo leaves them out)."""
    from okno.analytics.demo import load_analytics_demo

    load_analytics_demo()


def test_the_head_reads_filters_drills_down_and_exports_her_figures(open_page):
    import openpyxl

    page = open_page("/en/staff/analytics/")
    support.sign_in(page, HEAD["username"])
    expect(page.locator("h1")).to_have_text("Performance")
    expect(page.locator("#kpi-satisfaction")).to_contain_text("target 90.0 %")
    expect(page.locator("#kpi-wait_mean .kpi-tile__value")).not_to_have_text("—")
    violations = support.accessibility_violations(page)

    # Five weeks grouped by week.
    start = dt.date.today() - dt.timedelta(days=35)
    page.locator("#id_start").fill(start.isoformat())
    page.locator("#id_granularity").select_option("week")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#kpi-trend-heading")).to_be_visible()
    rows = page.locator("section[aria-labelledby=kpi-trend-heading] > .table-scroll tbody tr")
    assert 5 <= rows.count() <= 7
    violations += support.accessibility_violations(page)

    # Drill down to the busiest service: the page narrows to it.
    services = page.locator("section[aria-labelledby=kpi-services-heading] tbody th a")
    name = services.first.inner_text()
    services.first.click()
    expect(page.locator("#id_service")).to_have_value(page.url.split("service=")[1].split("&")[0])
    expect(page.locator("section[aria-labelledby=kpi-services-heading] tbody th")).to_have_text(
        [name]
    )

    # The KPI table as a spreadsheet, the figures the page shows.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="XLSX · KPIs").click()
    workbook = openpyxl.load_workbook(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    header = next(workbook.active.iter_rows(max_row=1, values_only=True))
    assert header[:3] == ("Section", "KPI", "Value")

    # The league, the employees, one employee, the monthly report.
    page.get_by_role("link", name="Offices side by side").click()
    expect(page.locator("h1")).to_have_text("League of offices")
    violations += support.accessibility_violations(page)
    page.go_back()
    page.go_back()
    page.locator(".kpi-links a", has_text="Employees").first.click()
    expect(page.locator("h1")).to_contain_text("Employees")
    violations += support.accessibility_violations(page)
    page.locator("table.data tbody th a").first.click()
    expect(page.locator("main")).to_contain_text("office")
    violations += support.accessibility_violations(page)
    page.go_back()
    page.go_back()
    page.locator(".kpi-links a", has_text="Monthly report").first.click()
    expect(page.locator("h1")).to_contain_text("report for")
    violations += support.accessibility_violations(page)
    assert violations == []


def test_an_operator_sees_her_own_figures_and_a_citizen_the_public_page(open_page):
    page = open_page("/en/staff/analytics/me/")
    support.sign_in(page, OPERATOR["username"])
    expect(page.locator("h1")).to_have_text("My figures")
    violations = support.accessibility_violations(page)
    page.goto("/en/staff/analytics/")
    expect(page.locator("h1")).not_to_have_text("Performance")  # 403 for operators

    phone = open_page(
        "/en/offices/przemysl-rynek/performance/", viewport={"width": 360, "height": 740}
    )
    expect(phone.locator("h1")).to_contain_text("is doing")
    assert support.horizontal_overflow(phone) == 0, "the page fits a 360 px phone"
    violations += support.accessibility_violations(phone)
    assert violations == []
