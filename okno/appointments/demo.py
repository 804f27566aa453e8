"""The demo offices' booking rules, a weekly staff schedule, and a few bookings to look at.

Idempotent like the queue's demo: rules are matched by office, shifts by office, employee,
weekday and start, and rows that exist are left as they are (an administrator may have tuned
them). The sample bookings are made only at an office that has no booking at all, so loading
twice books nothing the second time.

Who works where follows okno/staff/demo/staff.json: Anna and Marek work at the Rynek centre and
take turns at the Lipowica remote workplace (Anna on Tuesdays, Marek on Thursdays, the days it
opens); everyone else works at their one office. Each shift spans the office's opening hours of
the day (the lunch break at Lipowica is in its opening hours, so no slot falls in it). Heads and
back-office clerks are not at a window, so they have no shifts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from okno.appointments import services
from okno.appointments.models import AppointmentSettings, Booking, Channel, LatePolicy, StaffShift
from okno.appointments.slots import Planner
from okno.catalog.models import Office, Service
from okno.staff.models import Employee

#: Booking rules per demo office: the big centre keeps the defaults; the branch gives the phone
#: more; the remote workplace, open two days a week, is mostly booked ahead and refuses late
#: arrivals (a latecomer there would take a booked visitor's time).
RULES: dict[str, dict[str, object]] = {
    "przemysl-rynek": {},
    "przemysl-zasanie": {"online_share": 50, "phone_share": 30},
    "przemysl-lipowica": {
        "online_share": 70,
        "phone_share": 20,
        "horizon_days": 21,
        "late_policy": LatePolicy.REFUSE,
    },
}

#: username -> {office slug: weekdays}. None: every weekday the office is open.
SCHEDULE: dict[str, dict[str, tuple[int, ...] | None]] = {
    "operator.anna": {"przemysl-rynek": (0, 2, 3, 4), "przemysl-lipowica": (1,)},
    "operator.marek": {"przemysl-rynek": (0, 1, 2, 4), "przemysl-lipowica": (3,)},
    "operator.olena": {"przemysl-rynek": None},
    "operator.pawel": {"przemysl-rynek": None},
    "operator.agnieszka": {"przemysl-rynek": None},
    "operator.iryna": {"przemysl-zasanie": None},
    "operator.krzysztof": {"przemysl-zasanie": None},
}

#: Sample bookings (by phone, without a contact: no message goes anywhere) at this office,
#: for these services, so the staff's list of the day is not empty.
SAMPLE_OFFICE = "przemysl-rynek"
SAMPLE_SERVICES = ("A01", "A04", "B02", "C02", "D01")
SAMPLE_BOOKED_BY = "operator.anna"


@dataclass
class AppointmentsDemoReport:
    rules_created: int = 0
    shifts_created: int = 0
    bookings_created: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.rules_created or self.shifts_created or self.bookings_created)


def load_appointments_demo(*, now: dt.datetime | None = None) -> AppointmentsDemoReport:
    """Booking rules and staff shifts for each demo office present, and a few sample bookings."""
    now = now or timezone.now()
    report = AppointmentsDemoReport()
    with transaction.atomic():
        offices = {o.slug: o for o in Office.objects.filter(slug__in=RULES).order_by("slug")}
        for slug, office in offices.items():
            _rules, created = AppointmentSettings.objects.get_or_create(
                office=office, defaults=RULES[slug]
            )
            report.rules_created += created
        for username, places in SCHEDULE.items():
            employee = Employee.objects.filter(user__username=username).first()
            if employee is None:
                continue
            for slug, weekdays in places.items():
                if slug in offices:
                    report.shifts_created += _schedule(employee, offices[slug], weekdays)
        if SAMPLE_OFFICE in offices:
            report.bookings_created += _sample_bookings(offices[SAMPLE_OFFICE], now)
    return report


def _schedule(employee: Employee, office: Office, weekdays: tuple[int, ...] | None) -> int:
    """Shifts covering the office's opening hours on `weekdays` (None: all its open days)."""
    hours: dict[int, list[tuple[dt.time, dt.time]]] = {}
    for row in office.opening_hours.all():
        hours.setdefault(row.weekday, []).append((row.opens, row.closes))
    created = 0
    for weekday, intervals in sorted(hours.items()):
        if weekdays is not None and weekday not in weekdays:
            continue
        starts = min(opens for opens, _closes in intervals)
        ends = max(closes for _opens, closes in intervals)
        _shift, made = StaffShift.objects.get_or_create(
            office=office,
            employee=employee,
            weekday=weekday,
            starts=starts,
            defaults={"ends": ends},
        )
        created += made
    return created


def _sample_bookings(office: Office, now: dt.datetime) -> int:
    """A few phone bookings on the next two days with free times, spread over each day."""
    if Booking.objects.filter(office=office).exists():
        return 0
    employee = Employee.objects.filter(user__username=SAMPLE_BOOKED_BY).first()
    if employee is None:
        return 0
    planner = Planner(office)
    first, last = planner.bookable_days(now)
    made = 0
    for index, service in enumerate(
        Service.objects.filter(code__in=SAMPLE_SERVICES, offices=office).order_by("code")
    ):
        offers = [
            offer
            for offer in planner.offers(service, first, last, channel=Channel.PHONE, now=now)
            if offer.free > 0
        ]
        days = sorted({offer.start.astimezone(office.zone).date() for offer in offers})[:2]
        for day in days:
            on_day = [o for o in offers if o.start.astimezone(office.zone).date() == day]
            # A different time for each service: the list then reads like a real day.
            offer = on_day[(index * 3) % len(on_day)]
            try:
                services.book_for_caller(
                    office,
                    service,
                    offer.start,
                    employee=employee,
                    language=office.default_language,
                    now=now,
                )
            except services.errors.BookingError:
                continue  # the hour's phone share is used up by an earlier sample: skip it
            made += 1
    return made
