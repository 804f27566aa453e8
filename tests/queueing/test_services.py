"""The live queue's service functions: every ticket transition, desk sessions and issuing rules."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
from types import SimpleNamespace

import pytest
from django.utils import translation

from okno.catalog.models import CalendarException
from okno.core import pubsub
from okno.queueing import errors, selectors, services
from okno.queueing.models import (
    DeskPause,
    DeskSession,
    PriorityCategory,
    QueueSettings,
    Ticket,
    TicketEvent,
)
from tests.factories import (
    CalendarExceptionFactory,
    CompetencyFactory,
    EmployeeFactory,
    OfficeFactory,
    OpeningHoursFactory,
    ServiceFactory,
    ServicePointFactory,
)

NOON = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)  # a Tuesday, 12:00 in Kyiv (UTC+2)
MINUTE = dt.timedelta(minutes=1)

State = Ticket.State
Action = TicketEvent.Action


@pytest.fixture(autouse=True)
def _in_process_events(settings):
    """Events go through the in-process channel, so a test can subscribe to them."""
    settings.REDIS_URL = ""


@pytest.fixture
def desk(office_a, operator, service_a):
    """The operator works at window 4 of office A and may deliver service A."""
    point = ServicePointFactory(office=office_a, number=4)
    CompetencyFactory(employee=operator, service=service_a)
    services.open_desk(operator, point, now=NOON)
    return point


@pytest.fixture
def other_service(office_a):
    """A second service of office A, in its own group (its own letter)."""
    return ServiceFactory(code="A02", offices=[office_a])


class Listener:
    """Subscribes to topics in a background event loop, as an SSE view does, and keeps the events."""

    def __init__(self, *topics: str) -> None:
        self.topics = topics
        self.events: list[dict] = []
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=asyncio.run, args=(self._listen(),), daemon=True)

    def __enter__(self) -> Listener:
        self._thread.start()
        assert self._ready.wait(5), "the subscription did not start"
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(5)

    async def _listen(self) -> None:
        async with pubsub.subscribe(*self.topics) as subscription:
            self._ready.set()
            while not self._stop.is_set():
                event = await subscription.get(timeout=0.02)
                if event is not None:
                    self.events.append(event)

    def wait_for(self, count: int, timeout: float = 2.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while len(self.events) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return list(self.events)


def issue(office, service, *, at=NOON, **kwargs) -> Ticket:
    return services.issue_ticket(office, service, now=at, **kwargs)


def ticket_in_state(state: str, *, office, service, operator, at=NOON) -> Ticket:
    """A ticket brought to `state` at the operator's desk the regular way."""
    ticket = issue(office, service, at=at)
    if state == State.WAITING:
        return ticket
    assert services.call_next(operator, now=at + MINUTE) == ticket
    if state != State.CALLED:
        services.start_service(ticket, employee=operator, now=at + 2 * MINUTE)
    if state == State.DONE:
        services.finish_visit(ticket, employee=operator, now=at + 3 * MINUTE)
    ticket.refresh_from_db()
    assert ticket.state == state
    return ticket


def snapshot(ticket: Ticket) -> dict:
    return Ticket.objects.values().get(pk=ticket.pk)


# --- transitions ---------------------------------------------------------------------------------

#: How each action of TRANSITIONS (but "called", which picks its own ticket) is asked for.
ACTIONS = {
    Action.RECALLED: lambda ticket, ctx, at: services.recall(ticket, employee=ctx.operator, now=at),
    Action.STARTED: lambda ticket, ctx, at: services.start_service(
        ticket, employee=ctx.operator, now=at
    ),
    Action.FINISHED: lambda ticket, ctx, at: services.finish_visit(
        ticket, employee=ctx.operator, now=at
    ),
    Action.NO_SHOW: lambda ticket, ctx, at: services.mark_no_show(
        ticket, employee=ctx.operator, now=at
    ),
    Action.TRANSFERRED: lambda ticket, ctx, at: services.transfer(
        ticket, employee=ctx.operator, service=ctx.other_service, now=at
    ),
    Action.CANCELLED: lambda ticket, ctx, at: services.cancel_ticket(
        ticket, employee=ctx.operator, now=at
    ),
}

#: The field each action stamps with its time.
STAMPS = {
    Action.RECALLED: "last_called_at",
    Action.STARTED: "started_at",
    Action.FINISHED: "finished_at",
    Action.NO_SHOW: "finished_at",
    Action.TRANSFERRED: "finished_at",
    Action.CANCELLED: "finished_at",
}

