"""Live-queue endpoints: tickets for hardware kiosks, status by code, boards, third-party consoles.

Public (no token): issuing a kiosk ticket, a ticket's status by its secret code, an office's
queue at a glance and its live event stream — the same data the kiosk, ticket and board pages
show, with no personal data. Anonymous issuing is limited per client address
(`ANONYMOUS_TICKETS_PER_MINUTE`); a hardware kiosk that sends a staff token (`okno token
kiosk-user`) is not limited, and only staff may issue tickets of other sources (booking, staff,
phone), because those count in the office's figures as what they claim to be.

Staff (Bearer token or a staff session): the operator's desk and their ticket in hand. Every
object is looked up within the caller's offices (another office's ticket or service point is
404), and every action goes through `okno.queueing.services`, whose domain errors come back as
`{"message": ...}` with the error's status (403, 409, ...).

No `from __future__ import annotations` here: django-ninja reads the annotations at import.
"""

import datetime as dt
from collections.abc import Callable
from typing import Any, Literal

from django.http import Http404, HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from ninja import Field, Path, Query, Router, Schema, Status

from okno.api.auth import NotStaff, staff_auth, token_staff
from okno.api.catalog import LanguageQuery
from okno.api.errors import answers_domain_errors
from okno.catalog.models import Office, Service, ServicePoint
from okno.core import ratelimit
from okno.core.i18n import tr
from okno.core.scoping import get_in_scope, visible_office_ids
from okno.core.sse import event_stream
from okno.queueing import selectors, services
from okno.queueing.errors import NotYourTicket, QueueError, ServiceNotOffered
from okno.queueing.models import DeskSession, PauseReason, Ticket, TicketEvent
from okno.staff.models import Employee

router = Router()

#: Tickets one client address may take per minute without a token (a kiosk takes a few).
ANONYMOUS_TICKETS_PER_MINUTE = 30
#: Ids are bigints: anything larger is refused before the database sees it.
MAX_ID = 2**63 - 1

#: Text without control characters (line breaks and tabs allowed): PostgreSQL refuses NUL.
PLAIN_TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"

Id = Field(ge=1, le=MAX_ID)
OfficeId = Path[int, {"ge": 1, "le": MAX_ID, "description": "The office's id (see /offices)."}]
TicketId = Path[int, {"ge": 1, "le": MAX_ID, "description": "The ticket's id."}]
TicketCode = Path[
    str,
    {
        "min_length": 1,
        "max_length": 16,
        "pattern": r"^[A-Za-z0-9]+$",
        "description": "The secret code printed on the ticket (its QR code leads to it).",
    },
]


class StaffOnlySource(QueueError):
    message = _("Only staff may issue tickets of this source; send a staff token.")
    status = 401


class NotOfThisOffice(QueueError):
    message = _("You do not work at this office.")
    status = 403


class TooManyTickets(QueueError):
    message = _("Too many tickets from this address; please try again in a minute.")
    status = 429


# --- schemas ------------------------------------------------------------------------------------


class QueueErrorOut(Schema):
    message: str


class QueueInvalidItem(Schema):
    location: str
    message: str


class QueueInvalidOut(QueueErrorOut):
    errors: list[QueueInvalidItem] = []


ERRORS: dict[int, type[Schema]] = {
    400: QueueErrorOut,
    401: QueueErrorOut,
    403: QueueErrorOut,
    404: QueueErrorOut,
    409: QueueErrorOut,
    422: QueueInvalidOut,
}


class QueueOfficeOut(Schema):
    id: int
    slug: str
    name: str


class TicketServiceOut(Schema):
    id: int
    code: str
    name: str
    group: str = Field(description="The service group's ticket letter.")


class ServicePointOut(Schema):
    id: int
    number: int
    label: str = Field(description="What the board shows, e.g. “3A”.")


class TicketPriorityOut(Schema):
    code: str
    name: str
    head_start_minutes: int


