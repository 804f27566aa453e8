"""Statutory terms: counted from a start day in working or calendar days, paused while a case waits.

One rule, used wherever a deadline is computed or shown. The term runs from the day after
registration in the service's unit: working days of the office's calendar, or calendar days (a
term that then ends on a day off moves to the next working day). A day on which the case waited
all day for the applicant or another agency (after the day the pause started and before the day
it ended) does not count; the days a pause starts and ends do, as work was done on them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from okno.core.calendar import WorkingCalendar

WORKING_DAYS = "working_days"
CALENDAR_DAYS = "calendar_days"
ON_THE_SPOT = "on_the_spot"

# Far beyond any real term plus pauses; guards against a calendar with no working days.
_MAX_DAYS = 366 * 10

Pause = tuple[dt.date, dt.date | None]


def due_date(
    calendar: WorkingCalendar,
    registered: dt.date,
    term: int,
    unit: str,
    pauses: Iterable[Pause] = (),
    *,
    today: dt.date | None = None,
) -> dt.date:
    """The last day for the decision. An open pause (no end) is taken to end `today`."""
    if unit == ON_THE_SPOT or term <= 0:
        return registered
    stretches = _stretches(pauses, today or registered)
    counted = 0
    day = registered
    for _step in range(_MAX_DAYS + term * 7):
        day += dt.timedelta(days=1)
        if _paused(day, stretches):
            continue
        if unit == WORKING_DAYS and not calendar.is_working_day(day):
            continue
        counted += 1
        if counted == term:
            while not calendar.is_working_day(day):
                day += dt.timedelta(days=1)
            return day
    raise ValueError(f"no term of {term} {unit} fits after {registered}")


def days_left(calendar: WorkingCalendar, today: dt.date, deadline: dt.date, unit: str) -> int:
    """Days from `today` to the deadline in the term's unit (working days for a working-day term);
    0 on the day itself, negative once it has passed."""
    if unit == WORKING_DAYS:
        return calendar.working_days_between(today, deadline)
    return (deadline - today).days


def paused_days(pauses: Iterable[Pause], *, today: dt.date) -> int:
    """How many whole days the case has waited (calendar days, for display)."""
    return sum(max((end - start).days - 1, 0) for start, end in _stretches(pauses, today))


def _stretches(pauses: Iterable[Pause], today: dt.date) -> Sequence[tuple[dt.date, dt.date]]:
    return [(start, end if end is not None else max(today, start)) for start, end in pauses]


def _paused(day: dt.date, stretches: Sequence[tuple[dt.date, dt.date]]) -> bool:
    return any(start < day < end for start, end in stretches)