OUTCOMES = {
    Action.FINISHED: Ticket.Outcome.SERVED,
    Action.NO_SHOW: Ticket.Outcome.NO_SHOW,
    Action.TRANSFERRED: Ticket.Outcome.TRANSFERRED,
    Action.CANCELLED: Ticket.Outcome.CANCELLED,
}

#: The rule from the issue: waiting -> called -> serving -> done; a call may be repeated; a
#: no-show only after a call; a transfer from the window; a cancel at any time before the end.
EXPECTED_TRANSITIONS = {
    Action.CALLED: ({State.WAITING}, State.CALLED),
    Action.RECALLED: ({State.CALLED}, State.CALLED),
    Action.STARTED: ({State.CALLED}, State.SERVING),
    Action.FINISHED: ({State.SERVING}, State.DONE),
    Action.NO_SHOW: ({State.CALLED}, State.DONE),
    Action.TRANSFERRED: ({State.CALLED, State.SERVING}, State.DONE),
    Action.CANCELLED: ({State.WAITING, State.CALLED, State.SERVING}, State.DONE),
}
LEGAL = [
    (action, state)
    for action in ACTIONS
    for state in State
    if state in EXPECTED_TRANSITIONS[action][0]
]
ILLEGAL = [
    (action, state)
    for action in ACTIONS
    for state in State
    if state not in EXPECTED_TRANSITIONS[action][0]
]


def test_the_transition_table_is_the_documented_one():
    assert {
        action: (set(sources), target) for action, (sources, target) in services.TRANSITIONS.items()
    } == EXPECTED_TRANSITIONS


@pytest.mark.parametrize(("action", "state"), ILLEGAL)
def test_an_illegal_transition_is_refused_and_changes_nothing(
    action,
    state,
    desk,
    operator,
    office_a,
    service_a,
    other_service,
    django_capture_on_commit_callbacks,
):
    ticket = ticket_in_state(state, office=office_a, service=service_a, operator=operator)
    before = snapshot(ticket)
    events_before = TicketEvent.objects.count()
    tickets_before = Ticket.objects.count()

    with (
        Listener(f"office:{office_a.pk}") as listener,
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(errors.TransitionNotAllowed),
    ):
        ACTIONS[action](
            ticket,
            SimpleNamespace(operator=operator, other_service=other_service),
            NOON + 30 * MINUTE,
        )

    assert snapshot(ticket) == before
    assert TicketEvent.objects.count() == events_before
    assert Ticket.objects.count() == tickets_before
    assert listener.wait_for(1, timeout=0.1) == []


@pytest.mark.parametrize(("action", "state"), LEGAL)
def test_a_legal_transition_stamps_the_time_records_who_and_where_and_publishes_after_commit(
    action,
    state,
    desk,
    operator,
    office_a,
    service_a,
    other_service,
    django_capture_on_commit_callbacks,
):
    ticket = ticket_in_state(state, office=office_a, service=service_a, operator=operator)
    moment = NOON + 30 * MINUTE  # late enough for a no-show

    with (
        Listener(f"office:{office_a.pk}") as office_events,
        Listener(f"ticket:{ticket.code}") as ticket_events,
    ):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            ACTIONS[action](
                ticket, SimpleNamespace(operator=operator, other_service=other_service), moment
            )
            assert office_events.wait_for(1, timeout=0.1) == []  # not before the commit
        # Transfers announce the closed ticket and its successor; the rest one event, two topics.
        assert len(callbacks) == (4 if action == Action.TRANSFERRED else 2)
        published = office_events.wait_for(1)
        assert ticket_events.wait_for(1)[0] == published[0]

    target = EXPECTED_TRANSITIONS[action][1]
    ticket.refresh_from_db()
    assert ticket.state == target
    assert getattr(ticket, STAMPS[action]) == moment
    if action in OUTCOMES:
        assert ticket.outcome == OUTCOMES[action]
    event = TicketEvent.objects.filter(ticket=ticket).latest("pk")
    # Who did it, when, and where: the window holding the ticket (none for a waiting ticket).
    expected_point = None if state == State.WAITING else desk
    assert (event.action, event.at, event.employee, event.service_point) == (
        action,
        moment,
        operator,
        expected_point,
    )
    assert published[0]["type"] == "ticket"
    assert published[0]["action"] == action
    assert published[0]["ticket"]["label"] == ticket.label
    assert published[0]["ticket"]["state"] == target


