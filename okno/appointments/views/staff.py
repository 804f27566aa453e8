"""Staff pages for bookings: the day's bookings, booking for a caller, moving, cancelling.

Front-office staff, heads and administrators use them (`BOOKING_ROLES`); an office outside the
person's offices is a 404, as on every staff page. Every change goes through
`okno.appointments.services`; a domain error is shown on the page it came from, translated.
What a page shows of a citizen is what the desk needs: the code, a masked contact and how
often that contact did not come.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from okno.appointments import errors, selectors, services
from okno.appointments.models import Booking, Channel
from okno.appointments.slots import Offer, Planner, booking_rules
from okno.catalog.models import Office, Service
from okno.core.scoping import get_in_scope, visible_offices
from okno.notifications.contact import mask
from okno.staff.models import Employee, Role

#: Who works with bookings: the front office (and call centre), heads, administrators.
BOOKING_ROLES = frozenset({Role.OPERATOR, Role.HEAD, Role.ADMINISTRATOR})

#: Statuses the day's list shows: real bookings, not forms left half-filled online.
LISTED = (
    Booking.Status.CONFIRMED,
    Booking.Status.CHECKED_IN,
    Booking.Status.NO_SHOW,
    Booking.Status.CANCELLED,
)


class DayForm(forms.Form):
    office = forms.SlugField(max_length=100, required=False)
    date = forms.DateField(required=False)
    service = forms.IntegerField(min_value=1, max_value=2**31 - 1, required=False)


class CallerForm(forms.Form):
    """Booking for a caller: the service and day first, then a time, a contact and a language."""

    service = forms.IntegerField(min_value=1, max_value=2**31 - 1)
    date = forms.DateField()
    start = forms.CharField(max_length=40, required=False)
    contact = forms.CharField(max_length=254, required=False)
    language = forms.ChoiceField(choices=settings.LANGUAGES, required=False)


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (the citizen is told)"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@dataclass
class Row:
    booking: Booking
    contact: str
    no_shows: int


@dataclass
class Summary:
    service: Service
    booked: int
    capacity: int
    free_times_by_phone: int


# --- pages --------------------------------------------------------------------------------------


@login_required
@require_GET
def day(request: HttpRequest) -> HttpResponse:
    """The day's bookings at one office, with a summary per service."""
    employee = _booking_staff(request)
    offices = list(visible_offices(request.user).filter(is_active=True).order_by("slug"))
    form = DayForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    office = _chosen_office(request, employee, offices, data.get("office"))
    if office is None:
        return render(request, "appointments/staff/no_office.html")
    date = data.get("date") or timezone.now().astimezone(office.zone).date()
    bookable = list(selectors.bookable_services(office))
    service = next((s for s in bookable if s.pk == data.get("service")), None)
    bookings = selectors.day_bookings(office, date, statuses=LISTED, service=service)
    # The notice after a cancellation names only a booking this list shows as cancelled.
    cancelled = request.GET.get("cancelled", "")
    moved = request.GET.get("moved", "")
    context = {
        "offices": offices,
        "office": office,
        "date": date,
        "services": bookable,
        "service": service,
        "rows": _rows(office, bookings),
        "summary": _summary(office, date, [service] if service else bookable, bookings),
        "cancelled": next(
            (b for b in bookings if b.code == cancelled and b.status == Booking.Status.CANCELLED),
            None,
        ),
        "moved": next(
            (b for b in bookings if b.code == moved and b.status == Booking.Status.CONFIRMED),
            None,
        ),
        "previous_day": date - dt.timedelta(days=1),
        "next_day": date + dt.timedelta(days=1),
    }
    with timezone.override(office.zone):
        return render(request, "appointments/staff/day.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def book(request: HttpRequest, office: str) -> HttpResponse:
    """Book for a caller: service and day → a free time (phone share) → confirmed, code shown."""
    employee = _booking_staff(request)
    place = _office(request, office)
    bookable = list(selectors.bookable_services(place))
    source = request.POST if request.method == "POST" else request.GET
    form = CallerForm(source) if source else None
    now = timezone.now()
    context: dict[str, Any] = {
        "office": place,
        "services": bookable,
        "languages": settings.LANGUAGES,
        "today": now.astimezone(place.zone).date(),
        "language": place.default_language,
    }
    if form is None:
        return _render_in(place, request, "appointments/staff/book.html", context)
    valid = form.is_valid()
    data = form.cleaned_data
    service = next((s for s in bookable if s.pk == data.get("service")), None)
    context.update(
        service=service,
        date=data.get("date"),
        contact=data.get("contact", ""),
        language=data.get("language") or place.default_language,
    )
    if not valid or service is None:
        context["error"] = _("Choose a service offered for booking here and a day.")
        return _render_in(place, request, "appointments/staff/book.html", context, status=400)
    if request.method == "POST":
        start = _parse_start(data.get("start", ""))
        try:
            if start is None:
                raise errors.SlotNotOffered()
            held = services.book_for_caller(
                place,
                service,
                start,
                employee=employee,
                contact=data.get("contact", ""),
                language=context["language"],
                now=now,
            )
        except errors.BookingError as error:
            context["error"] = error.message
            context["times"] = _free_times(place, service, data["date"], now)
            status = error.status
            return _render_in(
                place, request, "appointments/staff/book.html", context, status=status
            )
        context["booking"] = held.booking
        return _render_in(place, request, "appointments/staff/booked.html", context)
    context["times"] = _free_times(place, service, data["date"], now)
    return _render_in(place, request, "appointments/staff/book.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest, office: str, code: str) -> HttpResponse:
    """Cancel a booking with a reason (required; the citizen's message carries it)."""
    employee = _booking_staff(request)
    place = _office(request, office)
    booking = _booking(request, place, code)
    form = CancelForm(request.POST if request.method == "POST" else None)
    context: dict[str, Any] = {"office": place, "booking": booking, "form": form}
    if request.method == "POST":
        if not form.is_valid():
            return _render_in(place, request, "appointments/staff/cancel.html", context, status=400)
        try:
            services.cancel_booking(
                booking, employee=employee, reason=form.cleaned_data["reason"].strip()
            )
        except errors.BookingError as error:
            context["error"] = error.message
            return _render_in(
                place, request, "appointments/staff/cancel.html", context, status=error.status
            )
        return _back_to_day(place, booking, cancelled=booking.code)
    return _render_in(place, request, "appointments/staff/cancel.html", context)


class MoveForm(forms.Form):
    date = forms.DateField()
    start = forms.CharField(max_length=40, required=False)


@login_required
@require_http_methods(["GET", "POST"])
def move(request: HttpRequest, office: str, code: str) -> HttpResponse:
    """Move a confirmed booking to another free time (the caller asked; the citizen is told)."""
    employee = _booking_staff(request)
    place = _office(request, office)
    booking = _booking(request, place, code)
    now = timezone.now()
    source = request.POST if request.method == "POST" else request.GET
    form = MoveForm(source) if source else None
    date = (
        form.cleaned_data["date"]
        if form is not None and form.is_valid()
        else booking.start.astimezone(place.zone).date()
    )
    context: dict[str, Any] = {"office": place, "booking": booking, "date": date}
    if request.method == "POST" and form is not None and form.is_valid():
        start = _parse_start(form.cleaned_data.get("start", ""))
        try:
            if start is None:
                raise errors.SlotNotOffered()
            services.reschedule_booking(booking, start, employee=employee, now=now)
        except errors.BookingError as error:
            context["error"] = error.message
            context["times"] = _free_times(place, booking.service, date, now, booking.channel)
            return _render_in(
                place, request, "appointments/staff/move.html", context, status=error.status
            )
        booking.refresh_from_db()
        return _back_to_day(place, booking, moved=booking.code)
    context["times"] = _free_times(place, booking.service, date, now, booking.channel)
    return _render_in(place, request, "appointments/staff/move.html", context)


urlpatterns: list[URLPattern] = [
    path("staff/bookings/", day, name="staff_bookings"),
    path("staff/bookings/<slug:office>/new/", book, name="staff_book"),
    path("staff/bookings/<slug:office>/<slug:code>/cancel/", cancel, name="staff_cancel"),
    path("staff/bookings/<slug:office>/<slug:code>/move/", move, name="staff_move"),
]


# --- access -------------------------------------------------------------------------------------


def _booking_staff(request: HttpRequest) -> Employee:
    """The signed-in employee, if their role works with bookings; PermissionDenied otherwise."""
    employee = getattr(request.user, "employee", None)
    if employee is None or not request.user.is_active or employee.role not in BOOKING_ROLES:
        raise PermissionDenied
    return employee


def _office(request: HttpRequest, slug: str) -> Office:
    return get_in_scope(
        Office.objects.filter(is_active=True), request.user, office_field="pk", slug=slug
    )


def _booking(request: HttpRequest, office: Office, code: str) -> Booking:
    return get_in_scope(
        Booking.objects.select_related("office", "service", "ticket"),
        request.user,
        office=office,
        code=code.upper(),
    )


def _chosen_office(
    request: HttpRequest, employee: Employee, offices: list[Office], slug: str | None
) -> Office | None:
    """The office asked for (404 when not one of the person's), else their first office."""
    if slug:
        return _office(request, slug)
    own = set(employee.offices.values_list("pk", flat=True))
    return next((o for o in offices if o.pk in own), offices[0] if offices else None)


# --- reads --------------------------------------------------------------------------------------


def _rows(office: Office, bookings: list[Booking]) -> list[Row]:
    rules = booking_rules(office)
    now = timezone.now()
    return [
        Row(
            booking=booking,
            contact=mask(booking.contact) if booking.contact else "",
            no_shows=selectors.recent_no_shows(booking.contact_record, rules=rules, now=now),
        )
        for booking in bookings
    ]


def _summary(
    office: Office, date: dt.date, services_: list[Service], bookings: list[Booking]
) -> list[Summary]:
    """Per service: places taken in the day's slots, places the schedule gives, and how many
    times can still be booked by phone or at the desk (times, not places: the slots of one hour
    share that hour's budget, so their free places do not add up)."""
    planner = Planner(office)
    now = timezone.now()
    taken = {
        Booking.Status.CONFIRMED,
        Booking.Status.CHECKED_IN,
        Booking.Status.NO_SHOW,
    }
    rows = []
    for service in services_:
        capacity = sum(slot[2] for slot in planner.candidate_slots(service, date))
        booked = sum(1 for b in bookings if b.service_id == service.pk and b.status in taken)
        if not capacity and not booked:
            continue
        free = sum(
            1
            for offer in planner.offers(service, date, channel=Channel.PHONE, now=now)
            if offer.free > 0
        )
        rows.append(Summary(service, booked, capacity, free))
    return rows


def _free_times(
    office: Office,
    service: Service,
    date: dt.date,
    now: dt.datetime,
    channel: str = Channel.PHONE,
) -> list[Offer]:
    offers = Planner(office).offers(service, date, channel=channel, now=now)
    return [offer for offer in offers if offer.free > 0]


# --- helpers ------------------------------------------------------------------------------------


def _parse_start(value: str) -> dt.datetime | None:
    try:
        start = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return start if start.tzinfo is not None else None


def _render_in(
    office: Office,
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
) -> HttpResponse:
    """Render with times in the office's local time."""
    with timezone.override(office.zone):
        return render(request, template, context, status=status)


def _back_to_day(office: Office, booking: Booking, **extra: str) -> HttpResponseRedirect:
    query = {
        "office": office.slug,
        "date": booking.start.astimezone(office.zone).date().isoformat(),
        **extra,
    }
    return redirect(f"{reverse('appointments:staff_bookings')}?{urlencode(query)}")
