"""Every change in the live queue: issuing tickets, the operator's actions, desk sessions.

The queue order (see `call_next`): a ticket's place is the moment its visitor started waiting,
moved earlier by its priority head start (`PriorityCategory.weight_minutes`). The operator gets
the waiting ticket with the earliest place among the services they are qualified for; ties go to
the earlier issued ticket. Because every waiting ticket ages at the same rate and a head start
is bounded, a visitor without priority who has waited longer than the head start goes first:
priority never starves anyone.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from okno.catalog.models import Office, Service, ServicePoint
from okno.core.calendar import WorkingCalendar
from okno.core.pubsub import publish_on_commit
from okno.queueing import errors
from okno.queueing.models import (
    DeskPause,
    DeskSession,
    PauseReason,
    PriorityCategory,
    QueueSettings,
    Ticket,
    TicketEvent,
    TicketSequence,
)
from okno.staff.models import Employee

State = Ticket.State
Action = TicketEvent.Action

#: action -> (states it may start from, state it leads to). The one table of ticket transitions.
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    Action.CALLED: (frozenset({State.WAITING}), State.CALLED),
    Action.RECALLED: (frozenset({State.CALLED}), State.CALLED),
    Action.STARTED: (frozenset({State.CALLED}), State.SERVING),
    Action.FINISHED: (frozenset({State.SERVING}), State.DONE),
    Action.NO_SHOW: (frozenset({State.CALLED}), State.DONE),
    Action.TRANSFERRED: (frozenset({State.CALLED, State.SERVING}), State.DONE),
    Action.CANCELLED: (frozenset({State.WAITING, State.CALLED, State.SERVING}), State.DONE),
}

#: Outcomes an operator may choose when finishing a visit (no-show and transfer have their own).
FINISH_OUTCOMES = frozenset({Ticket.Outcome.SERVED, Ticket.Outcome.CANCELLED})

CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
CODE_LENGTH = 12


# --- issuing ------------------------------------------------------------------------------------


def issue_ticket(
    office: Office,
    service: Service,
    *,
    priority: PriorityCategory | str | None = None,
    source: str = Ticket.Source.KIOSK,
    employee: Employee | None = None,
    now: dt.datetime | None = None,
    check_hours: bool = True,
    queue_from: dt.datetime | None = None,
) -> Ticket:
    """A new waiting ticket, numbered with the group's letter and the next number of the day.

    `queue_from` places the ticket as if its visitor had been waiting since then (a booking's
    slot time minus its head start); by default the place counts from now.

    The number comes from a per-office, per-day, per-letter counter row updated in the same
    transaction (its row lock serialises concurrent kiosks), and a unique constraint on the
    ticket makes a duplicate impossible whatever happens.
    """
    now = now or timezone.now()
    source = _choice(Ticket.Source, source, errors.InvalidChoice)
    _check_offered(office, service)
    category = _priority_category(office, priority)
    if check_hours and not _issuing_allowed(office, now):
        raise errors.OfficeClosed()
    service_day = now.astimezone(office.zone).date()
    prefix = service.group.prefix
    weight = category.weight_minutes if category else 0
    with transaction.atomic():
        number = _next_number(office, service_day, prefix)
        ticket = Ticket.objects.create(
            office=office,
            service=service,
            service_day=service_day,
            prefix=prefix,
            number=number,
            label=f"{prefix}{number:03d}",
            code=_new_code(),
            source=source,
            priority=category,
            priority_weight=weight,
            issued_at=now,
            waiting_since=now,
            queue_key=(queue_from or now) - dt.timedelta(minutes=weight),
        )
        _record(ticket, Action.ISSUED, now, employee=employee, detail={"source": source})
        _announce(ticket, Action.ISSUED, now)
    return ticket


def cancel_ticket(
    ticket: Ticket, *, employee: Employee | None = None, now: dt.datetime | None = None
) -> Ticket:
    """The visitor leaves (from their ticket page) or staff cancel the ticket."""
    now = now or timezone.now()
    with transaction.atomic():
        return _transition(
            ticket,
            Action.CANCELLED,
            now,
            employee=employee,
            changes={"outcome": Ticket.Outcome.CANCELLED, "finished_at": now},
        )


# --- desk sessions ------------------------------------------------------------------------------


def open_desk(
    employee: Employee, service_point: ServicePoint, *, now: dt.datetime | None = None
) -> DeskSession:
    """Start working at a service point of one of the employee's offices."""
    now = now or timezone.now()
    if not employee.offices.filter(pk=service_point.office_id).exists():
        raise errors.NotYourOffice()
    if not service_point.is_active:
        raise errors.ServicePointInactive()
    current = current_session(employee)
    if current is not None:
        if current.service_point_id == service_point.pk:
            return current
        raise errors.AlreadyAtServicePoint()
    try:
        with transaction.atomic():
            session = DeskSession.objects.create(
                employee=employee, service_point=service_point, opened_at=now
            )
            _announce_desk(session, "opened", now)
    except IntegrityError:
        raise errors.ServicePointBusy() from None
    return session