class IssueTicketIn(Schema):
    service_id: int = Id
    priority: str | None = Field(
        None,
        max_length=40,
        pattern=r"^[-a-zA-Z0-9_]+$",
        description="A priority category code of the office (e.g. `pregnancy`); none by default.",
    )
    source: Literal["kiosk", "booking", "staff", "phone"] = Field(
        "kiosk", description="`kiosk` needs no token; the other sources need a staff token."
    )


class IssuedOut(Schema):
    id: int
    number: int
    label: str = Field(description="The ticket as shown and called: letter and number, `A007`.")
    code: str = Field(description="The citizen's secret code for `GET /tickets/{code}`.")
    state: str
    service: TicketServiceOut
    priority: TicketPriorityOut | None
    issued_at: dt.datetime
    position: int = Field(description="Place in the line of the ticket's group: 1 is next.")
    people_ahead: int
    estimated_wait_minutes: int
    staffed: bool = Field(description="False while nobody who can serve this service is at work.")


class TicketStatusOut(Schema):
    label: str
    state: Literal["waiting", "called", "serving", "done"]
    outcome: str = Field(description="`served`, `no_show`, `cancelled`, `transferred`, or empty.")
    office: QueueOfficeOut
    service: TicketServiceOut
    issued_at: dt.datetime
    waiting_since: dt.datetime
    position: int | None = Field(description="While waiting: place in line, 1 is next.")
    people_ahead: int | None
    estimated_wait_minutes: int | None
    staffed: bool | None
    called_at: dt.datetime | None = Field(description="When last called to a window.")
    service_point: ServicePointOut | None = Field(description="Where to go, once called.")


class CallChoiceOut(Schema):
    priority: str
    priority_weight_minutes: int
    waited_seconds: int


class StaffTicketOut(Schema):
    id: int
    number: int
    label: str
    state: str
    outcome: str
    source: str
    service: TicketServiceOut
    priority: TicketPriorityOut | None
    issued_at: dt.datetime
    waiting_since: dt.datetime
    called_at: dt.datetime | None
    last_called_at: dt.datetime | None
    recall_count: int
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    service_point: ServicePointOut | None
    waited_minutes: int = Field(description="Until the first call, or until now while waiting.")
    note: str
    chosen_because: CallChoiceOut | None = Field(
        description="Why call-next chose this ticket: its priority and how long it had waited."
    )


class ServicePointIn(Schema):
    service_point_id: int = Id


class PauseIn(Schema):
    reason: PauseReason = Field(description="Why the desk pauses.")


class DeskOut(Schema):
    office: QueueOfficeOut
    service_point: ServicePointOut
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    paused: bool
    pause_reason: str
    paused_since: dt.datetime | None
    ticket: StaffTicketOut | None = Field(description="The ticket called to or served here.")


class FinishIn(Schema):
    outcome: Literal["served", "cancelled", "no_show", "transferred"] = Field(
        "served",
        description="`served`, or `cancelled` when the service could not be done "
        "(use no-show and transfer for those outcomes).",
    )
    note: str = Field("", max_length=500, pattern=PLAIN_TEXT)


class TransferIn(Schema):
    service_id: int = Id
    note: str = Field("", max_length=500, pattern=PLAIN_TEXT)


class WaitingGroupOut(Schema):
    prefix: str
    name: str
    waiting: int
    longest_wait_minutes: int
    servers: int = Field(description="Open, not paused service points able to serve the group.")


class CallOut(Schema):
    label: str
    group: str
    state: str
    service_point: ServicePointOut | None
    called_at: dt.datetime | None


class QueueOut(Schema):
    office: QueueOfficeOut
    at: dt.datetime
    waiting: int
    longest_wait_minutes: int
    wait_norm_minutes: int
    groups: list[WaitingGroupOut]
    current_calls: list[CallOut] = Field(description="Called and not yet at the window.")
    recent_calls: list[CallOut] = Field(description="The last 8 calls of the day, newest first.")


# --- errors -------------------------------------------------------------------------------------


# --- public: kiosks, citizens, boards -----------------------------------------------------------