def test_calling_stamps_the_call_records_the_choice_and_publishes_after_commit(
    desk, operator, office_a, service_a, django_capture_on_commit_callbacks
):
    pregnancy = PriorityCategory.objects.create(
        office=office_a, code="pregnancy", name={"en": "pregnancy"}, weight_minutes=10
    )
    issued = issue(office_a, service_a, priority=pregnancy)
    moment = NOON + 6 * MINUTE

    with Listener(f"office:{office_a.pk}") as listener:
        with django_capture_on_commit_callbacks(execute=True):
            called = services.call_next(operator, now=moment)
            assert listener.wait_for(1, timeout=0.1) == []
        published = listener.wait_for(1)

    assert called == issued
    assert (called.state, called.called_at, called.last_called_at) == (State.CALLED, moment, moment)
    assert (called.service_point, called.employee) == (desk, operator)
    event = TicketEvent.objects.get(ticket=called, action=Action.CALLED)
    assert (event.at, event.employee, event.service_point) == (moment, operator, desk)
    # The console's "priority: pregnancy, waited 6 min".
    assert event.detail == {
        "priority": "pregnancy",
        "priority_weight_minutes": 10,
        "waited_seconds": 360,
    }
    assert published[0]["action"] == Action.CALLED
    assert published[0]["ticket"]["service_point"]["id"] == desk.pk


def test_issuing_records_the_source_and_publishes_after_commit(
    office_a, service_a, django_capture_on_commit_callbacks
):
    with Listener(f"office:{office_a.pk}") as listener:
        with django_capture_on_commit_callbacks(execute=True):
            ticket = issue(office_a, service_a, source="phone")
            assert listener.wait_for(1, timeout=0.1) == []
        published = listener.wait_for(1)
    event = TicketEvent.objects.get(ticket=ticket)
    assert (event.action, event.at, event.detail) == (Action.ISSUED, NOON, {"source": "phone"})
    assert published[0]["action"] == Action.ISSUED
    assert published[0]["ticket"]["state"] == State.WAITING


def test_recalling_counts_the_repeated_calls(desk, operator, office_a, service_a):
    ticket = ticket_in_state(State.CALLED, office=office_a, service=service_a, operator=operator)
    services.recall(ticket, employee=operator, now=NOON + 2 * MINUTE)
    services.recall(ticket, employee=operator, now=NOON + 3 * MINUTE)
    ticket.refresh_from_db()
    assert (ticket.recall_count, ticket.called_at, ticket.last_called_at) == (
        2,
        NOON + MINUTE,
        NOON + 3 * MINUTE,
    )


def test_an_operator_cannot_act_on_a_ticket_held_at_another_window(
    desk, operator, office_a, service_a
):
    colleague = EmployeeFactory(offices=[office_a])
    CompetencyFactory(employee=colleague, service=service_a)
    services.open_desk(colleague, ServicePointFactory(office=office_a, number=5), now=NOON)
    issue(office_a, service_a)
    theirs = services.call_next(colleague, now=NOON + MINUTE)

    with pytest.raises(errors.NotYourTicket):
        services.start_service(theirs, employee=operator, now=NOON + 2 * MINUTE)
    with pytest.raises(errors.NotYourTicket):
        services.recall(theirs, employee=operator, now=NOON + 2 * MINUTE)
    theirs.refresh_from_db()
    assert (theirs.state, theirs.recall_count) == (State.CALLED, 0)


def test_acting_without_an_open_desk_asks_to_open_one(office_a, service_a, operator):
    ticket = issue(office_a, service_a)
    with pytest.raises(errors.NotAtServicePoint):
        services.call_next(operator, now=NOON)
    with pytest.raises(errors.NotAtServicePoint):
        services.recall(ticket, employee=operator, now=NOON)


def test_call_next_says_nobody_waits_and_never_takes_a_ticket_twice(
    desk, operator, office_a, service_a
):
    assert services.call_next(operator, now=NOON) is None
    ticket = ticket_in_state(State.DONE, office=office_a, service=service_a, operator=operator)
    assert services.call_next(operator, now=NOON + 10 * MINUTE) is None
    assert TicketEvent.objects.filter(ticket=ticket, action=Action.CALLED).count() == 1


def test_call_next_refuses_while_a_ticket_is_in_hand(desk, operator, office_a, service_a):
    ticket_in_state(State.SERVING, office=office_a, service=service_a, operator=operator)
    waiting = issue(office_a, service_a, at=NOON + MINUTE)
    with pytest.raises(errors.TicketInHand):
        services.call_next(operator, now=NOON + 5 * MINUTE)
    waiting.refresh_from_db()
    assert waiting.state == State.WAITING


