"""A simulated day at an office, driven through the queue's own service functions.

`okno simulate` uses it to bring the demo's board and monitor to life and to write past days for
analytics; `benchmarks/queue_estimate.py` uses it to measure the wait estimate. Nothing here
writes a ticket directly: every visitor is issued, called, served, sent on or marked absent by
`okno.queueing.services`, with `now=` set to the simulated clock, so events, desk sessions and
pauses are exactly what real staff would leave behind.

The model, a discrete-event simulation drawn from one seed:

* **Arrivals** are a Poisson process whose rate follows the hour of the day as in a ЦНАП or a
  Polish urząd (`HOURLY_SHAPE`: a peak mid-morning, a dip at lunch, a second smaller peak after
  it), a little busier on Mondays and quieter on Fridays, with a day-to-day factor. Visitors
  arrive only while the office is open.
* **The service mix** follows the staffing: each operator's time is shared among the services
  they are qualified for in proportion to each group's popularity (`GROUP_POPULARITY`), and
  the office draws as many visitors for a service as that time can serve at `load` (default
  0.65 of the operators' time at their desks). An office staffs its windows by demand, so the
  mix is what its team is built for, and no service is offered that nobody at work delivers.
* **Service times** are lognormal with their mean at the service's typical handling time.
* **Visitors** walk to the window within a minute or two (slow ones get a repeated call); a
  few never come (repeated calls, then a no-show); a few are sent on to another service; a few
  cannot be served (outcome "cancelled"); some have a priority category or a booking.
* **Operators** are the office's employees with the operator role and competencies here,
  each at their usual service point when it is in this office (otherwise the lowest free one).
  They open their desks at opening time, call the next visitor a few seconds after becoming
  free, take short breaks and a staggered lunch (or the office's midday closure), and stay after
  closing until the visitors inside are served; whoever still waits `overtime_minutes` after
  closing is cancelled.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from okno.catalog.models import Office, Service, ServicePoint
from okno.core.calendar import WorkingCalendar
from okno.queueing import services
from okno.queueing.errors import NoShowTooEarly, QueueError
from okno.queueing.models import DeskSession, PauseReason, PriorityCategory, Ticket
from okno.staff.models import Employee, Role

State = Ticket.State
Outcome = Ticket.Outcome
Window = tuple[dt.datetime, dt.datetime]

#: Relative arrival rate by the office's local hour (a ЦНАП/urząd day: a peak at 9-11, a dip
#: at lunch, a second peak at 13-15, a quiet end). Hours not listed: 0.4.
HOURLY_SHAPE: dict[int, float] = {
    7: 0.5,
    8: 0.9,
    9: 1.25,
    10: 1.35,
    11: 1.2,
    12: 0.85,
    13: 1.0,
    14: 1.1,
    15: 0.9,
    16: 0.7,
    17: 0.55,
    18: 0.45,
}
#: Monday is the busiest day, Friday the quietest (Saturday openings are rare and calm).
WEEKDAY_FACTOR = {0: 1.12, 1: 1.0, 2: 1.0, 3: 0.96, 4: 0.88, 5: 0.8, 6: 0.8}
#: How often people come for each service group, relative to each other (unlisted: 1).
GROUP_POPULARITY: dict[str, float] = {
    "A": 3.0,  # identity documents
    "B": 2.0,  # residence registration
    "C": 1.0,  # civil status
    "D": 1.6,  # vehicles and driving
    "E": 0.5,  # business
    "F": 1.1,  # social support
    "G": 1.0,  # property and local taxes
}
#: A day without opening hours in live mode is simulated as if open this long.
DEMO_DAY = dt.timedelta(hours=8)


class SimulationError(Exception):
    """The simulation cannot run here (no operators, a live queue in the way, ...)."""


@dataclass(frozen=True)
class SimulationParams:
    load: float = 0.65
    no_show_rate: float = 0.04
    transfer_rate: float = 0.03
    cancel_rate: float = 0.02
    priority_rate: float = 0.06
    booking_rate: float = 0.08
    slow_walker_rate: float = 0.15
    service_sigma: float = 0.45
    breaks: int = 2
    break_minutes: float = 10
    lunch_minutes: float = 30
    overtime_minutes: float = 60
    day_factor_sigma: float = 0.07


@dataclass(frozen=True)
class SimAction:
    """One thing that happened, after it was applied through the services."""

    at: dt.datetime
    #: open, issue, call, recall, start, finish, no_show, transfer, pause, resume, close,
    #: cancel, or refused (a service function said no; `detail` says why)
    kind: str
    ticket: Ticket | None = None
    employee: Employee | None = None
    detail: str = ""


@dataclass
class SimOperator:
    employee: Employee
    point: ServicePoint
    services: list[Service]
    service_ids: frozenset[int] = frozenset()
    ticket: Ticket | None = None
    is_open: bool = False
    paused: bool = False
    closed: bool = False
    call_pending: bool = False
    pending_pause: tuple[str, float] | None = None

    def __post_init__(self) -> None:
        self.service_ids = frozenset(s.pk for s in self.services)

    def reset(self) -> None:
        """Start a day: not yet at the desk, nothing in hand."""
        self.ticket, self.pending_pause = None, None
        self.is_open = self.paused = self.closed = self.call_pending = False

    @property
    def free(self) -> bool:
        return self.is_open and not self.closed and not self.paused and self.ticket is None


@dataclass
class SimulationSummary:
    """What happened to the simulated visitors, read back from the database."""

    days: int = 0
    issued: int = 0
    served: int = 0
    no_show: int = 0
    transferred: int = 0
    cancelled: int = 0
    waiting: int = 0
    in_hand: int = 0
    waits: list[float] = field(default_factory=list)  # minutes, first call - waiting since
    service_times: list[float] = field(default_factory=list)  # minutes, served visits
    refused: int = 0

    @property
    def average_wait(self) -> float | None:
        return sum(self.waits) / len(self.waits) if self.waits else None

    @property
    def longest_wait(self) -> float | None:
        return max(self.waits) if self.waits else None

    @property
    def average_service(self) -> float | None:
        return sum(self.service_times) / len(self.service_times) if self.service_times else None

    def over(self, minutes: float) -> int:
        return sum(1 for wait in self.waits if wait > minutes)

    def add(self, other: SimulationSummary) -> None:
        counts = ("days", "issued", "served", "no_show", "transferred", "cancelled", "waiting")
        for name in (*counts, "in_hand", "refused"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.waits.extend(other.waits)
        self.service_times.extend(other.service_times)


@dataclass
class HistoryReport:
    office: Office
    simulated: list[dt.date] = field(default_factory=list)
    skipped: list[dt.date] = field(default_factory=list)  # already had tickets
    unstaffed: list[dt.date] = field(default_factory=list)  # all its operators were elsewhere
    refused: str = ""  # why the office was not simulated at all
    summary: SimulationSummary = field(default_factory=SimulationSummary)


# --- the engine ---------------------------------------------------------------------------------


class DaySimulation:
    """One simulated day (or the rest of one) at an office; `run()` yields what happens."""

    def __init__(
        self,
        office: Office,
        *,
        opening: list[Window],
        seed: int | str,
        params: SimulationParams | None = None,
        operators: list[SimOperator] | None = None,
        start: dt.datetime | None = None,
    ) -> None:
        if not opening:
            raise SimulationError(f"{office.slug}: no opening hours to simulate")
        self.office = office
        self.opening = sorted(opening)
        self.params = params or SimulationParams()
        self.seed = seed
        self.rules = services.queue_settings(office)
        if operators is None:
            operators, _busy = simulation_operators(office)
        if not operators:
            raise SimulationError(
                f"{office.slug}: no operator with competencies here is free to work"
            )
        self.operators = operators
        self.start = start
        self.closing = self.opening[-1][1]
        self.overtime_end = self.closing + dt.timedelta(minutes=self.params.overtime_minutes)
        self.clock = start or self.opening[0][0]
        self.ticket_ids: list[int] = []
        self.refused: list[str] = []
        self._desks = random.Random(f"{seed}:desks")
        self._heap: list[tuple[dt.datetime, int, str, tuple[Any, ...]]] = []
        self._seq = 0
        self._overtime_over = False
        self._last_error: QueueError | None = None
        self._waiting: Counter[int] = Counter()  # our waiting tickets by service id
        self._waiting_ids: set[int] = set()
        self._mix = _service_mix(self.operators)
        self._categories = list(
            PriorityCategory.objects.filter(office=office, is_active=True).order_by("order", "code")
        )

    # --- public --------------------------------------------------------------------------------

    def run(self, pace: Callable[[dt.datetime], None] | None = None) -> Iterator[SimAction]:
        """Apply the day's actions in time order, yielding each once it is done.

        `pace(at)` is called before each action (the live mode sleeps there to keep time)."""
        self._plan()
        while self._heap:
            at, _seq, kind, payload = heapq.heappop(self._heap)
            if pace is not None:
                pace(at)
            self.clock = at
            yield from getattr(self, f"_on_{kind}")(at, *payload)

    def stop(self, now: dt.datetime) -> list[SimAction]:
        """End early and cleanly: finish or cancel what is in hand, close every desk, and cancel
        the simulation's visitors still waiting. Reads the database, not the plan, because an
        interrupted action may have been rolled back."""
        self._heap.clear()
        actions: list[SimAction] = []
        for operator in self.operators:
            actions += self._send_home(operator, now)
        for ticket in Ticket.objects.filter(pk__in=self.ticket_ids, state=State.WAITING):
            actions += self._apply(
                "cancel", now, None, lambda ticket=ticket: services.cancel_ticket(ticket, now=now)
            )
        return actions

    def tickets(self) -> QuerySet[Ticket]:
        """Every ticket this simulation issued (transfer successors included)."""
        return Ticket.objects.filter(pk__in=self.ticket_ids)

    def summary(self) -> SimulationSummary:
        result = summarize(self.tickets())
        result.days = 1
        result.refused = len(self.refused)
        return result

    def waiting_count(self) -> int:
        return Ticket.objects.filter(pk__in=self.ticket_ids, state=State.WAITING).count()

    # --- planning ------------------------------------------------------------------------------

    def _plan(self) -> None:
        first_open = self.opening[0][0]
        for operator in self.operators:
            operator.reset()
            if self.start is not None:
                opens = self.start
            else:
                opens = first_open - dt.timedelta(minutes=self._desks.uniform(0, 5))
            self._push(opens, "open", operator)
        for at, service, priority, source in self._arrivals():
            self._push(at, "arrival", service, priority, source)
        self._plan_pauses()
        self._push(self.closing, "closing")
        self._push(self.overtime_end, "overtime")

    def _arrivals(self) -> list[tuple[dt.datetime, Service, str, str]]:
        """All of the day's visitors, drawn before the day starts (from their own stream, so
        what operators do never changes who comes)."""
        rng = random.Random(f"{self.seed}:arrivals")
        params = self.params
        zone = self.office.zone
        base_rate = sum(rate for _service, rate in self._mix) * params.load * self._availability()
        weekday = self.opening[0][0].astimezone(zone).weekday()
        factor = WEEKDAY_FACTOR[weekday] * rng.lognormvariate(0, params.day_factor_sigma)
        mean_shape = _mean_shape(self.opening, zone)
        peak = max(HOURLY_SHAPE.values())
        services_, weights = zip(*self._mix, strict=True)
        arrivals = []
        for begin, end in self.opening:
            if self.start is not None and end <= self.start:
                continue
            moment = max(begin, self.start) if self.start is not None else begin
            top_rate = base_rate * factor * peak / mean_shape / 60  # per minute
            while True:
                moment += dt.timedelta(minutes=rng.expovariate(top_rate))
                if moment >= end:
                    break
                shape = HOURLY_SHAPE.get(moment.astimezone(zone).hour, 0.4)
                if rng.random() >= shape / peak:
                    continue
                service = rng.choices(services_, weights)[0]
                priority = ""
                if self._categories and rng.random() < params.priority_rate:
                    priority = rng.choice(self._categories).code
                source = Ticket.Source.BOOKING if rng.random() < params.booking_rate else "kiosk"
                arrivals.append((moment, service, priority, str(source)))
        return arrivals

    def _availability(self) -> float:
        """The share of the day operators are at their desks, after lunch and breaks."""
        params = self.params
        span = (self.closing - (self.start or self.opening[0][0])).total_seconds() / 60
        if span <= 0:
            return 1.0
        away = params.breaks * params.break_minutes + 0.3 * 15
        if span >= 6 * 60:
            away += params.lunch_minutes
        return max(0.5, 1 - away / span)

    def _plan_pauses(self) -> None:
        rng, params = self._desks, self.params
        begin = self.start or self.opening[0][0]
        span = (self.closing - begin).total_seconds() / 60
        gaps = [
            (end, following)
            for (_b, end), (following, _e) in zip(self.opening, self.opening[1:], strict=False)
            if (following - end) >= dt.timedelta(minutes=20)
        ]
        count = len(self.operators)
        for index, operator in enumerate(self.operators):
            if gaps:  # the office closes at midday: everybody lunches then
                gap_start, gap_end = gaps[0]
                minutes = (gap_end - gap_start).total_seconds() / 60
                if gap_start > begin:
                    self._push(gap_start, "pause", operator, PauseReason.LUNCH, minutes)
            elif span >= 6 * 60:
                # Staggered so that the windows never all close at once.
                zone = self.office.zone
                day = self.closing.astimezone(zone).date()
                window_start = dt.datetime.combine(day, dt.time(11, 30), tzinfo=zone)
                room = 150 - params.lunch_minutes
                offset = room * index / max(count - 1, 1) + rng.uniform(-5, 5)
                lunch = window_start + dt.timedelta(minutes=max(0.0, offset))
                if begin < lunch < self.closing:
                    self._push(lunch, "pause", operator, PauseReason.LUNCH, params.lunch_minutes)
            if span > 90:
                for _ in range(params.breaks):
                    at = begin + dt.timedelta(minutes=rng.uniform(30, span - 30))
                    self._push(at, "pause", operator, PauseReason.BREAK, params.break_minutes)
                if rng.random() < 0.3:
                    at = begin + dt.timedelta(minutes=rng.uniform(30, span - 30))
                    self._push(at, "pause", operator, PauseReason.BACK_OFFICE, 15)

    # --- event handlers ------------------------------------------------------------------------

    def _on_open(self, at: dt.datetime, operator: SimOperator) -> Iterator[SimAction]:
        actions = self._apply(
            "open",
            at,
            operator,
            lambda: services.open_desk(operator.employee, operator.point, now=at),
        )
        if actions[-1].kind == "open":
            operator.is_open = True
            self._call_soon(operator, max(at, self.opening[0][0]), delay=False)
        else:
            operator.closed = True
        yield from actions

    def _on_arrival(
        self, at: dt.datetime, service: Service, priority: str, source: str
    ) -> Iterator[SimAction]:
        actions = self._apply(
            "issue",
            at,
            None,
            lambda: services.issue_ticket(
                self.office,
                service,
                priority=priority or None,
                source=source,
                now=at,
                check_hours=False,
            ),
        )
        if actions[-1].ticket is not None:
            self._track(actions[-1].ticket)
            self._wake(service.pk, at)
        yield from actions

    def _on_call(self, at: dt.datetime, operator: SimOperator) -> Iterator[SimAction]:
        operator.call_pending = False
        if not operator.is_open or operator.closed or operator.ticket is not None:
            return
        if operator.pending_pause is not None:
            yield from self._take_pause(at, operator)
            return
        if operator.paused:
            return
        if self._overtime_over:
            yield from self._close(at, operator)
            return
        actions: list[SimAction] = []
        if any(self._waiting[pk] for pk in operator.service_ids):
            actions = self._apply(
                "call",
                at,
                operator,
                lambda: services.call_next(operator.employee, service_point=operator.point, now=at),
            )
        called = actions[-1].ticket if actions else None
        if called is not None and called.pk in self._waiting_ids:
            self._waiting_ids.discard(called.pk)
            self._waiting[called.service_id] -= 1
        if called is None:
            yield from actions  # a refusal, if any
            if at >= self.closing:
                yield from self._close_or_wait(at, operator)
            return
        operator.ticket = called
        yield from actions
        rng = self._desks
        if rng.random() < self.params.no_show_rate:
            needed = min(max(self.rules.no_show_after_recalls, 1), 3)
            for n in range(1, needed + 1):
                self._push(at + dt.timedelta(minutes=n), "recall", operator, called)
            self._push(at + dt.timedelta(minutes=needed + 0.5), "no_show", operator, called)
            return
        if rng.random() < self.params.slow_walker_rate:
            self._push(at + dt.timedelta(minutes=1), "recall", operator, called)
            walk = rng.uniform(1.2, 2.5)
        else:
            walk = rng.uniform(0.3, 1.0)
        self._push(at + dt.timedelta(minutes=walk), "start", operator, called)

    def _on_recall(
        self, at: dt.datetime, operator: SimOperator, ticket: Ticket
    ) -> Iterator[SimAction]:
        yield from self._apply(
            "recall",
            at,
            operator,
            lambda: services.recall(ticket, employee=operator.employee, now=at),
        )

    def _on_start(
        self, at: dt.datetime, operator: SimOperator, ticket: Ticket
    ) -> Iterator[SimAction]:
        actions = self._apply(
            "start",
            at,
            operator,
            lambda: services.start_service(ticket, employee=operator.employee, now=at),
        )
        yield from actions
        if actions[-1].kind != "start":
            self._release(at, operator)
            return
        handling = ticket.service.handling_minutes
        sigma = self.params.service_sigma
        minutes = self._desks.lognormvariate(math.log(handling) - sigma**2 / 2, sigma)
        minutes = min(max(minutes, 1.0), 4 * handling)
        self._push(at + dt.timedelta(minutes=minutes), "finish", operator, ticket)

    def _on_finish(
        self, at: dt.datetime, operator: SimOperator, ticket: Ticket
    ) -> Iterator[SimAction]:
        rng, params = self._desks, self.params
        draw = rng.random()
        targets = [s for s, _rate in self._mix if s.pk != ticket.service_id]
        if draw < params.transfer_rate and targets:
            target = rng.choice(targets)
            actions = self._apply(
                "transfer",
                at,
                operator,
                lambda: services.transfer(
                    ticket, employee=operator.employee, service=target, now=at
                ),
            )
            yield from actions
            successor = actions[-1].ticket
            if successor is not None:
                self._track(successor)
                self._wake(target.pk, at)
        else:
            outcome = (
                Outcome.CANCELLED
                if draw < params.transfer_rate + params.cancel_rate
                else Outcome.SERVED
            )
            note = "documents missing" if outcome == Outcome.CANCELLED else ""
            yield from self._apply(
                "finish",
                at,
                operator,
                lambda: services.finish_visit(
                    ticket, employee=operator.employee, outcome=outcome, note=note, now=at
                ),
            )
        self._release(at, operator)

    def _on_no_show(
        self, at: dt.datetime, operator: SimOperator, ticket: Ticket
    ) -> Iterator[SimAction]:
        actions = self._apply(
            "no_show",
            at,
            operator,
            lambda: services.mark_no_show(ticket, employee=operator.employee, now=at),
        )
        if actions[-1].kind == "refused" and isinstance(self._last_error, NoShowTooEarly):
            self.refused.pop()  # the office's rule wants more minutes: wait for them
            later = (ticket.called_at or at) + dt.timedelta(
                minutes=self.rules.no_show_after_minutes
            )
            self._push(max(later, at + dt.timedelta(seconds=30)), "no_show", operator, ticket)
            return
        yield from actions
        self._release(at, operator)

    def _on_pause(
        self, at: dt.datetime, operator: SimOperator, reason: str, minutes: float
    ) -> Iterator[SimAction]:
        if not operator.is_open or operator.closed or at >= self.closing:
            return
        if operator.pending_pause is None or reason == PauseReason.LUNCH:
            operator.pending_pause = (reason, minutes)
        if operator.ticket is None and not operator.paused:
            yield from self._take_pause(at, operator)
        # else: after the visitor in hand, or once back from the current pause

    def _on_resume(self, at: dt.datetime, operator: SimOperator) -> Iterator[SimAction]:
        if not operator.paused or operator.closed:
            return
        actions = self._apply(
            "resume", at, operator, lambda: services.resume_desk(operator.employee, now=at)
        )
        operator.paused = False
        yield from actions
        self._call_soon(operator, at)

    def _on_closing(self, at: dt.datetime) -> Iterator[SimAction]:
        """Arrivals have stopped: idle operators with nothing left to do go home."""
        for operator in self.operators:
            if operator.free and not operator.call_pending:
                self._call_soon(operator, at, delay=False)
        yield from ()

    def _on_overtime(self, at: dt.datetime) -> Iterator[SimAction]:
        """Long after closing: nobody is called any more; whoever still waits is cancelled."""
        self._overtime_over = True
        for ticket in Ticket.objects.filter(pk__in=self.ticket_ids, state=State.WAITING):
            yield from self._apply(
                "cancel", at, None, lambda ticket=ticket: services.cancel_ticket(ticket, now=at)
            )
        for operator in self.operators:
            if operator.is_open and not operator.closed and operator.ticket is None:
                if operator.paused:
                    yield from self._on_resume(at, operator)
                yield from self._close(at, operator)

    # --- helpers -------------------------------------------------------------------------------

    def _apply(
        self, kind: str, at: dt.datetime, operator: SimOperator | None, action: Callable[[], Any]
    ) -> list[SimAction]:
        employee = operator.employee if operator else None
        try:
            result = action()
        except QueueError as error:
            self._last_error = error
            self.refused.append(f"{kind}: {error.message}")
            return [SimAction(at, "refused", employee=employee, detail=f"{kind}: {error.message}")]
        ticket = result if isinstance(result, Ticket) else None
        if kind == "call" and ticket is None:
            return []
        return [SimAction(at, kind, ticket=ticket, employee=employee)]

    def _track(self, ticket: Ticket) -> None:
        """Remember a new waiting ticket of ours. Operators only ask the database for the next
        visitor when one of ours waits for their services: an idle window polling after every
        arrival would cost more than the visit itself."""
        self.ticket_ids.append(ticket.pk)
        self._waiting_ids.add(ticket.pk)
        self._waiting[ticket.service_id] += 1

    def _push(self, at: dt.datetime, kind: str, *payload: Any) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (at, self._seq, kind, payload))

    def _call_soon(self, operator: SimOperator, at: dt.datetime, *, delay: bool = True) -> None:
        if operator.call_pending or operator.closed:
            return
        operator.call_pending = True
        seconds = self._desks.uniform(5, 25) if delay else 0
        self._push(at + dt.timedelta(seconds=seconds), "call", operator)

    def _wake(self, service_id: int, at: dt.datetime) -> None:
        for operator in self.operators:
            if operator.free and service_id in operator.service_ids:
                self._call_soon(operator, at)

    def _release(self, at: dt.datetime, operator: SimOperator) -> None:
        """The window is free again: a pause if one is due, else the next visitor shortly."""
        operator.ticket = None
        wrap_up = dt.timedelta(minutes=self._desks.uniform(0.2, 0.8))
        self._call_soon(operator, at + wrap_up, delay=False)

    def _take_pause(self, at: dt.datetime, operator: SimOperator) -> Iterator[SimAction]:
        reason, minutes = operator.pending_pause or (PauseReason.BREAK, 10)
        operator.pending_pause = None
        if at >= self.closing:  # no breaks in overtime: finish and go home
            self._call_soon(operator, at, delay=False)
            return
        actions = self._apply(
            "pause",
            at,
            operator,
            lambda: services.pause_desk(operator.employee, reason=reason, now=at),
        )
        yield from actions
        if actions[-1].kind == "pause":
            operator.paused = True
            self._push(at + dt.timedelta(minutes=minutes), "resume", operator)
        else:
            self._call_soon(operator, at)

    def _send_home(self, operator: SimOperator, now: dt.datetime) -> list[SimAction]:
        """Finish (or, if not yet at the window, cancel) the visitor in hand and close the desk."""
        actions: list[SimAction] = []
        employee = operator.employee
        held = Ticket.objects.filter(
            service_point=operator.point, state__in=[State.CALLED, State.SERVING]
        ).first()
        if held is not None and held.employee_id == employee.pk:
            if held.state == State.SERVING:
                actions += self._apply(
                    "finish",
                    now,
                    operator,
                    lambda: services.finish_visit(
                        held, employee=employee, note="simulation stopped", now=now
                    ),
                )
            else:
                actions += self._apply(
                    "cancel",
                    now,
                    operator,
                    lambda: services.cancel_ticket(held, employee=employee, now=now),
                )
        operator.ticket = None
        session = services.current_session(employee)
        if session is not None and session.service_point_id == operator.point.pk:
            actions += self._apply(
                "close", now, operator, lambda: services.close_desk(employee, now=now)
            )
        operator.closed = True
        return actions

    def _close_or_wait(self, at: dt.datetime, operator: SimOperator) -> Iterator[SimAction]:
        """After closing with nobody to call: go home, unless a colleague is still with a
        visitor who may be sent on to us."""
        if any(other.ticket is not None for other in self.operators if other is not operator):
            operator.call_pending = True
            self._push(at + dt.timedelta(minutes=2), "call", operator)
            return
        yield from self._close(at, operator)

    def _close(self, at: dt.datetime, operator: SimOperator) -> Iterator[SimAction]:
        if operator.closed or not operator.is_open:
            return
        operator.closed = True
        yield from self._apply(
            "close", at, operator, lambda: services.close_desk(operator.employee, now=at)
        )


# --- running days -------------------------------------------------------------------------------


def simulate_day(
    office: Office,
    day: dt.date,
    *,
    seed: int | str,
    params: SimulationParams | None = None,
    operators: list[SimOperator] | None = None,
) -> Iterator[SimAction]:
    """Simulate the office's opening hours on `day`, yielding every action once applied."""
    simulation = DaySimulation(
        office, opening=day_opening(office, day), seed=seed, params=params, operators=operators
    )
    yield from simulation.run()


