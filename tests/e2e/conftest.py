"""One headless Chromium for the run, and a live server holding the demo data for every journey.

How the demo gets into the live server, once: `live_server` needs a transactional database,
and a transactional test ends by flushing every table, so data loaded once would be gone after
the first journey. Loading the demo for each journey (`load_demo()`: validation, import, a
password hash per employee) is the slow way. Instead, `demo_fixture` runs the real
`load_demo()` once per e2e run, dumps the result with `dumpdata` (natural keys, so the users'
groups survive the flush, which recreates content types, permissions and role groups with new
ids), and flushes again so the database is as empty as it was. Each journey then restores that
dump with `loaddata` (under half of `load_demo()`'s time) and its flush at the end leaves
the database clean for the tests that follow. History tables are left out of the dump: no page
a journey visits reads them.

The live queue's pages (board, console, monitor, ticket page) follow Server-Sent Events from
async views, which need ASGI; `live_server` is a WSGI server. So `queue_site` serves okno's
ASGI application with uvicorn in a thread of this process (`asgi_server`): the in-process
pub/sub channel then joins the services the journeys call and the streams the pages follow, as
in a one-process deployment. Both servers share the test database the way `live_server` does.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import override_settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Tables the dump leaves out: recreated by every flush (content types, permissions, role
# groups), empty for anonymous visitors (sessions, admin log), or never shown (history).
_NOT_DUMPED = ["contenttypes", "auth.permission", "auth.group", "sessions", "admin.logentry"]


@pytest.fixture(scope="package")
def browser(_orm_beside_playwright: None) -> Iterator:
    """One Chromium for all the journeys; it and Playwright's event loop end with the e2e tests."""
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="package")
def _orm_beside_playwright() -> Iterator[None]:
    """Let the test code call the ORM while Playwright's synchronous API is running.

    That API keeps an asyncio loop registered in the main thread, which Django takes for an
    async context and refuses database calls in. The journeys call the ORM only between
    browser steps, never concurrently with them, so the refusal protects nothing here.
    """
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def _fast_password_hashing() -> Iterator[None]:
    """The demo's fourteen logins hashed in milliseconds rather than seconds."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(scope="package")
def demo_fixture(
    _fast_password_hashing: None, django_db_setup: None, django_db_blocker, tmp_path_factory
) -> Path:
    """The demo, loaded once with `load_demo()` and kept as a `loaddata` fixture file.

    Without its 60 days of past visits and their rollups: every journey would reload those
    thousands of rows; the analytics journey writes them itself."""
    from okno.staff.demo import load_demo

    path = tmp_path_factory.mktemp("demo") / "demo.json"
    history = [
        model._meta.label
        for model in apps.get_models()
        if model._meta.label.split(".")[1].startswith("Historical")
    ]
    with django_db_blocker.unblock():
        load_demo(past_visits=False)
        call_command(
            "dumpdata",
            natural_foreign=True,
            natural_primary=True,
            exclude=[*_NOT_DUMPED, *history],
            output=str(path),
            verbosity=0,
        )
        call_command("flush", interactive=False, verbosity=0)
    return path


@pytest.fixture
def demo_data(transactional_db: None, demo_fixture: Path) -> None:
    """The demo in the test database, for this journey (flushed after it)."""
    call_command("loaddata", str(demo_fixture), verbosity=0)


@pytest.fixture
def site(live_server, demo_data: None) -> str:
    """The live server's address, with the demo data in its database."""
    return live_server.url


@pytest.fixture
def context(browser, site: str) -> Iterator:
    """A fresh browser profile (no cookies, no cache) speaking Ukrainian, the default language."""
    context = browser.new_context(
        base_url=site, locale="uk-UA", extra_http_headers={"Accept-Language": "uk"}
    )
    yield context
    context.close()


@pytest.fixture
def page(context) -> Iterator:
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    page.close()


# --- the live queue: an ASGI server, and a browser profile per person -------------------------


