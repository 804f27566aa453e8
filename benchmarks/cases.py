"""Cases benchmark: the overdue and due-soon work lists over a million cases, through the API and
the selector, against the bare indexed SQL query.

    python -m benchmarks.cases [--cases 1000000] [--repeat 200] [--seed 1]

PostgreSQL only: DATABASE_URL names the server (default postgres://postgres@127.0.0.1:5432/test);
the benchmark creates its own database there, `bench_cases` (`--pg-database bench_<name>`),
dropped first if it exists and again at the end, and never touches the database named in the
URL.

20 offices (Kyiv time, open Monday to Friday), 30 services with statutory terms, 5 back-office
units serving every office, each service routed to one unit, three clerks a unit. `--cases`
cases are written by `INSERT … SELECT … FROM generate_series` in chunks of 100,000 (a seeded
`random()`, the same every run), then ANALYZE: about 92 % closed (mostly `closed`, some
`issued`, `ready`, `decided`, `withdrawn`) over the last three years, about 8 % open (registered,
sent, in progress, waiting for the applicant or another agency — those paused), registered in
the last 70 days with deadlines from 10 days ago to 110 days ahead: per office a few hundred
overdue and a hundred or so due within the alert lead of two working days.

Two people ask for the first page (50 rows) of the `overdue` and `due_soon` lists: the head of
one office, and a clerk of one unit (whose lists span the 20 offices the unit serves). Each
list is timed three ways, interleaved request by request:

* **API**: `GET /api/v1/cases?list=…` with the person's Bearer token through Django's own
  `WSGIHandler` called in-process — middleware, token check, django-ninja, `work_list`, the
  page's rows with days left on each office's calendar, the JSON answer — without a socket;
  the database connection is kept between requests, as a server's is;
* **selector**: `okno.cases.selectors.work_list(user, list)[:50]` evaluated, the person's
  cached offices and units cleared first (as a new request would);
* **bare SQL**: one psycopg statement with the same WHERE, ORDER BY and LIMIT on the same
  table and indexes (the dates computed once, outside the timing).

Printed: p50/p99 milliseconds of each and the API / bare and selector / bare ratios (the ratios
compare across machines), then the bare queries' EXPLAIN ANALYZE (the index use) and the
selector's SQL plan. The run fails (exit 1) unless, for each person and list, the API's rows,
the selector's and the bare query's are the same cases in the same order, and the list is not
empty. `--cases 20000` is a quick run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import sys
import time
import zoneinfo
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from benchmarks._postgres import add_database_option, migrated_database, on_own_database
from benchmarks._report import percentile, say

OFFICES = 20
SERVICES = 30
UNITS = 5
CLERKS_PER_UNIT = 3
CHUNK = 100_000
PAGE = 50
WARM_UP = 10
ZONE = zoneinfo.ZoneInfo("Europe/Kyiv")
OPEN = ("registered", "sent", "in_progress", "waiting_applicant", "waiting_agency")
LISTS = ("overdue", "due_soon")

#: One chunk of cases. The draws r, r2, r3, r4 decide, per row: open or closed (r), which status
#: (r2), the deadline (r3) and the age (r4). Office from the row number, service independently of
#: it, the unit from the service (the routing), the assignee from the unit's clerks.
INSERT = """
INSERT INTO cases_case (
    number, year, sequence, code, office_id, service_id, channel, language, applicant_name,
    contact_kind, contact, identifier, missing_documents_reason, status, unit_id, assignee_id,
    registered_at, deadline, paused_on, waiting_for, decision, grounds, decided_at, delivery,
    ready_at, issued_at, closed_at, updated_at
)
SELECT
    'BENCH-' || o || '-' || i,
    extract(year FROM registered_at AT TIME ZONE 'Europe/Kyiv')::int,
    i,
    upper(lpad(to_hex(i), 10, '0')),
    (%(offices)s::bigint[])[o],
    (%(services)s::bigint[])[s],
    'in_person',
    'uk',
    'Applicant ' || i,
    '', '', '', '',
    status,
    (%(units)s::bigint[])[u],
    CASE WHEN status IN ('registered', 'sent') THEN NULL
         ELSE (%(clerks)s::bigint[])[(u - 1) * %(per_unit)s + 1 + i %% %(per_unit)s] END,
    registered_at,
    deadline,
    CASE WHEN status IN ('waiting_applicant', 'waiting_agency')
         THEN %(today)s::date - (1 + i %% 7)::int END,
    CASE WHEN status IN ('waiting_applicant', 'waiting_agency') THEN 'Documents' ELSE '' END,
    CASE WHEN status IN ('decided', 'ready', 'issued', 'closed')
         THEN CASE WHEN r2 < 0.05 THEN 'refused' ELSE 'granted' END ELSE '' END,
    CASE WHEN status IN ('decided', 'ready', 'issued', 'closed') AND r2 < 0.05
         THEN 'Documents incomplete' ELSE '' END,
    CASE WHEN status IN ('decided', 'ready', 'issued', 'closed')
         THEN registered_at + interval '15 days' END,
    'at_centre',
    CASE WHEN status IN ('ready', 'issued', 'closed') THEN registered_at + interval '16 days' END,
    CASE WHEN status IN ('issued', 'closed') THEN registered_at + interval '18 days' END,
    CASE WHEN status IN ('closed', 'withdrawn') THEN registered_at + interval '20 days' END,
    %(now)s
