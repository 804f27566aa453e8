"""Reads of the live queue shared by the kiosk, console, board, monitor, ticket page and API.

Wait estimate (`estimate_waits`). For a waiting ticket of service S:

* `mean` — the mean service time (start to finish) of the last 30 served tickets of S's group at
  this office over the last 14 days; with fewer than 5 such tickets, the typical handling time
  of S from its passport;
* `servers` — the open, not paused service points whose operator is qualified for S; `free` —
  those of them holding no ticket;
* `ahead` — the waiting tickets of the same group placed before this one in the queue order.

If `ahead < free`, somebody is free for this visitor: the estimate is 0. Otherwise the visitor
waits for `ahead - free + 1` services to end across `servers` points, each ending on average
every `mean / servers` minutes: estimate = (ahead - free + 1) × mean / servers. With nobody
qualified at work, one server is assumed (the office will open one), and `staffed` is False.
`benchmarks/queue_estimate.py` measures its error against a simulated day.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Min, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from okno.catalog.models import Office, Service, ServiceGroup, ServicePoint
from okno.queueing.models import DeskPause, DeskSession, Ticket, TicketEvent
from okno.queueing.services import explain_choice, queue_settings
from okno.staff.models import Competency, Employee

State = Ticket.State

MEAN_SAMPLE = 30
MEAN_MIN_SAMPLE = 5
MEAN_LOOKBACK = dt.timedelta(days=14)
QUEUE_ORDER = ("queue_key", "issued_at", "pk")


@dataclass(frozen=True)
class WaitEstimate:
    ahead: int
    minutes: int
    staffed: bool


@dataclass
class GroupCount:
    group: ServiceGroup
    waiting: int = 0
    longest_since: dt.datetime | None = None
    servers: int = 0

    def longest_minutes(self, now: dt.datetime) -> int:
        if self.longest_since is None:
            return 0
        return max(0, int((now - self.longest_since).total_seconds() // 60))


@dataclass
class DeskState:
    session: DeskSession
    ticket: Ticket | None = None

    @property
    def status(self) -> str:
        if self.session.is_paused:
            return "paused"
        if self.ticket is not None:
            return str(self.ticket.state)  # "called" or "serving"
        return "idle"


@dataclass
class DayStats:
    issued: int = 0
    served: int = 0
    no_show: int = 0
    cancelled: int = 0
    transferred: int = 0
    average_wait_minutes: float | None = None
    average_service_minutes: float | None = None
    over_norm: int = 0
    groups: dict[str, int] = field(default_factory=dict)


# --- tickets ------------------------------------------------------------------------------------


def ticket_by_code(code: str) -> Ticket:
    """The citizen's current ticket for a code (after a transfer, the successor); 404 if none."""
    ticket = (
        Ticket.objects.select_related("office", "service__group", "service_point", "priority")
        .filter(code=code)
        .order_by("-pk")
        .first()
    )
    if ticket is None:
        raise Http404
    return ticket


def ticket_in_hand(service_point: ServicePoint) -> Ticket | None:
    """The ticket called to or being served at this service point."""
    return (
        Ticket.objects.select_related("service__group", "priority")
        .filter(service_point=service_point, state__in=[State.CALLED, State.SERVING])
        .first()
    )


def waiting_tickets(office: Office, *, service_ids: list[int] | None = None) -> QuerySet[Ticket]:
    """Waiting tickets of an office in the order they will be called."""
    tickets = Ticket.objects.filter(office=office, state=State.WAITING)
    if service_ids is not None:
        tickets = tickets.filter(service_id__in=service_ids)
    return tickets.select_related("service__group", "priority").order_by(*QUEUE_ORDER)


def people_ahead(ticket: Ticket) -> int:
    """Waiting tickets of the same group that come before this one."""
    if ticket.state != State.WAITING:
        return 0
    before = Q(queue_key__lt=ticket.queue_key) | Q(
        queue_key=ticket.queue_key, issued_at__lt=ticket.issued_at
    )
    before |= Q(queue_key=ticket.queue_key, issued_at=ticket.issued_at, pk__lt=ticket.pk)
    return (
        Ticket.objects.filter(office_id=ticket.office_id, state=State.WAITING, prefix=ticket.prefix)
        .filter(before)
        .count()
    )


def estimate_wait(ticket: Ticket, *, now: dt.datetime | None = None) -> WaitEstimate:
    """The estimated wait of one waiting ticket (see the module docstring for the method)."""
    if ticket.state != State.WAITING:
        return WaitEstimate(ahead=0, minutes=0, staffed=True)
    now = now or timezone.now()
    return _estimate(
        ahead=people_ahead(ticket),
        mean=mean_service_minutes(ticket.office, ticket.service, now=now),
        **_servers(ticket.office, ticket.service),
    )


def estimate_new_ticket(
    office: Office, service: Service, *, now: dt.datetime | None = None
) -> WaitEstimate:
    """What a visitor taking a ticket for `service` now may expect (for the kiosk's buttons)."""
    now = now or timezone.now()
    ahead = Ticket.objects.filter(
        office=office, state=State.WAITING, prefix=service.group.prefix
    ).count()
    return _estimate(
        ahead=ahead,
        mean=mean_service_minutes(office, service, now=now),
        **_servers(office, service),
    )


