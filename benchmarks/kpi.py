"""KPI dashboard over a large history: rollups against the same KPIs from the raw tables.

PostgreSQL only. In a throwaway database (`bench_kpi` on the server DATABASE_URL names) it
writes `--offices` × `--days` of history with `okno.analytics.history.generate_history`
(default 50 offices × 365 days × 780 visits an open day ≈ 10 M tickets over ~255 working days,
every served visit rated ≈ 9 M ratings; 550 a day gave 7.2 M and 6.5 M), builds the rollups with `okno.analytics.services.rebuild`, and then times, in
one run:

* the dashboard page (`/en/staff/analytics/`, an analyst signed in, through Django's test
  client in-process, so "server time" is the view with its queries and template) for one
  office over its last full month (by day) and for all offices over the year (by month);
* the same KPIs straight from the raw tables with SQL `GROUP BY` (tickets by service and by
  bucket, wait percentiles with `percentile_cont`, ratings by service and by bucket, arrivals
  by weekday × hour): the yardstick the ratio is taken against;
* the rollup refresh of one day of data (every office's last day) against the raw `GROUP BY`
  of that day.

Printed: p50/p99 of each, and ratios dashboard ÷ raw SQL (below 1: the dashboard is faster).
It checks that the rollups' visits and ratings equal the raw counts and exits non-zero if not.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time
from collections.abc import Callable, Sequence

from benchmarks._postgres import add_database_option, migrated_database, on_own_database
from benchmarks._report import percentile, say


def main(argv: Sequence[str] | None = None) -> int:
    options = _parser().parse_args(argv)
    if options.offices < 1 or options.days < 7 or options.repeat < 1:
        raise SystemExit("--offices ≥ 1, --days ≥ 7 and --repeat ≥ 1, please")
    os.environ["OKNO_DB_CONN_MAX_AGE"] = "600"
    return on_own_database(options.pg_database, lambda: _run(options))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.kpi", description=__doc__)
    parser.add_argument("--offices", type=int, default=50)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--visits-per-day", type=int, default=780)
    parser.add_argument("--rating-share", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per scope")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--profile", action="store_true", help="profile the all-offices page with pyinstrument"
    )
    add_database_option(parser, "bench_kpi")
    return parser


def _run(options: argparse.Namespace) -> int:
    migrated_database()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from okno.analytics import services
    from okno.analytics.history import generate_history
    from okno.catalog.models import Office
    from okno.staff.models import Role
    from okno.staff.services import create_employee

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    today = dt.date.today()
    started = time.perf_counter()
    summary = generate_history(
        offices=options.offices,
        days=options.days,
        visits_per_day=options.visits_per_day,
        rating_share=options.rating_share,
        seed=options.seed,
        end=today,
        progress=lambda done, total: say(f"  history: office {done}/{total}"),
    )
    say(
        f"history: {summary.tickets:,} tickets, {summary.ratings:,} ratings, "
        f"{summary.bookings:,} bookings in {time.perf_counter() - started:,.0f} s"
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    offices = list(Office.objects.order_by("pk"))
    start = today - dt.timedelta(days=options.days)
    started = time.perf_counter()
    built = services.rebuild(
        offices, start, today, progress=_every(500, "  rollups: office-day {done:,}/{total:,}")
    )
    # The rollups are complete from the first day: the periodic job would have built them so.
    from okno.analytics.models import RollupState

    RollupState.objects.update(complete_until=today - dt.timedelta(days=1))
    build_seconds = time.perf_counter() - started
    say(f"rollups: {built:,} office-days in {build_seconds:,.0f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    analyst = create_employee("bench-analyst", role=Role.ANALYST)
    client = Client()
    client.force_login(analyst.user)
    first_of_month = today.replace(day=1)
    last_month_end = first_of_month - dt.timedelta(days=1)
    last_month_start = last_month_end.replace(day=1)
    scopes = {
        "one office, last month, by day": (
            [offices[0]],
            last_month_start,
            last_month_end,
            "day",
            {"office": offices[0].slug},
        ),
        "all offices, last year, by month": (offices, start, today, "month", {}),
    }
    failures: list[str] = []
    rows = []
    for name, (chosen, first, last, granularity, extra) in scopes.items():
        query = {
            "start": first.isoformat(),
            "end": last.isoformat(),
            "granularity": granularity,
            **extra,
        }
        page = _time(options.repeat, lambda q=query: _get(client, q, failures))
        raw = _time(
            max(3, options.repeat // 4),
            lambda c=chosen, f=first, t=last, g=granularity: _raw(c, f, t, g),
        )
        rows.append((name, page, raw))
        _check_totals(chosen, first, min(last, today), failures)
    if options.profile:
        _profile(client, scopes["all offices, last year, by month"])
    day = today - dt.timedelta(days=1)
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    refresh = _time(3, lambda: [services.refresh_day(office, day) for office in offices])
    raw_day = _time(3, lambda: _raw(offices, day, day, "day"))
    _print(options, summary, built, build_seconds, rows, refresh, raw_day, day)
    for failure in failures[:20]:
        print(f"FAILED: {failure}")
    return 1 if failures else 0


# --- timing -------------------------------------------------------------------------------------


def _time(repeat: int, call: Callable[[], object]) -> list[float]:
    call()  # warm-up: connections, caches, plans
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _get(client, query: dict, failures: list[str]) -> None:
    response = client.get("/en/staff/analytics/", query)
    if response.status_code != 200:
        failures.append(f"dashboard {query}: HTTP {response.status_code}")


def _profile(client, scope: tuple) -> None:
    try:
        from pyinstrument import Profiler
    except ImportError:
        say("--profile needs pyinstrument: pip install pyinstrument")
        return
    _chosen, first, last, granularity, extra = scope
    query = {"start": first.isoformat(), "end": last.isoformat(), "granularity": granularity}
    profiler = Profiler(interval=0.0005)
    with profiler:
        for _ in range(3):
            client.get("/en/staff/analytics/", {**query, **extra})
    print(profiler.output_text(unicode=True, color=False, show_all=False))


def _every(n: int, template: str) -> Callable:
    def report(done: int, total: int, office: object, day: dt.date) -> None:
        if done % n == 0 or done == total:
            say(template.format(done=done, total=total))

    return report


# --- the yardstick: the same KPIs from the raw tables ---------------------------------------------

_TICKETS = """
SELECT t.service_id, {bucket} AS bucket,
       COUNT(*) FILTER (WHERE t.transferred_from_id IS NULL) AS visits,
       COUNT(*) FILTER (WHERE t.source = 'booking' AND t.transferred_from_id IS NULL) AS booked,
       COUNT(t.called_at) FILTER (WHERE t.transferred_from_id IS NULL) AS waits,
       SUM(EXTRACT(EPOCH FROM t.called_at - t.waiting_since))
           FILTER (WHERE t.transferred_from_id IS NULL) AS wait_seconds,
       COUNT(*) FILTER (WHERE t.transferred_from_id IS NULL AND t.called_at IS NOT NULL
           AND t.called_at - t.waiting_since <= make_interval(mins =>
               CASE WHEN t.source = 'booking' THEN COALESCE(q.booked_wait_norm_minutes, 5)
                    ELSE LEAST(COALESCE(q.wait_norm_minutes, 15), s.max_wait_minutes) END))
           AS within_norm,
       COUNT(*) FILTER (WHERE t.outcome = 'served') AS served,
       COUNT(*) FILTER (WHERE t.outcome = 'no_show') AS no_show,
       SUM(EXTRACT(EPOCH FROM t.finished_at - t.started_at))
           FILTER (WHERE t.outcome = 'served') AS service_seconds,
       COUNT(*) FILTER (WHERE t.outcome = 'served'
           AND t.finished_at - t.started_at <= make_interval(mins => s.handling_minutes))
           AS service_within