# --- desk sessions -------------------------------------------------------------------------------


def test_opening_the_same_desk_twice_keeps_one_session(office_a, operator):
    point = ServicePointFactory(office=office_a, number=4)
    first = services.open_desk(operator, point, now=NOON)
    again = services.open_desk(operator, point, now=NOON + MINUTE)
    assert again == first
    assert DeskSession.objects.filter(employee=operator).count() == 1


def test_two_employees_cannot_work_at_one_service_point(office_a, operator, head):
    point = ServicePointFactory(office=office_a, number=4)
    services.open_desk(operator, point, now=NOON)
    with pytest.raises(errors.ServicePointBusy):
        services.open_desk(head, point, now=NOON)
    assert services.current_session(head) is None


def test_one_employee_cannot_work_at_two_service_points(office_a, operator):
    first, second = (ServicePointFactory(office=office_a, number=n) for n in (4, 5))
    services.open_desk(operator, first, now=NOON)
    with pytest.raises(errors.AlreadyAtServicePoint):
        services.open_desk(operator, second, now=NOON)
    assert services.current_session(operator).service_point == first


def test_a_service_point_of_another_office_is_refused(operator, office_b):
    with pytest.raises(errors.NotYourOffice):
        services.open_desk(operator, office_b.service_points.get(), now=NOON)
    assert services.current_session(operator) is None


def test_an_inactive_service_point_cannot_be_opened(office_a, operator):
    point = ServicePointFactory(office=office_a, number=4, is_active=False)
    with pytest.raises(errors.ServicePointInactive):
        services.open_desk(operator, point, now=NOON)


def test_a_pause_needs_empty_hands_and_a_paused_desk_cannot_call(
    desk, operator, office_a, service_a
):
    ticket = ticket_in_state(State.CALLED, office=office_a, service=service_a, operator=operator)
    with pytest.raises(errors.TicketInHand):
        services.pause_desk(operator, reason="lunch", now=NOON + 2 * MINUTE)
    services.mark_no_show(ticket, employee=operator, now=NOON + 10 * MINUTE)
    issue(office_a, service_a, at=NOON + 11 * MINUTE)

    session = services.pause_desk(operator, reason="lunch", now=NOON + 12 * MINUTE)
    assert (session.paused_at, session.pause_reason) == (NOON + 12 * MINUTE, "lunch")
    with pytest.raises(errors.SessionPaused):
        services.call_next(operator, now=NOON + 13 * MINUTE)

    services.resume_desk(operator, now=NOON + 40 * MINUTE)
    assert services.call_next(operator, now=NOON + 41 * MINUTE) is not None


def test_pauses_are_kept_as_rows_with_their_reason_and_length(desk, operator):
    services.pause_desk(operator, reason="break", now=NOON + MINUTE)
    services.resume_desk(operator, now=NOON + 11 * MINUTE)
    services.pause_desk(operator, reason="back_office", now=NOON + 20 * MINUTE)
    # Changing the reason of a running pause ends the first one.
    services.pause_desk(operator, reason="consultation", now=NOON + 25 * MINUTE)
    session = services.close_desk(operator, now=NOON + 30 * MINUTE)

    rows = list(
        DeskPause.objects.filter(session=session).values_list("reason", "started_at", "ended_at")
    )
    assert rows == [
        ("break", NOON + MINUTE, NOON + 11 * MINUTE),
        ("back_office", NOON + 20 * MINUTE, NOON + 25 * MINUTE),
        ("consultation", NOON + 25 * MINUTE, NOON + 30 * MINUTE),
    ]
    assert (session.closed_at, session.paused_at, session.pause_reason) == (
        NOON + 30 * MINUTE,
        None,
        "",
    )


def test_a_desk_with_a_ticket_in_hand_cannot_be_closed(desk, operator, office_a, service_a):
    ticket_in_state(State.SERVING, office=office_a, service=service_a, operator=operator)
    with pytest.raises(errors.TicketInHand):
        services.close_desk(operator, now=NOON + 5 * MINUTE)
    assert services.current_session(operator).closed_at is None


def test_a_closed_desk_frees_the_point_for_a_colleague(desk, operator, head):
    services.close_desk(operator, now=NOON + MINUTE)
    assert services.open_desk(head, desk, now=NOON + 2 * MINUTE).employee == head
    with pytest.raises(errors.NotAtServicePoint):
        services.close_desk(operator, now=NOON + 3 * MINUTE)


