"""Booking benchmark: 1,000 people grabbing 50 free places at once on PostgreSQL.

    python -m benchmarks.booking [--attempts 1000] [--places 50] [--threads 24]

PostgreSQL only (the race is what is measured): DATABASE_URL names the server (default
postgres://postgres@127.0.0.1:5432/test); the benchmark creates its own database there,
`bench_booking` (`--pg-database bench_<name>`), dropped first if it exists and again at the end,
and never touches the database named in the URL.

One office open every day, one service of 15 minutes, one qualified operator on shift from
08:00 for `--places` slots: each slot takes one visitor, and the whole of each hour is open to
online booking, so the hour budgets (60 minutes, four slots) never bind before the slots do —
`--places` free places in all. Each of `--attempts` attempts picks one of those slots at random
(a person who saw it free a moment ago), and a pool of `--threads` threads, released together,
runs them. Two harnesses do the same attempts, in the same order, with the same threads, one
after the other:

* **okno**: `hold_slot`, what `POST /bookings` and the booking page call: the slot checked
  against the office's schedule (cached between calls) with its bookings and hour budget read,
  abandoned holds released when it looks full, then in one transaction the slot's conditional
  `UPDATE`, the hour budget's, the booking row and its audit event;
* **bare SQL**: one statement on a plain table of `--places` rows —
  `UPDATE … SET booked = booked + 1 WHERE id = %s AND booked < capacity RETURNING id`.

Each thread has its own connection in both, opened before the start (24 by default; the server
allows 100 and others share it). Printed: attempts per second of wall time and per-attempt p50/p99 for both, and okno /
bare as ratios — the ratios compare across machines, milliseconds are for orientation only. The
run fails (exit 1) unless each harness booked exactly `--places` places, okno raised nothing but
`SlotTaken`, and the database agrees: `--places` held bookings, every slot at its capacity.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from benchmarks._postgres import on_own_database
from benchmarks._report import percentile, say

SLOT_MINUTES = 15
OPENS = dt.time(8, 0)

BARE_TABLE = """
CREATE TABLE bench_slot (
    id integer PRIMARY KEY,
    capacity integer NOT NULL,
    booked integer NOT NULL DEFAULT 0 CHECK (booked <= capacity)
)
"""
BARE_TAKE = (
    "UPDATE bench_slot SET booked = booked + 1 WHERE id = %s AND booked < capacity RETURNING id"
)


@dataclass
class Run:
    label: str
    seconds: list[float] = field(default_factory=list)
    outcomes: Counter = field(default_factory=Counter)
    wall: float = 0.0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, seconds: float, outcome: str) -> None:
        with self.lock:
            self.seconds.append(seconds)
            self.outcomes[outcome] += 1

    @property
    def booked(self) -> int:
        return self.outcomes["booked"]

    @property
    def taken(self) -> int:
        return self.outcomes["taken"]

    @property
    def other(self) -> int:
        return sum(n for outcome, n in self.outcomes.items() if outcome not in ("booked", "taken"))


def main(argv: Sequence[str] | None = None) -> int:
    options = _parser().parse_args(argv)
    return on_own_database(options.pg_database, lambda: _run(options))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.booking", description=__doc__)
    parser.add_argument("--attempts", type=int, default=1000, help="booking attempts")
    parser.add_argument("--places", type=int, default=50, help="free places (slots of one)")
    parser.add_argument("--threads", type=int, default=24, help="threads, one connection each")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--pg-database",
        default="bench_booking",
        help="database created (and dropped) on the PostgreSQL server named by DATABASE_URL",
    )
    return parser


def _run(options: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "okno.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    most = (24 * 60 - (OPENS.hour * 60 + OPENS.minute)) // SLOT_MINUTES - 1
    if not 1 <= options.places <= most:
        raise SystemExit(f"--places must be between 1 and {most} (slots of one day from 08:00)")
    say(f"database: {connection.settings_dict['NAME']} on PostgreSQL, migrating …")
    call_command("migrate", verbosity=0)
    office, service, starts = _prepare(options)
    server_version = connection.pg_version
    rng = random.Random(options.seed)
    picks = [rng.randrange(len(starts)) for _ in range(options.attempts)]

    okno = _run_okno(office, service, starts, picks, options)
    _check_okno(okno, starts, options)
    bare = _run_bare(picks, options)
    _check_bare(bare, options)

    _print(okno, bare, options, server_version)
    failed = [run for run in (okno, bare) if run.errors]
    for run in failed:
        for error in run.errors[:10]:
            print(f"FAILED ({run.label}): {error}")
    return 1 if failed else 0


# --- set-up -------------------------------------------------------------------------------------


def _prepare(options: argparse.Namespace) -> tuple[object, object, list[dt.datetime]]:
    """The office, the service and the starts of its `--places` free slots on one day."""
    from django.conf import settings
    from django.db import transaction
    from django.utils import timezone

    from okno.appointments.models import AppointmentSettings, StaffShift
    from okno.appointments.slots import Planner
    from okno.catalog.models import Office, OpeningHours, Service, ServiceGroup
    from okno.staff.models import Role
    from okno.staff.services import create_employee, grant_competency

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    closes = (
        dt.datetime.combine(dt.date(2000, 1, 1), OPENS)
        + dt.timedelta(minutes=SLOT_MINUTES * options.places)
    ).time()
    say(f"creating an office with {options.places} free places …")
    with transaction.atomic():
        office = Office.objects.create(
            slug="bench",
            name={"en": "Benchmark centre"},
            country="UA",
            time_zone="Europe/Kyiv",
            default_language="uk",
        )
        AppointmentSettings.objects.create(office=office, online_share=100, phone_share=0)
        group = ServiceGroup.objects.create(prefix="B", name={"en": "Bookings"}, order=0)
        service = Service.objects.create(
            code="B001",
            slug="bench-booking",
            group=group,
            name={"en": "Booked service"},
            term_unit=Service.TermUnit.ON_THE_SPOT,
            handling_minutes=SLOT_MINUTES,
        )
        service.offices.add(office)
        operator = create_employee("operator", role=Role.OPERATOR, offices=[office])
        grant_competency(operator, service=service)
        for weekday in range(7):
            OpeningHours.objects.create(office=office, weekday=weekday, opens=OPENS, closes=closes)
            StaffShift.objects.create(
                office=office, employee=operator, weekday=weekday, starts=OPENS, ends=closes
            )
    # Tomorrow, or the first day after it the calendar opens (a public holiday is closed).
    planner = Planner(office)
    today = timezone.now().astimezone(office.zone).date()
    for ahead in range(1, 8):
        offers = planner.offers(service, today + dt.timedelta(days=ahead))
        if len(offers) == options.places:
            break
    else:
        raise SystemExit("no day in the coming week offers every slot: check the calendar")
    assert all(offer.free == 1 for offer in offers), "every slot should take exactly one"
    return office, service, [offer.start for offer in offers]


# --- the harnesses ------------------------------------------------------------------------------


def _run_okno(
    office, service, starts: list[dt.datetime], picks: list[int], options: argparse.Namespace
) -> Run:
    from django.db import connection

    from okno.appointments import errors, services

    run = Run("okno hold_slot")

    def attempt(index: int) -> None:
        began = time.perf_counter()
        try:
            services.hold_slot(office, service, starts[picks[index]])
            outcome = "booked"
        except errors.SlotTaken:
            outcome = "taken"
        except Exception as error:  # reported, never hidden
            outcome = type(error).__name__
            with run.lock:
                run.errors.append(f"attempt {index}: {error!r}")
        run.record(time.perf_counter() - began, outcome)

    # Lambdas: `connection` is the calling thread's, so it must be looked up in each thread.
    _threads(
        run,
        options,
        attempt,
        start=lambda: connection.ensure_connection(),
        finish=lambda: connection.close(),
    )
    return run


def _check_okno(run: Run, starts: list[dt.datetime], options: argparse.Namespace) -> None:
    from django.db.models import Sum

    from okno.appointments.models import Booking, HourBudget, Slot

    if run.booked != options.places:
        run.errors.append(f"{run.booked} bookings made for {options.places} places")
    held = Booking.objects.filter(status=Booking.Status.HELD).count()
    if held != options.places or Booking.objects.count() != held:
        run.errors.append(f"{held} held bookings in the database for {options.places} places")
    slots = Slot.objects.filter(start__in=starts)
    booked = slots.aggregate(total=Sum("booked"))["total"] or 0
    if booked != options.places or slots.exclude(booked=1).exists():
        run.errors.append(f"slots count {booked} places taken; each should hold exactly one")
    over = [b for b in HourBudget.objects.all() if b.used_minutes > b.budget_minutes]
    if over:
        run.errors.append(f"{len(over)} hour budgets exceeded")


def _run_bare(picks: list[int], options: argparse.Namespace) -> Run:
    import psycopg
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(BARE_TABLE)
        cursor.execute(
            "INSERT INTO bench_slot (id, capacity) SELECT n, 1 FROM generate_series(0, %s) n",
            [options.places - 1],
        )
    connection.close()
    settings = connection.settings_dict
    params = {
        "dbname": settings["NAME"],
        "user": settings["USER"],
        "password": settings["PASSWORD"],
        "host": settings["HOST"],
        "port": settings["PORT"],
    }
    local = threading.local()
    run = Run("bare UPDATE")

    def start() -> None:
        # Autocommit: the statement is its own transaction.
        local.connection = psycopg.connect(
            **{k: v for k, v in params.items() if v}, autocommit=True
        )

    def attempt(index: int) -> None:
        began = time.perf_counter()
        try:
            row = local.connection.execute(BARE_TAKE, (picks[index],)).fetchone()
            outcome = "booked" if row else "taken"
        except Exception as error:
            outcome = type(error).__name__
            with run.lock:
                run.errors.append(f"attempt {index}: {error!r}")
        run.record(time.perf_counter() - began, outcome)

    def finish() -> None:
        local.connection.close()

    _threads(run, options, attempt, start=start, finish=finish)
    return run


def _check_bare(run: Run, options: argparse.Namespace) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(sum(booked), 0), count(*) FROM bench_slot")
        booked, rows = cursor.fetchone()
        cursor.execute("DROP TABLE bench_slot")
    if run.booked != options.places or booked != options.places:
        run.errors.append(f"{run.booked} updates took a place; the table counts {booked}")
    if rows != options.places:
        run.errors.append(f"{rows} rows in the bare table")


def _threads(
    run: Run,
    options: argparse.Namespace,
    attempt: Callable[[int], None],
    *,
    start: Callable[[], object],
    finish: Callable[[], object],
) -> None:
    """`--threads` threads, each connected first, released together, take the attempts in order
    until none is left; the wall time ends when the last is done."""
    gate = threading.Barrier(options.threads + 1)
    cursor = iter(range(options.attempts))
    cursor_lock = threading.Lock()

    def body() -> None:
        start()
        gate.wait()
        try:
            while True:
                with cursor_lock:
                    index = next(cursor, None)
                if index is None:
                    return
                attempt(index)
        finally:
            finish()

    threads = [threading.Thread(target=body, daemon=True) for _ in range(options.threads)]
    for thread in threads:
        thread.start()
    say(f"{run.label}: {options.threads} threads, {options.attempts} attempts …")
    gate.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    run.wall = time.perf_counter() - began


# --- the report ---------------------------------------------------------------------------------


def _print(okno: Run, bare: Run, options: argparse.Namespace, server_version: int) -> None:
    print(
        f"\nokno booking benchmark — {options.attempts} attempts on {options.places} free places "
        f"(slots of one), {options.threads} threads with a connection each"
    )
    print(
        f"machine: {os.cpu_count()} CPU cores, {platform.machine()}, Python "
        f"{platform.python_version()}, PostgreSQL {server_version // 10000}.{server_version % 100}"
        " on the same machine\n"
    )
    header = (
        f"{'harness':<16} {'booked':>7} {'taken':>7} {'other':>6} {'attempts/s':>11} "
        f"{'p50 ms':>8} {'p99 ms':>8}"
    )
    print(header)
    print("-" * len(header))
    for run in (okno, bare):
        print(
            f"{run.label:<16} {run.booked:>7} {run.taken:>7} {run.other:>6} "
            f"{len(run.seconds) / run.wall:>11.0f} {percentile(run.seconds, 50) * 1e3:>8.2f} "
            f"{percentile(run.seconds, 99) * 1e3:>8.2f}"
        )
    print("-" * len(header))
    throughput = (len(okno.seconds) / okno.wall) / (len(bare.seconds) / bare.wall)
    p50 = percentile(okno.seconds, 50) / percentile(bare.seconds, 50)
    p99 = percentile(okno.seconds, 99) / percentile(bare.seconds, 99)
    print(
        f"{'okno / bare':<16} {'':>7} {'':>7} {'':>6} {throughput:>10.3f}× {p50:>7.1f}× "
        f"{p99:>7.1f}×"
    )
    verdict = "OK" if not (okno.errors or bare.errors) else "FAILED"
    print(
        f"\n{verdict}: okno booked {okno.booked} of {options.places} places, "
        f"{okno.taken} attempts refused as taken, {okno.other} other errors; "
        f"bare booked {bare.booked}."
    )
    print(
        f"okno does {1 / throughput:.0f}× less per second than the bare update: each attempt "
        "checks the slot against the office's schedule (cached) and reads its bookings and "
        "hour budget, a refused one looks for abandoned holds to release, and a successful "
        "one writes the slot, the budget, the booking and its audit event. "
        f"Per-attempt times include waiting for the GIL: {options.threads} threads share "
        f"{os.cpu_count()} cores in one Python process. "
        f"Wall time: okno {okno.wall:.2f} s, bare {bare.wall:.2f} s; mean attempt okno "
        f"{statistics.fmean(okno.seconds) * 1e3:.1f} ms, bare "
        f"{statistics.fmean(bare.seconds) * 1e3:.2f} ms."
    )


if __name__ == "__main__":
    raise SystemExit(main())
