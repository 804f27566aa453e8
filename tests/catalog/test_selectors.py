"""Catalogue reads shared by the portal and the API: office status, grouping, filtering, passports."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.http import Http404

from okno.catalog import selectors
from tests.factories import (
    CalendarExceptionFactory,
    LifeSituationFactory,
    LifeSituationStepFactory,
    OfficeFactory,
    OpeningHoursFactory,
    ServiceFactory,
    ServiceGroupFactory,
)

pytestmark = pytest.mark.django_db

WARSAW = zoneinfo.ZoneInfo("Europe/Warsaw")
KYIV = zoneinfo.ZoneInfo("Europe/Kyiv")


def at(day: str, clock: str, zone=WARSAW) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=zone)


@pytest.fixture
def warsaw_office():
    """08:00-16:00 on weekdays, Tuesday with a lunch break (08:00-12:00, 13:00-18:00)."""
    office = OfficeFactory(pl=True)
    for weekday in (0, 2, 3, 4):
        OpeningHoursFactory(office=office, weekday=weekday, opens=dt.time(8), closes=dt.time(16))
    OpeningHoursFactory(office=office, weekday=1, opens=dt.time(8), closes=dt.time(12))
    OpeningHoursFactory(office=office, weekday=1, opens=dt.time(13), closes=dt.time(18))
    return office


# --- office status --------------------------------------------------------------------------------


def test_an_office_open_now_says_when_it_closes(warsaw_office):
    with time_machine.travel(at("2026-11-09", "10:00"), tick=False):
        status = selectors.office_status(warsaw_office)
    assert status.open_now
    assert status.closes_at == dt.time(16)
    assert status.local_now == at("2026-11-09", "10:00")
    assert status.today.date == dt.date(2026, 11, 9)
    assert status.next_opening == at("2026-11-10", "08:00")


def test_during_the_lunch_break_the_office_is_closed_and_opens_after_lunch(warsaw_office):
    with time_machine.travel(at("2026-11-10", "12:30"), tick=False):
        status = selectors.office_status(warsaw_office)
    assert not status.open_now
    assert status.closes_at is None
    assert status.next_opening == at("2026-11-10", "13:00")


def test_in_the_afternoon_interval_it_closes_at_the_end_of_that_interval(warsaw_office):
    with time_machine.travel(at("2026-11-10", "15:00"), tick=False):
        status = selectors.office_status(warsaw_office)
    assert status.open_now and status.closes_at == dt.time(18)


def test_after_closing_before_a_holiday_the_next_opening_is_after_the_holiday(warsaw_office):
    with time_machine.travel(at("2026-11-10", "18:30"), tick=False):
        status = selectors.office_status(warsaw_office)
    assert not status.open_now
    assert status.next_opening == at("2026-11-12", "08:00")
    holiday = status.week[1]
    assert holiday.date == dt.date(2026, 11, 11) and holiday.holiday and not holiday.open


def test_the_week_starts_today_and_upcoming_lists_holidays_and_exceptions(warsaw_office):
    CalendarExceptionFactory(office=warsaw_office, date=dt.date(2026, 11, 20), kind="closed")
    with time_machine.travel(at("2026-11-10", "09:00"), tick=False):
        status = selectors.office_status(warsaw_office)
    assert [day.date for day in status.week] == [
        dt.date(2026, 11, 10) + dt.timedelta(days=i) for i in range(7)
    ]
    upcoming = [day.date for day in status.upcoming]
    assert upcoming[:2] == [dt.date(2026, 11, 11), dt.date(2026, 11, 20)]
    # 45 days from 10 November reach Christmas Eve, a public holiday since 2025.
    assert upcoming[-1] == dt.date(2026, 12, 24)
    assert all(day.holiday or day.exception_kind for day in status.upcoming)


def test_status_uses_the_offices_time_zone_not_the_servers():
    office = OfficeFactory(weekday_hours=("08:00", "17:00"))  # Kyiv, UTC+2 in November
    # 23:30 UTC on Monday is 01:30 on Tuesday in Kyiv.
    with time_machine.travel(dt.datetime(2026, 11, 9, 23, 30, tzinfo=dt.UTC), tick=False):
        status = selectors.office_status(office)
    assert status.local_now.date() == dt.date(2026, 11, 10)
    assert status.today.date == dt.date(2026, 11, 10)
    assert not status.open_now
    assert status.next_opening == dt.datetime(2026, 11, 10, 8, tzinfo=KYIV)


def test_a_shortened_day_closes_early(warsaw_office):
    CalendarExceptionFactory(
        office=warsaw_office,
        date=dt.date(2026, 11, 13),
        kind="shortened",
        opens=dt.time(8),
        closes=dt.time(12),
    )
    with time_machine.travel(at("2026-11-13", "11:00"), tick=False):
        status = selectors.office_status(warsaw_office)
    assert status.open_now and status.closes_at == dt.time(12)
    with time_machine.travel(at("2026-11-13", "12:30"), tick=False):
        status = selectors.office_status(warsaw_office)
    assert not status.open_now
    assert status.next_opening == at("2026-11-16", "08:00")


def test_an_explicit_moment_can_be_asked_about(warsaw_office):
    status = selectors.office_status(warsaw_office, now=at("2026-11-09", "07:00"))
    assert not status.open_now and status.next_opening == at("2026-11-09", "08:00")


# --- grouping and filtering --------------------------------------------------------------------------


@pytest.fixture
def catalogue():
    office_a = OfficeFactory(slug="a")
    office_b = OfficeFactory(slug="b")
    documents = ServiceGroupFactory(prefix="D", order=1, name={"en": "Documents"})
    residence = ServiceGroupFactory(prefix="R", order=2, name={"en": "Residence"})
    empty = ServiceGroupFactory(prefix="E", order=0, name={"en": "Empty"})
    return {
        "a": office_a,
        "b": office_b,
        "documents": documents,
        "residence": residence,
        "empty": empty,
        "D02": ServiceFactory(
            code="D02", group=documents, name={"en": "Passport"}, offices=[office_a]
        ),
        "D01": ServiceFactory(
            code="D01", group=documents, name={"en": "Identity card"}, offices=[office_a, office_b]
        ),
        "R01": ServiceFactory(
            code="R01", group=residence, name={"en": "Registration"}, offices=[office_b]
        ),
        "R02": ServiceFactory(
            code="R02",
            group=residence,
            name={"en": "Old passport office"},
            offices=[office_a],
            is_active=False,
        ),
    }


def codes(services) -> list[str]:
    return [service.code for service in services]


def test_services_in_groups_lists_active_services_by_group_order_then_code(catalogue):
    grouped = selectors.services_in_groups()
    assert [(group.prefix, codes(services)) for group, services in grouped] == [
        ("D", ["D01", "D02"]),
        ("R", ["R01"]),
    ]


def test_services_in_groups_for_one_office(catalogue):
    grouped = selectors.services_in_groups(office=catalogue["a"])
    assert [(group.prefix, codes(services)) for group, services in grouped] == [
        ("D", ["D01", "D02"])
    ]


def test_filter_services_without_filters_lists_every_active_service(catalogue):
    assert codes(selectors.filter_services()) == ["D01", "D02", "R01"]


def test_filter_services_by_office(catalogue):
    assert codes(selectors.filter_services(office_id=catalogue["b"].pk)) == ["D01", "R01"]
    assert codes(selectors.filter_services(office_id=0)) == []


@pytest.mark.parametrize("group", ["R", "r"])
def test_filter_services_by_group_letter_in_either_case(catalogue, group):
    assert codes(selectors.filter_services(group=group)) == ["R01"]


def test_filter_services_by_query_ranks_and_drops_inactive(catalogue):
    assert codes(selectors.filter_services(query="passport")) == ["D02"]


def test_filter_services_combines_filters(catalogue):
    assert codes(selectors.filter_services(office_id=catalogue["b"].pk, query="passport")) == []
    assert codes(selectors.filter_services(office_id=catalogue["b"].pk, group="D")) == ["D01"]
    assert codes(selectors.filter_services(group="D", query="card")) == ["D01"]


def test_search_catalog_returns_services_and_situations(catalogue):
    situation = LifeSituationFactory(name={"en": "Lost passport"})
    results = selectors.search_catalog("passport")
    assert codes(results.services) == ["D02"]
    assert results.situations == [situation]
    assert results.count == 2 and results.query == "passport"


# --- single pages ------------------------------------------------------------------------------------


def test_a_passport_is_found_by_slug_with_only_active_offices():
    active = OfficeFactory(slug="open")
    closed = OfficeFactory(slug="gone", is_active=False)
    service = ServiceFactory(slug="passport", offices=[active, closed])
    passport = selectors.service_passport("passport")
    assert passport == service
    assert [office.slug for office in passport.offices.all()] == ["open"]


def test_an_inactive_or_unknown_passport_is_not_found():
    ServiceFactory(slug="retired", is_active=False)
    for slug in ("retired", "never-was"):
        with pytest.raises(Http404):
            selectors.service_passport(slug)


def test_a_life_situation_leaves_out_inactive_services():
    situation = LifeSituationFactory(slug="moving")
    kept = LifeSituationStepFactory(situation=situation, service=ServiceFactory(), order=1)
    LifeSituationStepFactory(situation=situation, service=ServiceFactory(is_active=False), order=2)
    assert list(selectors.life_situation("moving").steps.all()) == [kept]


def test_an_inactive_life_situation_or_office_is_not_found():
    LifeSituationFactory(slug="old", is_active=False)
    OfficeFactory(slug="closed", is_active=False)
    with pytest.raises(Http404):
        selectors.life_situation("old")
    with pytest.raises(Http404):
        selectors.office_page("closed")
    assert list(selectors.active_offices()) == []
    assert list(selectors.life_situations()) == []