FROM queueing_ticket t
JOIN catalog_service s ON s.id = t.service_id
LEFT JOIN queueing_queuesettings q ON q.office_id = t.office_id
WHERE t.office_id = ANY(%s) AND t.service_day BETWEEN %s AND %s
GROUP BY GROUPING SETS ((t.service_id), ({bucket}))
"""
_PERCENTILES = """
SELECT percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP
           (ORDER BY EXTRACT(EPOCH FROM called_at - waiting_since)),
       percentile_cont(0.9) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM finished_at - started_at))
           FILTER (WHERE outcome = 'served')
FROM queueing_ticket
WHERE office_id = ANY(%s) AND service_day BETWEEN %s AND %s AND transferred_from_id IS NULL
  AND called_at IS NOT NULL
"""
_RATINGS = """
SELECT r.service_id, {bucket} AS bucket, COUNT(*) AS ratings,
       COUNT(*) FILTER (WHERE service_time + waiting_time + politeness + comfort + information >= 20)
           AS satisfied,
       SUM(service_time), SUM(waiting_time), SUM(politeness), SUM(comfort), SUM(information),
       COUNT(*) FILTER (WHERE service_time >= 4), COUNT(*) FILTER (WHERE waiting_time >= 4),
       COUNT(*) FILTER (WHERE politeness >= 4), COUNT(*) FILTER (WHERE comfort >= 4),
       COUNT(*) FILTER (WHERE information >= 4),
       COUNT(recommend), COUNT(*) FILTER (WHERE recommend >= 9),
       COUNT(*) FILTER (WHERE recommend <= 6)