@router.post(
    "/offices/{office_id}/tickets",
    response={201: IssuedOut, 429: QueueErrorOut, **ERRORS},
    summary="Take a ticket (hardware kiosk)",
    tags=["queue"],
    description=(
        "Issues a waiting ticket for a service of the office. `source=kiosk` needs no token "
        f"(at most {ANONYMOUS_TICKETS_PER_MINUTE} per minute per client address; a kiosk that "
        "sends a staff token is not limited); `booking`, `staff` and `phone` need the token of "
        "an employee of this office. Refused with 409 while the office is closed, unless its "
        "queue settings allow issuing outside opening hours."
    ),
)
@answers_domain_errors
def issue(
    request: HttpRequest, office_id: OfficeId, payload: IssueTicketIn, filters: Query[LanguageQuery]
):
    office = _active_office(office_id)
    staff = token_staff(request)
    if staff is None:
        if payload.source != Ticket.Source.KIOSK:
            raise StaffOnlySource()
        if _too_many_anonymous_tickets(request):
            raise TooManyTickets()
    else:
        office_ids = visible_office_ids(staff.user)
        if office_ids is not None and office.pk not in office_ids:
            raise NotOfThisOffice()
    service = Service.objects.select_related("group").filter(pk=payload.service_id).first()
    if service is None:
        raise ServiceNotOffered()
    ticket = services.issue_ticket(
        office, service, priority=payload.priority, source=payload.source, employee=staff
    )
    estimate = selectors.estimate_wait(ticket)
    with translation.override(filters.lang or translation.get_language()):
        return Status(
            201,
            {
                "id": ticket.pk,
                "number": ticket.number,
                "label": ticket.label,
                "code": ticket.code,
                "state": ticket.state,
                "service": _service(ticket.service),
                "priority": _priority(ticket),
                "issued_at": ticket.issued_at,
                "position": estimate.ahead + 1,
                "people_ahead": estimate.ahead,
                "estimated_wait_minutes": estimate.minutes,
                "staffed": estimate.staffed,
            },
        )


@router.get(
    "/tickets/{code}",
    response={200: TicketStatusOut, 404: QueueErrorOut, 422: QueueInvalidOut},
    summary="A ticket's status by its secret code",
    tags=["queue"],
    description=(
        "What the citizen's ticket page shows: state, place in line and estimated wait while "
        "waiting, the service point to go to once called. After a transfer the code leads to "
        "the ticket for the new service."
    ),
)
def ticket_status(request: HttpRequest, code: TicketCode, filters: Query[LanguageQuery]):
    ticket = selectors.ticket_by_code(code.lower())
    waiting = ticket.state == Ticket.State.WAITING
    estimate = selectors.estimate_wait(ticket) if waiting else None
    in_hand = ticket.state in (Ticket.State.CALLED, Ticket.State.SERVING)
    with translation.override(filters.lang or translation.get_language()):
        return {
            "label": ticket.label,
            "state": ticket.state,
            "outcome": ticket.outcome,
            "office": _office(ticket.office),
            "service": _service(ticket.service),
            "issued_at": ticket.issued_at,
            "waiting_since": ticket.waiting_since,
            "position": estimate.ahead + 1 if estimate else None,
            "people_ahead": estimate.ahead if estimate else None,
            "estimated_wait_minutes": estimate.minutes if estimate else None,
            "staffed": estimate.staffed if estimate else None,
            "called_at": ticket.last_called_at,
            "service_point": _point(ticket.service_point) if in_hand else None,
        }


@router.get(
    "/offices/{office_id}/queue",
    response={200: QueueOut, 404: QueueErrorOut, 422: QueueInvalidOut},
    summary="An office's queue at a glance (boards)",
    tags=["queue"],
    description="Waiting visitors per service group, the longest wait, the current and recent "
    "calls. Ticket labels and windows only: no personal data.",
)
def office_queue(request: HttpRequest, office_id: OfficeId, filters: Query[LanguageQuery]):
    office = _active_office(office_id)
    now = timezone.now()
    groups = selectors.group_counts(office)
    with translation.override(filters.lang or translation.get_language()):
        return {
            "office": _office(office),
            "at": now,
            "waiting": sum(group.waiting for group in groups),
            "longest_wait_minutes": max((g.longest_minutes(now) for g in groups), default=0),
            "wait_norm_minutes": services.queue_settings(office).wait_norm_minutes,
            "groups": [
                {
                    "prefix": group.group.prefix,
                    "name": tr(group.group.name),
                    "waiting": group.waiting,
                    "longest_wait_minutes": group.longest_minutes(now),
                    "servers": group.servers,
                }
                for group in groups
            ],
            "current_calls": [_call(t) for t in selectors.current_calls(office)],
            "recent_calls": [_call(t) for t in selectors.recent_calls(office, now=now)],
        }


