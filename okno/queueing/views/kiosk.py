"""The kiosk at an office's entrance: a service group, a service, priority if needed, a ticket.

One kiosk is configured by its address, `/<lang>/kiosk/<office-slug>/`; `?autoprint=1` prints
every new ticket at once (run Chromium with `--kiosk --kiosk-printing` for silent printing).
Every screen is a plain page with plain links and forms, so a kiosk left on all day keeps no
state: kiosk.js takes it back to the start after a quiet spell, and the start screen refreshes
its waiting counts with an HTMX swap while nobody touches it. Nothing is kept in a session.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import segno
from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse, translate_url
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from okno.catalog import selectors as catalog
from okno.catalog.models import Office
from okno.core.context_processors import site
from okno.queueing import errors, selectors, services
from okno.queueing.models import Ticket

#: Seconds without a touch after which a kiosk screen goes back to the start.
IDLE_SECONDS = 30
#: The start screen refreshes its waiting counts this often (while nobody touches it).
REFRESH_SECONDS = 30
#: How long the "here is your ticket" screen can be shown again (e.g. by going back).
TICKET_SCREEN_MINUTES = 15


class TakeTicketForm(forms.Form):
    service = forms.IntegerField(min_value=1, max_value=2**31 - 1)
    priority = forms.SlugField(max_length=40, required=False)


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
    context = {
        "ticket": issued,
        "estimate": selectors.estimate_wait(issued, now=now),
        "page_url": page_url,
        "qr_svg": qr_svg(page_url, label=_("QR code: your ticket's page on your phone")),
    }
    return _render(request, place, "queueing/kiosk_ticket.html", context)


def qr_svg(url: str, *, label: str) -> SafeString:
    """An inline SVG QR code of `url`, scalable by CSS, with an accessible name."""
    svg = segno.make(url, error="m").svg_inline(
        scale=1, border=4, light="#fff", omitsize=True, svgclass="qr", lineclass=None, title=label
    )
    return mark_safe(svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1))


urlpatterns = [
    path("kiosk/<slug:office>/", start, name="kiosk"),
    path("kiosk/<slug:office>/groups", groups, name="kiosk_groups"),
    path("kiosk/<slug:office>/group/<int:group_id>/", group, name="kiosk_group"),
    path("kiosk/<slug:office>/service/<int:service_id>/", service, name="kiosk_service"),
    path("kiosk/<slug:office>/service/<int:service_id>/priority/", priority, name="kiosk_priority"),
    path("kiosk/<slug:office>/take", take, name="kiosk_take"),
    path("kiosk/<slug:office>/ticket/<slug:code>/", ticket, name="kiosk_ticket"),
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
    request: HttpRequest, office: Office, error: errors.QueueError, *, status: int | None = None
) -> HttpResponse:
    """A refusal screen in the kiosk's style, with the reason and a way back to the start."""
    hint = _next_opening_hint(office) if isinstance(error, errors.OfficeClosed) else ""
    # The language buttons of a refusal lead to the start screen, not to a form's target.
    home = reverse("queueing:kiosk", kwargs={"office": office.slug})
    language_links = [
        {**link, "url": translate_url(home, link["code"]) + _kiosk_query(request)}
        for link in site(request)["language_links"]
    ]
    context = {"message": error.message, "hint": hint, "language_links": language_links}
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