FROM (
    SELECT
        i, r, r2, o, s, 1 + (s - 1) %% %(unit_count)s AS u,
        CASE
            WHEN r < 0.08 THEN CASE
                WHEN r2 < 0.05 THEN 'registered'
                WHEN r2 < 0.40 THEN 'sent'
                WHEN r2 < 0.80 THEN 'in_progress'
                WHEN r2 < 0.92 THEN 'waiting_applicant'
                ELSE 'waiting_agency' END
            WHEN r2 < 0.80 THEN 'closed'
            WHEN r2 < 0.88 THEN 'issued'
            WHEN r2 < 0.91 THEN 'ready'
            WHEN r2 < 0.93 THEN 'decided'
            ELSE 'withdrawn'
        END AS status,
        CASE WHEN r < 0.08
             THEN %(now)s - make_interval(days => 11 + floor(r4 * 60)::int, mins => floor(r3 * 600)::int)
             ELSE %(now)s - make_interval(days => 71 + floor(r4 * 1000)::int, mins => floor(r3 * 600)::int)
        END AS registered_at,
        CASE WHEN r < 0.08
             THEN %(today)s::date + (floor(r3 * 120)::int - 10)
             ELSE (%(today)s::date - (71 + floor(r4 * 1000)::int)) + 30
        END AS deadline
    FROM (
        SELECT i, random() AS r, random() AS r2, random() AS r3, random() AS r4,
               1 + i %% %(office_count)s AS o,
               1 + (i / %(office_count)s) %% %(service_count)s AS s
        FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS i
    ) AS draws
) AS rows
"""

OVERDUE_WHERE = "deadline < %(today)s"
DUE_SOON_WHERE = "deadline >= %(today)s AND deadline <= %(cutoff)s"
#: What `work_list` asks of the table for a head (their offices) and a clerk (their units' cases
#: and their own, in the offices the units serve): open, running, by the deadline.
BARE = {
    "head": """
        SELECT number FROM cases_case
        WHERE office_id = ANY(%(offices)s) AND status = ANY(%(open)s) AND paused_on IS NULL
          AND {when}
        ORDER BY deadline, id LIMIT 50
    """,
    "clerk": """
        SELECT number FROM cases_case
        WHERE (unit_id = ANY(%(units)s) OR assignee_id = %(employee)s)
          AND status = ANY(%(open)s) AND paused_on IS NULL
          AND office_id = ANY(%(offices)s) AND {when}
        ORDER BY deadline, id LIMIT 50
    """,
}


@dataclass
class Person:
    label: str
    user: object
    employee: object
    token: str
    params: dict


@dataclass
class Timings:
    api: list[float] = field(default_factory=list)
    selector: list[float] = field(default_factory=list)
    bare: list[float] = field(default_factory=list)


def main(argv: Sequence[str] | None = None) -> int:
    options = _parser().parse_args(argv)
    if options.cases < 1000 or options.repeat < 1:
        raise SystemExit("--cases must be at least 1000 and --repeat at least 1")
    # A server keeps its database connections; WSGIHandler would otherwise close one per request.
    os.environ["OKNO_DB_CONN_MAX_AGE"] = "600"
    return on_own_database(options.pg_database, lambda: _run(options))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cases", description=__doc__)
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases to generate")
    parser.add_argument("--repeat", type=int, default=200, help="timed requests per list")
    parser.add_argument("--seed", type=float, default=0.5, help="seed of the generator (-1 … 1)")
    add_database_option(parser, "bench_cases")
    return parser


def _run(options: argparse.Namespace) -> int:
    migrated_database()
    from django.db import connection

    now = dt.datetime.now(dt.UTC)
    world = _prepare()
    _generate(options, world, now)
    failures: list[str] = []
    people = _people(world, now)
    timings, rows = _measure(options, people, failures)
    _print(options, people, timings, rows, connection)
    for failure in failures[:20]:
        print(f"FAILED: {failure}")
    return 1 if failures else 0


# --- set-up -------------------------------------------------------------------------------------


def _prepare() -> dict:
    """Offices, services, units with their clerks and routing, a head; their ids."""
    from django.conf import settings
    from django.db import transaction

    from okno.cases.models import ProviderUnit, Routing
    from okno.catalog.models import Office, OpeningHours, Service, ServiceGroup
    from okno.staff.models import Role
    from okno.staff.services import create_employee

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with transaction.atomic():
        offices = [
            Office.objects.create(
                slug=f"bench-{n:02d}",
                name={"en": f"Benchmark centre {n}"},
                country="UA",
                time_zone="Europe/Kyiv",
                default_language="uk",
            )
            for n in range(OFFICES)
        ]
        OpeningHours.objects.bulk_create(
            OpeningHours(office=office, weekday=day, opens=dt.time(8), closes=dt.time(17))
            for office in offices
            for day in range(5)
        )
        group = ServiceGroup.objects.create(prefix="C", name={"en": "Cases"}, order=0)
        services = []
        for n in range(SERVICES):
            service = Service.objects.create(
                code=f"C{n:03d}",
                slug=f"bench-{n}",
                group=group,
                name={"en": f"Service {n}"},
                term_value=(10, 15, 30)[n % 3],
                term_unit=Service.TermUnit.WORKING_DAYS
                if n % 3
                else Service.TermUnit.CALENDAR_DAYS,
            )
            service.offices.add(*offices)
            services.append(service)
        units, clerks = [], []
        for n in range(UNITS):
            unit = ProviderUnit.objects.create(name={"en": f"Unit {n}"})
            unit.offices.set(offices)
            members = [
                create_employee(
                    f"clerk-{n}-{m}", role=Role.BACK_OFFICE, offices=[offices[0]], last_name=f"C{m}"
                )
                for m in range(CLERKS_PER_UNIT)
            ]
            unit.members.set(members)
            units.append(unit)
            clerks.extend(members)
        for n, service in enumerate(services):
            Routing.objects.create(service=service, unit=units[n % UNITS])
        head = create_employee("head-0", role=Role.HEAD, offices=[offices[0]])
    return {
        "offices": offices,
        "services": [s.pk for s in services],
        "units": units,
        "clerks": clerks,
        "head": head,
    }


def _generate(options: argparse.Namespace, world: dict, now: dt.datetime) -> None:
    from django.db import connection, transaction

    say(f"generating {options.cases:,} cases …")
    params = {
        "offices": [o.pk for o in world["offices"]],
        "services": world["services"],
        "units": [u.pk for u in world["units"]],
        "clerks": [c.pk for c in world["clerks"]],
        "per_unit": CLERKS_PER_UNIT,
        "unit_count": UNITS,
        "office_count": OFFICES,
        "service_count": SERVICES,
        "today": now.astimezone(ZONE).date(),
        "now": now,
    }
    began = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [options.seed])
        for first in range(1, options.cases + 1, CHUNK):
            last = min(first + CHUNK - 1, options.cases)
            cursor.execute(INSERT, {**params, "first": first, "last": last})
            say(f"  {last:>9,} cases, {time.perf_counter() - began:.0f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case")
    say(f"generated and analysed in {time.perf_counter() - began:.0f} s")


def _people(world: dict, now: dt.datetime) -> list[Person]:
    """The head of office 0 and the first clerk of unit 0, with what their bare queries need."""
    from okno.core.calendar import WorkingCalendar
    from okno.staff.services import issue_token

    offices = world["offices"]
    today = now.astimezone(ZONE).date()
    # The alert lead is the default two working days; every office has the same calendar.
    cutoff = WorkingCalendar(offices[0]).add_working_days(today, 2)
    common = {"open": list(OPEN), "today": today, "cutoff": cutoff}
    head, clerk = world["head"], world["clerks"][0]
    return [
        Person(
            "head of one office",
            head.user,
            head,
            issue_token(head.user, name="cases benchmark"),
            {**common, "offices": [offices[0].pk], "bare": BARE["head"]},
        ),
        Person(
            "clerk of one unit",
            clerk.user,
            clerk,
            issue_token(clerk.user, name="cases benchmark"),
            {
                **common,
                "offices": [o.pk for o in offices],
                "units": [world["units"][0].pk],
                "employee": clerk.pk,
                "bare": BARE["clerk"],
            },
        ),
    ]


# --- measuring ----------------------------------------------------------------------------------


def _measure(
    options: argparse.Namespace, people: list[Person], failures: list[str]
) -> tuple[dict, dict]:
    import psycopg
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    handler = WSGIHandler()
    settings = connection.settings_dict
    params = {
        "dbname": settings["NAME"],
        "user": settings["USER"],
        "password": settings["PASSWORD"],
        "host": settings["HOST"],
        "port": settings["PORT"],
    }
    timings: dict[tuple[str, str], Timings] = {}
    rows: dict[tuple[str, str], int] = {}
    with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as raw:
        for person in people:
            for which in LISTS:
                key = (person.label, which)
                say(f"{person.label}, {which}: {options.repeat} × API, selector, bare SQL …")
                api = _api_call(handler, person, which)
                selector = _selector_call(person, which)
                bare = _bare_call(raw, person, which)
                answers = (api(), selector(), bare())
                if not answers[0] == answers[1] == answers[2]:
                    failures.append(
                        f"{person.label}, {which}: API {len(answers[0])} rows, selector "
                        f"{len(answers[1])}, bare {len(answers[2])}; first differing: "
                        f"{_first_difference(answers)}"
                    )
                if not answers[2]:
                    failures.append(f"{person.label}, {which}: the list is empty")
                rows[key] = len(answers[2])
                timings[key] = _time(options.repeat, api, selector, bare)
    return timings, rows


def _time(repeat: int, api: Callable, selector: Callable, bare: Callable) -> Timings:
    timings = Timings()
    for index in range(WARM_UP + repeat):
        for call, into in ((api, timings.api), (selector, timings.selector), (bare, timings.bare)):
            started = time.perf_counter()
            call()
            seconds = time.perf_counter() - started
            if index >= WARM_UP:
                into.append(seconds)
    return timings


def _api_call(handler, person: Person, which: str) -> Callable[[], list[str]]:
    query = f"list={which}"

    def call() -> list[str]:
        status, content = _get(handler, "/api/v1/cases", query, person.token)
        if not status.startswith("200"):
            raise SystemExit(f"GET /api/v1/cases?{query}: {status} {content[:300]!r}")
        return [row["number"] for row in json.loads(content)["items"]]

    return call


def _selector_call(person: Person, which: str) -> Callable[[], list[str]]:
    from okno.cases import selectors

    def call() -> list[str]:
        # What a request starts without: the person's offices and units not yet read.
        for cached in ("_visible_office_ids", "_case_unit_ids"):
            person.user.employee.__dict__.pop(cached, None)
        return [case.number for case in selectors.work_list(person.user, which)[:PAGE]]

    return call


def _bare_call(raw, person: Person, which: str) -> Callable[[], list[str]]:
    statement = person.params["bare"].format(
        when=OVERDUE_WHERE if which == "overdue" else DUE_SOON_WHERE
    )

    def call() -> list[str]:
        return [number for (number,) in raw.execute(statement, person.params).fetchall()]

    return call


def _get(handler, path: str, query: str, token: str) -> tuple[str, bytes]:
    """One GET through the WSGI handler, in-process: status line and body."""
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "localhost",
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "HTTP_ACCEPT_LANGUAGE": "en",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    status: list[str] = []
    response = handler(environ, lambda line, headers, exc_info=None: status.append(line))
    try:
        content = b"".join(response)
    finally:
        response.close()  # sends request_finished, as a server does
    return status[0], content


def _first_difference(answers: tuple[list[str], ...]) -> str:
    api, selector, bare = answers
    for index, numbers in enumerate(zip(api, selector, bare, strict=False)):
        if len(set(numbers)) > 1:
            return f"row {index}: {numbers}"
    return "the lengths"


# --- the report ---------------------------------------------------------------------------------


def _print(
    options: argparse.Namespace,
    people: list[Person],
    timings: dict[tuple[str, str], Timings],
    rows: dict[tuple[str, str], int],
    connection,
) -> None:
    from okno.cases import selectors

    version = connection.pg_version
    print(
        f"\nokno cases benchmark — {options.cases:,} cases, the first page ({PAGE} rows) of two "
        f"work lists, {options.repeat} timed requests each after {WARM_UP} to warm up"
    )
    print(
        f"machine: {os.cpu_count()} CPU cores, {platform.machine()}, Python "
        f"{platform.python_version()}, PostgreSQL {version // 10000}.{version % 100} on the "
        "same machine; API through Django's WSGIHandler in-process (no socket)\n"
    )
    header = (
        f"{'who, list':<30} {'rows':>4} {'API p50':>8} {'p99':>7} {'selector p50':>13} "
        f"{'p99':>7} {'bare p50':>9} {'p99':>7} {'API/bare':>9} {'sel/bare':>9}"
    )
    print(header + "\n" + "-" * len(header))
    for (label, which), timing in timings.items():
        p50 = {
            name: percentile(getattr(timing, name), 50) * 1e3
            for name in ("api", "selector", "bare")
        }
        p99 = {
            name: percentile(getattr(timing, name), 99) * 1e3
            for name in ("api", "selector", "bare")
        }
        print(
            f"{label + ', ' + which:<30} {rows[(label, which)]:>4} {p50['api']:>8.2f} "
            f"{p99['api']:>7.2f} {p50['selector']:>13.2f} {p99['selector']:>7.2f} "
            f"{p50['bare']:>9.2f} {p99['bare']:>7.2f} {p50['api'] / p50['bare']:>8.1f}× "
            f"{p50['selector'] / p50['bare']:>8.1f}×"
        )
    print("-" * len(header))
    print(
        "milliseconds; ratios of the p50s. Checked: the API's, the selector's and the bare "
        "query's rows are the same cases in the same order."
    )

    for person in people:
        for which in LISTS:
            statement = person.params["bare"].format(
                when=OVERDUE_WHERE if which == "overdue" else DUE_SOON_WHERE
            )
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, person.params)
                plan = [line for (line,) in cursor.fetchall()]
            print(f"\nEXPLAIN ANALYZE, bare SQL — {person.label}, {which}:")
            print("\n".join(f"  {line}" for line in plan))
            queryset = selectors.work_list(person.user, which)[:PAGE]
            # Its plan joins the office, service, unit and assignee too; the table's part is what
            # compares with the bare query.
            own = [
                line
                for line in queryset.explain().splitlines()
                if any(part in line for part in ("Limit", "Sort", "cases_case", " on case_"))
            ]
            print(f"the selector's query plan, the cases table's part — {person.label}, {which}:")
            print("\n".join(f"  {line}" for line in own))


if __name__ == "__main__":
    raise SystemExit(main())