@router.get(
    "/offices/{office_id}/events",
    response={200: None, 404: QueueErrorOut, 422: QueueInvalidOut},
    summary="An office's live events (Server-Sent Events)",
    tags=["queue"],
    description=(
        "A `text/event-stream` that never ends by itself: first `retry:` and an `event: hello` "
        "(on every (re)connection: refresh what you show), then one message per change in the "
        "office's queue: `event: ticket` (data: `action` — issued, called, recalled, started, "
        "finished, no_show, cancelled, transferred — and the ticket's `label`, `group`, "
        "`state`, `service_point`), `event: desk` (a service point opened, paused, resumed or "
        "closed) and `event: overflow` (events were lost: refresh). A comment line every 15 s "
        "keeps the connection alive. `limit` ends the stream after that many events."
    ),
    openapi_extra={
        "responses": {
            200: {
                "description": "The event stream.",
                "content": {"text/event-stream": {"schema": {"type": "string"}}},
            }
        }
    },
)
async def office_events(
    request: HttpRequest,
    office_id: OfficeId,
    limit: int | None = Query(None, ge=1, le=10_000),
):
    if not await Office.objects.filter(pk=office_id, is_active=True).aexists():
        raise Http404
    return event_stream(f"office:{office_id}", limit=limit)


# --- staff: the desk ----------------------------------------------------------------------------


@router.get(
    "/desk",
    auth=staff_auth,
    response={200: DeskOut, 204: None, **ERRORS},
    summary="My desk: the open service point and the ticket in hand (204 if none)",
    tags=["desk"],
)
@answers_domain_errors
def my_desk(request: HttpRequest, filters: Query[LanguageQuery]):
    employee = _employee(request)
    session = services.current_session(employee)
    if session is None:
        return Status(204, None)
    return _desk_answer(session, filters)


@router.post(
    "/desk/open",
    auth=staff_auth,
    response={200: DeskOut, **ERRORS},
    summary="Start working at a service point",
    tags=["desk"],
)
@answers_domain_errors
def open_desk(request: HttpRequest, payload: ServicePointIn, filters: Query[LanguageQuery]):
    employee = _employee(request)
    point = _point_in_scope(request, payload.service_point_id)
    session = services.open_desk(employee, point)
    return _desk_answer(session, filters)


@router.post(
    "/desk/close",
    auth=staff_auth,
    response={200: DeskOut, **ERRORS},
    summary="Stop working at the service point (nothing may be in hand)",
    tags=["desk"],
)
@answers_domain_errors
def close_desk(request: HttpRequest, filters: Query[LanguageQuery]):
    session = services.close_desk(_employee(request))
    return _desk_answer(session, filters)


@router.post(
    "/desk/pause",
    auth=staff_auth,
    response={200: DeskOut, **ERRORS},
    summary="Pause with a reason (call-next refuses until resumed)",
    tags=["desk"],
)
@answers_domain_errors
def pause_desk(request: HttpRequest, payload: PauseIn, filters: Query[LanguageQuery]):
    session = services.pause_desk(_employee(request), reason=payload.reason)
    return _desk_answer(session, filters)


@router.post(
    "/desk/resume",
    auth=staff_auth,
    response={200: DeskOut, **ERRORS},
    summary="Resume work after a pause",
    tags=["desk"],
)
@answers_domain_errors
def resume_desk(request: HttpRequest, filters: Query[LanguageQuery]):
    session = services.resume_desk(_employee(request))
    return _desk_answer(session, filters)


