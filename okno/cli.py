"""The `okno` command: run the demo, serve, run background work, manage, hand out API tokens,
simulate a day."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from okno.catalog.models import Office
    from okno.queueing.simulation import SimulationSummary

BANNER = "okno — one window for public services"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["manage"]:
        return _manage(args[1:])
    parser = _parser()
    options = parser.parse_args(args)
    if not getattr(options, "command", None):
        parser.print_help()
        return 2
    return options.handler(options)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="okno", description=BANNER)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser(
        "demo", help="prepare the database, load the demo data and serve the site"
    )
    _serving_options(demo)
    demo.set_defaults(handler=_demo)

    serve = commands.add_parser("serve", help="serve the site (no demo data)")
    _serving_options(serve)
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.add_argument(
        "--migrate", action="store_true", help="apply database migrations before serving"
    )
    serve.set_defaults(handler=_serve)

    worker = commands.add_parser(
        "worker",
        help="run background work: periodic jobs and queued tasks (notifications)",
        description=(
            "Runs the periodic jobs (reminders, retries, clean-up) and, with "
            "OKNO_TASKS_BACKEND=database, the queued tasks such as sending SMS and e-mail. "
            "Run one or more next to the app servers (set OKNO_PERIODIC_IN_SERVE=0 on those); "
            "Ctrl+C stops cleanly."
        ),
    )
    worker.set_defaults(handler=_worker)

    commands.add_parser("manage", help="run a Django management command: okno manage migrate")

    token = commands.add_parser("token", help="print a new API token for a staff user")
    token.add_argument("username")
    token.add_argument("--name", default="", help="what the token is for, e.g. 'kiosk 3'")
    token.set_defaults(handler=_token)

    simulate = commands.add_parser(
        "simulate",
        help="simulate visitors and operators: a live day for the demo, or past days",
        description=(
            "Live: `okno simulate --office SLUG` runs the rest of today at the office through the "
            "queue's own functions (kiosk tickets, calls, service, pauses), so its board and "
            "monitor come alive; Ctrl+C stops it cleanly. History: `okno simulate --history 90` "
            "writes the past 90 days (working days only) for analytics, skipping days that "
            "already have tickets."
        ),
    )
    simulate.add_argument("--office", metavar="SLUG", help="the office (history: default all)")
    simulate.add_argument(
        "--speed",
        type=_speed,
        default=60.0,
        help="simulated seconds per real second (default 60: a minute each second)",
    )
    simulate.add_argument("--seed", type=int, help="random seed, to repeat a run exactly")
    simulate.add_argument(
        "--until", type=_clock, metavar="HH:MM", help="live: the office stops taking visitors then"
    )
    simulate.add_argument(
        "--history", type=_days, metavar="DAYS", help="write this many past days instead"
    )
    simulate.add_argument(
        "--offices",
        type=_count,
        metavar="N",
        help=(
            "with --history: create N synthetic offices (gen-001 ...) with staff and write their "
            "history in bulk, straight into the tables (benchmark data: 50 offices × 365 days "
            "is about 10 M visits), then build their KPI rollups"
        ),
    )
    simulate.add_argument(
        "--visits-per-day", type=_count, default=780, metavar="N", help="with --offices (780)"
    )
    simulate.set_defaults(handler=_simulate)

    rollups = commands.add_parser(
        "rollups",
        help="rebuild the KPI rollups for a range of days",
        description=(
            "Rebuilds the daily rollups the dashboards read, from the raw visits, bookings and "
            "ratings, for every day from --from to --to (default: the last 30 days; never past "
            "yesterday, since today is always read live). Safe to repeat and to run while the "
            "site is up. The periodic job keeps them current by itself; run this after an "
            "import or a correction of old data."
        ),
    )
    rollups.add_argument("--from", dest="start", type=_date, metavar="YYYY-MM-DD")
    rollups.add_argument("--to", dest="end", type=_date, metavar="YYYY-MM-DD")
    rollups.add_argument("--office", metavar="SLUG", help="one office (default: all active)")
    rollups.set_defaults(handler=_rollups)
    return parser


def _serving_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "okno.settings")
    import django

    from okno.core.env import ConfigurationError

    try:
        django.setup()
    except ConfigurationError as error:
        raise SystemExit(f"okno: configuration error: {error}") from None
    from okno.core.i18n import compile_catalogues

    compile_catalogues()


def _manage(args: list[str]) -> int:
    _setup()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["okno manage", *args])
    return 0


def _demo(options: argparse.Namespace) -> int:
    _setup()
    from django.conf import settings
    from django.core.management import call_command

    print(BANNER)
    print(f"Data folder: {settings.DATA_DIR}")
    print("Preparing the database ...", flush=True)
    call_command("migrate", interactive=False, verbosity=0)
    call_command("load_demo")
    _collect_static()
    return _run(options, workers=1)


def _serve(options: argparse.Namespace) -> int:
    _setup()
    from django.core.management import call_command

    if options.migrate:
        call_command("migrate", interactive=False, verbosity=1)
    elif _pending_migrations():
        print(
            "okno: the database needs migrating first. Run `okno manage migrate` once "
            "(or start with `okno serve --migrate`).",
            file=sys.stderr,
        )
        return 2
    _collect_static()
    return _run(options, workers=max(1, options.workers))


def _worker(options: argparse.Namespace) -> int:
    _setup()
    import threading

    from django.core.management import call_command
    from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
    from django_tasks_db import DatabaseBackend

    from okno.core import periodic

    if _pending_migrations():
        print("okno: the database needs migrating first: `okno manage migrate`.", file=sys.stderr)
        return 2
    queued_tasks = isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend)
    print(f"{BANNER}: worker")
    print(f"  periodic jobs: {', '.join(periodic.registry.names()) or 'none'}")
    if queued_tasks:
        print("  queued tasks:  from the database (OKNO_TASKS_BACKEND=database)")
    else:
        print("  queued tasks:  run where they are queued (OKNO_TASKS_BACKEND=immediate)")
    print("Press Ctrl+C to stop.", flush=True)
    thread, stop = periodic.start_thread()
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    code = 0
    try:
        if queued_tasks:
            # The task worker takes SIGINT/SIGTERM itself: it finishes the task in hand, then exits.
            call_command("db_worker", queue_name="*", reload=False, verbosity=1)
        else:
            signal.signal(signal.SIGINT, signal.default_int_handler)
            signal.signal(signal.SIGTERM, _interrupt)
            threading.Event().wait()
    except KeyboardInterrupt:
        pass
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        stop.set()
        # A job in hand is let finish for a while (its work is claimed row by row, so one cut
        # short is picked up again by the next run).
        thread.join(timeout=30)
    print("Stopped.", flush=True)
    return code


def _token(options: argparse.Namespace) -> int:
    _setup()
    from django.contrib.auth import get_user_model

    from okno.staff.errors import NotAnEmployee
    from okno.staff.services import issue_token

    user = get_user_model().objects.filter(username=options.username).first()
    if user is None:
        print(f"okno: no user called {options.username!r}.", file=sys.stderr)
        return 1
    try:
        print(issue_token(user, name=options.name))
    except NotAnEmployee:
        print(
            f"okno: {options.username!r} is not an employee; tokens are for staff.", file=sys.stderr
        )
        return 1
    return 0


def _simulate(options: argparse.Namespace) -> int:
    _setup()
    import random

    from okno.catalog.models import Office
    from okno.queueing.simulation import SimulationError

    seed = options.seed if options.seed is not None else random.SystemRandom().randrange(10**6)
    if options.offices is not None:
        if options.history is None:
            print("okno: --offices needs --history DAYS.", file=sys.stderr)
            return 2
        return _generate_history(options, seed)
    offices = Office.objects.filter(is_active=True).order_by("slug")
    if options.office:
        offices = offices.filter(slug=options.office)
        if not offices:
            print(f"okno: no active office called {options.office!r}.", file=sys.stderr)
            return 1
    elif options.history is None:
        print("okno: a live run needs --office SLUG.", file=sys.stderr)
        return 2
    try:
        if options.history is None:
            return _simulate_live(offices.get(), options, seed)
        return _simulate_history(list(offices), options, seed)
    except SimulationError as error:
        print(f"okno: {error}", file=sys.stderr)
        return 1


def _simulate_live(office: Office, options: argparse.Namespace, seed: int) -> int:
    from okno.queueing.services import queue_settings
    from okno.queueing.simulation import run_live, simulation_operators

    operators, busy = simulation_operators(office)
    print(
        f"Simulating {office.slug} at {options.speed:g}× (seed {seed}); Ctrl+C stops cleanly.",
        flush=True,
    )
    for operator in operators:
        print(f"  {operator.employee.user.get_username()} at service point {operator.point}")
    for employee in busy:
        print(f"  {employee.user.get_username()} left out: already at a desk")
    # Ctrl+C, `kill -INT` (even when started in the background) and `kill` all stop cleanly.
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        simulation, interrupted = run_live(
            office,
            speed=options.speed,
            seed=seed,
            until=options.until,
            report=lambda line: print(line, flush=True),
        )
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("Stopped early." if interrupted else "The simulated day is over.")
    _print_summary(simulation.summary(), queue_settings(office).wait_norm_minutes)
    return 0


def _generate_history(options: argparse.Namespace, seed: int) -> int:
    import time

    from django.utils import timezone

    from okno.analytics.history import generate_history
    from okno.analytics.services import rebuild
    from okno.catalog.models import Office

    print(
        f"Creating {options.offices} synthetic offices and writing {options.history} past days "
        f"(about {options.visits_per_day} visitors an open day each; seed {seed}).",
        flush=True,
    )
    started = time.perf_counter()
    end = timezone.localdate()
    summary = generate_history(
        offices=options.offices,
        days=options.history,
        visits_per_day=options.visits_per_day,
        seed=seed,
        end=end,
        progress=lambda done, total: print(f"  office {done}/{total}", flush=True),
    )
    print(
        f"Wrote {summary.tickets:,} tickets, {summary.ratings:,} ratings, {summary.bookings:,} "
        f"bookings and {summary.complaints:,} complaints in {time.perf_counter() - started:.0f} s.",
        flush=True,
    )
    offices = list(Office.objects.filter(slug__startswith="gen-").order_by("slug"))
    start = end - dt.timedelta(days=options.history)
    # From before their first day: the rollups are then complete, and the periodic job goes on
    # from yesterday.
    built = rebuild(offices, start, end)
    print(f"KPI rollups built for {built:,} office-days.")
    return 0


def _count(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 100_000:
        raise argparse.ArgumentTypeError("give a whole number from 1 to 100000")
    return int(value)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _simulate_history(offices: list[Office], options: argparse.Namespace, seed: int) -> int:
    from okno.queueing.services import queue_settings
    from okno.queueing.simulation import simulate_history

    print(f"Writing the past {options.history} days (seed {seed}).", flush=True)
    reports = simulate_history(offices, days=options.history, seed=seed, progress=_history_progress)
    if sys.stdout.isatty():
        print()
    written = 0
    for report in reports:
        slug = report.office.slug
        if report.refused:
            print(f"{slug}: not simulated, {report.refused}.")
            continue
        notes = []
        if report.skipped:
            notes.append(f"{len(report.skipped)} skipped (they already had tickets)")
        if report.unstaffed:
            notes.append(f"{len(report.unstaffed)} without staff (all at work elsewhere)")
        print(f"{slug}: {len(report.simulated)} days written" + "".join(f", {n}" for n in notes))
        if report.simulated:
            _print_summary(report.summary, queue_settings(report.office).wait_norm_minutes)
        written += len(report.simulated)
    print(f"{written} office days written in all.")
    return 1 if len(reports) == 1 and reports[0].refused else 0


def _history_progress(office: Office, day: dt.date, index: int, total: int) -> None:
    line = f"  {office.slug} {day:%Y-%m-%d}  day {index}/{total}"
    if sys.stdout.isatty():
        print(f"\r{line}   ", end="", flush=True)
    elif index == 1 or index % 10 == 0 or index == total:
        print(line, flush=True)


def _print_summary(summary: SimulationSummary, norm_minutes: int) -> None:
    def minutes(value: float | None) -> str:
        return "—" if value is None else f"{value:.1f} min"

    rows = [
        ("tickets issued", f"{summary.issued:,}"),
        ("served", f"{summary.served:,}"),
        ("did not come", f"{summary.no_show:,}"),
        ("sent on to another service", f"{summary.transferred:,}"),
        ("cancelled", f"{summary.cancelled:,}"),
        ("still waiting or at a window", f"{summary.waiting + summary.in_hand:,}"),
        ("average wait", minutes(summary.average_wait)),
        ("longest wait", minutes(summary.longest_wait)),
        (f"waited over {norm_minutes} min", f"{summary.over(norm_minutes):,}"),
        ("average service", minutes(summary.average_service)),
    ]
    if summary.refused:
        rows.append(("actions the rules refused", f"{summary.refused:,}"))
    for label, value in rows:
        print(f"  {label:<30} {value}")


def _speed(value: str) -> float:
    try:
        speed = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not 0 < speed <= 100_000:
        raise argparse.ArgumentTypeError("give a speed above 0 and at most 100000")
    return speed


def _clock(value: str) -> dt.time:
    try:
        if len(value) == 5:
            return dt.time.fromisoformat(value)
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"give a time as HH:MM, not {value!r}")


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"give a date as YYYY-MM-DD, not {value!r}") from None


def _rollups(options: argparse.Namespace) -> int:
    _setup()
    import time

    from django.utils import timezone

    from okno.analytics.services import rebuild
    from okno.catalog.models import Office

    offices = list(Office.objects.filter(is_active=True).order_by("slug"))
    if options.office:
        offices = [o for o in offices if o.slug == options.office]
        if not offices:
            print(f"okno: no active office called {options.office!r}.", file=sys.stderr)
            return 1
    end = options.end or timezone.localdate() - dt.timedelta(days=1)
    start = options.start or end - dt.timedelta(days=29)
    if start > end:
        print("okno: --from must not be after --to.", file=sys.stderr)
        return 2
    print(f"Rebuilding the rollups of {len(offices)} offices from {start} to {end}.", flush=True)
    started = time.perf_counter()

    def progress(done: int, total: int, office: Office, day: dt.date) -> None:
        line = f"  {done}/{total} office-days  ({office.slug} {day:%Y-%m-%d})"
        if sys.stdout.isatty():
            print(f"\r{line}   ", end="", flush=True)
        elif done == 1 or done % 100 == 0 or done == total:
            print(line, flush=True)

    built = rebuild(offices, start, end, progress=progress)
    if sys.stdout.isatty() and built:
        print()
    seconds = time.perf_counter() - started
    if not built:
        print("Nothing to rebuild: the range holds no finished day (today is read live).")
    else:
        print(f"{built} office-days rebuilt in {seconds:.1f} s.")
    return 0


def _days(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 3660:
        raise argparse.ArgumentTypeError("give a number of days from 1 to 3660")
    return int(value)


def _pending_migrations() -> bool:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def _collect_static() -> None:
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)


def _run(options: argparse.Namespace, *, workers: int) -> int:
    import uvicorn

    from okno.core.env import env_bool

    host = options.host
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    from django.conf import settings

    print(f"\nokno is running: http://{shown}:{options.port}/{settings.LANGUAGE_CODE}/")
    print(f"  staff pages:   http://{shown}:{options.port}/{settings.LANGUAGE_CODE}/staff/")
    print(f"  admin:         http://{shown}:{options.port}/admin/")
    print(f"  API docs:      http://{shown}:{options.port}/api/v1/docs")
    if settings.REDIS_URL == "" and workers > 1:
        print(
            "okno: several workers without REDIS_URL: live events (boards, consoles) reach only\n"
            "the pages served by the same worker. Set REDIS_URL, or run one worker.",
            file=sys.stderr,
        )
    if settings.OKNO_PERIODIC_IN_SERVE:
        from okno.core import periodic

        # A daemon thread: it ends with the server. With several app servers, run the jobs in
        # `okno worker` instead (OKNO_PERIODIC_IN_SERVE=0).
        periodic.start_thread()
        print("  periodic jobs (reminders, retries, clean-up) run in this process")
    printed = [
        channel
        for channel, backend in (
            ("SMS", settings.OKNO_SMS_BACKEND),
            ("e-mail", settings.OKNO_EMAIL_BACKEND),
        )
        if backend == "console"
    ]
    if printed:
        print(f"  {' and '.join(printed)} to citizens: printed here, not sent (see README)")
    if settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend":
        print("  queued tasks (OKNO_TASKS_BACKEND=database) need `okno worker` running")
    print("Press Ctrl+C to stop.\n", flush=True)
    uvicorn.run(
        "okno.asgi:application",
        host=host,
        port=options.port,
        workers=workers,
        proxy_headers=True,
        access_log=env_bool("OKNO_ACCESS_LOG", False),
        log_level="info",
        lifespan="off",  # Django has no lifespan events; saves a confusing start-up line
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
