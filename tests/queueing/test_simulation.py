"""The simulated day: consistent tickets through the real services, repeatable by seed, history
written once, and the `okno simulate` command."""

from __future__ import annotations

import datetime as dt
import itertools
import zoneinfo
from collections import Counter, defaultdict

import pytest

from okno import cli
from okno.catalog.models import Office
from okno.queueing import services
from okno.queueing.models import DeskPause, DeskSession, PriorityCategory, Ticket, TicketEvent
from okno.queueing.simulation import (
    DaySimulation,
    SimulationParams,
    day_opening,
    simulate_history,
    simulation_operators,
)
from okno.staff.models import Role
from tests.factories import (
    CompetencyFactory,
    EmployeeFactory,
    OfficeFactory,
    OpeningHoursFactory,
    ServiceFactory,
    ServicePointFactory,
)

KYIV = zoneinfo.ZoneInfo("Europe/Kyiv")
TUESDAY = dt.date(2026, 11, 24)
#: Busy enough to exercise every path in a short day: no-shows, transfers, priority, pauses.
LIVELY = SimulationParams(
    load=0.9, no_show_rate=0.2, transfer_rate=0.2, cancel_rate=0.05, priority_rate=0.3
)
#: A calm office, for tests about days rather than visitors.
QUIET = SimulationParams(load=0.25)


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=KYIV)


@pytest.fixture
def second_service(office_a):
    return ServiceFactory(offices=[office_a], handling_minutes=8)


@pytest.fixture
def team(office_a, operator, service_a, second_service):
    """Two operators of office A: Olena for both services, Petro (at window 2) for the first."""
    petro = EmployeeFactory(
        username="petro",
        role=Role.OPERATOR,
        offices=[office_a],
        home_service_point=office_a.service_points.get(number=2),
    )
    CompetencyFactory(employee=operator, service=service_a)
    CompetencyFactory(employee=operator, service=second_service)
    CompetencyFactory(employee=petro, service=service_a)
    PriorityCategory.objects.create(
        office=office_a, code="pregnancy", name={"en": "Pregnancy"}, weight_minutes=15
    )
    return [operator, petro]


def run_morning(office: Office, day: dt.date, seed: int | str) -> DaySimulation:
    simulation = DaySimulation(
        office, opening=[(local(day, 9), local(day, 12))], seed=seed, params=LIVELY
    )
    list(simulation.run())
    return simulation


def signature(simulation: DaySimulation) -> list[tuple]:
    """What happened, with times as minutes since the day's opening (so days compare)."""
    opening = simulation.opening[0][0]

    def minutes(moment: dt.datetime | None) -> float | None:
        return None if moment is None else round((moment - opening).total_seconds() / 60, 4)

    return [
        (
            t.label,
            t.service.code,
            t.source,
            t.priority.code if t.priority else "",
            minutes(t.issued_at),
            minutes(t.called_at),
            minutes(t.finished_at),
            t.outcome,
            t.employee.user.username if t.employee else "",
        )
        for t in simulation.tickets()
        .select_related("service", "priority", "employee__user")
        .order_by("issued_at", "label", "pk")
    ]


# --- one day ------------------------------------------------------------------------------------


def test_a_simulated_morning_leaves_consistent_tickets(office_a, team):
    simulation = run_morning(office_a, TUESDAY, seed=1)
    tickets = list(simulation.tickets())
    originals = [t for t in tickets if t.transferred_from_id is None]

    assert len(originals) >= 10
    assert simulation.refused == []  # the services never refused what the simulation did
    # Every visitor ends done: served, absent, sent on or cancelled.
    assert {t.state for t in tickets} == {Ticket.State.DONE}
    # Numbers are unique per letter (a successor shares its predecessor's).
    assert len({(t.prefix, t.number) for t in originals}) == len(originals)
    # Arrivals only while the office is open.
    assert all(local(TUESDAY, 9) <= t.issued_at < local(TUESDAY, 12) for t in originals)
    # Nobody has two visitors at once.
    by_employee = defaultdict(list)
    for t in tickets:
        if t.called_at is not None:
            by_employee[t.employee_id].append((t.called_at, t.finished_at))
    for visits in by_employee.values():
        visits.sort()
        for (_called, finished), (next_called, _next_finished) in itertools.pairwise(visits):
            assert finished <= next_called
    # The outcomes add up.
    summary = simulation.summary()
    outcomes = Counter(t.outcome for t in tickets)
    assert summary.served == outcomes["served"]
    assert summary.no_show == outcomes["no_show"]
    assert summary.transferred == outcomes["transferred"]
    assert summary.cancelled == outcomes["cancelled"]
    assert sum(outcomes.values()) == len(tickets)
    assert summary.issued == len(originals)
    assert len(summary.waits) == sum(1 for t in originals if t.called_at is not None)
    # Lively enough to have exercised the rarer paths.
    assert outcomes["no_show"] and outcomes["transferred"] and outcomes["served"]
    assert any(t.priority_id for t in originals)


