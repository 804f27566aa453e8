"""Call-next benchmark: 200 operators calling, starting and finishing at once on PostgreSQL.

    python -m benchmarks.queue [--operators 200] [--tickets 5000] [--connections 40]

PostgreSQL only (the skip-locked path is what is measured): DATABASE_URL names the server
(default postgres://postgres@127.0.0.1:5432/test); the benchmark creates its own database there,
`bench_queue` (`--pg-database bench_<name>`), dropped first if it exists and again at the end,
and never touches the database named in the URL.

One office with `--services` services in five groups, `--operators` operators (each qualified
for the services of three random groups, each at their own service point) and `--tickets`
waiting tickets issued through `issue_ticket`. Then two harnesses run the same work in the same
process, one after the other, on the same queue:

* **okno**: every operator is a thread looping `call_next` → `start_service` → `finish_visit`
  (the service functions the console and the API call) until nobody waits for them;
* **bare SQL**: the same threads run the minimal transaction instead — `SELECT … ORDER BY
  queue_key, issued_at, id LIMIT 1 FOR UPDATE SKIP LOCKED` + `UPDATE` to call, one `UPDATE`
  each to start and finish — on the same tickets, reset to waiting.

PostgreSQL allows 100 connections here and other work shares them, so the threads share a pool
of `--connections` connections (a thread holds one for one action, like a request in an app
server). Latency is measured while the connection is held (the database work plus Python) and
also including the wait for a pooled connection. Ratios okno / bare compare across machines;
milliseconds are for orientation only. A ticket called twice is a failure: the benchmark counts
double calls from the threads' own records and from the database's audit trail and exits
non-zero unless both are 0 and every ticket was served exactly once.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import platform
import random
import statistics
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from benchmarks._postgres import add_database_option, migrated_database, on_own_database
from benchmarks._report import percentile, say

GROUPS = ("QA", "QB", "QC", "QD", "QE")


@dataclass
class Run:
    label: str
    held: list[float] = field(default_factory=list)  # call-next seconds with a connection
    total: list[float] = field(default_factory=list)  # call-next seconds including pool wait
    called: list[int] = field(default_factory=list)  # ticket ids handed out, all threads
    served: int = 0
    wall: float = 0.0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, held: float, total: float, ticket_id: int | None) -> None:
        with self.lock:
            self.held.append(held)
            self.total.append(total)
            if ticket_id is not None:
                self.called.append(ticket_id)

    @property
    def double_calls(self) -> int:
        return sum(n - 1 for n in Counter(self.called).values() if n > 1)


def main(argv: Sequence[str] | None = None) -> int:
    options = _parser().parse_args(argv)
    return on_own_database(options.pg_database, lambda: _run(options))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.queue", description=__doc__)
    parser.add_argument("--operators", type=int, default=200, help="concurrent operators")
    parser.add_argument("--tickets", type=int, default=5000, help="waiting tickets to serve")
    parser.add_argument("--services", type=int, default=10, help="services (in 5 groups)")
    parser.add_argument(
        "--connections", type=int, default=40, help="database connections the threads share"
    )
    parser.add_argument("--seed", type=int, default=1)
    add_database_option(parser, "bench_queue")
    return parser


def _run(options: argparse.Namespace) -> int:
    migrated_database()
    from django.db import connection

    office, desks, tickets = _prepare(options)
    server_version = connection.pg_version

    okno = _run_okno(desks, options)
    _check_in_database(okno, tickets)
    _reset(tickets)
    bare = _run_bare(office, desks, options)
    _check_bare(bare, tickets)

    _print(okno, bare, options, server_version)
    failed = [run for run in (okno, bare) if run.errors or run.double_calls]
    for run in failed:
        for error in run.errors[:10]:
            print(f"FAILED ({run.label}): {error}")
        if run.double_calls:
            print(f"FAILED ({run.label}): {run.double_calls} tickets called twice")
    return 1 if failed else 0


# --- set-up -------------------------------------------------------------------------------------


@dataclass
class Desk:
    employee: object
    point: object
    service_ids: list[int]


def _prepare(options: argparse.Namespace) -> tuple[object, list[Desk], list[int]]:
    from django.conf import settings
    from django.db import transaction

    from okno.catalog.models import Office, Service, ServiceGroup, ServicePoint
    from okno.queueing import services
    from okno.staff.models import Role
    from okno.staff.services import create_employee, grant_competency

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    rng = random.Random(options.seed)
    say(f"creating an office, {options.operators} operators and {options.tickets} tickets …")
    with transaction.atomic():
        office = Office.objects.create(
            slug="bench",
            name={"en": "Benchmark centre"},
            country="UA",
            time_zone="Europe/Kyiv",
            default_language="uk",
        )
        groups = [
            ServiceGroup.objects.create(prefix=prefix, name={"en": prefix}, order=n)
            for n, prefix in enumerate(GROUPS)
        ]
        catalogue = []
        for n in range(options.services):
            service = Service.objects.create(
                code=f"Q{n:03d}",
                slug=f"bench-{n}",
                group=groups[n % len(groups)],
                name={"en": f"Service {n}"},
                term_unit=Service.TermUnit.ON_THE_SPOT,
                handling_minutes=10,
            )
            service.offices.add(office)
            catalogue.append(service)
        desks = []
        for n in range(options.operators):
            point = ServicePoint.objects.create(office=office, number=n + 1, label=str(n + 1))
            employee = create_employee(f"op{n:03d}", role=Role.OPERATOR, offices=[office])
            chosen = rng.sample(range(len(groups)), 3)
            qualified = [s for s in catalogue if groups.index(s.group) in chosen]
            for service in qualified:
                grant_competency(employee, service=service)
            services.open_desk(employee, point)
            desks.append(Desk(employee, point, [s.pk for s in qualified]))
        start = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=options.tickets)
        tickets = [
            services.issue_ticket(
                office,
                rng.choice(catalogue),
                now=start + dt.timedelta(seconds=n),
                check_hours=False,
            ).pk
            for n in range(options.tickets)
        ]
    return office, desks, tickets


# --- the okno harness ---------------------------------------------------------------------------


class FairPool:
    """A fixed set of connections handed out first come, first served.

    A plain queue is unfair under the GIL: the thread that gives a connection back usually takes
    it again before a waiting thread wakes, and some operators starve for seconds. Here a
    returned connection goes straight to the longest-waiting thread."""

    def __init__(self, items: list) -> None:
        self.items = list(items)
        self._free = list(items)
        self._waiters: deque[list] = deque()
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def connection(self) -> Iterator:
        item = self._acquire()
        try:
            yield item
        finally:
            self._release(item)

    def _acquire(self):
        with self._lock:
            if self._free and not self._waiters:
                return self._free.pop()
            slot = [None, threading.Event()]
            self._waiters.append(slot)
        slot[1].wait()
        return slot[0]

    def _release(self, item) -> None:
        with self._lock:
            if self._waiters:
                slot = self._waiters.popleft()
                slot[0] = item
                slot[1].set()
            else:
                self._free.append(item)


class DjangoPool(FairPool):
    """Django connections, each used by one thread at a time: `connections["default"]` of the
    thread holding one is that connection, so the service functions use it unchanged."""

    def __init__(self, size: int) -> None:
        from django.db import connections

        self._connections = connections
        wrappers = []
        for _ in range(size):
            wrapper = connections.create_connection("default")
            wrapper.inc_thread_sharing()
            wrappers.append(wrapper)
        super().__init__(wrappers)

    @contextlib.contextmanager
    def connection(self) -> Iterator:
        with super().connection() as wrapper:
            self._connections["default"] = wrapper
            yield wrapper

    def close(self) -> None:
        for wrapper in self.items:
            wrapper.close()


def _run_okno(desks: list[Desk], options: argparse.Namespace) -> Run:
    from okno.queueing import services

    run = Run("okno services")
    pool = DjangoPool(options.connections)

    def operator(desk: Desk) -> None:
        while True:
            began = time.perf_counter()
            with pool.connection():
                got = time.perf_counter()
                ticket = services.call_next(desk.employee, service_point=desk.point)
                done = time.perf_counter()
            run.record(done - got, done - began, ticket.pk if ticket else None)
            if ticket is None:
                return
            with pool.connection():
                services.start_service(ticket, employee=desk.employee)
            with pool.connection():
                services.finish_visit(ticket, employee=desk.employee)
            with run.lock:
                run.served += 1

    _threads(run, desks, operator)
    pool.close()
    return run


def _check_in_database(run: Run, tickets: list[int]) -> None:
    from django.db.models import Count

    from okno.queueing.models import Ticket, TicketEvent

    twice = (
        TicketEvent.objects.filter(action="called", ticket_id__in=tickets)
        .values("ticket")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    if twice:
        run.errors.append(f"{twice} tickets have two 'called' events in the audit trail")
    unserved = Ticket.objects.filter(pk__in=tickets).exclude(outcome="served").count()
    if unserved:
        run.errors.append(f"{unserved} tickets were not served")
    if run.served != len(tickets):
        run.errors.append(f"served {run.served} visits for {len(tickets)} tickets")


def _reset(tickets: list[int]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE queueing_ticket SET state = 'waiting', outcome = '', called_at = NULL, "
            "last_called_at = NULL, started_at = NULL, finished_at = NULL, "
            "service_point_id = NULL, employee_id = NULL, recall_count = 0, note = '' "
            "WHERE id = ANY(%s)",
            [tickets],
        )
    connection.close()


# --- the bare SQL harness -----------------------------------------------------------------------

CALL = """
SELECT id FROM queueing_ticket
WHERE office_id = %s AND state = 'waiting' AND service_id = ANY(%s)
ORDER BY queue_key, issued_at, id
LIMIT 1
FOR UPDATE SKIP LOCKED
"""
CLAIM = """
UPDATE queueing_ticket
SET state = 'called', called_at = now(), last_called_at = now(),
    service_point_id = %s, employee_id = %s
