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
"""

from __future__ import annotations

import os
from collections.abc import Iterator
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
    """The demo, loaded once with `load_demo()` and kept as a `loaddata` fixture file."""
    from okno.staff.demo import load_demo

    path = tmp_path_factory.mktemp("demo") / "demo.json"
    history = [
        model._meta.label
        for model in apps.get_models()
        if model._meta.label.split(".")[1].startswith("Historical")
    ]
    with django_db_blocker.unblock():
        load_demo()
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
def site(live_server, transactional_db: None, demo_fixture: Path) -> str:
    """The live server's address, with the demo data in its database."""
    call_command("loaddata", str(demo_fixture), verbosity=0)
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