def test_the_day_leaves_the_trail_real_staff_would(office_a, team):
    simulation = run_morning(office_a, TUESDAY, seed=2)

    sessions = DeskSession.objects.filter(service_point__office=office_a)
    assert sessions.count() == 2
    assert not sessions.filter(closed_at__isnull=True).exists()
    assert not DeskPause.objects.filter(ended_at__isnull=True).exists()
    served = simulation.tickets().filter(outcome=Ticket.Outcome.SERVED)
    for ticket in served:
        actions = list(ticket.events.values_list("action", flat=True))
        assert actions[0] == "issued" and actions[-1] == "finished"
        assert {"called", "started"} <= set(actions)
    no_show = simulation.tickets().filter(outcome=Ticket.Outcome.NO_SHOW).first()
    assert no_show.recall_count >= 1  # the office's rule: a repeated call before a no-show
    transferred = simulation.tickets().filter(outcome=Ticket.Outcome.TRANSFERRED).first()
    successor = Ticket.objects.get(transferred_from=transferred)
    assert (successor.label, successor.waiting_since) == (
        transferred.label,
        transferred.waiting_since,
    )


def test_operators_serve_only_what_they_are_qualified_for(office_a, team, second_service):
    simulation = run_morning(office_a, TUESDAY, seed=3)
    petro = team[1]
    served_by_petro = simulation.tickets().filter(employee=petro).values_list("service", flat=True)
    assert second_service.pk not in set(served_by_petro)
    operators, _busy = simulation_operators(office_a)
    assert [(o.employee.user.username, o.point.number) for o in operators] == [
        ("olena", 1),
        ("petro", 2),
    ]


def test_the_same_seed_gives_the_same_day_and_another_seed_another(office_a, team):
    first = signature(run_morning(office_a, TUESDAY, seed=7))
    week_later = signature(run_morning(office_a, TUESDAY + dt.timedelta(days=7), seed=7))
    other_seed = signature(run_morning(office_a, TUESDAY + dt.timedelta(days=14), seed=8))
    assert first == week_later
    assert first != other_seed


def test_stopping_early_sends_everyone_home_and_leaves_nobody_waiting(office_a, team):
    simulation = DaySimulation(
        office_a, opening=[(local(TUESDAY, 9), local(TUESDAY, 12))], seed=4, params=LIVELY
    )
    for action in simulation.run():
        if action.kind == "start" and simulation.waiting_count() >= 1:
            break
    simulation.stop(simulation.clock)

    assert not DeskSession.objects.filter(closed_at__isnull=True).exists()
    assert not Ticket.objects.exclude(state=Ticket.State.DONE).exists()
    assert simulation.summary().cancelled >= 1


def test_without_operators_the_simulation_refuses_clearly(office_a, service_a):
    from okno.queueing.simulation import SimulationError

    with pytest.raises(SimulationError, match="no operator"):
        DaySimulation(office_a, opening=day_opening(office_a, TUESDAY), seed=1)


# --- history ------------------------------------------------------------------------------------


