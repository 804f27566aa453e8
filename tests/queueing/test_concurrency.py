"""Many operators and kiosks at once: every ticket is called exactly once, numbers have no gaps.

The workloads run in real threads, each with its own database connection. On PostgreSQL they run
inside the test process against the test database (`transactional_db`: the threads must see
committed rows). SQLite's in-memory test database cannot be shared between connections, so the
SQLite variant runs the same workloads in a child process against a database file (a copy of the
migrated test database), with the settings okno uses in production (IMMEDIATE transactions,
WAL, a busy timeout).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Count

from okno.catalog.models import Office, Service
from okno.queueing import services
from okno.queueing.models import Ticket, TicketEvent, TicketSequence
from okno.staff.models import Employee

OPERATORS = 16
TICKETS = 200
KIOSKS = 16
START = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)  # 08:00 in Kyiv
JOIN_TIMEOUT = 60.0
REPO = Path(__file__).resolve().parents[2]

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="threads share nothing useful in SQLite's in-memory test database; "
    "the SQLite variant below runs these workloads on a database file in a child process",
)


# --- the workloads (also run by the SQLite child process) ----------------------------------------


def set_up_office(*, operators: int, tickets: int) -> dict:
    """An office with one service, `operators` qualified operators at open desks, and tickets."""
    from tests.factories import (
        CompetencyFactory,
        EmployeeFactory,
        OfficeFactory,
        ServiceFactory,
        ServicePointFactory,
    )

    office = OfficeFactory()
    service = ServiceFactory(offices=[office])
    operator_ids = []
    for number in range(1, operators + 1):
        operator = EmployeeFactory(offices=[office])
        CompetencyFactory(employee=operator, service=service)
        services.open_desk(operator, ServicePointFactory(office=office, number=number), now=START)
        operator_ids.append(operator.pk)
    for n in range(tickets):
        services.issue_ticket(
            office, service, now=START + dt.timedelta(seconds=n), check_hours=False
        )
    return {"office": office.pk, "service": service.pk, "operators": operator_ids}


def in_threads(work: Callable[[int], None], count: int) -> list[str]:
    """Runs work(0..count-1) in threads started together; returns the errors raised."""
    errors: list[str] = []
    barrier = threading.Barrier(count)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=JOIN_TIMEOUT)
            work(index)
        except BaseException as error:
            errors.append(f"{type(error).__name__}: {error}")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    stuck = sum(thread.is_alive() for thread in threads)
    if stuck:
        errors.append(f"{stuck} threads still running after {JOIN_TIMEOUT} s")
    return errors


def operators_drain_the_queue(operator_ids: list[int]) -> dict:
    """Each operator calls next, starts and finishes until nobody waits."""
    calls: list[list[int]] = [[] for _ in operator_ids]
    moment = START + dt.timedelta(hours=1)

    def work(index: int) -> None:
        operator = Employee.objects.get(pk=operator_ids[index])
        while (ticket := services.call_next(operator, now=moment)) is not None:
            calls[index].append(ticket.pk)
            services.start_service(ticket, employee=operator, now=moment)
            services.finish_visit(ticket, employee=operator, now=moment)

    errors = in_threads(work, len(operator_ids))
    return {"errors": errors, "calls": calls}


def kiosks_issue_tickets(office_id: int, service_id: int, *, kiosks: int, tickets: int) -> dict:
    """`kiosks` threads issue `tickets` tickets of one letter between them."""
    shares = [tickets // kiosks + (1 if i < tickets % kiosks else 0) for i in range(kiosks)]
    numbers: list[list[int]] = [[] for _ in range(kiosks)]

    def work(index: int) -> None:
        office = Office.objects.get(pk=office_id)
        service = Service.objects.select_related("group").get(pk=service_id)
        for _ in range(shares[index]):
            ticket = services.issue_ticket(office, service, now=START, check_hours=False)
            numbers[index].append(ticket.number)

    errors = in_threads(work, kiosks)
    return {"errors": errors, "numbers": numbers}


def called_per_ticket() -> dict[int, int]:
    rows = (
        TicketEvent.objects.filter(action=TicketEvent.Action.CALLED)
        .values("ticket")
        .annotate(n=Count("pk"))
    )
    return {row["ticket"]: row["n"] for row in rows}


# --- PostgreSQL, in this process -----------------------------------------------------------------


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_sixteen_operators_calling_at_once_call_every_ticket_exactly_once():
    world = set_up_office(operators=OPERATORS, tickets=TICKETS)

    result = operators_drain_the_queue(world["operators"])

    assert result["errors"] == []
    called = [pk for calls in result["calls"] for pk in calls]
    assert len(called) == len(set(called)) == TICKETS
    assert set(called_per_ticket().values()) == {1}
    assert len(called_per_ticket()) == TICKETS
    assert Ticket.objects.filter(state="done", outcome="served").count() == TICKETS
    for operator_id, calls in zip(world["operators"], result["calls"], strict=True):
        assert set(Ticket.objects.filter(pk__in=calls).values_list("employee_id", flat=True)) <= {
            operator_id
        }
    # The work was shared, not done by one operator while the others waited.
    assert sum(1 for calls in result["calls"] if calls) > 1


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_sixteen_kiosks_issuing_at_once_number_without_gaps_or_duplicates():
    world = set_up_office(operators=0, tickets=0)

    result = kiosks_issue_tickets(world["office"], world["service"], kiosks=KIOSKS, tickets=TICKETS)

    assert result["errors"] == []
    numbers = sorted(n for kiosk in result["numbers"] for n in kiosk)
    assert numbers == list(range(1, TICKETS + 1))
    assert sorted(Ticket.objects.values_list("number", flat=True)) == numbers
    assert TicketSequence.objects.get().last_number == TICKETS


# --- SQLite, on a database file in a child process -----------------------------------------------

CHILD = """
import json, sys
import django
django.setup()
from django.conf import settings
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
from tests.queueing import test_concurrency as workloads
world = workloads.set_up_office(operators=workloads.OPERATORS, tickets=workloads.TICKETS)
drained = workloads.operators_drain_the_queue(world["operators"])
per_ticket = workloads.called_per_ticket()
served = workloads.Ticket.objects.filter(state="done", outcome="served").count()
issued = workloads.kiosks_issue_tickets(
    world["office"], world["service"], kiosks=workloads.KIOSKS, tickets=workloads.TICKETS
)
json.dump({"drained": drained, "per_ticket": per_ticket, "served": served, "issued": issued},
          sys.stdout)
