"""Wait-estimate benchmark: okno's estimate at issue against the wait that then happened.

    python -m benchmarks.queue_estimate [--office przemysl-rynek] [--days 5] [--warmup 5] [--seed 1]

Loads the demo (offices, catalogue, team) into a throwaway database (SQLite in a temporary
folder, or a fresh `bench_<name>` database when DATABASE_URL names a PostgreSQL server; see
benchmarks/portal.py), simulates `--warmup` working days so that recent service times exist,
then simulates `--days` more with `okno.queueing.simulation`. Each time a visitor takes a
ticket, it records `selectors.estimate_wait(ticket)` — what the kiosk shows — and compares it
with the wait that actually followed (first call minus issue). It prints the mean absolute error
in minutes and its ratio to a naive baseline, "people ahead × the service's typical handling
time" (as if one window served the group): lower is better, below 1 beats the baseline.
Visitors never called (cancelled after closing) have no actual wait and are left out.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import statistics
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field

from benchmarks._report import say
from benchmarks.portal import _prepare_database


@dataclass
class Sample:
    ticket_id: int
    estimate: float  # minutes, okno
    naive: float  # minutes, people ahead × handling time
    actual: float | None = None


@dataclass
class DayResult:
    day: dt.date
    samples: list[Sample] = field(default_factory=list)

    def measured(self) -> list[Sample]:
        return [s for s in self.samples if s.actual is not None]


def main(argv: Sequence[str] | None = None) -> int:
    options = _parser().parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="okno-bench-") as folder:
        os.environ["OKNO_DATA_DIR"] = folder
        drop_database = _prepare_database(folder, options.pg_database)
        try:
            return _run(options)
        finally:
            from django.db import connections

            connections.close_all()
            drop_database()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.queue_estimate", description=__doc__
    )
    parser.add_argument("--office", default="przemysl-rynek", help="demo office to simulate")
    parser.add_argument("--days", type=int, default=5, help="measured working days")
    parser.add_argument("--warmup", type=int, default=5, help="working days simulated first")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--pg-database",
        default="bench_queue_estimate",
        help="database created (and dropped) on the PostgreSQL server named by DATABASE_URL",
    )
    return parser


def _run(options: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "okno.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction

    from okno.catalog.models import Office
    from okno.core.calendar import WorkingCalendar
    from okno.queueing import selectors
    from okno.queueing.models import Ticket
    from okno.queueing.simulation import DaySimulation, day_opening
    from okno.staff.demo import load_demo

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    say(f"database: {connection.vendor}, migrating and loading the demo …")
    call_command("migrate", verbosity=0)
    load_demo()
    office = Office.objects.get(slug=options.office)
    calendar = WorkingCalendar(office)
    days = _working_days(calendar, dt.date(2026, 3, 2), options.warmup + options.days)

    results: list[DayResult] = []
    for index, day in enumerate(days):
        measured = index >= options.warmup
        say(f"  {'measuring' if measured else 'warm-up'} {day} …")
        result = DayResult(day)
        with transaction.atomic():
            simulation = DaySimulation(
                office, opening=day_opening(office, day), seed=f"{options.seed}:{day}"
            )
            for action in simulation.run():
                if not measured or action.kind != "issue" or action.ticket is None:
                    continue
                ticket = action.ticket
                estimate = selectors.estimate_wait(ticket, now=action.at)
                result.samples.append(
                    Sample(
                        ticket_id=ticket.pk,
                        estimate=float(estimate.minutes),
                        naive=float(estimate.ahead * ticket.service.handling_minutes),
                    )
                )
        if not measured:
            continue
        actual = dict(
            Ticket.objects.filter(pk__in=[s.ticket_id for s in result.samples])
            .exclude(called_at=None)
            .values_list("pk", "called_at")
        )
        issued = dict(Ticket.objects.filter(pk__in=actual).values_list("pk", "waiting_since"))
        for sample in result.samples:
            if sample.ticket_id in actual:
                waited = actual[sample.ticket_id] - issued[sample.ticket_id]
                sample.actual = waited.total_seconds() / 60
        results.append(result)

    _print(results, options, office.slug, connection.vendor)
    return 0


def _working_days(calendar, start: dt.date, count: int) -> list[dt.date]:
    days: list[dt.date] = []
    day = start
    while len(days) < count:
        if calendar.is_working_day(day) and calendar.day(day).intervals:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def _print(results: list[DayResult], options: argparse.Namespace, slug: str, vendor: str) -> None:
    print(
        f"\nokno wait-estimate benchmark — {slug}, {options.days} simulated days after "
        f"{options.warmup} warm-up days, seed {options.seed}, {vendor}"
    )
    print(
        "errors in minutes between the estimate shown at issue and the wait that followed; "
        "ratio = okno's MAE / the naive baseline's (people ahead × handling time): lower is "
        "better\n"
    )
    header = (
        f"{'day':<12} {'tickets':>7} {'mean wait':>9} {'MAE okno':>9} {'MAE naive':>9} "
        f"{'ratio':>6} {'bias okno':>9} {'p90 |err|':>9} {'within 5':>8}"
    )
    print(header)
    print("-" * len(header))
    everything: list[Sample] = []
    for result in results:
        samples = result.measured()
        everything.extend(samples)
        print(_row(str(result.day), samples))
    print("-" * len(header))
    print(_row("all", everything))
    left_out = sum(len(r.samples) - len(r.measured()) for r in results)
    if left_out:
        print(f"\n{left_out} visitors never called (cancelled after closing) are left out.")


def _row(label: str, samples: list[Sample]) -> str:
    if not samples:
        return f"{label:<12} {0:>7}"
    errors = [abs(s.estimate - s.actual) for s in samples]
    naive = [abs(s.naive - s.actual) for s in samples]
    mae, mae_naive = statistics.fmean(errors), statistics.fmean(naive)
    bias = statistics.fmean(s.estimate - s.actual for s in samples)
    p90 = sorted(errors)[max(0, math.ceil(0.9 * len(errors)) - 1)]
    within = sum(1 for e in errors if e <= 5) / len(errors)
    ratio = mae / mae_naive if mae_naive else float("nan")
    wait = statistics.fmean(s.actual for s in samples)
    return (
        f"{label:<12} {len(samples):>7} {wait:>9.1f} {mae:>9.1f} {mae_naive:>9.1f} "
        f"{ratio:>6.2f} {bias:>+9.1f} {p90:>9.1f} {within:>8.0%}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