def test_history_writes_each_working_day_once(office_a, team):
    monday = dt.date(2026, 11, 30)  # the five days before: Wed, Thu, Fri, Sat, Sun
    [report] = simulate_history([office_a], days=5, seed=1, today=monday, params=QUIET)

    working = [dt.date(2026, 11, 25), dt.date(2026, 11, 26), dt.date(2026, 11, 27)]
    assert report.simulated == working and report.skipped == [] and report.refused == ""
    days = set(Ticket.objects.values_list("service_day", flat=True))
    assert days == set(working)
    assert not Ticket.objects.exclude(state=Ticket.State.DONE).exists()
    for day in working:  # each operator opened a desk that day, within opening hours
        sessions = DeskSession.objects.filter(opened_at__date=day)
        assert sessions.count() == 2
        assert all(local(day, 7, 50) <= s.opened_at <= local(day, 8) for s in sessions)
    assert report.summary.issued == Ticket.objects.filter(transferred_from__isnull=True).count()
    tickets, events = Ticket.objects.count(), TicketEvent.objects.count()

    [again] = simulate_history([office_a], days=5, seed=1, today=monday, params=QUIET)
    assert again.simulated == [] and again.skipped == working
    assert (Ticket.objects.count(), TicketEvent.objects.count()) == (tickets, events)


def test_history_refuses_an_office_with_visitors_waiting_now(office_a, team, service_a):
    services.issue_ticket(office_a, service_a, check_hours=False)
    [report] = simulate_history([office_a], days=3, seed=1, today=dt.date(2026, 11, 27))
    assert "live queue" in report.refused and report.simulated == []
    assert Ticket.objects.count() == 1


def test_staff_borrowed_by_a_remote_workplace_miss_the_main_office_that_day(
    office_a, team, second_service
):
    remote = OfficeFactory(slug="village", kind=Office.Kind.REMOTE)
    OpeningHoursFactory(office=remote, weekday=1, opens=dt.time(9), closes=dt.time(13))
    ServicePointFactory(office=remote, number=1)
    for employee in team:
        employee.offices.add(remote)
    second_service.offices.add(remote)  # only Olena delivers it
    reports = simulate_history(
        [office_a, remote], days=1, seed=1, today=TUESDAY + dt.timedelta(1), params=QUIET
    )

    assert [r.simulated for r in reports] == [[TUESDAY], [TUESDAY]]
    at_remote = set(
        DeskSession.objects.filter(service_point__office=remote).values_list("employee", flat=True)
    )
    at_main = set(
        DeskSession.objects.filter(service_point__office=office_a).values_list(
            "employee", flat=True
        )
    )
    assert at_remote == {team[0].pk}  # Olena delivers the remote workplace's service
    assert at_main == {team[1].pk}


# --- the command --------------------------------------------------------------------------------


def test_okno_simulate_history_prints_a_summary_and_repeats_nothing(
    office_a, team, capsys, time_machine
):
    time_machine.move_to(local(dt.date(2026, 11, 25), 12), tick=False)  # a Wednesday
    args = ["simulate", "--history", "1", "--office", "kyiv-centre", "--seed", "5"]
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    assert "kyiv-centre: 1 days written" in out  # Tuesday
    issued = Ticket.objects.filter(transferred_from__isnull=True).count()
    assert f"tickets issued                 {issued:,}" in out

    assert cli.main(args) == 0
    assert "0 days written, 1 skipped" in capsys.readouterr().out
    assert Ticket.objects.filter(transferred_from__isnull=True).count() == issued


def test_okno_simulate_runs_the_rest_of_today_and_goes_home(office_a, team, capsys, time_machine):
    time_machine.move_to(local(TUESDAY, 9), tick=True)
    args = ["simulate", "--office", "kyiv-centre", "--speed", "100000", "--seed", "3"]
    assert cli.main([*args, "--until", "10:00"]) == 0
    out = capsys.readouterr().out
    assert "Simulating kyiv-centre" in out and "olena at service point 1" in out
    assert "The simulated day is over." in out and "tickets issued" in out
    assert Ticket.objects.exists()
    assert not Ticket.objects.exclude(state=Ticket.State.DONE).exists()
    assert not DeskSession.objects.filter(closed_at__isnull=True).exists()


@pytest.mark.parametrize(
    "args",
    [
        ["simulate", "--history", "0"],
        ["simulate", "--office", "kyiv-centre", "--until", "7pm"],
        ["simulate", "--office", "kyiv-centre", "--speed", "0"],
    ],
)
def test_okno_simulate_refuses_bad_arguments(office_a, args, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(args)
    assert exit_.value.code == 2
    assert "error" in capsys.readouterr().err


def test_okno_simulate_live_needs_an_office_it_knows(office_a, capsys):
    assert cli.main(["simulate"]) == 2
    assert cli.main(["simulate", "--office", "atlantis"]) == 1
    assert "no active office called 'atlantis'" in capsys.readouterr().err