def day_opening(office: Office, day: dt.date) -> list[Window]:
    """The office's opening intervals on `day` as aware datetimes (empty when closed)."""
    info = WorkingCalendar(office).day(day)
    zone = office.zone
    return [
        (
            dt.datetime.combine(day, opens, tzinfo=zone),
            dt.datetime.combine(day, closes, tzinfo=zone),
        )
        for opens, closes in info.intervals
    ]


def live_opening(
    office: Office, now: dt.datetime, *, until: dt.time | None = None
) -> tuple[list[Window], bool]:
    """The windows of arrivals for a live run starting `now`: the rest of today's opening
    hours (ending at `until` when given). When the office is closed for the rest of the day the
    run pretends it is open from now — for `DEMO_DAY`, or until `until` — and says so (True)."""
    zone = office.zone
    local = now.astimezone(zone)
    end_limit = None
    if until is not None:
        end_limit = dt.datetime.combine(local.date(), until, tzinfo=zone)
        if end_limit <= local:
            raise SimulationError(f"--until {until:%H:%M} has already passed in {office.slug}")
    windows = []
    for begin, end in day_opening(office, local.date()):
        if end_limit is not None:
            end = min(end, end_limit)
        if end > now and begin < end:
            windows.append((max(begin, now), end))
    if windows:
        return windows, False
    return [(now, end_limit or now + DEMO_DAY)], True


