"""The citizen's page of an application, reached by the code on the receipt; picking up the result.

No account is needed: the code is the only key, so the page shows what anyone holding it may
know (the state in plain words, the deadline, the responsible person's name and role, the
history of status changes) and never the applicant's name, contact or identifier, staff notes
or reasons of reassignment. Lookups by code and pick-up tickets are rate-limited per client
address; every refusal is a page with the translated reason and the status the error carries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from okno.appointments import selectors as appointments
from okno.cases import errors, selectors, services
from okno.cases.models import Case, CaseEvent
from okno.catalog.models import Service
from okno.core import ratelimit
from okno.core.calendar import WorkingCalendar
from okno.core.codes import READABLE
from okno.core.forms import AccessibleForm
from okno.feedback import services as feedback
from okno.queueing import errors as queue_errors
from okno.queueing import selectors as queue_selectors
from okno.queueing import services as queueing
from okno.queueing.models import Ticket

#: (scope, hits, seconds) of looking a code up, per client address: plenty for a family or a
#: centre's public computer, far too few to guess a ten-character code.
LOOKUP_LIMIT = ("case-lookup", 30, 600)
#: (scope, hits, seconds) of taking a pick-up ticket, per client address.
TICKET_LIMIT = ("case-pickup-ticket", 10, 3600)
#: Where the pick-up tickets this browser took wait: {case code: ticket code}.
SESSION_KEY = "case_pickup_tickets"
#: The trail rows a citizen sees: registration and status changes (never notes or assignments).
PUBLIC_ACTIONS = (CaseEvent.Action.REGISTERED, CaseEvent.Action.TRANSITION)

Status = Case.Status


class FollowForm(AccessibleForm):
    """The code on the applicant's receipt."""

    code = forms.CharField(
        label=_("Code of your application"),
        max_length=40,
        help_text=_("It is on your receipt and in every message about the application."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "aria-describedby": "id_code_helptext",
            }
        ),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split()).upper().replace("-", "")
        if not 4 <= len(code) <= 12 or set(code) - set(READABLE):
            raise ValidationError(errors.CaseNotFound.message, code="unknown")
        return code


@dataclass(frozen=True)
class PublicStep:
    """One row of the history a citizen sees: when, and the status the case went to."""

    at: dt.datetime
    status: str
    label: str


@dataclass(frozen=True)
class Pickup:
    """How a citizen whose result is ready can come for it."""

    service: Service | None
    book_url: str
    ticket_now: bool


@never_cache
@require_GET
def follow(request: HttpRequest) -> HttpResponse:
    """Type the code to see the application; `?code=` leads to its page."""
    form = FollowForm(request.GET or None)
    error: errors.CaseError | None = None
    http_status = 200
    if form.is_bound and form.is_valid():
        if _exceeded(request, LOOKUP_LIMIT):
            error = errors.TooManyLookups()
            http_status = error.status
        else:
            try:
                case = services.case_by_code(form.cleaned_data["code"])
            except errors.CaseNotFound as missing:
                form.add_error("code", missing.message)
            else:
                return redirect("cases:status", code=case.code)
    if form.is_bound and form.errors:
        http_status = 404
    context = {"form": form, "error": error}
    return render(request, "cases/follow.html", context, status=http_status)


@never_cache
@require_GET
def status(request: HttpRequest, code: str) -> HttpResponse:
    """The application's page: state, deadline, who answers for it, history, what to do next."""
    try:
        case = services.case_by_code(code)
    except errors.CaseNotFound as missing:
        # Only misses count: a script guessing codes runs into the limit, a person reloading
        # their own page never does.
        error = errors.TooManyLookups() if _exceeded(request, LOOKUP_LIMIT) else missing
        return render(
            request, "cases/status_missing.html", {"message": error.message}, status=error.status
        )
    return _render_status(request, case)