# --- no-show -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("recalls", "minutes_after_call", "allowed"),
    [
        (0, 0, False),
        (0, 4.9, False),
        (0, 5, True),  # the minutes alone are enough
        (1, 1, False),
        (2, 1, True),  # the repeated calls alone are enough
        (3, 0.5, True),
    ],
)
def test_a_no_show_needs_enough_repeated_calls_or_minutes_since_the_call(
    recalls, minutes_after_call, allowed, desk, operator, office_a, service_a
):
    QueueSettings.objects.create(office=office_a, no_show_after_recalls=2, no_show_after_minutes=5)
    office_a.refresh_from_db()
    ticket = ticket_in_state(State.CALLED, office=office_a, service=service_a, operator=operator)
    called_at = NOON + MINUTE
    for _ in range(recalls):
        services.recall(ticket, employee=operator, now=called_at)
    moment = called_at + dt.timedelta(minutes=minutes_after_call)

    if allowed:
        services.mark_no_show(ticket, employee=operator, now=moment)
        ticket.refresh_from_db()
        assert (ticket.state, ticket.outcome) == (State.DONE, Ticket.Outcome.NO_SHOW)
    else:
        with pytest.raises(errors.NoShowTooEarly):
            services.mark_no_show(ticket, employee=operator, now=moment)
        ticket.refresh_from_db()
        assert ticket.state == State.CALLED


def test_without_settings_the_default_no_show_rule_is_one_recall_or_three_minutes(
    desk, operator, office_a, service_a
):
    ticket = ticket_in_state(State.CALLED, office=office_a, service=service_a, operator=operator)
    with pytest.raises(errors.NoShowTooEarly):
        services.mark_no_show(ticket, employee=operator, now=NOON + 3 * MINUTE)  # 2 min after
    services.recall(ticket, employee=operator, now=NOON + 3 * MINUTE)
    services.mark_no_show(ticket, employee=operator, now=NOON + 3 * MINUTE)
    ticket.refresh_from_db()
    assert ticket.outcome == Ticket.Outcome.NO_SHOW


# --- finishing -----------------------------------------------------------------------------------


def test_a_visit_may_finish_served_or_cancelled_with_a_note(desk, operator, office_a, service_a):
    ticket = ticket_in_state(State.SERVING, office=office_a, service=service_a, operator=operator)
    services.finish_visit(
        ticket,
        employee=operator,
        outcome="cancelled",
        note="  documents missing  ",
        now=NOON + 9 * MINUTE,
    )
    ticket.refresh_from_db()
    assert (ticket.outcome, ticket.note) == (Ticket.Outcome.CANCELLED, "documents missing")
    assert TicketEvent.objects.get(ticket=ticket, action=Action.FINISHED).detail == {
        "outcome": "cancelled"
    }


@pytest.mark.parametrize(
    ("outcome", "hint"),
    [("no_show", "did not come"), ("transferred", "transfer")],
)
def test_finishing_as_no_show_or_transferred_is_refused_with_a_hint(
    outcome, hint, desk, operator, office_a, service_a
):
    ticket = ticket_in_state(State.SERVING, office=office_a, service=service_a, operator=operator)
    with translation.override("en"), pytest.raises(errors.TransitionNotAllowed) as refused:
        services.finish_visit(ticket, employee=operator, outcome=outcome, now=NOON + 9 * MINUTE)
    assert hint in str(refused.value.message)
    ticket.refresh_from_db()
    assert ticket.state == State.SERVING


# --- transfer ------------------------------------------------------------------------------------


def test_a_transferred_ticket_keeps_number_code_priority_and_waiting_time(
    desk, operator, office_a, service_a, other_service
):
    elderly = PriorityCategory.objects.create(
        office=office_a, code="elderly", name={"en": "elderly"}, weight_minutes=15
    )
    ticket = issue(office_a, service_a, priority=elderly)
    services.call_next(operator, now=NOON + 5 * MINUTE)
    services.start_service(ticket, employee=operator, now=NOON + 6 * MINUTE)
    successor = services.transfer(
        ticket, employee=operator, service=other_service, note="needs A02", now=NOON + 9 * MINUTE
    )

    ticket.refresh_from_db()
    assert (ticket.state, ticket.outcome, ticket.finished_at, ticket.note) == (
        State.DONE,
        Ticket.Outcome.TRANSFERRED,
        NOON + 9 * MINUTE,
        "needs A02",
    )
    assert successor.transferred_from == ticket
    assert (successor.service, successor.state) == (other_service, State.WAITING)
    assert (successor.label, successor.number, successor.code) == (
        ticket.label,
        ticket.number,
        ticket.code,
    )
    assert (successor.priority, successor.priority_weight) == (elderly, 15)
    assert successor.waiting_since == NOON
    assert successor.queue_key == NOON - 15 * MINUTE
    assert successor.issued_at == NOON + 9 * MINUTE
    assert selectors.ticket_by_code(ticket.code) == successor