def mean_service_minutes(office: Office, service: Service, *, now: dt.datetime) -> float:
    """Recent mean service time of the service's group at the office, or the passport's time."""
    durations = list(
        Ticket.objects.filter(
            office=office,
            prefix=service.group.prefix,
            outcome=Ticket.Outcome.SERVED,
            started_at__isnull=False,
            finished_at__gte=now - MEAN_LOOKBACK,
            finished_at__lte=now,
        )
        .order_by("-finished_at")
        .values_list("started_at", "finished_at")[:MEAN_SAMPLE]
    )
    if len(durations) < MEAN_MIN_SAMPLE:
        return float(service.handling_minutes)
    seconds = sum((end - start).total_seconds() for start, end in durations)
    return max(seconds / len(durations) / 60, 0.5)


def _servers(office: Office, service: Service) -> dict[str, int]:
    sessions = DeskSession.objects.filter(
        service_point__office=office,
        closed_at__isnull=True,
        paused_at__isnull=True,
        employee__competency_set__service=service,
    )
    busy_points = set(
        Ticket.objects.filter(
            office=office, state__in=[State.CALLED, State.SERVING], service_point__isnull=False
        ).values_list("service_point_id", flat=True)
    )
    points = set(sessions.values_list("service_point_id", flat=True))
    return {"servers": len(points), "free": len(points - busy_points)}


def _estimate(*, ahead: int, mean: float, servers: int, free: int) -> WaitEstimate:
    staffed = servers > 0
    servers = max(servers, 1)
    if staffed and ahead < free:
        return WaitEstimate(ahead=ahead, minutes=0, staffed=True)
    waiting_for = ahead - (free if staffed else 0) + 1
    return WaitEstimate(
        ahead=ahead, minutes=math.ceil(waiting_for * mean / servers), staffed=staffed
    )


# --- the office at a glance ---------------------------------------------------------------------


def group_counts(office: Office) -> list[GroupCount]:
    """Per service group offered at the office: waiting visitors, the longest wait, servers."""
    groups = ServiceGroup.objects.filter(
        services__offices=office, services__is_active=True, services__in_person=True
    ).distinct()
    counts = {group.prefix: GroupCount(group=group) for group in groups}
    rows = (
        Ticket.objects.filter(office=office, state=State.WAITING)
        .values("prefix")
        .annotate(waiting=Count("pk"), longest_since=Min("waiting_since"))
    )
    for row in rows:
        entry = counts.get(row["prefix"])
        if entry is not None:
            entry.waiting = row["waiting"]
            entry.longest_since = row["longest_since"]
    server_rows = (
        DeskSession.objects.filter(
            service_point__office=office, closed_at__isnull=True, paused_at__isnull=True
        )
        .values("employee__competency_set__service__group__prefix")
        .annotate(points=Count("service_point", distinct=True))
    )
    for row in server_rows:
        entry = counts.get(row["employee__competency_set__service__group__prefix"])
        if entry is not None:
            entry.servers = row["points"]
    return sorted(counts.values(), key=lambda c: (c.group.order, c.group.prefix))


def service_counts(office: Office, service_ids: list[int]) -> dict[int, int]:
    """Waiting visitors per service (for the operator's console)."""
    rows = (
        Ticket.objects.filter(office=office, state=State.WAITING, service_id__in=service_ids)
        .values("service_id")
        .annotate(waiting=Count("pk"))
    )
    counts = dict.fromkeys(service_ids, 0)
    counts.update({row["service_id"]: row["waiting"] for row in rows})
    return counts


def current_calls(office: Office) -> list[Ticket]:
    """Tickets called to a window and not yet being served (the board highlights them)."""
    return list(
        Ticket.objects.filter(office=office, state=State.CALLED)
        .select_related("service_point")
        .order_by("-last_called_at")
    )


def recent_calls(office: Office, *, limit: int = 8, now: dt.datetime | None = None) -> list[Ticket]:
    """The last calls of the office's day, newest first (one line per ticket)."""
    now = now or timezone.now()
    day = now.astimezone(office.zone).date()
    return list(
        Ticket.objects.filter(office=office, service_day=day, last_called_at__isnull=False)
        .select_related("service_point")
        .order_by("-last_called_at", "-pk")[:limit]
    )


def desk_states(office: Office) -> list[DeskState]:
    """Each open service point: who works there, paused or not, and the ticket in hand."""
    sessions = list(
        DeskSession.objects.filter(service_point__office=office, closed_at__isnull=True)
        .select_related("employee__user", "service_point")
        .order_by("service_point__number")
    )
    in_hand = {
        t.service_point_id: t
        for t in Ticket.objects.filter(
            office=office, state__in=[State.CALLED, State.SERVING]
        ).select_related("service__group", "priority")
    }
    return [DeskState(session=s, ticket=in_hand.get(s.service_point_id)) for s in sessions]


