"""Reads that the booking pages, the staff pages, the API and the services share."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from okno.appointments.models import AppointmentSettings, Booking, ContactRecord
from okno.catalog.models import Office, Service
from okno.core.calendar import local_day_bounds


def bookable_services(office: Office | None = None) -> QuerySet[Service]:
    """Active in-person services open to booking, at `office` or at any active office."""
    services = Service.objects.filter(is_active=True, bookable=True, in_person=True)
    if office is not None:
        services = services.filter(offices=office)
    else:
        offered = Service.offices.through.objects.filter(office__is_active=True)
        services = services.filter(pk__in=offered.values("service_id"))
    return services.select_related("group").order_by("group__order", "group__prefix", "code")


def recent_no_shows(
    record: ContactRecord | None, *, rules: AppointmentSettings, now: dt.datetime
) -> int:
    """Missed visits of a person over the office's counting period."""
    if record is None:
        return 0
    since = (now - dt.timedelta(days=rules.no_show_period_days)).date().isoformat()
    return sum(1 for day in record.no_shows if day >= since)


def day_bookings(
    office: Office, day: dt.date, *, statuses: tuple[str, ...], service: Service | None = None
) -> list[Booking]:
    """An office's bookings starting on a local day, in time order."""
    first, last = local_day_bounds(office.zone, day)
    bookings = Booking.objects.filter(
        office=office, start__gte=first, start__lt=last, status__in=statuses
    ).select_related("service", "ticket", "contact_record")
    if service is not None:
        bookings = bookings.filter(service=service)
    return list(bookings.order_by("start", "service__code", "pk"))