def test_a_transferred_visitor_is_called_before_those_who_came_later_for_the_new_service(
    desk, operator, office_a, service_a, other_service
):
    later = [issue(office_a, other_service, at=NOON + n * MINUTE) for n in (1, 2)]
    earlier = issue(office_a, other_service, at=NOON - MINUTE)
    ticket = issue(office_a, service_a, at=NOON)
    services.call_next(operator, now=NOON + 5 * MINUTE)
    successor = services.transfer(
        ticket, employee=operator, service=other_service, now=NOON + 9 * MINUTE
    )

    colleague = EmployeeFactory(offices=[office_a])
    CompetencyFactory(employee=colleague, service=other_service)
    services.open_desk(colleague, ServicePointFactory(office=office_a, number=6), now=NOON)
    order = []
    for minute in range(10, 14):
        called = services.call_next(colleague, now=NOON + minute * MINUTE)
        order.append(called)
        services.start_service(called, employee=colleague, now=NOON + minute * MINUTE)
        services.finish_visit(called, employee=colleague, now=NOON + minute * MINUTE)
    # Placed by its original waiting time: after the one who came earlier, before the later ones.
    assert order == [earlier, successor, *later]


def test_a_transfer_goes_to_the_new_group_for_counts_and_position(
    desk, operator, office_a, service_a, other_service
):
    ahead_in_new_group = issue(office_a, other_service, at=NOON - 2 * MINUTE)
    ticket = issue(office_a, service_a, at=NOON - MINUTE)
    services.call_next(operator, now=NOON + 5 * MINUTE)
    successor = services.transfer(
        ticket, employee=operator, service=other_service, now=NOON + 9 * MINUTE
    )

    waiting = {c.group.prefix: c.waiting for c in selectors.group_counts(office_a)}
    assert waiting == {service_a.group.prefix: 0, other_service.group.prefix: 2}
    assert selectors.people_ahead(successor) == 1
    assert selectors.people_ahead(ahead_in_new_group) == 0


def test_a_ticket_cannot_be_transferred_to_its_own_service(desk, operator, office_a, service_a):
    ticket = ticket_in_state(State.CALLED, office=office_a, service=service_a, operator=operator)
    with pytest.raises(errors.TransitionNotAllowed):
        services.transfer(ticket, employee=operator, service=service_a, now=NOON + 5 * MINUTE)
    assert Ticket.objects.count() == 1
    ticket.refresh_from_db()
    assert ticket.state == State.CALLED


@pytest.mark.parametrize("why", ["other office", "inactive", "not in person"])
def test_a_ticket_cannot_be_transferred_to_a_service_not_offered_here(
    why, desk, operator, office_a, office_b, service_a
):
    target = {
        "other office": lambda: ServiceFactory(offices=[office_b]),
        "inactive": lambda: ServiceFactory(offices=[office_a], is_active=False),
        "not in person": lambda: ServiceFactory(
            offices=[office_a], in_person=False, online=True, bookable=False
        ),
    }[why]()
    ticket = ticket_in_state(State.CALLED, office=office_a, service=service_a, operator=operator)
    with pytest.raises(errors.ServiceNotOffered):
        services.transfer(ticket, employee=operator, service=target, now=NOON + 5 * MINUTE)
    assert Ticket.objects.count() == 1


# --- cancelling ----------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [State.WAITING, State.CALLED, State.SERVING])
def test_a_ticket_can_be_cancelled_until_it_is_done(state, desk, operator, office_a, service_a):
    ticket = ticket_in_state(state, office=office_a, service=service_a, operator=operator)
    services.cancel_ticket(ticket, now=NOON + 20 * MINUTE)  # the visitor, from their phone
    ticket.refresh_from_db()
    assert (ticket.state, ticket.outcome, ticket.finished_at) == (
        State.DONE,
        Ticket.Outcome.CANCELLED,
        NOON + 20 * MINUTE,
    )
    assert TicketEvent.objects.filter(ticket=ticket).latest("pk").employee is None
    # The window is free again.
    assert selectors.ticket_in_hand(desk) is None


