"""Ratings benchmark: N ratings uploaded through `POST /api/v1/ratings/batch`, against PostgreSQL
`COPY` of the same rows.

    python -m benchmarks.ratings [--ratings 250000] [--batch 1000] [--seed 1]

PostgreSQL only (`COPY` is the yardstick): DATABASE_URL names the server (default
postgres://postgres@127.0.0.1:5432/test); the benchmark creates its own database there,
`bench_ratings` (`--pg-database bench_<name>`), dropped first if it exists and again at the end,
and never touches the database named in the URL.

Five offices offering ten services each, one employee of all five with an API token. The ratings
are generated from `--seed`, batch by batch, the same every run: five scores (mostly 4 and 5;
about one rating in five has a 1 or a 2 and opens a follow-up), a recommendation, now and then
a comment and a self-description, each with its own `client_id`.

* **okno**: each batch of `--batch` items goes, as JSON with the employee's Bearer token, through
  Django's own `WSGIHandler` called in-process — the whole production request path (middleware,
  token check, django-ninja parsing, `okno.feedback.ingest.ingest_ratings`, the per-item answer
  rendered as JSON) without a socket. The database connection is kept between requests
  (`OKNO_DB_CONN_MAX_AGE=600`), as a server's would be. Timed: the handler call and reading its
  answer; encoding the request body and decoding the answer, the client's work, are not timed.
* **COPY**: the same rows, generated again from the seed, written with psycopg's
  `cursor.copy(COPY … FROM STDIN)` into a plain table of the same columns (no index, no
  constraint) in one transaction. Timed: writing the rows and the commit.

Printed: ratings per second for both and okno / COPY as a ratio (the ratio compares across
machines; seconds are for orientation), with the per-batch p50/p99. Then the checks, and the run
fails (exit 1) unless each holds: every batch answered all `created`; the ratings table and the
COPY table each hold exactly N rows whose count, sum of all scores and md5 of the sorted client
ids match the source's; one follow-up per low rating; and one batch sent again answers all
`duplicate` and stores nothing.

The default is 250,000 ratings, a few minutes on 2 cores. The issue's figure is
`--ratings 1000000`: on an otherwise idle 2-core machine the upload took 348 s (2,870
ratings/s, okno / COPY 0.017×); on cores shared with other work, 1,705 ratings/s (0.010×).
Progress is printed every 50,000.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import math
import os
import platform
import random
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from benchmarks._postgres import add_database_option, migrated_database, on_own_database
from benchmarks._report import percentile, say

OFFICES = 5
SERVICES = 10
PROGRESS_EVERY = 50_000
LOW_SCORE = 2  # the offices keep the default rule
FIRST_DAY = dt.date(2026, 1, 1)
COMMENTS = (
    "Довго чекала в черзі",
    "Все швидко, дякую!",
    "Nie było gdzie usiąść",
    "Не хватает информации о документах",
    "Оператор пояснив усе зрозуміло",
)
CRITERIA = ("service_time", "waiting_time", "politeness", "comfort", "information")
COLUMNS = (
    "office_id",
    "service_id",
    "channel",
    *CRITERIA,
    "recommend",
    "comment",
    "age_band",
    "gender",
    "disability",
    "client_id",
    "visited_on",
    "rated_at",
    "entered_by_id",
)


@dataclass
class Source:
    """What was sent, summed up as it was generated: the checksum the tables must match."""

    count: int = 0
    score_sum: int = 0
    low: int = 0
    md5: hashlib._Hash = field(default_factory=hashlib.md5)

    def add(self, item: dict) -> None:
        self.md5.update(("," if self.count else "").encode() + item["client_id"].encode())
        self.count += 1
        self.score_sum += sum(item["scores"].values())
        self.low += min(item["scores"].values()) <= LOW_SCORE


def main(argv: Sequence[str] | None = None) -> int:
    options = _parser().parse_args(argv)
    if options.ratings < 1 or not 1 <= options.batch <= 1000:
        raise SystemExit("--ratings must be at least 1 and --batch between 1 and 1000")
    # A server keeps its database connections; WSGIHandler would otherwise close one per request.
    os.environ["OKNO_DB_CONN_MAX_AGE"] = "600"
    return on_own_database(options.pg_database, lambda: _run(options))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ratings", description=__doc__)
    parser.add_argument("--ratings", type=int, default=250_000, help="ratings to upload")
    parser.add_argument("--batch", type=int, default=1000, help="ratings per request (≤ 1000)")
    parser.add_argument("--seed", type=int, default=1)
    add_database_option(parser, "bench_ratings")
    return parser


def _run(options: argparse.Namespace) -> int:
    migrated_database()
    from django.db import connection

    offices, services, employee, token = _prepare()
    failures: list[str] = []

    source = Source()
    okno_seconds, batch_seconds = _upload(options, offices, services, token, source, failures)
    _check_table("feedback_rating", source, failures)
    _check_follow_ups(source, failures)
    resent = _resend_first_batch(options, offices, services, token, failures)

    copy_seconds = _copy(options, offices, services, employee, failures)
    copy_source = Source()
    for items in _batches(options, offices, services):
        for item in items:
            copy_source.add(item)
    _check_table("bench_rating_copy", copy_source, failures)

    _print(options, source, okno_seconds, batch_seconds, copy_seconds, resent, connection)
    for failure in failures[:20]:
        print(f"FAILED: {failure}")
    return 1 if failures else 0


# --- set-up -------------------------------------------------------------------------------------


def _prepare() -> tuple[list[int], list[int], object, str]:
    """The offices' and services' ids, the employee who uploads, and their API token."""
    from django.conf import settings
    from django.db import transaction

    from okno.catalog.models import Office, Service, ServiceGroup
    from okno.staff.models import Role
    from okno.staff.services import create_employee, issue_token

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with transaction.atomic():
        offices = [
            Office.objects.create(
                slug=f"bench-{n}",
                name={"en": f"Benchmark centre {n}"},
                country="UA",
                time_zone="Europe/Kyiv",
                default_language="uk",
            )
            for n in range(OFFICES)
        ]
        group = ServiceGroup.objects.create(prefix="R", name={"en": "Rated"}, order=0)
        services = []
        for n in range(SERVICES):
            service = Service.objects.create(
                code=f"R{n:03d}",
                slug=f"bench-{n}",
                group=group,
                name={"en": f"Service {n}"},
                term_unit=Service.TermUnit.ON_THE_SPOT,
            )
            service.offices.add(*offices)
            services.append(service)
        employee = create_employee("terminal", role=Role.OPERATOR, offices=offices)
        token = issue_token(employee.user, name="ratings benchmark")
    return [o.pk for o in offices], [s.pk for s in services], employee, token


def _batches(
    options: argparse.Namespace, offices: list[int], services: list[int]
) -> Iterator[list[dict]]:
    """The ratings, batch by batch: each batch from its own seed, so both runs get the same."""
    count = math.ceil(options.ratings / options.batch)
    for index in range(count):
        rng = random.Random(options.seed * 1_000_003 + index)
        first = index * options.batch
        yield [
            _item(rng, n, offices, services)
            for n in range(first, min(first + options.batch, options.ratings))
        ]


def _item(rng: random.Random, n: int, offices: list[int], services: list[int]) -> dict:
    scores = dict(
        zip(CRITERIA, rng.choices(range(1, 6), weights=(2, 3, 10, 30, 55), k=5), strict=True)
    )
    item = {
        "client_id": f"bench-{n:08d}",
        "office_id": rng.choice(offices),
        "service_id": rng.choice(services),
        "visited_on": (FIRST_DAY + dt.timedelta(days=rng.randrange(300))).isoformat(),
        "channel": rng.choice(("terminal", "terminal", "terminal", "tablet", "phone")),
        "scores": scores,
        "recommend": rng.randrange(11) if rng.random() < 0.8 else None,
        "comment": rng.choice(COMMENTS) if rng.random() < 0.1 else "",
        "age_band": "",
        "gender": "",
        "disability": "",
    }
    if rng.random() < 0.3:
        item["age_band"] = rng.choice(("18_34", "35_59", "60_74", "75_plus"))
        item["gender"] = rng.choice(("woman", "man"))
        item["disability"] = rng.choice(("yes", "no"))
    return item


# --- okno: through the API ----------------------------------------------------------------------


def _post(handler, path: str, body: bytes, token: str) -> tuple[str, bytes]:
    """One request through the WSGI handler, in-process: status line and body."""
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "localhost",
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "HTTP_ACCEPT_LANGUAGE": "en",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
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


def _upload(
    options: argparse.Namespace,
    offices: list[int],
    services: list[int],
    token: str,
    source: Source,
    failures: list[str],
) -> tuple[float, list[float]]:
    from django.core.handlers.wsgi import WSGIHandler

    handler = WSGIHandler()
    say(f"okno: {options.ratings:,} ratings through POST /api/v1/ratings/batch …")
    total = 0.0
    per_batch: list[float] = []
    sent = 0
    began = time.perf_counter()
    for items in _batches(options, offices, services):
        body = json.dumps({"items": items}).encode()
        started = time.perf_counter()
        status, content = _post(handler, "/api/v1/ratings/batch", body, token)
        seconds = time.perf_counter() - started
        total += seconds
        per_batch.append(seconds)
        answer = json.loads(content) if status.startswith("200") else {}
        if answer.get("created") != len(items):
            failures.append(f"batch from {items[0]['client_id']}: {status} {content[:300]!r}")
        for item in items:
            source.add(item)
        previous, sent = sent, sent + len(items)
        if sent // PROGRESS_EVERY > previous // PROGRESS_EVERY or sent == options.ratings:
            say(
                f"  {sent:>9,} sent, {sent / total:,.0f} ratings/s in the handler, "
                f"{time.perf_counter() - began:.0f} s in all"
            )
    return total, per_batch


def _resend_first_batch(
    options: argparse.Namespace,
    offices: list[int],
    services: list[int],
    token: str,
    failures: list[str],
) -> dict:
    from django.core.handlers.wsgi import WSGIHandler

    from okno.feedback.models import Rating

    before = Rating.objects.count()
    items = next(_batches(options, offices, services))
    status, content = _post(
        WSGIHandler(), "/api/v1/ratings/batch", json.dumps({"items": items}).encode(), token
    )
    answer = json.loads(content) if status.startswith("200") else {}
    after = Rating.objects.count()
    if answer.get("duplicate") != len(items) or answer.get("created") != 0 or after != before:
        failures.append(
            f"the first batch sent again: {status}, created {answer.get('created')}, "
            f"duplicate {answer.get('duplicate')}, ratings {before} → {after}"
        )
    return {"items": len(items), "created": answer.get("created"), "new_rows": after - before}


# --- COPY ---------------------------------------------------------------------------------------


def _copy(
    options: argparse.Namespace,
    offices: list[int],
    services: list[int],
    employee,
    failures: list[str],
) -> float:
    import psycopg
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE bench_rating_copy AS SELECT {', '.join(COLUMNS)} "
            "FROM feedback_rating WITH NO DATA"
        )
    settings = connection.settings_dict
    params = {
        "dbname": settings["NAME"],
        "user": settings["USER"],
        "password": settings["PASSWORD"],
        "host": settings["HOST"],
        "port": settings["PORT"],
    }
    rated_at = dt.datetime.now(dt.UTC)
    say(f"COPY: the same {options.ratings:,} rows into a plain table …")
    total = 0.0
    with psycopg.connect(**{k: v for k, v in params.items() if v}) as raw, raw.cursor() as cursor:
        started = time.perf_counter()
        with cursor.copy(f"COPY bench_rating_copy ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            total += time.perf_counter() - started
            for items in _batches(options, offices, services):
                rows = [_row(item, rated_at, employee.pk) for item in items]
                started = time.perf_counter()
                for row in rows:
                    copy.write_row(row)
                total += time.perf_counter() - started
            started = time.perf_counter()
        raw.commit()
        total += time.perf_counter() - started
    return total


def _row(item: dict, rated_at: dt.datetime, entered_by: int) -> tuple:
    return (
        item["office_id"],
        item["service_id"],
        item["channel"],
        *(item["scores"][name] for name in CRITERIA),
        item["recommend"],
        item["comment"],
        item["age_band"],
        item["gender"],
        item["disability"],
        item["client_id"],
        dt.date.fromisoformat(item["visited_on"]),
        rated_at,
        entered_by,
    )


# --- checks and the report ----------------------------------------------------------------------


def _check_table(table: str, source: Source, failures: list[str]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*), coalesce(sum({' + '.join(CRITERIA)}), 0), "
            f"md5(coalesce(string_agg(client_id, ',' ORDER BY client_id COLLATE \"C\"), '')) "
            f"FROM {table}"
        )
        count, score_sum, md5 = cursor.fetchone()
    expected = (source.count, source.score_sum, source.md5.hexdigest())
    if (count, score_sum, md5) != expected:
        failures.append(f"{table}: count, score sum, md5 {(count, score_sum, md5)} ≠ {expected}")
    else:
        say(f"{table}: {count:,} rows, score sum {score_sum:,}, md5 {md5}: as sent")


def _check_follow_ups(source: Source, failures: list[str]) -> None:
    from okno.feedback.models import FollowUp

    follow_ups = FollowUp.objects.count()
    if follow_ups != source.low:
        failures.append(f"{follow_ups:,} follow-ups for {source.low:,} low ratings")


def _print(
    options: argparse.Namespace,
    source: Source,
    okno_seconds: float,
    batch_seconds: list[float],
    copy_seconds: float,
    resent: dict,
    connection,
) -> None:
    version = connection.pg_version
    print(
        f"\nokno ratings benchmark — {options.ratings:,} ratings in batches of {options.batch}, "
        "one client, requests through Django's WSGIHandler in-process (no socket)"
    )
    print(
        f"machine: {os.cpu_count()} CPU cores, {platform.machine()}, Python "
        f"{platform.python_version()}, PostgreSQL {version // 10000}.{version % 100} on the "
        "same machine\n"
    )
    okno_rate = options.ratings / okno_seconds
    copy_rate = options.ratings / copy_seconds
    header = f"{'path':<34} {'seconds':>9} {'ratings/s':>11} {'batch p50 ms':>13} {'p99 ms':>8}"
    print(header)
    print("-" * len(header))
    print(
        f"{'okno POST /api/v1/ratings/batch':<34} {okno_seconds:>9.1f} {okno_rate:>11,.0f} "
        f"{percentile(batch_seconds, 50) * 1e3:>13.1f} {percentile(batch_seconds, 99) * 1e3:>8.1f}"
    )
    print(f"{'PostgreSQL COPY, plain table':<34} {copy_seconds:>9.1f} {copy_rate:>11,.0f}")
    print("-" * len(header))
    print(f"{'okno / COPY':<34} {'':>9} {okno_rate / copy_rate:>10.3f}×")
    print(
        f"\nchecked: {source.count:,} ratings sent; each table's count, score sum and md5 of "
        f"sorted client ids against the source; {source.low:,} follow-ups for low ratings; the "
        f"first batch sent again: {resent['items']} items, {resent['created']} created, "
        f"{resent['new_rows']} new rows."
    )


if __name__ == "__main__":
    raise SystemExit(main())