def close_desk(employee: Employee, *, now: dt.datetime | None = None) -> DeskSession:
    """Stop working at the service point (nothing may be left in hand)."""
    now = now or timezone.now()
    with transaction.atomic():
        session = _session_for_update(employee)
        if _ticket_in_hand(session.service_point) is not None:
            raise errors.TicketInHand()
        _end_pause(session, now)
        session.closed_at = now
        session.paused_at = None
        session.pause_reason = ""
        session.save(update_fields=["closed_at", "paused_at", "pause_reason"])
        _announce_desk(session, "closed", now)
    return session


def pause_desk(employee: Employee, *, reason: str, now: dt.datetime | None = None) -> DeskSession:
    """Take a pause with a reason; call-next refuses until `resume_desk`."""
    now = now or timezone.now()
    reason = _choice(PauseReason, reason, errors.InvalidChoice)
    with transaction.atomic():
        session = _session_for_update(employee)
        if _ticket_in_hand(session.service_point) is not None:
            raise errors.TicketInHand()
        _end_pause(session, now)
        session.paused_at = now
        session.pause_reason = reason
        session.save(update_fields=["paused_at", "pause_reason"])
        DeskPause.objects.create(session=session, reason=reason, started_at=now)
        _announce_desk(session, "paused", now)
    return session


def resume_desk(employee: Employee, *, now: dt.datetime | None = None) -> DeskSession:
    now = now or timezone.now()
    with transaction.atomic():
        session = _session_for_update(employee)
        _end_pause(session, now)
        session.paused_at = None
        session.pause_reason = ""
        session.save(update_fields=["paused_at", "pause_reason"])
        _announce_desk(session, "resumed", now)
    return session


def current_session(employee: Employee) -> DeskSession | None:
    """The employee's open desk session, if any."""
    return (
        DeskSession.objects.select_related("service_point__office")
        .filter(employee=employee, closed_at__isnull=True)
        .first()
    )


# --- the operator's actions ---------------------------------------------------------------------