def test_a_cancelled_ticket_cannot_be_cancelled_again(office_a, service_a):
    ticket = issue(office_a, service_a)
    services.cancel_ticket(ticket, now=NOON + MINUTE)
    with pytest.raises(errors.TransitionNotAllowed):
        services.cancel_ticket(ticket, now=NOON + 2 * MINUTE)
    assert TicketEvent.objects.filter(ticket=ticket, action=Action.CANCELLED).count() == 1


# --- issuing -------------------------------------------------------------------------------------


def test_a_ticket_is_waiting_with_a_secret_code_and_its_letter(office_a, service_a):
    ticket = issue(office_a, service_a, source="kiosk")
    assert ticket.state == State.WAITING
    assert ticket.label == f"{service_a.group.prefix}001"
    assert (ticket.issued_at, ticket.waiting_since, ticket.queue_key) == (NOON, NOON, NOON)
    assert len(ticket.code) == services.CODE_LENGTH
    assert set(ticket.code) <= set(services.CODE_ALPHABET)
    assert issue(office_a, service_a).code != ticket.code


def test_a_priority_moves_the_place_in_the_queue_by_its_head_start(office_a, service_a):
    PriorityCategory.objects.create(
        office=office_a, code="disability", name={"en": "disability"}, weight_minutes=20
    )
    ticket = issue(office_a, service_a, priority="disability")
    assert (ticket.priority.code, ticket.priority_weight) == ("disability", 20)
    assert ticket.queue_key == NOON - 20 * MINUTE


@pytest.mark.parametrize("why", ["other office", "inactive", "not in person"])
def test_a_ticket_is_refused_for_a_service_not_offered_in_person_here(
    why, office_a, office_b, service_b
):
    service = {
        "other office": lambda: service_b,
        "inactive": lambda: ServiceFactory(offices=[office_a], is_active=False),
        "not in person": lambda: ServiceFactory(
            offices=[office_a], in_person=False, online=True, bookable=False
        ),
    }[why]()
    with pytest.raises(errors.ServiceNotOffered):
        issue(office_a, service)
    assert not Ticket.objects.exists()


def test_an_inactive_office_issues_no_tickets(office_a, service_a):
    office_a.is_active = False
    office_a.save()
    with pytest.raises(errors.ServiceNotOffered):
        issue(office_a, service_a)


@pytest.mark.parametrize("why", ["other office", "inactive", "unknown code"])
def test_a_priority_must_be_an_active_category_of_this_office(why, office_a, office_b, service_a):
    theirs = PriorityCategory.objects.create(office=office_b, code="elderly", name={"en": "e"})
    retired = PriorityCategory.objects.create(
        office=office_a, code="veterans", name={"en": "v"}, is_active=False
    )
    priority = {"other office": theirs, "inactive": retired, "unknown code": "nobody"}[why]
    with pytest.raises(errors.UnknownPriority):
        issue(office_a, service_a, priority=priority)
    with pytest.raises(errors.UnknownPriority):
        issue(office_a, service_a, priority=getattr(priority, "code", priority))
    assert not Ticket.objects.exists()


@pytest.fixture
def office_with_a_lunch_break(db):
    """Open Monday 08:00-12:00 and 13:00-17:00 (Kyiv), closed on 2026-11-30 (a Monday)."""
    office = OfficeFactory()
    OpeningHoursFactory(office=office, weekday=0, opens=dt.time(8), closes=dt.time(12))
    OpeningHoursFactory(office=office, weekday=0, opens=dt.time(13), closes=dt.time(17))
    CalendarExceptionFactory(office=office, date=dt.date(2026, 11, 30))
    return office


MONDAY = dt.date(2026, 11, 23)