def simulate_history(
    offices: list[Office],
    *,
    days: int,
    seed: int | str,
    today: dt.date | None = None,
    params: SimulationParams | None = None,
    progress: Callable[[Office, dt.date, int, int], None] | None = None,
) -> list[HistoryReport]:
    """Write the `days` calendar days before today: each office's working days with opening
    hours, one transaction per office and day.

    Idempotent: an office's day that already has tickets is skipped. An office with visitors in
    its live queue is refused (`HistoryReport.refused`), because its simulated operators would
    call them. Days go in order and, within a day, remote workplaces first: an employee works at
    one office a day, so the staff a remote workplace borrows on its opening days are missing
    from their main office on those days (as is anyone with a desk session elsewhere that day).
    """
    reports = {office.pk: HistoryReport(office=office) for office in offices}
    plans: dict[int, tuple[list[SimOperator], list[dt.date], set[dt.date]]] = {}
    for office in offices:
        report = reports[office.pk]
        if Ticket.objects.filter(
            office=office, state__in=[State.WAITING, State.CALLED, State.SERVING]
        ).exists():
            report.refused = "visitors are in its live queue now; write history when it is empty"
            continue
        operators, _busy = simulation_operators(office)
        if not operators:
            report.refused = "no operator with competencies here is free to work"
            continue
        last = today or timezone.now().astimezone(office.zone).date()
        calendar = WorkingCalendar(office)
        candidates = [last - dt.timedelta(days=n) for n in range(days, 0, -1)]
        working = [
            d for d in candidates if calendar.is_working_day(d) and calendar.day(d).intervals
        ]
        existing = set(
            Ticket.objects.filter(office=office, service_day__in=working)
            .values_list("service_day", flat=True)
            .distinct()
        )
        plans[office.pk] = (operators, working, existing)
    order = sorted(
        (office for office in offices if office.pk in plans),
        key=lambda office: (office.kind != Office.Kind.REMOTE, office.slug),
    )
    schedule = sorted(
        {(day, position) for position, office in enumerate(order) for day in plans[office.pk][1]}
    )
    for index, (day, position) in enumerate(schedule, start=1):
        office = order[position]
        operators, _working, existing = plans[office.pk]
        report = reports[office.pk]
        if progress is not None:
            progress(office, day, index, len(schedule))
        if day in existing:
            report.skipped.append(day)
            continue
        elsewhere = _at_work_elsewhere(office, day)
        staff = [operator for operator in operators if operator.employee.pk not in elsewhere]
        if not staff:
            report.unstaffed.append(day)
            continue
        with transaction.atomic():
            simulation = DaySimulation(
                office,
                opening=day_opening(office, day),
                seed=f"{seed}:{office.slug}:{day.isoformat()}",
                params=params,
                operators=staff,
            )
            for _action in simulation.run():
                pass
        report.simulated.append(day)
        report.summary.add(simulation.summary())
    return [reports[office.pk] for office in offices]