@require_POST
def pickup_ticket(request: HttpRequest, code: str) -> HttpResponse:
    """Take a ticket for the office's "issue of results" queue, once the result is ready.

    A second press from the same browser leads to the ticket already taken while it is still
    in use, instead of issuing another.
    """
    try:
        case = services.case_by_code(code)
    except errors.CaseNotFound:
        raise Http404 from None
    taken = _ticket_taken(request, case)
    if taken is not None:
        return redirect("queueing:ticket", code=taken)
    if _exceeded(request, TICKET_LIMIT):
        return _render_status(request, case, error=errors.TooManyTickets())
    pickup_service = services.pickup_service(case)
    if case.status != Status.READY or pickup_service is None:
        return _render_status(request, case, error=errors.PickupNotAvailable())
    try:
        # Ticket.Source has no "remote" choice; a ticket the citizen takes themselves is what
        # a kiosk issues, so it counts as one.
        ticket = queueing.issue_ticket(case.office, pickup_service, source=Ticket.Source.KIOSK)
    except queue_errors.QueueError as error:
        return _render_status(request, case, error=error)
    request.session[SESSION_KEY] = {**request.session.get(SESSION_KEY, {}), case.code: ticket.code}
    return redirect("queueing:ticket", code=ticket.code)


urlpatterns: list[URLPattern] = [
    path("case/", follow, name="follow"),
    path("case/<str:code>/", status, name="status"),
    path("case/<str:code>/ticket/", pickup_ticket, name="pickup_ticket"),
]


def public_history(case: Case) -> list[PublicStep]:
    """Registration and the status changes, oldest first: no names, notes or reasons."""
    rows = selectors.trail(case).filter(action__in=PUBLIC_ACTIONS)
    return [
        PublicStep(at=row.at, status=row.to_status, label=str(Status(row.to_status).label))
        for row in rows
        if row.to_status in Status.values
    ]


def pickup_options(case: Case, *, now: dt.datetime | None = None) -> Pickup:
    """The pick-up service (`services.pickup_service`), a booking link when it is bookable there, and whether a
    ticket can be taken now (the office issues tickets at this hour)."""
    office = case.office
    service = services.pickup_service(case)
    if service is None or not office.is_active:
        return Pickup(service=None, book_url="", ticket_now=False)
    book_url = ""
    if appointments.bookable_services(office).filter(pk=service.pk).exists():
        query = urlencode({"service": service.slug, "office": office.slug})
        book_url = f"{reverse('appointments:book_start')}?{query}"
    now = now or timezone.now()
    ticket_now = queueing.queue_settings(office).issue_outside_hours or WorkingCalendar(
        office
    ).is_open_at(now)
    return Pickup(service=service, book_url=book_url, ticket_now=ticket_now)


# --- helpers ------------------------------------------------------------------------------------


def _render_status(
    request: HttpRequest, case: Case, *, error: queue_errors.QueueError | None = None
) -> HttpResponse:
    name, role = selectors.responsible(case)
    context: dict[str, Any] = {
        "case": case,
        "office": case.office,
        "service": case.service,
        "clock": selectors.clock(case),
        "decided_late": _decided_late(case),
        "responsible_name": name,
        "responsible_role": role,
        "history": public_history(case),
        "pickup": pickup_options(case) if case.status == Status.READY else None,
        # The page's own language and site: the message's link is the absolute one.
        "rating_url": reverse(
            "feedback:rate_case", kwargs={"token": feedback.case_rating_token(case)}
        )
        if case.status == Status.CLOSED
        else "",
        "error": error,
    }
    with timezone.override(case.office.zone):
        return render(request, "cases/status.html", context, status=error.status if error else 200)


def _decided_late(case: Case) -> bool:
    """Whether the decision came after the deadline (in the office's own calendar)."""
    if case.decided_at is None:
        return False
    return case.decided_at.astimezone(case.office.zone).date() > case.deadline


def _ticket_taken(request: HttpRequest, case: Case) -> str | None:
    """The code of the pick-up ticket this browser took for the case, while it is still in use."""
    code = request.session.get(SESSION_KEY, {}).get(case.code)
    if not code:
        return None
    try:
        ticket = queue_selectors.ticket_by_code(code)
    except Http404:
        return None
    today = services.local_today(case.office)
    if ticket.state == Ticket.State.DONE or ticket.service_day != today:
        return None
    return ticket.code


def _exceeded(request: HttpRequest, limit: tuple[str, int, int]) -> bool:
    scope, hits, seconds = limit
    return ratelimit.exceeded(
        scope, ratelimit.client_address(request), limit=hits, window_seconds=seconds
    )
