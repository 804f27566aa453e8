"""Live-board benchmark: 1,000 Server-Sent-Events subscribers on one app server process.

    python -m benchmarks.board [--subscribers 1000] [--calls 50] [--redis redis://127.0.0.1:6379/15]

Starts one uvicorn process serving okno (as `okno serve` does; a throwaway SQLite database in
a temporary folder, or a fresh `bench_board` database when DATABASE_URL names a PostgreSQL
server, see benchmarks/portal.py), opens `--subscribers` connections to the office's event
stream `GET /api/v1/offices/{id}/events` (what a display board or a third-party board listens
to) from one asyncio client, then has an operator call `--calls` visitors through the API
(`POST /api/v1/desk/call-next`, then start and finish) one after the other. For each call it
records when every subscriber received the `called` event: latency = receipt − the moment the
call-next request was sent, so it includes the request, the commit, the fan-out to every
stream and the client reading 1,000 sockets on one core. Memory per connection = the server's
resident memory with every subscriber connected minus before them (one subscriber connected
and one call made, so code and caches are warm), divided by the number of subscribers.

Without `--redis` the server uses its in-process channel (one process serves a whole centre);
with it, events go through Redis as with several app servers. A subscriber that misses a call
is a failure: the benchmark exits non-zero.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field

from benchmarks._report import percentile, say
from benchmarks.portal import _prepare_database

HOST = "127.0.0.1"


@dataclass
class Board:
    """What the subscribers received: for each ticket label, the receipt times of its call."""

    received: dict[str, list[float]] = field(default_factory=dict)
    connected: int = 0
    failures: list[str] = field(default_factory=list)


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
    parser = argparse.ArgumentParser(prog="python -m benchmarks.board", description=__doc__)
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--calls", type=int, default=50, help="visitors called, one at a time")
    parser.add_argument("--redis", default="", help="REDIS_URL for the server (default: none)")
    parser.add_argument(
        "--pg-database",
        default="bench_board",
        help="database created (and dropped) on the PostgreSQL server named by DATABASE_URL",
    )
    return parser


def _run(options: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "okno.settings")
    if options.redis:
        os.environ["REDIS_URL"] = options.redis
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    say(f"database: {connection.vendor}, migrating …")
    call_command("migrate", verbosity=0)
    office_id, point_id, token = _prepare(options.calls)
    connection.close()

    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "okno.asgi:application",
            "--host",
            HOST,
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
            "--backlog",
            "4096",
        ],
        env={**os.environ, "OKNO_ALLOWED_HOSTS": HOST},
    )
    try:
        _wait_until_up(port, server)
        result = asyncio.run(_measure(options, port, server.pid, office_id, point_id, token))
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    return result


def _prepare(calls: int) -> tuple[int, int, str]:
    """An open office, one window with its operator at work, and `calls` waiting visitors."""
    from django.conf import settings

    from okno.catalog.models import Office, OpeningHours, Service, ServiceGroup, ServicePoint
    from okno.queueing import services
    from okno.staff.models import Role
    from okno.staff.services import create_employee, grant_competency, issue_token

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    office = Office.objects.create(
        slug="bench",
        name={"en": "Benchmark centre"},
        country="UA",
        time_zone="Europe/Kyiv",
        default_language="uk",
    )
    for weekday in range(7):
        OpeningHours.objects.create(
            office=office, weekday=weekday, opens=dt.time(0, 0), closes=dt.time(23, 59)
        )
    group = ServiceGroup.objects.create(prefix="A", name={"en": "Passports"})
    service = Service.objects.create(
        code="A01",
        slug="passport",
        group=group,
        name={"en": "Passport"},
        term_unit=Service.TermUnit.ON_THE_SPOT,
    )
    service.offices.add(office)
    point = ServicePoint.objects.create(office=office, number=1, label="1")
    operator = create_employee("operator", role=Role.OPERATOR, offices=[office])
    grant_competency(operator, service=service)
    services.open_desk(operator, point)
    for _ in range(calls + 1):  # one more for the warm-up call
        services.issue_ticket(office, service, check_hours=False)
    return office.pk, point.pk, issue_token(operator.user, name="benchmark")


async def _measure(
    options: argparse.Namespace, port: int, pid: int, office_id: int, point_id: int, token: str
) -> int:
    board = Board()
    path = f"/api/v1/offices/{office_id}/events"
    stop = asyncio.Event()

    async def call_one() -> tuple[str, float, float]:
        """Call the next visitor, then start and finish; (label, sent at, request seconds)."""
        loop = asyncio.get_running_loop()
        sent = time.perf_counter()
        ticket = await loop.run_in_executor(
            None, _post, port, token, "/api/v1/desk/call-next", {"service_point_id": point_id}
        )
        answered = time.perf_counter() - sent
        for action in ("start", "finish"):
            body = {"outcome": "served"} if action == "finish" else None
            await loop.run_in_executor(
                None, _post, port, token, f"/api/v1/tickets/{ticket['id']}/{action}", body
            )
        return ticket["label"], sent, answered

    # Warm up: one subscriber, one call, then the baseline memory.
    warm = asyncio.create_task(_subscribe(port, path, board, stop))
    await _until(lambda: board.connected >= 1, 10)
    warm_label, _sent, _answered = await call_one()
    await _until(lambda: len(board.received.get(warm_label, ())) >= 1, 10)
    await asyncio.sleep(0.5)
    rss_before, threads_before = _rss(pid), _threads(pid)

    say(f"connecting {options.subscribers} subscribers …")
    started = time.perf_counter()
    tasks = [
        asyncio.create_task(_subscribe(port, path, board, stop)) for _ in range(options.subscribers)
    ]
    if not await _until(lambda: board.connected >= options.subscribers + 1, 120):
        board.failures.append(f"only {board.connected - 1} subscribers connected")
    connect_seconds = time.perf_counter() - started
    await asyncio.sleep(1.0)
    rss_after, threads_after = _rss(pid), _threads(pid)

    say(f"calling {options.calls} visitors …")
    latencies: list[float] = []
    fan_out: list[float] = []  # per call: until the last subscriber had it
    requests: list[float] = []
    everyone = options.subscribers + 1
    for _ in range(options.calls):
        label, sent, answered = await call_one()
        requests.append(answered)
        if not await _until(lambda label=label: len(board.received.get(label, ())) >= everyone, 15):
            missing = everyone - len(board.received.get(label, ()))
            board.failures.append(f"{label}: {missing} subscribers did not receive the call")
        times = board.received.get(label, [])
        latencies.extend(t - sent for t in times)
        if times:
            fan_out.append(max(times) - sent)
        await asyncio.sleep(0.1)

    stop.set()
    for task in [warm, *tasks]:
        task.cancel()
    await asyncio.gather(warm, *tasks, return_exceptions=True)

    _print(
        options,
        latencies=latencies,
        fan_out=fan_out,
        requests=requests,
        rss_before=rss_before,
        rss_after=rss_after,
        threads=(threads_before, threads_after),
        connect_seconds=connect_seconds,
    )
    for failure in board.failures[:10]:
        print(f"FAILED: {failure}")
    return 1 if board.failures else 0


async def _subscribe(port: int, path: str, board: Board, stop: asyncio.Event) -> None:
    """One board: read the stream (HTTP/1.1, chunked) and note when each call arrives."""
    try:
        reader, writer = await asyncio.open_connection(HOST, port)
    except OSError as error:
        board.failures.append(f"connect: {error}")
        return
    try:
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nAccept: text/event-stream\r\n\r\n".encode()
        )
        await writer.drain()
        status = await reader.readline()
        if b" 200 " not in status:
            board.failures.append(f"stream answered {status!r}")
            return
        chunked = False
        while (line := await reader.readline()) not in (b"\r\n", b""):
            chunked |= line.lower().startswith(b"transfer-encoding: chunked")
        buffer = b""
        event = ""
        while not stop.is_set():
            if chunked:
                size = int((await reader.readline()).strip() or b"0", 16)
                if size == 0:
                    return
                buffer += await reader.readexactly(size + 2)
                buffer = buffer[:-2]
            else:
                data = await reader.read(65536)
                if not data:
                    return
                buffer += data
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                text = line.decode()
                if text.startswith("event: "):
                    event = text[7:]
                    if event == "hello":
                        board.connected += 1
                elif text.startswith("data: ") and event == "ticket":
                    payload = json.loads(text[6:])
                    if payload.get("action") == "called":
                        label = payload["ticket"]["label"]
                        board.received.setdefault(label, []).append(time.perf_counter())
    except (asyncio.CancelledError, asyncio.IncompleteReadError, ConnectionError):
        return
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()


def _post(port: int, token: str, path: str, body: dict | None) -> dict:
    request = urllib.request.Request(
        f"http://{HOST}:{port}{path}",
        data=json.dumps(body or {}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"{}")


async def _until(condition, timeout: float) -> bool:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            return False
        await asyncio.sleep(0.005)
    return True


def _rss(pid: int) -> int:
    """Resident memory of a process in bytes (Linux)."""
    return int(_status(pid, "VmRSS").split()[0]) * 1024


def _threads(pid: int) -> int:
    return int(_status(pid, "Threads"))


def _status(pid: int, key: str) -> str:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(f"{key}:"):
                return line.split(":", 1)[1].strip()
    raise RuntimeError(f"no {key} in /proc/{pid}/status")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _wait_until_up(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped with exit code {server.returncode}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not answer /healthz within 60 s")


def _print(
    options: argparse.Namespace,
    *,
    latencies: list[float],
    fan_out: list[float],
    requests: list[float],
    rss_before: int,
    rss_after: int,
    threads: tuple[int, int],
    connect_seconds: float,
) -> None:
    channel = "Redis" if options.redis else "in-process channel"
    print(
        f"\nokno board benchmark — {options.subscribers} SSE subscribers on one uvicorn "
        f"process ({channel}), {options.calls} calls through the API"
    )
    print(
        f"machine: {os.cpu_count()} CPU cores, {platform.machine()}, Python "
        f"{platform.python_version()}; server and client share them\n"
    )
    if latencies:
        print(
            f"call → event received, every subscriber:  p50 {percentile(latencies, 50) * 1e3:.0f} ms"
            f"   p99 {percentile(latencies, 99) * 1e3:.0f} ms   ({len(latencies):,} receipts)"
        )
    if fan_out:
        print(
            f"call → the last subscriber has it:        p50 {percentile(fan_out, 50) * 1e3:.0f} ms"
            f"   p99 {percentile(fan_out, 99) * 1e3:.0f} ms"
        )
    if requests:
        print(
            f"the call-next request itself:             p50 {statistics.median(requests) * 1e3:.0f} ms"
        )
    per_connection = (rss_after - rss_before) / max(options.subscribers, 1)
    print(
        f"memory per connection: {per_connection / 1024:.0f} KiB (server RSS "
        f"{rss_before / 2**20:.0f} MiB → {rss_after / 2**20:.0f} MiB)"
    )
    print(
        f"server threads: {threads[0]} → {threads[1]} (Django's ASGI handler gives every "
        "request, so every open stream, its own thread for sync code)"
    )
    print(f"connecting all subscribers took {connect_seconds:.1f} s")


if __name__ == "__main__":
    raise SystemExit(main())