class AsgiServer:
    """okno's ASGI application served by uvicorn in a thread of the test process.

    The test database is shared as `live_server` shares it: PostgreSQL (or a SQLite file) is
    reached by a connection of each server thread, which sees what the test committed; an
    in-memory SQLite database lives only in the test's own connection, so every thread that
    asks for that alias is handed that connection (`_shared_in_memory_database`). Django's
    LiveServerThread makes the same trade: one connection serving several threads is sound
    while no two of them are inside a transaction at once, which holds for journeys that wait
    for each action's result before the next one (the pages' own requests only read).

    `drop_connections()` cuts every open connection, for the journeys about reconnecting.
    """

    def __init__(self) -> None:
        import uvicorn
        from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
        from django.core.asgi import get_asgi_application

        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))  # bound here: no race for a free port
        host, port = self.socket.getsockname()[:2]
        self.url = f"http://{host}:{port}"
        # Static files from the apps' folders, as `live_server` serves them.
        config = uvicorn.Config(
            ASGIStaticFilesHandler(get_asgi_application()),
            lifespan="off",
            log_level="warning",
            timeout_graceful_shutdown=2,
        )
        self.server = uvicorn.Server(config)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread = threading.Thread(target=asyncio.run, args=(self._serve(),), daemon=True)

    async def _serve(self) -> None:
        self.loop = asyncio.get_running_loop()
        await self.server.serve(sockets=[self.socket])

    def start(self, timeout: float = 10) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the ASGI test server did not start")
            time.sleep(0.02)

    def stop(self, timeout: float = 5) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)
        if self.thread.is_alive():  # a stream that would not end: cut it
            self.server.force_exit = True
            self.thread.join(timeout)
        self.socket.close()

    def drop_connections(self) -> int:
        """Cut every open connection at once, as a network failure or a restarted proxy
        would; returns how many were cut."""
        if self.loop is None:
            return 0
        cut: list[int] = []
        done = threading.Event()

        def abort_all() -> None:
            connections = list(self.server.server_state.connections)
            for connection in connections:
                connection.transport.abort()
            cut.append(len(connections))
            done.set()

        self.loop.call_soon_threadsafe(abort_all)
        done.wait(5)
        return cut[0] if cut else 0


@pytest.fixture(scope="package")
def _shared_in_memory_database(django_db_setup: None) -> Iterator[None]:
    """Every thread that asks for an in-memory SQLite alias gets the test's own connection."""
    from django.db import connections

    shared = {
        conn.alias: conn
        for conn in connections.all()
        if conn.vendor == "sqlite" and conn.is_in_memory_db()
    }
    if not shared:
        yield
        return
    create_connection = connections.create_connection

    def create_or_share(alias: str):
        return shared[alias] if alias in shared else create_connection(alias)

    for conn in shared.values():
        conn.inc_thread_sharing()
    connections.create_connection = create_or_share
    yield
    del connections.create_connection  # the class's own method again
    for conn in shared.values():
        conn.dec_thread_sharing()


@pytest.fixture(scope="package")
def asgi_server(_orm_beside_playwright: None, _shared_in_memory_database: None) -> Iterator:
    server = AsgiServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def queue_site(asgi_server: AsgiServer, demo_data: None) -> str:
    """The ASGI server's address, with the demo data; its offices issue tickets at any hour
    (the journeys run whenever CI runs, and the demo offices keep office hours)."""
    from okno.queueing.models import QueueSettings

    QueueSettings.objects.update(issue_outside_hours=True)
    return asgi_server.url


@pytest.fixture
def open_page(browser, queue_site: str) -> Iterator[Callable[..., object]]:
    """`open_page("/en/board/przemysl-rynek/")`: the page in a browser profile of its own (one
    person's device: a kiosk, a phone, a desk PC, a board), in English unless told otherwise.

    Every page counts its live connections' openings in `window.sseOpened` (for journeys that
    must not act before the page listens). The profiles close before the database is flushed.
    """
    contexts = []

    def open_(path: str, *, locale: str = "en-GB", **options) -> object:
        context = browser.new_context(base_url=queue_site, locale=locale, **options)
        context.add_init_script(_COUNT_SSE_OPENINGS)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(path)
        return page

    yield open_
    for context in contexts:
        context.close()


_COUNT_SSE_OPENINGS = """
window.sseOpened = 0;
document.addEventListener("htmx:sseOpen", function () { window.sseOpened += 1; });
"""