"""


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the PostgreSQL run has its own threaded tests above"
)
def test_on_a_sqlite_file_many_operators_and_kiosks_at_once_keep_the_queue_exact(
    tmp_path, django_db_setup, django_db_blocker
):
    database = tmp_path / "okno.sqlite3"
    with django_db_blocker.unblock():
        # The migrated test database, copied to a file (quicker than migrating a new one).
        connection.ensure_connection()
        with contextlib.closing(sqlite3.connect(database)) as copy:
            connection.connection.backup(copy)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "okno.settings",
        "DATABASE_URL": f"sqlite:///{database}",
        "OKNO_DATA_DIR": str(tmp_path),
        "REDIS_URL": "",
    }
    child = subprocess.run(
        [sys.executable, "-c", CHILD],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 0, child.stderr[-3000:]
    result = json.loads(child.stdout)

    assert result["drained"]["errors"] == []
    called = [pk for calls in result["drained"]["calls"] for pk in calls]
    assert len(called) == len(set(called)) == TICKETS
    assert len(result["per_ticket"]) == TICKETS
    assert set(result["per_ticket"].values()) == {1}
    assert result["served"] == TICKETS

    assert result["issued"]["errors"] == []
    numbers = sorted(n for kiosk in result["issued"]["numbers"] for n in kiosk)
    # The office's 200 waiting tickets took 1..200 at set-up; the kiosks continue without gaps.
    assert numbers == list(range(TICKETS + 1, 2 * TICKETS + 1))
