"""The kiosk at an office's entrance: a service group, a service, priority if needed, a ticket;
or "I have a booking": the booking's code (typed or scanned) checks the visitor in.

One kiosk is configured by its address, `/<lang>/kiosk/<office-slug>/`; `?autoprint=1` prints
every new ticket at once (run Chromium with `--kiosk --kiosk-printing` for silent printing).
Every screen is a plain page with plain links and forms, so a kiosk left on all day keeps no
state: kiosk.js takes it back to the start after a quiet spell, and the start screen refreshes
its waiting counts with an HTMX swap while nobody touches it. Nothing is kept in a session.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse, translate_url
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from okno.appointments import errors as booking_errors
from okno.appointments import services as bookings
from okno.catalog import selectors as catalog
from okno.catalog.models import Office
from okno.core import ratelimit
from okno.core.context_processors import site
from okno.core.i18n import tr
from okno.core.qr import qr_svg
from okno.queueing import errors, selectors, services
from okno.queueing.models import Ticket

#: Seconds without a touch after which a kiosk screen goes back to the start.
IDLE_SECONDS = 30
#: The start screen refreshes its waiting counts this often (while nobody touches it).
REFRESH_SECONDS = 30
#: How long the "here is your ticket" screen can be shown again (e.g. by going back).
TICKET_SCREEN_MINUTES = 15
#: Booking codes one address may try per minute. A kiosk serves a visitor every half minute
#: or so, and several kiosks may share an address; a script trying codes is stopped early.
CHECKIN_ATTEMPTS_PER_MINUTE = 20
#: The keys of the on-screen keypad: the letters and digits a booking code is made of.
CODE_KEYS = bookings.CODE_ALPHABET


class TakeTicketForm(forms.Form):
    service = forms.IntegerField(min_value=1, max_value=2**31 - 1)
    priority = forms.SlugField(max_length=40, required=False)


class CheckInForm(forms.Form):
    code = forms.CharField(max_length=20)


@require_GET
def start(request: HttpRequest, office: str) -> HttpResponse:
    """The start screen: one big button per service group, with how many are waiting."""
    place = catalog.office_page(office)
    return _render(request, place, "queueing/kiosk.html", {"groups": _groups(place)})


@require_GET
def groups(request: HttpRequest, office: str) -> HttpResponse:
    """The start screen's group buttons, for the periodic HTMX refresh."""
    place = catalog.office_page(office)
    return _render(request, place, "queueing/_kiosk_groups.html", {"groups": _groups(place)})


@require_GET
def group(request: HttpRequest, office: str, group_id: int) -> HttpResponse:
    """The services of one group offered in person here, each with its expected wait."""
    place = catalog.office_page(office)
    offered = [s for s in selectors.kiosk_services(place) if s.group_id == group_id]
    if not offered:
        raise Http404
    now = timezone.now()
    choices = [(s, selectors.estimate_new_ticket(place, s, now=now)) for s in offered]
    return _render(
        request, place, "queueing/kiosk_group.html", {"group": offered[0].group, "choices": choices}
    )


@require_GET
def service(request: HttpRequest, office: str, service_id: int) -> HttpResponse:
    """One service: take a ticket, or say that you need priority service."""
    place = catalog.office_page(office)
    chosen = selectors.kiosk_service(place, service_id)
    if chosen is None:
        return _refuse(request, place, errors.ServiceNotOffered())
    context = {
        "service": chosen,
        "estimate": selectors.estimate_new_ticket(place, chosen),
        "has_priorities": bool(selectors.priority_categories(place)),
    }
    return _render(request, place, "queueing/kiosk_service.html", context)


@require_GET
def priority(request: HttpRequest, office: str, service_id: int) -> HttpResponse:
    """The priority step: the office's categories; no personal data is asked."""
    place = catalog.office_page(office)
    chosen = selectors.kiosk_service(place, service_id)
    if chosen is None:
        return _refuse(request, place, errors.ServiceNotOffered())
    categories = selectors.priority_categories(place)
    if not categories:
        return redirect(_kiosk_url(request, "kiosk_service", place, service_id=chosen.pk))
    context = {"service": chosen, "categories": categories}
    return _render(request, place, "queueing/kiosk_priority.html", context)