FROM feedback_rating r
WHERE r.office_id = ANY(%s) AND r.visited_on BETWEEN %s AND %s
GROUP BY GROUPING SETS ((r.service_id), ({bucket}))
"""
_HEAT = """
SELECT EXTRACT(ISODOW FROM service_day), EXTRACT(HOUR FROM issued_at AT TIME ZONE 'Europe/Kyiv'),
       COUNT(*), COUNT(DISTINCT service_day),
       AVG(EXTRACT(EPOCH FROM called_at - waiting_since))
FROM queueing_ticket
WHERE office_id = ANY(%s) AND service_day BETWEEN %s AND %s AND transferred_from_id IS NULL
GROUP BY 1, 2
"""
_EMPLOYEES = """
SELECT employee_id, COUNT(*), SUM(EXTRACT(EPOCH FROM finished_at - started_at))
FROM queueing_ticket
WHERE office_id = ANY(%s) AND service_day BETWEEN %s AND %s AND outcome = 'served'
GROUP BY employee_id
"""


def _raw(offices: list, first: dt.date, last: dt.date, granularity: str) -> None:
    from django.db import connection

    ids = [office.pk for office in offices]
    bucket = {"day": "{t}", "week": "date_trunc('week', {t})", "month": "date_trunc('month', {t})"}[
        granularity
    ]
    with connection.cursor() as cursor:
        cursor.execute(_TICKETS.format(bucket=bucket.format(t="t.service_day")), [ids, first, last])
        cursor.fetchall()
        cursor.execute(_PERCENTILES, [ids, first, last])
        cursor.fetchall()
        cursor.execute(_RATINGS.format(bucket=bucket.format(t="r.visited_on")), [ids, first, last])
        cursor.fetchall()
        cursor.execute(_HEAT, [ids, first, last])
        cursor.fetchall()
        cursor.execute(_EMPLOYEES, [ids, first, last])
        cursor.fetchall()


def _check_totals(offices: list, first: dt.date, last: dt.date, failures: list[str]) -> None:
    from django.db.models import Sum

    from okno.analytics.models import ServiceDay
    from okno.feedback.models import Rating
    from okno.queueing.models import Ticket

    ids = [office.pk for office in offices]
    rolled = ServiceDay.objects.filter(office_id__in=ids, day__range=(first, last)).aggregate(
        visits=Sum("visits"), ratings=Sum("ratings")
    )
    visits = Ticket.objects.filter(
        office_id__in=ids, service_day__range=(first, last), transferred_from__isnull=True
    ).count()
    ratings = Rating.objects.filter(office_id__in=ids, visited_on__range=(first, last)).count()
    if (rolled["visits"] or 0, rolled["ratings"] or 0) != (visits, ratings):
        failures.append(
            f"rollups hold {rolled['visits']} visits / {rolled['ratings']} ratings, "
            f"the raw tables {visits} / {ratings} ({first} – {last})"
        )


# --- report -------------------------------------------------------------------------------------


def _print(options, summary, built, build_seconds, rows, refresh, raw_day, day) -> None:
    print(
        f"KPI dashboard, PostgreSQL: {summary.offices} offices × {options.days} days, "
        f"{summary.tickets:,} tickets, {summary.ratings:,} ratings"
    )
    print(f"rollups built for {built:,} office-days in {build_seconds:,.0f} s")
    print()
    print(f"{'scope':36} {'dashboard p50/p99 ms':>22} {'raw SQL p50/p99 ms':>20} {'ratio p50':>10}")
    for name, page, raw in rows:
        p50, p99 = percentile(page, 50), percentile(page, 99)
        r50, r99 = percentile(raw, 50), percentile(raw, 99)
        print(
            f"{name:36} {p50:>10,.0f} / {p99:>9,.0f} {r50:>9,.0f} / {r99:>8,.0f} {p50 / r50:>9.3f}×"
        )
    r50 = percentile(refresh, 50)
    d50 = percentile(raw_day, 50)
    print()
    print(
        f"rollup refresh of one day ({day}, all {summary.offices} offices): p50 {r50:,.0f} ms "
        f"({r50 / summary.offices:,.1f} ms an office); the raw GROUP BY of that day: "
        f"{d50:,.0f} ms; ratio {r50 / d50:.1f}×"
    )


if __name__ == "__main__":
    raise SystemExit(main())