def _at_work_elsewhere(office: Office, day: dt.date) -> set[int]:
    """Employees with a desk session opened on `day` (the office's local date) at another office."""
    zone = office.zone
    begin = dt.datetime.combine(day, dt.time(0), tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=zone)
    return set(
        DeskSession.objects.filter(opened_at__gte=begin, opened_at__lt=end)
        .exclude(service_point__office=office)
        .values_list("employee_id", flat=True)
    )


def run_live(
    office: Office,
    *,
    speed: float,
    seed: int | str,
    until: dt.time | None = None,
    params: SimulationParams | None = None,
    report: Callable[[str], None] = print,
    every: dt.timedelta = dt.timedelta(minutes=15),
) -> tuple[DaySimulation, bool]:
    """Run the rest of today at `speed` simulated seconds per real second, reporting a line every
    `every` of simulated time. Ctrl-C stops cleanly (see `DaySimulation.stop`). Returns the
    simulation and whether it was interrupted.

    The clock starts at the real now and every action carries the simulated time, so above
    speed 1 the records run ahead of the wall clock (after a real minute at speed 60, the office
    is an hour further into its day); pages that count minutes from "now" show those visitors
    as just arrived."""
    now = timezone.now()
    opening, pretend = live_opening(office, now, until=until)
    simulation = DaySimulation(office, opening=opening, seed=seed, params=params, start=now)
    zone = office.zone
    if pretend:
        report(
            f"{office.slug} is closed now; simulating as if it were open "
            f"until {opening[-1][1].astimezone(zone):%H:%M}."
        )
    started_real = time.monotonic()

    def pace(at: dt.datetime) -> None:
        delay = started_real + (at - now).total_seconds() / speed - time.monotonic()
        if delay > 0:
            time.sleep(delay)

    counts: dict[str, int] = {}
    next_report = now + every
    interrupted = False
    try:
        for action in simulation.run(pace):
            counts[action.kind] = counts.get(action.kind, 0) + 1
            if action.at >= next_report:
                next_report = action.at + every
                report(_progress_line(simulation, action.at, counts))
    except KeyboardInterrupt:
        interrupted = True
        stop_at = simulation.clock
        report(f"stopping at {stop_at.astimezone(zone):%H:%M}: closing the desks ...")
        simulation.stop(stop_at)
    return simulation, interrupted