def call_next(
    employee: Employee, *, service_point: ServicePoint | None = None, now: dt.datetime | None = None
) -> Ticket | None:
    """Call the first waiting ticket this operator may serve at their office; None if nobody waits.

    On PostgreSQL the candidate row is taken with `FOR UPDATE SKIP LOCKED`, so concurrent
    operators each get a different ticket without waiting on each other; on SQLite write
    transactions are serialised. Either way the state change is a conditional update, so a
    ticket is called once whatever the database.
    """
    now = now or timezone.now()
    session = _working_session(employee, service_point)
    point = session.service_point
    if _ticket_in_hand(point) is not None:
        raise errors.TicketInHand()
    service_ids = list(
        employee.competencies.filter(offices=point.office_id, is_active=True).values_list(
            "pk", flat=True
        )
    )
    if not service_ids:
        return None
    waiting = Ticket.objects.filter(
        office_id=point.office_id, state=State.WAITING, service_id__in=service_ids
    ).order_by("queue_key", "issued_at", "pk")
    if connection.features.has_select_for_update_skip_locked:
        waiting = waiting.select_for_update(skip_locked=True)
    for _attempt in range(20):
        with transaction.atomic():
            # The session row lock orders this call against a pause or close from another tab.
            working = (
                DeskSession.objects.select_for_update()
                .filter(pk=session.pk, closed_at__isnull=True, paused_at__isnull=True)
                .values_list("pk", flat=True)
                .first()
            )
            if working is None:
                raise errors.SessionPaused()
            candidate = waiting.only("pk").first()
            if candidate is None:
                return None
            try:
                with transaction.atomic():
                    claimed = Ticket.objects.filter(pk=candidate.pk, state=State.WAITING).update(
                        state=State.CALLED,
                        called_at=now,
                        last_called_at=now,
                        service_point=point,
                        employee=employee,
                    )
            except IntegrityError:  # another tab of this service point called meanwhile
                raise errors.TicketInHand() from None
            if not claimed:
                continue
            ticket = Ticket.objects.select_related("service__group", "priority").get(
                pk=candidate.pk
            )
            _record(
                ticket,
                Action.CALLED,
                now,
                employee=employee,
                service_point=point,
                detail=explain_choice(ticket, now),
            )
            _announce(ticket, Action.CALLED, now)
            return ticket
    return None


def recall(ticket: Ticket, *, employee: Employee, now: dt.datetime | None = None) -> Ticket:
    """Call the same ticket again (the board shows and chimes it again)."""
    now = now or timezone.now()
    with transaction.atomic():
        session = _own_ticket(ticket, employee)
        return _transition(
            ticket,
            Action.RECALLED,
            now,
            employee=employee,
            service_point=session.service_point,
            changes={"last_called_at": now, "recall_count": F("recall_count") + 1},
        )


def start_service(ticket: Ticket, *, employee: Employee, now: dt.datetime | None = None) -> Ticket:
    """The visitor has come to the window."""
    now = now or timezone.now()
    with transaction.atomic():
        session = _own_ticket(ticket, employee)
        return _transition(
            ticket,
            Action.STARTED,
            now,
            employee=employee,
            service_point=session.service_point,
            changes={"started_at": now},
        )


def finish_visit(
    ticket: Ticket,
    *,
    employee: Employee,
    outcome: str = Ticket.Outcome.SERVED,
    note: str = "",
    now: dt.datetime | None = None,
) -> Ticket:
    """End the service with its outcome (served, or cancelled when it could not be done)."""
    now = now or timezone.now()
    outcome = _choice(Ticket.Outcome, outcome, errors.InvalidChoice)
    if outcome not in FINISH_OUTCOMES:
        raise errors.TransitionNotAllowed(_finish_hint(outcome))
    with transaction.atomic():
        session = _own_ticket(ticket, employee)
        return _transition(
            ticket,
            Action.FINISHED,
            now,
            employee=employee,
            service_point=session.service_point,
            changes={"outcome": outcome, "finished_at": now, "note": note.strip()[:500]},
            detail={"outcome": outcome},
        )


def mark_no_show(ticket: Ticket, *, employee: Employee, now: dt.datetime | None = None) -> Ticket:
    """The called visitor did not come: allowed after a repeated call or some minutes."""
    now = now or timezone.now()
    rules = queue_settings(ticket.office)
    with transaction.atomic():
        session = _own_ticket(ticket, employee)
        waited_since_call = now - (ticket.called_at or now)
        if ticket.state == State.CALLED and (
            ticket.recall_count < rules.no_show_after_recalls
            and waited_since_call < dt.timedelta(minutes=rules.no_show_after_minutes)
        ):
            raise errors.NoShowTooEarly()
        return _transition(
            ticket,
            Action.NO_SHOW,
            now,
            employee=employee,
            service_point=session.service_point,
            changes={"outcome": Ticket.Outcome.NO_SHOW, "finished_at": now},
        )