def day_stats(office: Office, *, now: dt.datetime | None = None) -> DayStats:
    """Today's figures for the head's monitor (the office's local day)."""
    now = now or timezone.now()
    day = now.astimezone(office.zone).date()
    today = Ticket.objects.filter(office=office, service_day=day)
    stats = DayStats(issued=today.filter(transferred_from__isnull=True).count())
    for row in today.values("outcome").annotate(n=Count("pk")):
        if row["outcome"]:
            setattr(stats, row["outcome"], row["n"])
    norm = dt.timedelta(minutes=queue_settings(office).wait_norm_minutes)
    waits = list(
        today.filter(called_at__isnull=False, transferred_from__isnull=True).values_list(
            "waiting_since", "called_at"
        )
    )
    if waits:
        total = sum((called - since).total_seconds() for since, called in waits)
        stats.average_wait_minutes = round(total / len(waits) / 60, 1)
    still_waiting = today.filter(state=State.WAITING, waiting_since__lt=now - norm).count()
    stats.over_norm = sum(1 for since, called in waits if called - since > norm) + still_waiting
    services = list(
        today.filter(outcome=Ticket.Outcome.SERVED, started_at__isnull=False).values_list(
            "started_at", "finished_at"
        )
    )
    if services:
        total = sum((end - start).total_seconds() for start, end in services)
        stats.average_service_minutes = round(total / len(services) / 60, 1)
    return stats


def qualified_services(employee: Employee, office: Office) -> list[Service]:
    """The services this employee may deliver at the office (what call-next draws from)."""
    return list(
        Service.objects.filter(
            pk__in=Competency.objects.filter(employee=employee).values("service_id"),
            offices=office,
            is_active=True,
            in_person=True,
        )
        .select_related("group")
        .order_by("group__order", "group__prefix", "code")
    )


def ticket_events(ticket: Ticket) -> QuerySet[TicketEvent]:
    return ticket.events.select_related("employee__user", "service_point").order_by("at", "pk")


def open_service_points(office: Office) -> list[tuple[ServicePoint, DeskSession | None]]:
    """The office's active service points with the session open at each (for picking one)."""
    points = list(ServicePoint.objects.filter(office=office, is_active=True).order_by("number"))
    sessions = {
        s.service_point_id: s
        for s in DeskSession.objects.filter(
            service_point__in=points, closed_at__isnull=True
        ).select_related("employee__user")
    }
    return [(point, sessions.get(point.pk)) for point in points]


# --- the kiosk ----------------------------------------------------------------------------------


def kiosk_services(office: Office) -> list[Service]:
    """Services a visitor can take a ticket for at this office (active, delivered in person)."""
    services = Service.objects.filter(offices=office, is_active=True, in_person=True)
    return list(services.select_related("group").order_by("group__order", "group__prefix", "code"))


def kiosk_service(office: Office, service_id: int) -> Service | None:
    """One service the kiosk may issue a ticket for at this office, or None."""
    return (
        Service.objects.filter(pk=service_id, offices=office, is_active=True, in_person=True)
        .select_related("group")
        .first()
    )


def priority_categories(office: Office) -> list:
    """The office's active priority categories, in the order the kiosk offers them."""
    return list(office.priority_categories.filter(is_active=True).order_by("order", "code"))


# --- the operator's console and the head's monitor ----------------------------------------------


def call_reason(ticket: Ticket) -> dict[str, Any]:
    """Why `ticket` was chosen when it was called: the detail recorded with its first call (its
    priority code, head start and seconds waited, as `services.explain_choice` gives them)."""
    event = (
        ticket.events.filter(action=TicketEvent.Action.CALLED).order_by("at", "pk").only("detail")
    ).first()
    if event is not None and "waited_seconds" in event.detail:
        return event.detail
    return explain_choice(ticket, ticket.called_at or timezone.now())


def transfer_targets(office: Office) -> QuerySet[Service]:
    """The services a visitor may be sent on to at this office (offered there in person)."""
    return (
        Service.objects.filter(offices=office, is_active=True, in_person=True)
        .select_related("group")
        .order_by("group__order", "group__prefix", "code")
    )


def idle_since(states: list[DeskState]) -> dict[int, dt.datetime]:
    """Since when each open service point without a ticket in hand has been free (by session id):
    the latest of the session's opening, the end of its last pause and the end of the last visit
    handled at the point during the session."""
    idle = [
        state.session for state in states if state.ticket is None and not state.session.is_paused
    ]
    if not idle:
        return {}
    pause_ends = dict(
        DeskPause.objects.filter(session__in=idle, ended_at__isnull=False)
        .values("session")
        .annotate(last=Max("ended_at"))
        .values_list("session", "last")
    )
    visit_ends = dict(
        Ticket.objects.filter(
            service_point__in=[session.service_point_id for session in idle],
            finished_at__isnull=False,
        )
        .values("service_point")
        .annotate(last=Max("finished_at"))
        .values_list("service_point", "last")
    )
    since = {}
    for session in idle:
        moments = [session.opened_at, pause_ends.get(session.pk)]
        moments.append(visit_ends.get(session.service_point_id))
        since[session.pk] = max(moment for moment in moments if moment is not None)
    return since