@router.post(
    "/desk/call-next",
    auth=staff_auth,
    response={200: StaffTicketOut, 204: None, **ERRORS},
    summary="Call the next visitor (204 when nobody waits)",
    tags=["desk"],
    description=(
        "Calls the first waiting ticket for the services the operator is qualified for at the "
        "service point's office: ordered by waiting time moved earlier by the priority head "
        "start, so priority never starves the others. Two operators never receive the same "
        "ticket. The desk must be open at this service point and not paused."
    ),
)
@answers_domain_errors
def call_next(request: HttpRequest, payload: ServicePointIn, filters: Query[LanguageQuery]):
    employee = _employee(request)
    point = _point_in_scope(request, payload.service_point_id)
    ticket = services.call_next(employee, service_point=point)
    if ticket is None:
        return Status(204, None)
    return _staff_answer(ticket, filters)


# --- staff: the ticket in hand ------------------------------------------------------------------


def _ticket_action(path: str, summary: str, **extra: Any) -> Callable[..., Any]:
    return router.post(
        f"/tickets/{{ticket_id}}/{path}",
        auth=staff_auth,
        response={200: StaffTicketOut, **ERRORS},
        summary=summary,
        tags=["desk"],
        **extra,
    )


@_ticket_action("recall", "Call the ticket again (the board chimes again)")
@answers_domain_errors
def recall(request: HttpRequest, ticket_id: TicketId, filters: Query[LanguageQuery]):
    employee, ticket = _employee(request), _ticket_in_scope(request, ticket_id)
    return _staff_answer(services.recall(ticket, employee=employee), filters)


@_ticket_action("start", "The visitor has come: start the service")
@answers_domain_errors
def start(request: HttpRequest, ticket_id: TicketId, filters: Query[LanguageQuery]):
    employee, ticket = _employee(request), _ticket_in_scope(request, ticket_id)
    return _staff_answer(services.start_service(ticket, employee=employee), filters)


@_ticket_action("finish", "Finish the service with its outcome and an optional note")
@answers_domain_errors
def finish(
    request: HttpRequest, ticket_id: TicketId, payload: FinishIn, filters: Query[LanguageQuery]
):
    employee, ticket = _employee(request), _ticket_in_scope(request, ticket_id)
    done = services.finish_visit(
        ticket, employee=employee, outcome=payload.outcome, note=payload.note
    )
    return _staff_answer(done, filters)


@_ticket_action(
    "no-show",
    "The called visitor did not come",
    description="Allowed after the office's number of repeated calls or minutes since the call.",
)
@answers_domain_errors
def no_show(request: HttpRequest, ticket_id: TicketId, filters: Query[LanguageQuery]):
    employee, ticket = _employee(request), _ticket_in_scope(request, ticket_id)
    return _staff_answer(services.mark_no_show(ticket, employee=employee), filters)


@_ticket_action(
    "transfer",
    "Send the visitor on to another service (answers the new, waiting ticket)",
    description="The new ticket keeps the number, the citizen's code, the priority and the "
    "original waiting time, so it takes its place in the new queue as if it had been there "
    "from the start.",
)
@answers_domain_errors
def transfer(
    request: HttpRequest, ticket_id: TicketId, payload: TransferIn, filters: Query[LanguageQuery]
):
    employee, ticket = _employee(request), _ticket_in_scope(request, ticket_id)
    service = Service.objects.filter(pk=payload.service_id).first()
    if service is None:
        raise ServiceNotOffered()
    successor = services.transfer(ticket, employee=employee, service=service, note=payload.note)
    return _staff_answer(successor, filters)


@_ticket_action(
    "cancel",
    "Cancel a ticket",
    description="Any employee of the office may cancel a waiting ticket; a ticket called or "
    "being served only from the service point that holds it.",
)
@answers_domain_errors
def cancel(request: HttpRequest, ticket_id: TicketId, filters: Query[LanguageQuery]):
    employee, ticket = _employee(request), _ticket_in_scope(request, ticket_id)
    if ticket.service_point_id is not None and ticket.state in (
        Ticket.State.CALLED,
        Ticket.State.SERVING,
    ):
        session = services.current_session(employee)
        if session is None or session.service_point_id != ticket.service_point_id:
            raise NotYourTicket()
    return _staff_answer(services.cancel_ticket(ticket, employee=employee), filters)