def transfer(
    ticket: Ticket,
    *,
    employee: Employee,
    service: Service,
    note: str = "",
    now: dt.datetime | None = None,
) -> Ticket:
    """Send the visitor on to another service; returns the successor ticket, already waiting.

    The successor keeps the number, the citizen's code, the priority and the original waiting
    time, so it takes its place in the new queue as if it had been there from the start.
    """
    now = now or timezone.now()
    _check_offered(ticket.office, service)
    if service.pk == ticket.service_id:
        raise errors.TransitionNotAllowed()
    with transaction.atomic():
        session = _own_ticket(ticket, employee)
        closed = _transition(
            ticket,
            Action.TRANSFERRED,
            now,
            employee=employee,
            service_point=session.service_point,
            changes={
                "outcome": Ticket.Outcome.TRANSFERRED,
                "finished_at": now,
                "note": note.strip()[:500],
            },
            detail={"to_service": service.code},
        )
        successor = Ticket.objects.create(
            office=closed.office,
            service=service,
            service_day=closed.service_day,
            # It waits in the new service's group (counts, people ahead, estimates go by the
            # letter), while its label stays the one printed on the visitor's ticket.
            prefix=service.group.prefix,
            number=closed.number,
            label=closed.label,
            code=closed.code,
            source=closed.source,
            priority=closed.priority,
            priority_weight=closed.priority_weight,
            issued_at=now,
            waiting_since=closed.waiting_since,
            queue_key=closed.queue_key,
            transferred_from=closed,
        )
        _record(
            successor,
            Action.ISSUED,
            now,
            employee=employee,
            service_point=session.service_point,
            detail={"source": "transfer", "from_service": closed.service.code},
        )
        _announce(successor, Action.ISSUED, now)
    return successor


def explain_choice(ticket: Ticket, now: dt.datetime) -> dict[str, Any]:
    """Why this ticket came first: its priority (if any) and how long it had waited."""
    waited = max(0, int((now - ticket.waiting_since).total_seconds()))
    return {
        "priority": ticket.priority.code if ticket.priority_id else "",
        "priority_weight_minutes": ticket.priority_weight,
        "waited_seconds": waited,
    }


def queue_settings(office: Office) -> QueueSettings:
    """The office's queue rules (defaults when none were saved)."""
    try:
        return office.queue_settings
    except QueueSettings.DoesNotExist:
        return QueueSettings(office=office)


# --- helpers ------------------------------------------------------------------------------------


def _choice(choices: type[Any], value: str, error: type[errors.QueueError]) -> Any:
    try:
        return choices(value)
    except ValueError:
        raise error() from None


def _check_offered(office: Office, service: Service) -> None:
    if not (
        office.is_active
        and service.is_active
        and service.in_person
        and service.offices.filter(pk=office.pk).exists()
    ):
        raise errors.ServiceNotOffered()


def _priority_category(
    office: Office, priority: PriorityCategory | str | None
) -> PriorityCategory | None:
    if priority in (None, ""):
        return None
    if isinstance(priority, PriorityCategory):
        if priority.office_id != office.pk or not priority.is_active:
            raise errors.UnknownPriority()
        return priority
    category = PriorityCategory.objects.filter(office=office, code=priority, is_active=True).first()
    if category is None:
        raise errors.UnknownPriority()
    return category


def _issuing_allowed(office: Office, now: dt.datetime) -> bool:
    if queue_settings(office).issue_outside_hours:
        return True
    return WorkingCalendar(office).is_open_at(now)


