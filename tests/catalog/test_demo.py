"""The demo catalogue's calendars make sense: no exception on a public holiday, shortened days on
days the office opens."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import holidays
import pytest

from okno.staff.demo import CATALOG_DIR


def demo_offices() -> list[dict[str, Any]]:
    offices = []
    for path in sorted(CATALOG_DIR.glob("*.json")):
        offices += json.loads(path.read_text(encoding="utf-8")).get("offices", [])
    assert offices, f"no demo offices found in {CATALOG_DIR}"
    return offices


def exceptions() -> list[Any]:
    """One test case per calendar exception of a demo office."""
    return [
        pytest.param(office, exception, id=f"{office['slug']} {exception['date']}")
        for office in demo_offices()
        for exception in office.get("exceptions", [])
    ]


@pytest.mark.parametrize(("office", "exception"), exceptions())
def test_no_demo_exception_falls_on_a_public_holiday_of_the_offices_country(office, exception):
    date = dt.date.fromisoformat(exception["date"])
    public_holidays = holidays.country_holidays(
        office["country"], subdiv=office.get("subdivision") or None, years=date.year
    )
    assert date not in public_holidays, (
        f"{office['slug']}: {date} is {public_holidays.get(date)}, a public holiday; "
        f"a {exception['kind']} day there means nothing"
    )


@pytest.mark.parametrize(
    ("office", "exception"),
    [param for param in exceptions() if param.values[1]["kind"] == "shortened"],
)
def test_a_shortened_demo_day_is_a_day_the_office_usually_opens(office, exception):
    weekday = dt.date.fromisoformat(exception["date"]).weekday()
    usual = [hours for hours in office["opening_hours"] if hours["weekday"] == weekday]
    assert usual, f"{office['slug']} is not open on {exception['date']} anyway"
    assert exception["opens"] >= min(hours["opens"] for hours in usual)
    assert exception["closes"] <= max(hours["closes"] for hours in usual)