WHERE id = %s AND state = 'waiting'
"""
START = "UPDATE queueing_ticket SET state = 'serving', started_at = now() WHERE id = %s AND state = 'called'"
FINISH = (
    "UPDATE queueing_ticket SET state = 'done', outcome = 'served', finished_at = now() "
    "WHERE id = %s AND state = 'serving'"
)


def _run_bare(office, desks: list[Desk], options: argparse.Namespace) -> Run:
    import psycopg
    from django.db import connection

    settings = connection.settings_dict
    params = {
        "dbname": settings["NAME"],
        "user": settings["USER"],
        "password": settings["PASSWORD"],
        "host": settings["HOST"],
        "port": settings["PORT"],
    }
    pool = FairPool(
        [
            psycopg.connect(**{k: v for k, v in params.items() if v})
            for _ in range(options.connections)
        ]
    )
    pooled = pool.connection
    run = Run("bare SQL")

    def operator(desk: Desk) -> None:
        while True:
            began = time.perf_counter()
            with pooled() as raw:
                got = time.perf_counter()
                with raw.transaction():
                    row = raw.execute(CALL, (office.pk, desk.service_ids)).fetchone()
                    if row is not None:
                        claimed = raw.execute(
                            CLAIM, (desk.point.pk, desk.employee.pk, row[0])
                        ).rowcount
                        if claimed != 1:
                            run.errors.append(f"ticket {row[0]} locked but not claimed")
                done = time.perf_counter()
            run.record(done - got, done - began, row[0] if row else None)
            if row is None:
                return
            with pooled() as raw, raw.transaction():
                raw.execute(START, (row[0],))
            with pooled() as raw, raw.transaction():
                raw.execute(FINISH, (row[0],))
            with run.lock:
                run.served += 1

    _threads(run, desks, operator)
    for raw in pool.items:
        raw.close()
    return run


def _check_bare(run: Run, tickets: list[int]) -> None:
    from okno.queueing.models import Ticket

    unserved = Ticket.objects.filter(pk__in=tickets).exclude(outcome="served").count()
    if unserved:
        run.errors.append(f"{unserved} tickets were not served")
    if run.served != len(tickets):
        run.errors.append(f"served {run.served} visits for {len(tickets)} tickets")


# --- both ---------------------------------------------------------------------------------------


def _threads(run: Run, desks: list[Desk], work: Callable[[Desk], None]) -> None:
    """One thread per operator, released together; the wall time ends when the last is done."""
    gate = threading.Barrier(len(desks) + 1)

    def body(desk: Desk) -> None:
        gate.wait()
        try:
            work(desk)
        except Exception as error:  # reported, never hidden
            with run.lock:
                run.errors.append(f"{desk.employee}: {error!r}")

    threads = [threading.Thread(target=body, args=(desk,), daemon=True) for desk in desks]
    for thread in threads:
        thread.start()
    say(f"{run.label}: {len(desks)} operators start …")
    gate.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    run.wall = time.perf_counter() - began


def _print(okno: Run, bare: Run, options: argparse.Namespace, server_version: int) -> None:
    print(
        f"\nokno call-next benchmark — {options.operators} operators (threads) sharing "
        f"{options.connections} connections, {options.tickets} waiting tickets, "
        f"{options.services} services in {len(GROUPS)} groups"
    )
    print(
        f"machine: {os.cpu_count()} CPU cores, {platform.machine()}, Python "
        f"{platform.python_version()}, PostgreSQL {server_version // 10000}.{server_version % 100}"
        " on the same machine"
    )
    print(
        "call-next latency with a connection held (and including the wait for one); "
        "throughput = visits (call, start, finish) per second of wall time\n"
    )
    header = (
        f"{'harness':<16} {'calls':>6} {'p50 ms':>8} {'p99 ms':>8} {'p50 incl.':>10} "
        f"{'p99 incl.':>10} {'visits/s':>9} {'double calls':>13}"
    )
    print(header)
    print("-" * len(header))
    for run in (okno, bare):
        print(
            f"{run.label:<16} {len(run.held):>6} {percentile(run.held, 50) * 1e3:>8.1f} "
            f"{percentile(run.held, 99) * 1e3:>8.1f} {percentile(run.total, 50) * 1e3:>10.1f} "
            f"{percentile(run.total, 99) * 1e3:>10.1f} {run.served / run.wall:>9.0f} "
            f"{run.double_calls:>13}"
        )
    print("-" * len(header))

    def ratio(pick: Callable[[Run], float]) -> str:
        return f"{pick(okno) / pick(bare):.1f}×"

    print(
        f"{'okno / bare':<16} {'':>6} {ratio(lambda r: percentile(r.held, 50)):>8} "
        f"{ratio(lambda r: percentile(r.held, 99)):>8} "
        f"{ratio(lambda r: percentile(r.total, 50)):>10} "
        f"{ratio(lambda r: percentile(r.total, 99)):>10} "
        f"{okno.served / okno.wall / (bare.served / bare.wall):>8.2f}× {'':>13}"
    )
    print(
        f"\nwall time: okno {okno.wall:.1f} s, bare {bare.wall:.1f} s; "
        f"mean call-next (held): okno {statistics.fmean(okno.held) * 1e3:.1f} ms, "
        f"bare {statistics.fmean(bare.held) * 1e3:.1f} ms"
    )


if __name__ == "__main__":
    raise SystemExit(main())
