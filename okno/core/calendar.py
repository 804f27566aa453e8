"""The working-day calendar of an office: national public holidays plus the office's own exceptions.

A *working day* is the legal notion statutory terms are counted in: a weekday of the office's
country that is not a public holiday, unless the office records the date as closed (not working)
or as shortened / an extra working day (working). Opening hours are a separate, local notion:
a remote workplace open on Tuesdays only still counts Monday as a working day for deadlines.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import holidays

if TYPE_CHECKING:
    from okno.catalog.models import Office

# Far enough for any statutory term; guards against an office configured with no working days.
_MAX_SEARCH_DAYS = 366 * 5


@lru_cache(maxsize=256)
def _public_holidays(country: str, subdivision: str, year: int, language: str | None):
    kwargs = {"years": year, "language": language}
    if subdivision:
        kwargs["subdiv"] = subdivision
    try:
        return holidays.country_holidays(country, **kwargs)
    except NotImplementedError:
        # A region unknown to the library falls back to the national calendar.
        kwargs.pop("subdiv", None)
        return holidays.country_holidays(country, **kwargs)


@lru_cache(maxsize=64)
def _country_rules(country: str) -> tuple[frozenset[int], tuple[str, ...], str | None]:
    """The country's weekend days, the languages the library names its holidays in, and its own."""
    calendar = holidays.country_holidays(country)
    return (
        frozenset(calendar.weekend),
        tuple(calendar.supported_languages),
        calendar.default_language,
    )


@lru_cache(maxsize=256)
def _holiday_language(country: str, language: str | None) -> str | None:
    """The library's language for holiday names closest to ours, or the country's own.

    Never None when the library knows the country's language: given None, the library guesses
    from the process locale, and pages must not depend on how the server was started.
    """
    _weekend, supported, default = _country_rules(country)
    if language:
        for candidate in (language, f"{language}_US" if language == "en" else None):
            if candidate and candidate in supported:
                return candidate
    return default


@dataclass(frozen=True)
class DayInfo:
    """What one date is for an office: working or not, and its opening intervals."""

    date: dt.date
    working: bool
    intervals: tuple[tuple[dt.time, dt.time], ...]
    holiday: str = ""
    exception_kind: str = ""
    note: dict = field(default_factory=dict)

    @property
    def open(self) -> bool:
        return bool(self.intervals)


class WorkingCalendar:
    """An office's calendar, loaded once (hours and exceptions) and asked many questions."""

    def __init__(self, office: Office, *, language: str | None = None) -> None:
        self.office = office
        self.country = office.country
        self.subdivision = office.subdivision
        self.language = language
        self._exceptions = {e.date: e for e in office.calendar_exceptions.all()}
        self._weekly: dict[int, list[tuple[dt.time, dt.time]]] = {}
        for hours in office.opening_hours.all():
            self._weekly.setdefault(hours.weekday, []).append((hours.opens, hours.closes))
        for intervals in self._weekly.values():
            intervals.sort()
        self._weekend = _country_rules(self.country)[0]

    # --- working days ---------------------------------------------------------
    def holiday_name(self, day: dt.date) -> str:
        names = _public_holidays(
            self.country,
            self.subdivision,
            day.year,
            _holiday_language(self.country, self.language),
        )
        return names.get(day, "")

    def is_working_day(self, day: dt.date) -> bool:
        exception = self._exceptions.get(day)
        if exception is not None:
            return exception.kind != "closed"
        return day.weekday() not in self._weekend and not self.holiday_name(day)

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The n-th working day after `start` (start itself not counted); `start` when n is 0."""
        if n < 0:
            raise ValueError("n must not be negative")
        day = start
        remaining = n
        for _step in range(_MAX_SEARCH_DAYS + n * 7):
            if remaining == 0:
                return day
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        raise ValueError(f"no {n} working days found after {start} for office {self.office.pk}")

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """How many working days fall after `start` up to and including `end` (negative if reversed)."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(
            1 for day in _days(start + dt.timedelta(days=1), end) if self.is_working_day(day)
        )

    # --- opening hours --------------------------------------------------------
    def day(self, day: dt.date) -> DayInfo:
        exception = self._exceptions.get(day)
        holiday = self.holiday_name(day)
        if exception is not None:
            intervals: tuple[tuple[dt.time, dt.time], ...] = ()
            if exception.kind != "closed":
                intervals = ((exception.opens, exception.closes),)
            return DayInfo(
                date=day,
                working=exception.kind != "closed",
                intervals=intervals,
                holiday=holiday,
                exception_kind=exception.kind,
                note=exception.note or {},
            )
        if holiday:
            return DayInfo(date=day, working=False, intervals=(), holiday=holiday)
        return DayInfo(
            date=day,
            working=day.weekday() not in self._weekend,
            intervals=tuple(self._weekly.get(day.weekday(), ())),
        )

    def is_open_at(self, moment: dt.datetime) -> bool:
        local = moment.astimezone(self.office.zone)
        return any(
            opens <= local.time() < closes for opens, closes in self.day(local.date()).intervals
        )

    def next_opening(self, moment: dt.datetime) -> dt.datetime | None:
        """When the office next opens after `moment` (aware, in the office's zone), within a year."""
        local = moment.astimezone(self.office.zone)
        for offset in range(366):
            day = local.date() + dt.timedelta(days=offset)
            for opens, _closes in self.day(day).intervals:
                start = dt.datetime.combine(day, opens, tzinfo=self.office.zone)
                if start > local:
                    return start
        return None

    def days(self, start: dt.date, count: int) -> list[DayInfo]:
        return [self.day(start + dt.timedelta(days=i)) for i in range(count)]


def _days(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    day = start
    while day <= end:
        yield day
        day += dt.timedelta(days=1)


def local_day_bounds(zone: dt.tzinfo, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The start and end (exclusive) of a local `day` in a time zone, as UTC instants."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def add_working_days(office: Office, start: dt.date, n: int) -> dt.date:
    """The n-th working day after `start` on the office's calendar."""
    return WorkingCalendar(office).add_working_days(start, n)


def working_days_between(office: Office, start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` on the office's calendar."""
    return WorkingCalendar(office).working_days_between(start, end)


def is_working_day(office: Office, day: dt.date) -> bool:
    return WorkingCalendar(office).is_working_day(day)