def kyiv(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(
        day, dt.time(hour, minute), tzinfo=dt.timezone(dt.timedelta(hours=2))
    )


@pytest.mark.parametrize(
    ("moment", "open_"),
    [
        (kyiv(MONDAY, 8), True),
        (kyiv(MONDAY, 7, 59), False),
        (kyiv(MONDAY, 12, 30), False),  # lunch
        (kyiv(MONDAY, 16, 59), True),
        (kyiv(MONDAY, 17), False),
        (kyiv(MONDAY + dt.timedelta(days=1), 10), False),  # no hours on Tuesday
        (kyiv(dt.date(2026, 11, 30), 10), False),  # a Monday the office closed
    ],
)
def test_tickets_are_issued_only_while_the_office_is_open(moment, open_, office_with_a_lunch_break):
    office = office_with_a_lunch_break
    service = ServiceFactory(offices=[office])
    if open_:
        assert issue(office, service, at=moment).state == State.WAITING
    else:
        with pytest.raises(errors.OfficeClosed):
            issue(office, service, at=moment)
        assert not Ticket.objects.exists()
        QueueSettings.objects.create(office=office, issue_outside_hours=True)
        office.refresh_from_db()
        assert issue(office, service, at=moment).state == State.WAITING
    assert CalendarException.objects.filter(office=office).count() == 1


def test_staff_may_issue_outside_hours_when_they_skip_the_check(office_a, service_a):
    evening = kyiv(NOON.date(), 20)
    with pytest.raises(errors.OfficeClosed):
        issue(office_a, service_a, at=evening)
    assert issue(office_a, service_a, at=evening, check_hours=False, source="staff").number == 1


# --- numbering -----------------------------------------------------------------------------------


def test_numbers_count_per_letter_across_the_services_of_a_group(office_a, service_a):
    same_group = ServiceFactory(group=service_a.group, offices=[office_a])
    other_group = ServiceFactory(offices=[office_a])
    labels = [
        issue(office_a, service).label
        for service in (service_a, same_group, other_group, service_a)
    ]
    a, b = service_a.group.prefix, other_group.group.prefix
    assert labels == [f"{a}001", f"{a}002", f"{b}001", f"{a}003"]


def test_numbers_count_per_office(office_a, office_b, service_a):
    service_a.offices.add(office_b)
    assert [issue(office_a, service_a).number for _ in range(2)] == [1, 2]
    assert issue(office_b, service_a, at=NOON + 2 * dt.timedelta(hours=1)).number == 1


def test_numbers_start_again_at_the_offices_local_midnight(office_a, service_a):
    late_evening = dt.datetime(2026, 11, 24, 21, 30, tzinfo=dt.UTC)  # 23:30 in Kyiv
    after_midnight = dt.datetime(2026, 11, 24, 23, 30, tzinfo=dt.UTC)  # 01:30 on the 25th in Kyiv
    first = issue(office_a, service_a, at=late_evening, check_hours=False)
    second = issue(office_a, service_a, at=late_evening + MINUTE, check_hours=False)
    next_day = issue(office_a, service_a, at=after_midnight, check_hours=False)
    assert [(t.number, t.service_day) for t in (first, second, next_day)] == [
        (1, dt.date(2026, 11, 24)),
        (2, dt.date(2026, 11, 24)),
        (1, dt.date(2026, 11, 25)),
    ]
    assert next_day.label.endswith("001")


def test_a_warsaw_office_counts_days_in_warsaw_time(service_a):
    office = OfficeFactory(pl=True)
    service_a.offices.add(office)
    before = issue(
        office, service_a, at=dt.datetime(2026, 11, 24, 22, 59, tzinfo=dt.UTC), check_hours=False
    )
    after = issue(
        office, service_a, at=dt.datetime(2026, 11, 24, 23, 0, tzinfo=dt.UTC), check_hours=False
    )
    assert (before.service_day, after.service_day, after.number) == (
        dt.date(2026, 11, 24),
        dt.date(2026, 11, 25),
        1,
    )


def test_numbering_is_not_confused_by_transfers(desk, operator, office_a, service_a, other_service):
    ticket = issue(office_a, service_a)
    services.call_next(operator, now=NOON + MINUTE)
    services.transfer(ticket, employee=operator, service=other_service, now=NOON + 2 * MINUTE)
    assert issue(office_a, service_a, at=NOON + 3 * MINUTE).number == 2
    assert issue(office_a, other_service, at=NOON + 3 * MINUTE).number == 1
    assert Ticket.objects.count() == 4


@pytest.mark.parametrize(
    ("call", "kwargs"),
    [
        ("issue", {"source": "fax"}),
        ("pause", {"reason": "nap"}),
        ("finish", {"outcome": "teleported"}),
    ],
)
def test_a_value_outside_the_choices_is_a_queue_error_not_a_crash(
    call, kwargs, office_a, service_a, operator
):
    from okno.queueing import errors as queue_errors

    with pytest.raises(queue_errors.InvalidChoice):
        if call == "issue":
            services.issue_ticket(office_a, service_a, check_hours=False, **kwargs)
        elif call == "pause":
            services.pause_desk(operator, **kwargs)
        else:
            ticket = services.issue_ticket(office_a, service_a, check_hours=False)
            services.finish_visit(ticket, employee=operator, **kwargs)
