"""Live events through Redis: between app server processes, and for every subscriber of a process.

Skipped when Redis does not answer at 127.0.0.1:6379; uses database 14 of it, which nothing else
of okno's tests uses.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from okno.core import pubsub

REDIS_URL = "redis://127.0.0.1:6379/14"
REPO = Path(__file__).resolve().parents[2]


def _redis_answers() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:
        return False


pytestmark = pytest.mark.skipif(
    not _redis_answers(), reason="Redis does not answer at 127.0.0.1:6379"
)


# --- several subscribers in one process ----------------------------------------------------------


def test_a_subscriber_joining_while_the_redis_listener_connects_still_gets_the_next_event(
    settings,
):
    """The second board opened as the server starts must not miss the first call."""
    settings.REDIS_URL = REDIS_URL

    async def scenario() -> dict | None:
        async def first_board() -> None:
            async with pubsub.subscribe("office:77"):
                await asyncio.sleep(5)

        first = asyncio.create_task(first_board())
        await asyncio.sleep(0)  # the first subscriber has started this loop's Redis listener
        try:
            async with pubsub.subscribe("office:77") as events:
                # Published at once (as another process may), not after a pause that would let
                # the listener finish connecting anyway.
                pubsub.publish("office:77", {"type": "ticket"})
                return await events.get(timeout=2)
        finally:
            first.cancel()

    assert asyncio.run(scenario()) == {"type": "ticket"}


# --- two app server processes --------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_serving(port: int, process: subprocess.Popen, deadline: float) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server on port {port} exited: {process.stderr.read()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"the server on port {port} did not start in time")


class EventStream:
    """An SSE client on a raw socket, reading `event:`/`data:` frames as they arrive."""

    def __init__(self, port: int, path: str) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".encode()
        )
        self.buffer = b""

    def next_event(self, name: str, timeout: float) -> dict:
        """The data of the next `event: <name>` frame; fails after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        marker = f"event: {name}\ndata: ".encode()
        while True:
            start = self.buffer.find(marker)
            if start >= 0:
                end = self.buffer.find(b"\n", start + len(marker))
                if end >= 0:
                    data = self.buffer[start + len(marker) : end]
                    self.buffer = self.buffer[end:]
                    return json.loads(data)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no '{name}' event within {timeout} s: {self.buffer!r}")
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                continue
            if not chunk:
                raise AssertionError(f"the stream closed: {self.buffer!r}")
            self.buffer += chunk

    def close(self) -> None:
        self.sock.close()


def _database_url_for_servers(tmp_path: Path) -> str:
    """The test database, as the servers can reach it (SQLite's in-memory one copied to a file)."""
    from django.db import connection

    if connection.vendor == "sqlite":
        connection.ensure_connection()
        database = tmp_path / "okno.sqlite3"
        with contextlib.closing(sqlite3.connect(database)) as copy:
            connection.connection.backup(copy)
        return f"sqlite:///{database}"
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _post_json(port: int, path: str, payload: dict) -> tuple[int, dict]:
    body = json.dumps(payload).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
        client.sendall(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        reply = b""
        while chunk := client.recv(65536):
            reply += chunk
    head, _, content = reply.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(content)


@pytest.mark.django_db(transaction=True)
def test_a_ticket_issued_on_one_server_process_reaches_the_streams_of_both(tmp_path):
    from okno.queueing.models import QueueSettings
    from tests.factories import OfficeFactory, ServiceFactory

    office = OfficeFactory()
    QueueSettings.objects.create(office=office, issue_outside_hours=True)  # whatever the hour
    service = ServiceFactory(offices=[office])
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "DJANGO_SETTINGS_MODULE": "okno.settings",
        "DATABASE_URL": _database_url_for_servers(tmp_path),
        "OKNO_DATA_DIR": str(tmp_path / "data"),
        "REDIS_URL": REDIS_URL,
    }
    ports = [_free_port(), _free_port()]
    servers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "okno.asgi:application",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for port in ports
    ]
    streams: list[EventStream] = []
    try:
        deadline = time.monotonic() + 20
        for port, server in zip(ports, servers, strict=True):
            _wait_until_serving(port, server, deadline)
        # The API's stream on server 2, and the display board's on server 1.
        for port, path in (
            (ports[1], f"/api/v1/offices/{office.pk}/events"),
            (ports[0], f"/uk/board/{office.slug}/events"),
        ):
            stream = EventStream(port, path)
            stream.next_event("hello", timeout=5)  # subscribed (to Redis) from here on
            streams.append(stream)

        issued_at = time.monotonic()
        status, ticket = _post_json(
            ports[0], f"/api/v1/offices/{office.pk}/tickets", {"service_id": service.pk}
        )
        assert status == 201, ticket

        on_the_other_server = streams[0].next_event("ticket", timeout=2)
        latency = time.monotonic() - issued_at
        on_the_same_server = streams[1].next_event("ticket", timeout=2)

        for event in (on_the_other_server, on_the_same_server):
            assert (event["action"], event["office"]) == ("issued", office.pk)
            assert event["ticket"]["label"] == ticket["label"] == f"{service.group.prefix}001"
        assert latency < 2
    finally:
        for stream in streams:
            stream.close()
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=5)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=5)