# --- helpers ------------------------------------------------------------------------------------


def _active_office(office_id: int) -> Office:
    office = Office.objects.filter(pk=office_id, is_active=True).first()
    if office is None:
        raise Http404
    return office


def _too_many_anonymous_tickets(request: HttpRequest) -> bool:
    return ratelimit.exceeded(
        "api-anonymous-tickets",
        ratelimit.client_address(request),
        limit=ANONYMOUS_TICKETS_PER_MINUTE,
    )


def _employee(request: HttpRequest) -> Employee:
    employee = getattr(request.user, "employee", None)
    if employee is None:
        raise NotStaff()
    return employee


def _point_in_scope(request: HttpRequest, service_point_id: int) -> ServicePoint:
    return get_in_scope(
        ServicePoint.objects.select_related("office"), request.user, pk=service_point_id
    )


def _ticket_in_scope(request: HttpRequest, ticket_id: int) -> Ticket:
    return get_in_scope(
        Ticket.objects.select_related("office", "service__group", "priority", "service_point"),
        request.user,
        pk=ticket_id,
    )


def _desk_answer(session: DeskSession, filters: LanguageQuery) -> dict[str, Any]:
    point = session.service_point
    ticket = selectors.ticket_in_hand(point) if session.closed_at is None else None
    with translation.override(filters.lang or translation.get_language()):
        return {
            "office": _office(point.office),
            "service_point": _point(point),
            "opened_at": session.opened_at,
            "closed_at": session.closed_at,
            "paused": session.is_paused,
            "pause_reason": session.pause_reason,
            "paused_since": session.paused_at,
            "ticket": _staff_ticket(ticket) if ticket else None,
        }


def _staff_answer(ticket: Ticket, filters: LanguageQuery) -> dict[str, Any]:
    with translation.override(filters.lang or translation.get_language()):
        return _staff_ticket(ticket)


def _staff_ticket(ticket: Ticket) -> dict[str, Any]:
    now = timezone.now()
    choice = (
        TicketEvent.objects.filter(ticket=ticket, action=TicketEvent.Action.CALLED)
        .order_by("-at", "-pk")
        .values_list("detail", flat=True)
        .first()
    )
    return {
        "id": ticket.pk,
        "number": ticket.number,
        "label": ticket.label,
        "state": ticket.state,
        "outcome": ticket.outcome,
        "source": ticket.source,
        "service": _service(ticket.service),
        "priority": _priority(ticket),
        "issued_at": ticket.issued_at,
        "waiting_since": ticket.waiting_since,
        "called_at": ticket.called_at,
        "last_called_at": ticket.last_called_at,
        "recall_count": ticket.recall_count,
        "started_at": ticket.started_at,
        "finished_at": ticket.finished_at,
        "service_point": _point(ticket.service_point) if ticket.service_point_id else None,
        "waited_minutes": max(0, int(ticket.waited(now).total_seconds() // 60)),
        "note": ticket.note,
        "chosen_because": choice or None,
    }


def _office(office: Office) -> dict[str, Any]:
    return {"id": office.pk, "slug": office.slug, "name": tr(office.name, office.default_language)}


def _service(service: Service) -> dict[str, Any]:
    return {
        "id": service.pk,
        "code": service.code,
        "name": tr(service.name),
        "group": service.group.prefix,
    }


def _point(point: ServicePoint) -> dict[str, Any]:
    return {"id": point.pk, "number": point.number, "label": str(point)}


def _priority(ticket: Ticket) -> dict[str, Any] | None:
    if ticket.priority is None:
        return None
    return {
        "code": ticket.priority.code,
        "name": tr(ticket.priority.name),
        "head_start_minutes": ticket.priority_weight,
    }


def _call(ticket: Ticket) -> dict[str, Any]:
    point = ticket.service_point
    return {
        "label": ticket.label,
        "group": ticket.prefix,
        "state": ticket.state,
        "service_point": _point(point) if point else None,
        "called_at": ticket.last_called_at,
    }
