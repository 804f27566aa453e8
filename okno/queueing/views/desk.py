"""The operator's console: pick a service point, then call, serve, transfer and finish visitors.

Every action is a plain POST form, so the console works without JavaScript: the action is done
and the browser is sent back to the console with a message (post/redirect/get), or, when the
rules refuse it, the console is shown again with the reason and the error's 4xx status. With
htmx the same forms are answered with the console partial only (and a refusal with the partial,
the reason and the 4xx status); the message goes to a live region that stays on the page, so
screen readers announce it. The waiting counts refresh on the office's live events (SSE).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from asgiref.sync import sync_to_async
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from okno.core.i18n import tr
from okno.core.pubsub import Event
from okno.core.scoping import scope
from okno.core.sse import event_stream
from okno.queueing import selectors, services
from okno.queueing.errors import NoShowTooEarly, NotAtServicePoint, QueueError
from okno.queueing.forms import (
    FinishForm,
    OpenDeskForm,
    PauseForm,
    TicketForm,
    TransferForm,
    first_error,
)
from okno.queueing.models import DeskSession, QueueSettings, Ticket
from okno.staff.models import Employee

ViewFunc = Callable[..., HttpResponse]

SUCCESS, INFO, ERROR = "success", "info", "error"
_LEVELS = {messages.SUCCESS: SUCCESS, messages.INFO: INFO, messages.ERROR: ERROR}


@dataclass(frozen=True)
class Notice:
    """A message for the operator: what happened, or why it could not."""

    text: str
    level: str = SUCCESS
    detail: str = ""


class Refused(Exception):
    """An action's form did not validate; the console shows it again with its errors."""

    status = 400

    def __init__(self, form: Any, name: str) -> None:
        super().__init__(first_error(form))
        self.message = first_error(form)
        # Shown again with its errors and what was typed (a note is not lost), unless the ticket
        # itself was wrong: then the console offers its own ticket's forms afresh.
        self.forms = {name: form} if name and "ticket" not in form.errors else {}


# --- views --------------------------------------------------------------------------------------


def employee_required(view: ViewFunc) -> ViewFunc:
    """Signed-in employees only: others are sent to sign in, or get a 403 page."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        employee = getattr(request.user, "employee", None)
        if employee is None:
            return render(request, "queueing/desk_forbidden.html", status=403)
        return view(request, employee, *args, **kwargs)

    return wrapper


@require_GET
@employee_required
def desk(request: HttpRequest, employee: Employee) -> HttpResponse:
    """The console, or the choice of a service point when the employee is not at one."""
    return _page(request, employee, notices=_flashed(request))


@require_POST
@employee_required
def open_desk(request: HttpRequest, employee: Employee) -> HttpResponse:
    form = OpenDeskForm(request.POST)
    if not form.is_valid():
        return _page(request, employee, notices=[Notice(first_error(form), ERROR)], status=400)
    point = form.cleaned_data["service_point"]
    try:
        services.open_desk(employee, point)
    except QueueError as error:
        return _page(request, employee, notices=[Notice(error.message, ERROR)], status=error.status)
    messages.success(request, _("You are working at service point %(point)s.") % {"point": point})
    return redirect("queueing:desk")


@require_POST
@employee_required
def act(request: HttpRequest, employee: Employee, action: str) -> HttpResponse:
    """One action at the console (`ACTIONS`), answered as the module docstring says."""
    handler = ACTIONS.get(action)
    if handler is None:
        raise Http404
    now = timezone.now()
    try:
        session = services.current_session(employee)
        if session is None:
            raise NotAtServicePoint()
        notice = handler(request, employee, session, now)
    except Refused as refused:
        notice = Notice(refused.message, ERROR)
        return _answer(request, employee, notice, status=400, forms=refused.forms)
    except QueueError as error:
        notice = Notice(error.message, ERROR, detail=_detail(error, employee))
        return _answer(request, employee, notice, status=error.status)
    return _answer(request, employee, notice)


@require_GET
@employee_required
def counts(request: HttpRequest, employee: Employee) -> HttpResponse:
    """The waiting counts for the operator's services (re-fetched on every live ticket event)."""
    session = services.current_session(employee)
    if session is None:
        return HttpResponse(status=204)
    return render(request, "queueing/_desk_counts.html", _counts(employee, session))


@require_http_methods(["GET"])
async def events(request: HttpRequest) -> HttpResponseBase:
    """The live ticket events of the office where the employee is working (SSE)."""
    user = await request.auser()
    topic = await sync_to_async(_desk_topic)(user)
    if topic is None:
        return HttpResponse(status=204)  # not at a service point: nothing to follow
    return event_stream(topic, accept=_is_ticket_event)


# --- actions ------------------------------------------------------------------------------------

Action = Callable[[HttpRequest, Employee, DeskSession, dt.datetime], Notice]


def _call_next(
    request: HttpRequest, employee: Employee, session: DeskSession, now: dt.datetime
) -> Notice:
    ticket = services.call_next(employee, now=now)
    if ticket is None:
        return Notice(_("Nobody is waiting for the services you deliver."), INFO)
    return Notice(
        _("%(ticket)s is called to service point %(point)s.")
        % {"ticket": ticket.label, "point": session.service_point}
    )