def take(request: HttpRequest, office: str) -> HttpResponse:
    """Issue the ticket (POST) and show it; every refusal is a page that says why."""
    place = catalog.office_page(office)
    if request.method != "POST":
        response = _refuse(
            request,
            place,
            errors.QueueError(_("Choose a service on the kiosk screen to take a ticket.")),
            status=405,
        )
        response["Allow"] = "POST"
        return response
    form = TakeTicketForm(request.POST)
    if not form.is_valid():
        refusal = errors.ServiceNotOffered if "service" in form.errors else errors.UnknownPriority
        return _refuse(request, place, refusal())
    chosen = selectors.kiosk_service(place, form.cleaned_data["service"])
    if chosen is None:
        return _refuse(request, place, errors.ServiceNotOffered())
    try:
        ticket = services.issue_ticket(
            place,
            chosen,
            priority=form.cleaned_data["priority"] or None,
            source=Ticket.Source.KIOSK,
        )
    except errors.QueueError as error:
        return _refuse(request, place, error)
    return redirect(_kiosk_url(request, "kiosk_ticket", place, code=ticket.code), permanent=False)


@require_GET
def ticket(request: HttpRequest, office: str, code: str) -> HttpResponse:
    """The ticket just taken: its number, people ahead, the wait, a QR code; print and done."""
    place = catalog.office_page(office)
    issued = selectors.ticket_by_code(code)
    if issued.office_id != place.pk:
        raise Http404
    now = timezone.now()
    if now - issued.issued_at > dt.timedelta(minutes=TICKET_SCREEN_MINUTES):
        # An old ticket screen reached again (the browser's history) goes back to the start.
        return redirect(_kiosk_url(request, "kiosk", place))
    page_url = request.build_absolute_uri(reverse("queueing:ticket", kwargs={"code": issued.code}))
    booking = _booking_of(issued)
    context = {
        "ticket": issued,
        "booking": booking,
        # A late arrival is checked in as a walk-in: the ticket says so, so nobody expects
        # the booking's place in the queue.
        "booking_late": booking is not None and issued.source != Ticket.Source.BOOKING,
        "estimate": selectors.estimate_wait(issued, now=now),
        "page_url": page_url,
        "qr_svg": qr_svg(page_url, label=_("QR code: your ticket's page on your phone")),
    }
    return _render(request, place, "queueing/kiosk_ticket.html", context)


def checkin(request: HttpRequest, office: str) -> HttpResponse:
    """ "I have a booking": the code form (GET), and the check-in itself (POST) → the ticket."""
    place = catalog.office_page(office)
    if request.method == "GET":
        return _checkin_form(request, place)
    if request.method != "POST":
        response = _checkin_form(request, place, status=405)
        response["Allow"] = "GET, POST"
        return response
    if ratelimit.exceeded(
        "kiosk-checkin",
        ratelimit.client_address(request),
        limit=CHECKIN_ATTEMPTS_PER_MINUTE,
        window_seconds=60,
    ):
        return _refuse(request, place, booking_errors.TooManyRequests())
    form = CheckInForm(request.POST)
    code = form.cleaned_data["code"] if form.is_valid() else ""
    try:
        booking = bookings.booking_by_code(code)
    except booking_errors.NotFound as error:
        return _checkin_form(request, place, error=error.message, code=code, status=error.status)
    try:
        arrived = bookings.check_in(booking, office=place)
    except booking_errors.TooEarly as error:
        return _refuse(request, place, error, hint=_come_back_hint(place, booking, error.opens_at))
    except booking_errors.TooLate as error:
        return _refuse(request, place, error, take_ticket=_take_ticket_url(request, place, booking))
    except booking_errors.WrongOffice as error:
        hint = _("Your booking is at: %(office)s, %(address)s.") % {
            "office": tr(booking.office.name, booking.office.default_language),
            "address": tr(booking.office.address, booking.office.default_language),
        }
        return _refuse(request, place, error, hint=hint)
    except booking_errors.BookingNotActive as error:
        return _refuse(request, place, _not_active(booking, error))
    except errors.QueueError as error:
        return _refuse(request, place, error)
    return redirect(_kiosk_url(request, "kiosk_ticket", place, code=arrived.ticket.code))


urlpatterns = [
    path("kiosk/<slug:office>/", start, name="kiosk"),
    path("kiosk/<slug:office>/groups", groups, name="kiosk_groups"),
    path("kiosk/<slug:office>/group/<int:group_id>/", group, name="kiosk_group"),
    path("kiosk/<slug:office>/service/<int:service_id>/", service, name="kiosk_service"),
    path("kiosk/<slug:office>/service/<int:service_id>/priority/", priority, name="kiosk_priority"),
    path("kiosk/<slug:office>/take", take, name="kiosk_take"),
    path("kiosk/<slug:office>/ticket/<slug:code>/", ticket, name="kiosk_ticket"),
    path("kiosk/<slug:office>/booking/", checkin, name="kiosk_checkin"),
]


# --- helpers ------------------------------------------------------------------------------------


def _groups(office: Office) -> list[selectors.GroupCount]:
    return selectors.group_counts(office)


def _kiosk_query(request: HttpRequest) -> str:
    """The kiosk's configuration carried from screen to screen."""
    return "?autoprint=1" if request.GET.get("autoprint") == "1" else ""


