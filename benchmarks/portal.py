"""Portal benchmark: search, passport and home page server time as ratios to a trivial view.

    python -m benchmarks.portal [--services 1000] [--repeat 200] [--profile]

Everything runs in one process against a throwaway database: SQLite in a temporary folder, or,
when DATABASE_URL names a PostgreSQL server, a fresh database on that server (`--pg-database`,
dropped and re-created; the database named in the URL is never touched). Pages are fetched with
Django's test client, through every middleware (gzip included), without a network or a WSGI
server. Times are reported as ratios to /robots.txt served by the same process in the same
run, so the figures compare across machines better than milliseconds would.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

from benchmarks._report import percentile, say

SEARCH_QUERIES = [
    "pasport",  # Latin, a typo of "passport" / "паспорт"
    "реєстрація",  # Ukrainian Cyrillic
    "zameldowanie",  # Polish
    "dowod osobisty",  # Polish without diacritics, two words
    "свидетельство о рождении",  # Russian, not in the catalogue's languages
    "driving licnse",  # English with a typo
]
WARMUP = 20
BASELINE = "/robots.txt"
BLOCK = 10  # timed requests of one kind before switching to the other


@dataclass
class Row:
    label: str
    times: list[float]  # seconds, one per request
    baseline: list[float]  # seconds of the /robots.txt requests taken in between
    body_bytes: int  # transferred body of the last response (gzipped when the server gzipped it)
    encoding: str
    queries: int

    def ratio(self, rank: float) -> float:
        """The page's percentile over the p50 of the baseline timed alongside it."""
        return percentile(self.times, rank) / percentile(self.baseline, 50)


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
    parser = argparse.ArgumentParser(prog="python -m benchmarks.portal", description=__doc__)
    parser.add_argument("--services", type=int, default=1000, help="services to generate")
    parser.add_argument("--repeat", type=int, default=200, help="timed requests per page")
    parser.add_argument(
        "--profile", action="store_true", help="profile the search view with pyinstrument"
    )
    parser.add_argument(
        "--pg-database",
        default="bench_portal",
        help="database created (and dropped) on the PostgreSQL server named by DATABASE_URL",
    )
    return parser


def _prepare_database(folder: str, pg_database: str) -> Callable[[], None]:
    """Point DATABASE_URL at a throwaway database; return how to drop it afterwards."""
    given = os.environ.get("DATABASE_URL", "")
    if not given.startswith(("postgres://", "postgresql://")):
        os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
        return lambda: None
    if not re.fullmatch(r"bench_[a-z0-9_]+", pg_database):
        raise SystemExit("--pg-database must look like bench_<name>: it is dropped and re-created")
    import psycopg
    from psycopg import sql

    server = urlsplit(given)
    os.environ["DATABASE_URL"] = urlunsplit(server._replace(path=f"/{pg_database}"))
    maintenance = urlunsplit(server._replace(path="/postgres"))

    def execute(statement: str) -> None:
        with psycopg.connect(maintenance, autocommit=True) as connection:
            connection.execute(sql.SQL(statement).format(sql.Identifier(pg_database)))

    execute("DROP DATABASE IF EXISTS {} WITH (FORCE)")
    execute("CREATE DATABASE {}")
    return lambda: execute("DROP DATABASE IF EXISTS {} WITH (FORCE)")