# --- who works, and what they serve -------------------------------------------------------------


def simulation_operators(office: Office) -> tuple[list[SimOperator], list[Employee]]:
    """The office's operators with competencies here, each with a service point; and those left
    out because they already have a desk open (a person at work, or another simulation)."""
    offered = {
        s.pk: s
        for s in Service.objects.filter(offices=office, is_active=True, in_person=True)
        .select_related("group")
        .order_by("code")
    }
    employees = list(
        Employee.objects.filter(role=Role.OPERATOR, offices=office, user__is_active=True)
        .select_related("user", "home_service_point")
        .prefetch_related("competency_set")
        .order_by("user__username")
    )
    open_sessions = DeskSession.objects.filter(closed_at__isnull=True)
    busy_employees = set(open_sessions.values_list("employee_id", flat=True))
    taken = set(open_sessions.values_list("service_point_id", flat=True))
    points = list(ServicePoint.objects.filter(office=office, is_active=True).order_by("number"))
    chosen: list[tuple[Employee, list[Service], ServicePoint | None]] = []
    busy: list[Employee] = []
    for employee in employees:
        qualified = [
            offered[c.service_id] for c in employee.competency_set.all() if c.service_id in offered
        ]
        if not qualified:
            continue
        if employee.pk in busy_employees:
            busy.append(employee)
            continue
        home = employee.home_service_point
        if (
            home is not None
            and home.office_id == office.pk
            and home.is_active
            and home.pk not in taken
        ):
            taken.add(home.pk)
            chosen.append((employee, sorted(qualified, key=lambda s: s.code), home))
        else:
            chosen.append((employee, sorted(qualified, key=lambda s: s.code), None))
    operators = []
    for employee, qualified, point in chosen:
        if point is None:
            point = next((p for p in points if p.pk not in taken), None)
            if point is None:
                continue  # more operators than windows
            taken.add(point.pk)
        operators.append(SimOperator(employee=employee, point=point, services=qualified))
    return operators, busy


