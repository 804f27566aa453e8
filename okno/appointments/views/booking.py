"""The citizen's booking pages: service → office → day → time → contact → code → confirmation.

Every step is a plain page with links and forms, so the flow works without JavaScript
(booking.js only adds "use my location" and the countdown of the held time). No account is
needed: the held booking's code and secret are kept in the visitor's session until the code is
confirmed, and from then on the secret link (`manage`) opens the booking, to see, cancel or move.

Every anonymous POST is rate-limited per client address; every refusal of the rules is a page
with the translated reason and the status the error carries, never a 500.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from okno.appointments import errors, selectors, services
from okno.appointments.forms import ChooseTimeForm, CodeForm, ContactForm
from okno.appointments.models import Booking, BookingEvent, Channel
from okno.appointments.slots import Offer, Planner
from okno.catalog import selectors as catalog
from okno.catalog.models import Office, Service, ServiceGroup
from okno.core import ratelimit
from okno.core.i18n import tr
from okno.core.qr import qr_svg
from okno.notifications.contact import Contact
from okno.queueing.errors import QueueError

#: Where the held booking (code and secret) waits in the session until its code is confirmed.
SESSION_KEY = "booking_hold"
#: (scope, hits, seconds) of each anonymous write, per client address.
HOLD_LIMIT = ("booking-hold", 20, 600)
SEND_LIMIT = ("booking-send", 10, 600)
VERIFY_LIMIT = ("booking-verify", 30, 600)
CHANGE_LIMIT = ("booking-change", 20, 600)
MAX_QUERY_LENGTH = 200

Status = Booking.Status


# --- choosing: service, office, day, time -------------------------------------------------------


@require_GET
def start(request: HttpRequest) -> HttpResponse:
    """Choose a service: a search box and the bookable services by group.

    `?service=<slug>` (the passport's "Book a visit") skips to the offices, and with
    `&office=<slug>` (an office page) to the calendar.
    """
    slug = request.GET.get("service", "").strip()
    chosen = selectors.bookable_services().filter(slug=slug).first() if slug else None
    if chosen is not None:
        office = request.GET.get("office", "").strip()
        if office and chosen.offices.filter(is_active=True, slug=office).exists():
            return redirect("appointments:book_days", service=chosen.slug, office=office)
        return redirect("appointments:book_offices", service=chosen.slug)
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    services_ = list(selectors.bookable_services())
    if query:
        ranked = [s.pk for s in catalog.filter_services(query=query)]
        by_pk = {s.pk: s for s in services_}
        services_ = [by_pk[pk] for pk in ranked if pk in by_pk]
    context = {
        "query": query,
        "groups": _grouped(services_) if not query else [],
        "found": services_ if query else [],
        "unknown_service": bool(slug),
        "step": 1,
    }
    return render(request, "appointments/booking/start.html", context)


@require_GET
def offices(request: HttpRequest, service: str) -> HttpResponse:
    """Choose an office: nearest first when the browser gave a location, else alphabetical."""
    chosen = _service(service)
    position = _position(request)
    now = timezone.now()
    choices = []
    for office in chosen.offices.filter(is_active=True):
        planner = Planner(office)
        free = planner.free_days(chosen, now=now)
        choices.append(
            OfficeChoice(
                office=office,
                name=tr(office.name, office.default_language) or office.slug,
                next_free_day=next((day for day, count in sorted(free.items()) if count), None),
                distance_km=_distance_km(position, office) if position else None,
                url=reverse(
                    "appointments:book_days", kwargs={"service": chosen.slug, "office": office.slug}
                ),
            )
        )
    choices.sort(key=lambda c: c.name.casefold())
    if position:
        choices.sort(key=lambda c: (c.distance_km is None, c.distance_km or 0))
    context = {"service": chosen, "choices": choices, "located": bool(position), "step": 2}
    return render(request, "appointments/booking/offices.html", context)


@require_GET
def days(request: HttpRequest, service: str, office: str) -> HttpResponse:
    """Choose a day on a month calendar of the booking horizon."""
    chosen = _service(service)
    place = _office(chosen, office)
    months = _calendar(
        Planner(place),
        chosen,
        Channel.ONLINE,
        lambda day: reverse(
            "appointments:book_times",
            kwargs={"service": chosen.slug, "office": place.slug, "day": day.isoformat()},
        ),
    )
    context = {
        "service": chosen,
        "office": place,
        "months": months,
        "back_url": reverse("appointments:book_offices", kwargs={"service": chosen.slug}),
        "step": 3,
    }
    return _render(request, place, "appointments/booking/days.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def times(request: HttpRequest, service: str, office: str, day: str) -> HttpResponse:
    """The free times of a day; choosing one holds it for a few minutes (POST)."""
    chosen = _service(service)
    place = _office(chosen, office)
    date = _date(day)
    if request.method == "POST":
        try:
            _limit(request, HOLD_LIMIT)
            start_at = _chosen_start(request)
            _release_previous_hold(request)
            held = services.hold_slot(
                place, chosen, start_at, channel=Channel.ONLINE, language=translation.get_language()
            )
        except QueueError as error:
            return _render_times(request, chosen, place, date, error=error)
        request.session[SESSION_KEY] = {"code": held.booking.code, "secret": held.secret}
        return redirect("appointments:book_contact", code=held.booking.code)
    return _render_times(request, chosen, place, date)


# --- confirming: contact, code ------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest, code: str) -> HttpResponse:
    """Give a phone number or an e-mail address: a one-time code is sent there (POST)."""
    booking = _held(request, code)
    if booking.status == Status.CONFIRMED:
        return redirect(_manage_path(booking))
    if booking.status not in (Status.HELD, Status.PENDING):
        return _problem(request, booking, errors.CodeExpired())
    form = ContactForm(request.POST or None, country=booking.office.country)
    error: QueueError | None = None
    if request.method == "POST":
        try:
            _limit(request, SEND_LIMIT)
        except QueueError as refusal:
            return _render_contact(request, booking, form, error=refusal)
        if form.is_bot:
            # A bot filled the hidden field: refuse, and give the time back at once so nothing
            # it started stays half-written.
            _release(request, booking)
            return _problem(
                request,
                booking,
                errors.BookingError(
                    _(
                        "The form could not be accepted: a field that must stay empty was "
                        "filled in. The time was released; please start again."
                    )
                ),
                status=400,
            )
        if form.is_valid():
            address: Contact = form.cleaned_data["contact"]
            try:
                services.send_code(
                    booking, contact=address.value, language=translation.get_language()
                )
            except errors.InvalidContact as invalid:
                form.add_error("contact", invalid.message)
                error = invalid
            except QueueError as refusal:
                if _is_gone(refusal):
                    return _problem(request, booking, refusal)
                error = refusal
            else:
                return redirect("appointments:book_code", code=booking.code)
        return _render_contact(request, booking, form, error=error)
    return _render_contact(request, booking, form)


@never_cache
@require_http_methods(["GET", "POST"])
def confirm_code(request: HttpRequest, code: str) -> HttpResponse:
    """Type the code from the message; the right one confirms the booking (POST)."""
    booking = _held(request, code)
    if booking.status == Status.CONFIRMED:
        return redirect(_manage_path(booking))
    if booking.status == Status.HELD:
        return redirect("appointments:book_contact", code=booking.code)
    if booking.status != Status.PENDING:
        return _problem(request, booking, errors.CodeExpired())
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        try:
            _limit(request, VERIFY_LIMIT)
        except QueueError as refusal:
            return _render_code(request, booking, form, error=refusal)
        if form.is_valid():
            try:
                booking = services.verify_booking(booking, form.cleaned_data["code"])
            except errors.WrongCode as wrong:
                form.add_error("code", wrong.message)
                return _render_code(request, booking, form, error=wrong)
            except QueueError as refusal:
                request.session.pop(SESSION_KEY, None)
                return _problem(request, booking, refusal)
            request.session.pop(SESSION_KEY, None)
            messages.success(request, _("Your booking is confirmed."))
            return redirect(_manage_path(booking))
        return _render_code(request, booking, form, error=None)
    return _render_code(request, booking, form)


@never_cache
@require_POST
def resend_code(request: HttpRequest, code: str) -> HttpResponse:
    """Send a new code to the same contact (not before a minute has passed)."""
    booking = _held(request, code)
    try:
        _limit(request, SEND_LIMIT)
        services.send_code(booking, contact=booking.contact, language=translation.get_language())
    except QueueError as refusal:
        if _is_gone(refusal):
            return _problem(request, booking, refusal)
        return _render_code(request, booking, CodeForm(), error=refusal)
    messages.success(request, _("A new code was sent."))
    return redirect("appointments:book_code", code=booking.code)


# --- the booking: see, add to a calendar, cancel, move ------------------------------------------


@never_cache
@require_GET
def manage(request: HttpRequest, code: str, secret: str) -> HttpResponse:
    """The booking's own page: code, QR code, time, place, what to bring; cancel or move."""
    booking = _managed(code, secret)
    now = timezone.now()
    context = {
        "booking": booking,
        "service": booking.service,
        "office": booking.office,
        "documents": booking.service.documents.all(),
        "qr_svg": qr_svg(booking.code, label=_("QR code of the booking code, for the kiosk")),
        "can_change": booking.status == Status.CONFIRMED and booking.start > now,
        "secret": secret,
    }
    return _render(request, booking.office, "appointments/booking/manage.html", context)


@never_cache
@require_GET
def calendar_file(request: HttpRequest, code: str, secret: str) -> HttpResponse:
    """The booking as an iCalendar event, to add to the person's own calendar."""
    booking = _managed(code, secret)
    response = HttpResponse(
        booking_calendar(booking, now=timezone.now()), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="booking-{booking.code}.ics"'
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest, code: str, secret: str) -> HttpResponse:
    """GET asks to confirm; POST cancels the booking and frees the time."""
    booking = _managed(code, secret)
    if request.method == "POST":
        try:
            _limit(request, CHANGE_LIMIT)
            services.cancel_booking(booking)
        except QueueError as error:
            return _render_cancel(request, booking, secret, error=error)
        messages.success(request, _("Your booking is cancelled. The time is free for others."))
        return redirect(_manage_path(booking, secret))
    if booking.status not in Booking.ACTIVE:
        return redirect(_manage_path(booking, secret))
    return _render_cancel(request, booking, secret)


@never_cache
@require_GET
def reschedule_days(request: HttpRequest, code: str, secret: str) -> HttpResponse:
    """Choose another day for a confirmed booking."""
    booking = _managed(code, secret)
    if booking.status != Status.CONFIRMED:
        return redirect(_manage_path(booking, secret))
    months = _calendar(
        Planner(booking.office),
        booking.service,
        booking.channel,
        lambda day: reverse(
            "appointments:book_reschedule_times",
            kwargs={"code": booking.code, "secret": secret, "day": day.isoformat()},
        ),
    )
    context = {
        "booking": booking,
        "service": booking.service,
        "office": booking.office,
        "months": months,
        "back_url": _manage_path(booking, secret),
        "rescheduling": True,
    }
    return _render(request, booking.office, "appointments/booking/days.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def reschedule_times(request: HttpRequest, code: str, secret: str, day: str) -> HttpResponse:
    """The free times of another day; choosing one moves the booking there (POST)."""
    booking = _managed(code, secret)
    date = _date(day)
    if booking.status != Status.CONFIRMED:
        return redirect(_manage_path(booking, secret))
    if request.method == "POST":
        try:
            _limit(request, CHANGE_LIMIT)
            booking = services.reschedule_booking(booking, _chosen_start(request))
        except QueueError as error:
            return _render_times(
                request, booking.service, booking.office, date, booking=booking, error=error
            )
        messages.success(request, _("Your booking was moved to the new time."))
        return redirect(_manage_path(booking, secret))
    return _render_times(request, booking.service, booking.office, date, booking=booking)


urlpatterns = [
    path("book/", start, name="book_start"),
    path("book/<slug:service>/", offices, name="book_offices"),
    path("book/<slug:service>/<slug:office>/", days, name="book_days"),
    path("book/<slug:service>/<slug:office>/<str:day>/", times, name="book_times"),
    path("booking/hold/<slug:code>/contact/", contact, name="book_contact"),
    path("booking/hold/<slug:code>/code/", confirm_code, name="book_code"),
    path("booking/hold/<slug:code>/resend/", resend_code, name="book_resend"),
    path("booking/<str:code>/<str:secret>/", manage, name="manage"),
    path("booking/<str:code>/<str:secret>/calendar.ics", calendar_file, name="book_calendar"),
    path("booking/<str:code>/<str:secret>/cancel/", cancel, name="book_cancel"),
    path("booking/<str:code>/<str:secret>/move/", reschedule_days, name="book_reschedule"),
    path(
        "booking/<str:code>/<str:secret>/move/<str:day>/",
        reschedule_times,
        name="book_reschedule_times",
    ),
]


# --- what the pages show ------------------------------------------------------------------------


@dataclass
class OfficeChoice:
    office: Office
    name: str
    next_free_day: dt.date | None
    distance_km: float | None
    url: str


@dataclass
class CalendarDay:
    """One cell of the month calendar; `date` is None for the padding days of other months."""

    date: dt.date | None
    state: str = ""  # "free", "full", "closed" (no bookable time), "outside" (the horizon)
    free: int = 0
    url: str = ""


@dataclass
class Month:
    first: dt.date
    weeks: list[list[CalendarDay]]


def booking_calendar(booking: Booking, *, now: dt.datetime) -> str:
    """An RFC 5545 calendar with the booking as one event, in the active language.

    Times are in UTC; nothing personal goes in (no contact, no manage link): a calendar is
    often shared or synchronised to other services.
    """
    office, service = booking.office, booking.service
    office_name = tr(office.name, office.default_language)
    address = tr(office.address, office.default_language)
    documents = [tr(document.name) for document in service.documents.all()]
    description = [
        _("Booking code: %(code)s") % {"code": booking.code},
        _("Check in at the kiosk with this code when you arrive."),
    ]
    if documents:
        description.append(_("What to bring:"))
        description += [f"- {name}" for name in documents]
    sequence = booking.events.filter(action=BookingEvent.Action.RESCHEDULED).count()
    host = urlsplit(settings.OKNO_PUBLIC_URL).hostname or "okno"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//okno//booking//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:booking-{booking.code}@{host}",
        f"DTSTAMP:{_ics_time(now)}",
        f"DTSTART:{_ics_time(booking.start)}",
        f"DTEND:{_ics_time(booking.end)}",
        f"SEQUENCE:{sequence}",
        f"STATUS:{'CANCELLED' if booking.status == Status.CANCELLED else 'CONFIRMED'}",
        "SUMMARY:" + _ics_text(f"{tr(service.name)} — {office_name}"),
        "LOCATION:" + _ics_text(", ".join(part for part in (office_name, address) if part)),
        "DESCRIPTION:" + _ics_text("\n".join(description)),
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(_ics_fold(line) + "\r\n" for line in lines)


# --- helpers ------------------------------------------------------------------------------------


def _service(slug: str) -> Service:
    try:
        return selectors.bookable_services().get(slug=slug)
    except Service.DoesNotExist:
        raise Http404 from None


def _office(service: Service, slug: str) -> Office:
    office = service.offices.filter(is_active=True, slug=slug).first()
    if office is None:
        raise Http404
    return office


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Http404 from None


def _held(request: HttpRequest, code: str) -> Booking:
    """The booking held in this visitor's session under `code`; 404 for anybody else."""
    hold = request.session.get(SESSION_KEY) or {}
    if not isinstance(hold, dict) or hold.get("code") != code:
        raise Http404
    try:
        booking = services.booking_by_secret(code, str(hold.get("secret", "")))
    except QueueError:
        raise Http404 from None
    if booking.status in (Status.HELD, Status.PENDING):
        # A time whose hold ran out goes back now, not at the next upkeep run.
        services.expire_holds(office=booking.office)
        booking.refresh_from_db()
    return booking


def _managed(code: str, secret: str) -> Booking:
    try:
        return services.booking_by_secret(code, secret)
    except QueueError:
        raise Http404 from None


def _manage_path(booking: Booking, secret: str | None = None) -> str:
    secret = secret or services.manage_secret(booking)
    return reverse("appointments:manage", kwargs={"code": booking.code, "secret": secret})


def _limit(request: HttpRequest, limit: tuple[str, int, int]) -> None:
    scope, hits, seconds = limit
    if ratelimit.exceeded(
        scope, ratelimit.client_address(request), limit=hits, window_seconds=seconds
    ):
        raise errors.TooManyRequests()


def _chosen_start(request: HttpRequest) -> dt.datetime:
    form = ChooseTimeForm(request.POST)
    if not form.is_valid():
        raise errors.SlotNotOffered()
    return form.cleaned_data["start"]


def _release_previous_hold(request: HttpRequest) -> None:
    """A visitor who went back and chose another time gives up the one held before."""
    hold = request.session.pop(SESSION_KEY, None)
    if not isinstance(hold, dict):
        return
    try:
        previous = services.booking_by_secret(str(hold.get("code", "")), str(hold.get("secret")))
        if previous.status in (Status.HELD, Status.PENDING):
            services.cancel_booking(previous)
    except QueueError:
        pass  # gone already: nothing to give back


def _release(request: HttpRequest, booking: Booking) -> None:
    request.session.pop(SESSION_KEY, None)
    # Expired meanwhile: the place is free already.
    with contextlib.suppress(QueueError):
        services.cancel_booking(booking)


def _is_gone(error: QueueError) -> bool:
    """Errors after which the held booking cannot go on: the person starts again."""
    return isinstance(error, errors.BookingNotActive | errors.CodeExpired | errors.TooManyAttempts)


def _position(request: HttpRequest) -> tuple[float, float] | None:
    """The visitor's location from `?lat=&lon=`, or None when absent or not a place on Earth."""
    try:
        lat = Decimal(request.GET.get("lat", "")[:20])
        lon = Decimal(request.GET.get("lon", "")[:20])
    except InvalidOperation:
        return None
    if not (lat.is_finite() and lon.is_finite() and -90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return float(lat), float(lon)


def _distance_km(position: tuple[float, float], office: Office) -> float | None:
    """Great-circle distance (haversine) from the visitor to the office."""
    if office.latitude is None or office.longitude is None:
        return None
    lat1, lon1 = map(math.radians, position)
    lat2, lon2 = math.radians(float(office.latitude)), math.radians(float(office.longitude))
    a = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def _grouped(services_: list[Service]) -> list[tuple[ServiceGroup, list[Service]]]:
    grouped: dict[int, tuple[ServiceGroup, list[Service]]] = {}
    for service in services_:
        grouped.setdefault(service.group_id, (service.group, []))[1].append(service)
    return list(grouped.values())


def _calendar(planner: Planner, service: Service, channel: str, url: Any) -> list[Month]:
    """Month tables covering the booking horizon, each day marked free, full or closed."""
    now = timezone.now()
    first, last = planner.bookable_days(now)
    free = planner.free_days(service, channel=channel, now=now)
    months = []
    month = first.replace(day=1)
    while month <= last:
        weeks = []
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month):
            row = []
            for day in week:
                if day.month != month.month:
                    row.append(CalendarDay(date=None))
                elif not first <= day <= last:
                    row.append(CalendarDay(date=day, state="outside"))
                elif free.get(day, 0) > 0:
                    row.append(CalendarDay(date=day, state="free", free=free[day], url=url(day)))
                elif day in free:
                    row.append(CalendarDay(date=day, state="full"))
                else:
                    row.append(CalendarDay(date=day, state="closed"))
            weeks.append(row)
        months.append(Month(first=month, weeks=weeks))
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def _weekdays() -> list[tuple[str, str]]:
    """(short, full) weekday names from Monday, in the active language."""
    monday = dt.date(2024, 1, 1)
    return [
        (
            date_format(monday + dt.timedelta(days=i), "D"),
            date_format(monday + dt.timedelta(days=i), "l"),
        )
        for i in range(7)
    ]


def _render_times(
    request: HttpRequest,
    service: Service,
    office: Office,
    day: dt.date,
    *,
    booking: Booking | None = None,
    error: QueueError | None = None,
) -> HttpResponse:
    offers: list[Offer] = [
        offer
        for offer in Planner(office).offers(
            service, day, channel=booking.channel if booking else Channel.ONLINE
        )
        if offer.free > 0
    ]
    if booking is not None:
        secret = services.manage_secret(booking)
        back_url = reverse(
            "appointments:book_reschedule", kwargs={"code": booking.code, "secret": secret}
        )
    else:
        back_url = reverse(
            "appointments:book_days", kwargs={"service": service.slug, "office": office.slug}
        )
    context = {
        "service": service,
        "office": office,
        "day": day,
        "offers": offers,
        "booking": booking,
        "rescheduling": booking is not None,
        "back_url": back_url,
        "error": error,
        "step": 4,
    }
    return _render(
        request,
        office,
        "appointments/booking/times.html",
        context,
        status=error.status if error else 200,
    )


def _render_contact(
    request: HttpRequest, booking: Booking, form: ContactForm, *, error: QueueError | None = None
) -> HttpResponse:
    now = timezone.now()
    remaining = max(0, int(((booking.expires_at or now) - now).total_seconds()))
    context = {
        "booking": booking,
        "service": booking.service,
        "office": booking.office,
        "form": form,
        "error": error,
        "remaining_seconds": remaining,
        "remaining_minutes": math.ceil(remaining / 60),
        "step": 5,
    }
    status = error.status if error else (400 if form.is_bound and form.errors else 200)
    return _render(
        request, booking.office, "appointments/booking/contact.html", context, status=status
    )


def _render_code(
    request: HttpRequest, booking: Booking, form: CodeForm, *, error: QueueError | None = None
) -> HttpResponse:
    masked = (
        Contact(kind=booking.contact_kind, value=booking.contact).masked if booking.contact else ""
    )
    context = {
        "booking": booking,
        "service": booking.service,
        "office": booking.office,
        "form": form,
        "error": error,
        "masked_contact": masked,
        "step": 6,
    }
    status = error.status if error else (400 if form.is_bound and form.errors else 200)
    return _render(
        request, booking.office, "appointments/booking/code.html", context, status=status
    )


def _render_cancel(
    request: HttpRequest, booking: Booking, secret: str, *, error: QueueError | None = None
) -> HttpResponse:
    context = {
        "booking": booking,
        "service": booking.service,
        "office": booking.office,
        "secret": secret,
        "error": error,
    }
    return _render(
        request,
        booking.office,
        "appointments/booking/cancel.html",
        context,
        status=error.status if error else 200,
    )


def _problem(
    request: HttpRequest, booking: Booking, error: QueueError, *, status: int | None = None
) -> HttpResponse:
    """The held booking cannot go on: say why and offer to choose a time again."""
    request.session.pop(SESSION_KEY, None)
    again = reverse(
        "appointments:book_days",
        kwargs={"service": booking.service.slug, "office": booking.office.slug},
    )
    context = {"error": error, "again_url": again, "service": booking.service}
    return _render(
        request,
        booking.office,
        "appointments/booking/problem.html",
        context,
        status=status or error.status,
    )


def _render(
    request: HttpRequest,
    office: Office,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
) -> HttpResponse:
    """Times shown in the office's own zone, whatever the server's."""
    context = {"weekdays": _weekdays(), **context}
    with timezone.override(office.zone):
        return render(request, template, context, status=status)


def _ics_time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _ics_text(value: str) -> str:
    """A TEXT value escaped as RFC 5545 §3.3.11 says."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _ics_fold(line: str) -> str:
    """Lines longer than 75 octets folded (RFC 5545 §3.1), never inside a UTF-8 character."""
    parts, current, size = [], "", 0
    for char in line:
        width = len(char.encode())
        # The first line holds 75 octets; each continuation starts with a space, so 74 more.
        if size + width > (75 if not parts else 74):
            parts.append(current)
            current, size = "", 0
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)