def _recall(
    request: HttpRequest, employee: Employee, session: DeskSession, now: dt.datetime
) -> Notice:
    ticket = _posted(request, TicketForm, "")["ticket"]
    services.recall(ticket, employee=employee, now=now)
    return Notice(_("%(ticket)s is called again.") % {"ticket": ticket.label})


def _start(
    request: HttpRequest, employee: Employee, session: DeskSession, now: dt.datetime
) -> Notice:
    ticket = _posted(request, TicketForm, "")["ticket"]
    services.start_service(ticket, employee=employee, now=now)
    return Notice(_("Serving %(ticket)s.") % {"ticket": ticket.label})


def _finish(
    request: HttpRequest, employee: Employee, session: DeskSession, now: dt.datetime
) -> Notice:
    data = _posted(request, FinishForm, "finish_form")
    ticket = services.finish_visit(
        data["ticket"], employee=employee, outcome=data["outcome"], note=data["note"], now=now
    )
    return Notice(
        _("%(ticket)s is finished: %(outcome)s.")
        % {"ticket": ticket.label, "outcome": ticket.get_outcome_display()}
    )


def _no_show(
    request: HttpRequest, employee: Employee, session: DeskSession, now: dt.datetime
) -> Notice:
    ticket = _posted(request, TicketForm, "")["ticket"]
    services.mark_no_show(ticket, employee=employee, now=now)
    return Notice(_("%(ticket)s did not come.") % {"ticket": ticket.label})


def _transfer(
    request: HttpRequest, employee: Employee, session: DeskSession, now: dt.datetime
) -> Notice:
    office = session.service_point.office
    data = _posted(
        request, TransferForm, "transfer_form", services=selectors.transfer_targets(office)
    )
    successor = services.transfer(
        data["ticket"], employee=employee, service=data["service"], note=data["note"], now=now
    )
    return Notice(
        _("%(ticket)s is sent on to “%(service)s”, keeping the time already waited.")
        % {"ticket": successor.label, "service": tr(successor.service.name)}
    )


def _pause(
    request: HttpRequest, employee: Employee, session: DeskSession, now: dt.datetime
) -> Notice:
    form = PauseForm(request.POST)
    if not form.is_valid():
        raise Refused(form, "pause_form")
    paused = services.pause_desk(employee, reason=form.cleaned_data["reason"], now=now)
    return Notice(_("On a pause: %(reason)s.") % {"reason": paused.get_pause_reason_display()})


def _resume(
    request: HttpRequest, employee: Employee, session: DeskSession, now: dt.datetime
) -> Notice:
    services.resume_desk(employee, now=now)
    return Notice(_("Welcome back: you can call the next visitor."))


def _close(
    request: HttpRequest, employee: Employee, session: DeskSession, now: dt.datetime
) -> Notice:
    services.close_desk(employee, now=now)
    return Notice(
        _("Service point %(point)s is closed. Thank you!") % {"point": session.service_point}
    )


#: The console's actions by their address: /<lang>/desk/<action>/.
ACTIONS: dict[str, Action] = {
    "call": _call_next,
    "recall": _recall,
    "start": _start,
    "finish": _finish,
    "no-show": _no_show,
    "transfer": _transfer,
    "pause": _pause,
    "resume": _resume,
    "close": _close,
}

urlpatterns: list[URLPattern] = [
    path("desk/", desk, name="desk"),
    path("desk/open/", open_desk, name="desk_open"),
    path("desk/counts/", counts, name="desk_counts"),
    path("desk/events", events, name="desk_events"),
    path("desk/<slug:action>/", act, name="desk_action"),
]


# --- helpers ------------------------------------------------------------------------------------


def _posted(request: HttpRequest, form_class: type[TicketForm], name: str, **kwargs: Any):
    """The cleaned data of an action's form about a ticket of the operator's offices."""
    form = form_class(request.POST, tickets=_tickets(request), **kwargs)
    if not form.is_valid():
        raise Refused(form, name)
    return form.cleaned_data


def _tickets(request: HttpRequest) -> QuerySet[Ticket]:
    tickets = Ticket.objects.select_related("office", "service__group", "priority")
    return scope(tickets, request.user)


def _answer(
    request: HttpRequest,
    employee: Employee,
    notice: Notice,
    *,
    status: int = 200,
    forms: dict[str, Any] | None = None,
) -> HttpResponse:
    """The console after an action: the partial for htmx, else a redirect or the whole page."""
    if request.htmx:
        session = services.current_session(employee)
        if session is None:  # closed (here or in another tab): back to choosing a point
            _flash(request, notice)
            response = HttpResponseClientRedirect(reverse("queueing:desk"))
            response.status_code = status
            return response
        context = _console(request, session, now=timezone.now(), forms=forms)
        context.update(notices=[notice], swap_messages=True)
        return render(request, "queueing/_desk_console.html", context, status=status)
    if status < 400:
        _flash(request, notice)
        return redirect("queueing:desk")
    return _page(request, employee, notices=[notice], status=status, forms=forms)