def _service_mix(operators: list[SimOperator]) -> list[tuple[Service, float]]:
    """Visitors per hour each service would bring if every operator worked all the time:
    each operator's hour shared among their services by group popularity."""
    rates: dict[int, float] = {}
    by_id: dict[int, Service] = {}
    for operator in operators:
        popularity = {s.pk: GROUP_POPULARITY.get(s.group.prefix, 1.0) for s in operator.services}
        # Within a group, the services share its popularity.
        group_sizes: dict[str, int] = {}
        for service in operator.services:
            group_sizes[service.group.prefix] = group_sizes.get(service.group.prefix, 0) + 1
        weights = {s.pk: popularity[s.pk] / group_sizes[s.group.prefix] for s in operator.services}
        total = sum(weights.values())
        for service in operator.services:
            share_minutes = 60 * weights[service.pk] / total
            rates[service.pk] = (
                rates.get(service.pk, 0.0) + share_minutes / service.handling_minutes
            )
            by_id[service.pk] = service
    return [(by_id[pk], rates[pk]) for pk in sorted(rates)]


def _mean_shape(opening: list[Window], zone: Any) -> float:
    minutes = 0
    total = 0.0
    for begin, end in opening:
        moment = begin
        while moment < end:
            total += HOURLY_SHAPE.get(moment.astimezone(zone).hour, 0.4)
            minutes += 1
            moment += dt.timedelta(minutes=1)
    return total / minutes if minutes else 1.0