def _kiosk_url(request: HttpRequest, name: str, office: Office, **kwargs: Any) -> str:
    url = reverse(f"queueing:{name}", kwargs={"office": office.slug, **kwargs})
    return url + _kiosk_query(request)


def _render(
    request: HttpRequest,
    office: Office,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
) -> HttpResponse:
    query = _kiosk_query(request)
    context = {
        "office": office,
        "kiosk_query": query,
        "kiosk_home": reverse("queueing:kiosk", kwargs={"office": office.slug}) + query,
        "idle_seconds": IDLE_SECONDS,
        "refresh_seconds": REFRESH_SECONDS,
        "autoprint": bool(query),
        **context,
    }
    with timezone.override(office.zone):
        return render(request, template, context, status=status)


def _refuse(
    request: HttpRequest,
    office: Office,
    error: errors.QueueError,
    *,
    status: int | None = None,
    hint: str = "",
    take_ticket: str = "",
) -> HttpResponse:
    """A refusal screen in the kiosk's style, with the reason and a way back to the start
    (and, for a booking whose time has passed, a way to take a ticket instead)."""
    if not hint and isinstance(error, errors.OfficeClosed):
        hint = _next_opening_hint(office)
    # The language buttons of a refusal lead to the start screen, not to a form's target.
    home = reverse("queueing:kiosk", kwargs={"office": office.slug})
    language_links = [
        {**link, "url": translate_url(home, link["code"]) + _kiosk_query(request)}
        for link in site(request)["language_links"]
    ]
    context = {
        "message": error.message,
        "hint": hint,
        "take_ticket_url": take_ticket,
        "language_links": language_links,
    }
    return _render(
        request, office, "queueing/kiosk_error.html", context, status=status or error.status
    )


def _next_opening_hint(office: Office) -> str:
    opening = catalog.office_status(office).next_opening
    if opening is None:
        return ""
    local = opening.astimezone(office.zone)
    today = timezone.now().astimezone(office.zone).date()
    time = local.strftime("%H:%M")
    if local.date() == today:
        return _("The office opens today at %(time)s.") % {"time": time}
    if local.date() == today + dt.timedelta(days=1):
        return _("The office opens tomorrow at %(time)s.") % {"time": time}
    return _("The office opens on %(date)s at %(time)s.") % {
        "date": date_format(local.date(), "j E"),
        "time": time,
    }


# --- check-in helpers ---------------------------------------------------------------------------


def _checkin_form(
    request: HttpRequest, office: Office, *, error: str = "", code: str = "", status: int = 200
) -> HttpResponse:
    context = {"error": error, "code": code[:12], "keys": CODE_KEYS, "code_length": 8}
    return _render(request, office, "queueing/kiosk_checkin.html", context, status=status)


def _booking_of(ticket: Ticket) -> Any:
    """The booking a ticket was issued for at check-in, if any."""
    try:
        return ticket.booking  # type: ignore[attr-defined]
    except ObjectDoesNotExist:
        return None


def _come_back_hint(office: Office, booking: Any, opens_at: dt.datetime | None) -> str:
    """When check-in opens, in the office's local time: today's time, or the booking's day."""
    if opens_at is None:
        return ""
    local = opens_at.astimezone(office.zone)
    today = timezone.now().astimezone(office.zone).date()
    time = local.strftime("%H:%M")
    booked = booking.start.astimezone(office.zone).strftime("%H:%M")
    if local.date() == today:
        return _("Your booking is at %(booked)s. Please come back at %(time)s.") % {
            "booked": booked,
            "time": time,
        }
    return _(
        "Your booking is on %(date)s at %(booked)s. Please come back that day at %(time)s."
    ) % {
        "date": date_format(local.date(), "j E"),
        "booked": booked,
        "time": time,
    }


def _take_ticket_url(request: HttpRequest, office: Office, booking: Any) -> str:
    """Where a visitor whose time has passed takes a ticket: the booked service, if offered."""
    if selectors.kiosk_service(office, booking.service_id) is not None:
        return _kiosk_url(request, "kiosk_service", office, service_id=booking.service_id)
    return _kiosk_url(request, "kiosk", office)


def _not_active(booking: Any, error: errors.QueueError) -> errors.QueueError:
    """The plainest reason a booking cannot be checked in, by its status."""
    status = bookings.Status
    if booking.status == status.CHECKED_IN:
        return errors.QueueError(_("This booking has already been checked in."))
    if booking.status == status.CANCELLED:
        return errors.QueueError(_("This booking was cancelled."))
    if booking.status == status.NO_SHOW:
        return errors.QueueError(_("The time for this booking has passed."))
    if booking.status in (status.HELD, status.PENDING, status.EXPIRED):
        return errors.QueueError(_("This booking was not confirmed."))
    return error