def _page(
    request: HttpRequest,
    employee: Employee,
    *,
    notices: list[Notice],
    status: int = 200,
    forms: dict[str, Any] | None = None,
) -> HttpResponse:
    session = services.current_session(employee)
    if session is None:
        context = {"employee": employee, "offices": _points(employee), "notices": notices}
        return render(request, "queueing/desk_pick.html", context, status=status)
    context = _console(request, session, now=timezone.now(), forms=forms)
    context.update(_counts(employee, session), notices=notices)
    return render(request, "queueing/desk.html", context, status=status)


def _points(employee: Employee) -> list[dict[str, Any]]:
    """The employee's offices (the one of their usual point first) and their service points."""
    usual = employee.home_service_point.office_id if employee.home_service_point else None
    offices = sorted(employee.offices.filter(is_active=True), key=lambda o: (o.pk != usual, o.slug))
    return [
        {"office": office, "points": selectors.open_service_points(office)} for office in offices
    ]


def _console(
    request: HttpRequest,
    session: DeskSession,
    *,
    now: dt.datetime,
    forms: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """What the console partial shows: the session, the ticket in hand and its actions."""
    point = session.service_point
    office = point.office
    ticket = selectors.ticket_in_hand(point)
    rules = services.queue_settings(office)
    context: dict[str, Any] = {
        "session": session,
        "point": point,
        "office": office,
        "ticket": ticket,
        "rules": rules,
        "no_show_rule": _no_show_rule(rules),
        "pause_form": PauseForm(),
        "now": now,
    }
    if ticket is not None:
        tickets = _tickets(request)
        initial = {"ticket": ticket.pk}
        targets = selectors.transfer_targets(office).exclude(pk=ticket.service_id)
        context.update(
            reason=_reason(ticket),
            waited_minutes=int(ticket.waited(now).total_seconds() // 60),
            clock=_clock(ticket, now),
            finish_form=FinishForm(initial=initial, tickets=tickets),
            transfer_form=TransferForm(initial=initial, tickets=tickets, services=targets),
            can_transfer=targets.exists(),
        )
    context.update(forms or {})
    return context


def _counts(employee: Employee, session: DeskSession) -> dict[str, Any]:
    office = session.service_point.office
    qualified = selectors.qualified_services(employee, office)
    waiting = selectors.service_counts(office, [service.pk for service in qualified])
    rows = [(service, waiting[service.pk]) for service in qualified]
    return {"counts": rows, "waiting_total": sum(n for _service, n in rows)}


def _reason(ticket: Ticket) -> dict[str, Any]:
    """Why the ticket was chosen: its priority (by name) and the minutes it had waited."""
    detail = selectors.call_reason(ticket)
    code = detail.get("priority") or ""
    name = code
    if code and ticket.priority is not None and ticket.priority.code == code:
        name = tr(ticket.priority.name) or code
    return {
        "priority": name,
        "head_start": detail.get("priority_weight_minutes") or 0,
        "minutes": int(detail.get("waited_seconds") or 0) // 60,
    }


def _clock(ticket: Ticket, now: dt.datetime) -> dict[str, Any]:
    """The ticking timer: since the last call while called, since the start while served."""
    since = ticket.started_at if ticket.state == Ticket.State.SERVING else ticket.last_called_at
    since = since or now
    seconds = max(0, int((now - since).total_seconds()))
    hours, rest = divmod(seconds, 3600)
    text = f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"
    return {"since": since, "text": text, "seconds": seconds}


def _no_show_rule(rules: QueueSettings) -> str:
    if rules.no_show_after_recalls == 0:
        return ""
    return ngettext(
        "A no-show can be marked after %(recalls)d repeated call or %(minutes)d min after the first call.",
        "A no-show can be marked after %(recalls)d repeated calls or %(minutes)d min after the first call.",
        rules.no_show_after_recalls,
    ) % {"recalls": rules.no_show_after_recalls, "minutes": rules.no_show_after_minutes}


def _detail(error: QueueError, employee: Employee) -> str:
    """A line under the error message: the rule, when the operator was too early."""
    if not isinstance(error, NoShowTooEarly):
        return ""
    session = services.current_session(employee)
    return _no_show_rule(services.queue_settings(session.service_point.office)) if session else ""


def _flash(request: HttpRequest, notice: Notice) -> None:
    level = {SUCCESS: messages.SUCCESS, INFO: messages.INFO}.get(notice.level, messages.ERROR)
    text = f"{notice.text} {notice.detail}".strip()
    messages.add_message(request, level, text)


def _flashed(request: HttpRequest) -> list[Notice]:
    return [
        Notice(str(message), _LEVELS.get(message.level, INFO))
        for message in messages.get_messages(request)
    ]


def _desk_topic(user: Any) -> str | None:
    if not user.is_authenticated:
        raise PermissionDenied
    employee = getattr(user, "employee", None)
    if employee is None:
        raise PermissionDenied
    session = services.current_session(employee)
    return f"office:{session.service_point.office_id}" if session else None


def _is_ticket_event(event: Event) -> bool:
    return event.get("type") == "ticket"