def summarize(tickets: QuerySet[Ticket]) -> SimulationSummary:
    """Counts and times of a set of tickets, from the database."""
    summary = SimulationSummary()
    rows = tickets.values_list(
        "state",
        "outcome",
        "transferred_from",
        "waiting_since",
        "called_at",
        "started_at",
        "finished_at",
    )
    for state, outcome, predecessor, since, called, started, finished in rows:
        if predecessor is None:
            summary.issued += 1
            if called is not None:
                summary.waits.append((called - since).total_seconds() / 60)
        if state == State.WAITING:
            summary.waiting += 1
        elif state in (State.CALLED, State.SERVING):
            summary.in_hand += 1
        elif outcome == Outcome.SERVED:
            summary.served += 1
            if started is not None and finished is not None:
                summary.service_times.append((finished - started).total_seconds() / 60)
        elif outcome == Outcome.NO_SHOW:
            summary.no_show += 1
        elif outcome == Outcome.TRANSFERRED:
            summary.transferred += 1
        elif outcome == Outcome.CANCELLED:
            summary.cancelled += 1
    return summary


def _progress_line(simulation: DaySimulation, at: dt.datetime, counts: dict[str, int]) -> str:
    working = sum(1 for o in simulation.operators if o.is_open and not o.closed and not o.paused)
    busy = sum(1 for o in simulation.operators if o.ticket is not None)
    return (
        f"{at.astimezone(simulation.office.zone):%H:%M}  "
        f"issued {counts.get('issue', 0):>4}  waiting {simulation.waiting_count():>3}  "
        f"with a visitor {busy}/{working} desks  finished {counts.get('finish', 0):>4}  "
        f"no-shows {counts.get('no_show', 0)}  transfers {counts.get('transfer', 0)}"
    )