def _next_number(office: Office, service_day: dt.date, prefix: str) -> int:
    sequence, _created = TicketSequence.objects.get_or_create(
        office=office, service_day=service_day, prefix=prefix
    )
    TicketSequence.objects.filter(pk=sequence.pk).update(last_number=F("last_number") + 1)
    return TicketSequence.objects.values_list("last_number", flat=True).get(pk=sequence.pk)


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _transition(
    ticket: Ticket,
    action: str,
    now: dt.datetime,
    *,
    employee: Employee | None = None,
    service_point: ServicePoint | None = None,
    changes: dict[str, Any] | None = None,
    detail: dict[str, Any] | None = None,
) -> Ticket:
    """Apply one row of TRANSITIONS as a conditional update, record it and announce it."""
    sources, target = TRANSITIONS[action]
    updated = Ticket.objects.filter(pk=ticket.pk, state__in=sources).update(
        state=target, **(changes or {})
    )
    if not updated:
        ticket.refresh_from_db(fields=["state"])
        raise errors.TransitionNotAllowed()
    ticket.refresh_from_db()
    # Where it happened: the caller's desk, else the window that held the ticket (if any).
    service_point = service_point or ticket.service_point
    _record(ticket, action, now, employee=employee, service_point=service_point, detail=detail)
    _announce(ticket, action, now)
    return ticket


def _record(
    ticket: Ticket,
    action: str,
    now: dt.datetime,
    *,
    employee: Employee | None = None,
    service_point: ServicePoint | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    TicketEvent.objects.create(
        ticket=ticket,
        action=action,
        at=now,
        employee=employee,
        service_point=service_point,
        detail=detail or {},
    )


def _announce(ticket: Ticket, action: str, now: dt.datetime) -> None:
    point = ticket.service_point
    event = {
        "type": "ticket",
        "action": str(action),
        "at": now.isoformat(),
        "office": ticket.office_id,
        "ticket": {
            "id": ticket.pk,
            "label": ticket.label,
            "group": ticket.prefix,
            "service": ticket.service_id,
            "state": str(ticket.state),
            "outcome": str(ticket.outcome),
            "service_point": (
                {"id": point.pk, "number": point.number, "label": str(point)} if point else None
            ),
        },
    }
    publish_on_commit(f"office:{ticket.office_id}", event)
    publish_on_commit(f"ticket:{ticket.code}", event)


def _announce_desk(session: DeskSession, action: str, now: dt.datetime) -> None:
    publish_on_commit(
        f"office:{session.service_point.office_id}",
        {
            "type": "desk",
            "action": action,
            "at": now.isoformat(),
            "office": session.service_point.office_id,
            "service_point": session.service_point_id,
            "employee": session.employee_id,
        },
    )


def _working_session(employee: Employee, service_point: ServicePoint | None) -> DeskSession:
    session = current_session(employee)
    if session is None or (
        service_point is not None and session.service_point_id != service_point.pk
    ):
        raise errors.NotAtServicePoint()
    if session.is_paused:
        raise errors.SessionPaused()
    return session


def _session_for_update(employee: Employee) -> DeskSession:
    session = (
        DeskSession.objects.select_for_update()
        .select_related("service_point")
        .filter(employee=employee, closed_at__isnull=True)
        .first()
    )
    if session is None:
        raise errors.NotAtServicePoint()
    return session


def _own_ticket(ticket: Ticket, employee: Employee) -> DeskSession:
    session = current_session(employee)
    if session is None:
        raise errors.NotAtServicePoint()
    ticket.refresh_from_db(fields=["state", "service_point", "recall_count", "called_at"])
    if ticket.service_point_id != session.service_point_id:
        if ticket.state in (State.CALLED, State.SERVING):
            raise errors.NotYourTicket()
        # Waiting, or done elsewhere: not in a state for a desk action, whoever asks.
        raise errors.TransitionNotAllowed()
    return session


def _ticket_in_hand(service_point: ServicePoint) -> Ticket | None:
    return Ticket.objects.filter(
        service_point=service_point, state__in=[State.CALLED, State.SERVING]
    ).first()


def _end_pause(session: DeskSession, now: dt.datetime) -> None:
    if session.paused_at is not None:
        DeskPause.objects.filter(session=session, ended_at__isnull=True).update(ended_at=now)


def _finish_hint(outcome: str) -> str:
    if outcome == Ticket.Outcome.NO_SHOW:
        return _("Use “did not come” to mark a no-show.")
    return _("Use “transfer” to send the visitor to another service.")