def _run(options: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "okno.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from benchmarks.generated_catalog import catalog_document
    from okno.catalog import search as catalog_search
    from okno.catalog.exchange import import_catalog
    from okno.catalog.models import Service
    from okno.core.i18n import compile_catalogues

    compile_catalogues()
    vendor = connection.vendor
    say(f"database: {vendor} ({connection.settings_dict['NAME']}), migrating…")
    call_command("migrate", verbosity=0)

    document = catalog_document(options.services)
    started = time.perf_counter()
    report = import_catalog(document, progress=_progress)
    sys.stderr.write("\n")
    if not report.ok:
        for problem in report.problems[:20]:
            say(f"  {problem}")
        return 1
    say(f"imported in {time.perf_counter() - started:.1f} s: {report.summary()}")

    client = Client(HTTP_HOST="localhost", HTTP_ACCEPT_ENCODING="gzip", HTTP_ACCEPT_LANGUAGE="uk")
    slugs = list(Service.objects.order_by("code").values_list("slug", flat=True))
    step = max(1, len(slugs) // options.repeat)
    passports = [f"/uk/services/{slug}/" for slug in slugs[::step]]
    searches = [f"/uk/search/?q={quote(query)}" for query in SEARCH_QUERIES]

    # The first search after a catalogue change builds the index; time that apart.
    catalog_search._current = None
    started = time.perf_counter()
    catalog_search.current_index()
    first_build = time.perf_counter() - started
    builds = []
    for _ in range(5):
        started = time.perf_counter()
        catalog_search.build_index()
        builds.append(time.perf_counter() - started)

    repeat = options.repeat
    rows = [
        _measure(client, "/robots.txt (the baseline itself)", [BASELINE], repeat),
        *(
            _measure(client, f"search “{query}”", [path], repeat)
            for query, path in zip(SEARCH_QUERIES, searches, strict=True)
        ),
        _measure(client, "search “pasport”, HTMX partial", searches[:1], repeat, htmx=True),
        _measure(client, f"passport ({len(passports)} different services)", passports, repeat),
        _measure(client, "home page", ["/uk/"], repeat),
        _measure(client, f"all services ({len(slugs)} cards)", ["/uk/services/"], repeat // 4),
    ]
    _print_table(rows, options, vendor)
    baseline = [t for row in rows for t in row.baseline]
    base = percentile(baseline, 50)
    print(
        f"\nsearch index build over {options.services} services: "
        f"{statistics.median(builds) / base:,.0f}× the baseline p50 "
        f"(first search after a change, version query included: {first_build / base:,.0f}×)"
    )
    print(
        f"baseline p50 over the run: {base * 1e6:.0f} µs "
        "(machine-dependent, for orientation only; compare the ratios)"
    )
    if options.profile:
        _profile(client, searches, repeat)
    return 0


def _measure(client, label: str, paths: list[str], repeat: int, *, htmx: bool = False) -> Row:
    """Time `repeat` requests cycling through `paths`, in blocks alternating with the baseline.

    Alternating gives every page its own baseline taken in the same stretch of time, so a busy
    machine slows both alike and the ratio stays put. Blocks rather than single requests,
    because a trivial request timed right after a heavy one runs about twice as slow (caches
    and allocator still busy with the heavy one) and would flatter every ratio.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    for index in range(WARMUP):
        client.get(paths[index % len(paths)], **headers)
        client.get(BASELINE)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(paths[0], **headers)
    # Count now: the next request clears the connection's query log.
    queries = len(captured.captured_queries)
    times: list[float] = []
    baseline: list[float] = []
    target = max(repeat, 1)
    while len(times) < target:
        for _ in range(BLOCK):
            started = time.perf_counter()
            client.get(BASELINE)
            baseline.append(time.perf_counter() - started)
        for _ in range(min(BLOCK, target - len(times))):
            path = paths[len(times) % len(paths)]
            started = time.perf_counter()
            response = client.get(path, **headers)
            times.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}")
    return Row(
        label,
        times,
        baseline,
        len(response.content),
        response.get("Content-Encoding", "identity"),
        queries,
    )


def _print_table(rows: list[Row], options: argparse.Namespace, vendor: str) -> None:
    print(
        f"\nokno portal benchmark — {options.services} services, {vendor}, "
        f"{options.repeat} timed requests per page after {WARMUP} warm-up"
    )
    print(
        "times are multiples of the p50 of /robots.txt, timed in the same process in blocks "
        f"of {BLOCK} alternating with each page's requests\n"
    )
    header = f"{'page':<44} {'p50':>8} {'p99':>8} {'bytes':>8} {'enc':>5} {'SQL':>4}"
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row.label:<44} {row.ratio(50):>7.1f}× {row.ratio(99):>7.1f}× "
            f"{row.body_bytes:>8,} {row.encoding[:5]:>5} {row.queries:>4}"
        )


def _profile(client, searches: list[str], repeat: int) -> None:
    try:
        from pyinstrument import Profiler
    except ImportError:
        say("--profile needs pyinstrument: pip install pyinstrument")
        return
    profiler = Profiler(interval=0.0002)
    with profiler:
        for index in range(repeat):
            client.get(searches[index % len(searches)])
    print(profiler.output_text(unicode=True, color=False, show_all=False))


def _progress(kind: str, done: int, total: int) -> None:
    sys.stderr.write(f"\r  importing {kind}: {done}/{total}   ")
    sys.stderr.flush()


if __name__ == "__main__":
    raise SystemExit(main())
