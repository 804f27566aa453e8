"""What the journeys expect, read from the demo files, and the checks every page gets."""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from okno.staff.demo import CATALOG_DIR, STAFF_FILE

#: Severities that fail a journey; "moderate" and "minor" findings are reported by axe too.
BLOCKING_IMPACTS = ("serious", "critical")
PAGE_WEIGHT_BUDGET = 100 * 1024


@cache
def catalog() -> dict[str, list[dict[str, Any]]]:
    """Every section of the demo catalogue files, merged."""
    merged: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(CATALOG_DIR.glob("catalog-*.json")):
        for section, rows in json.loads(path.read_text(encoding="utf-8")).items():
            if isinstance(rows, list):
                merged.setdefault(section, []).extend(rows)
    return merged


@cache
def employees() -> list[dict[str, Any]]:
    return json.loads(STAFF_FILE.read_text(encoding="utf-8"))["employees"]


def service(code: str) -> dict[str, Any]:
    return next(s for s in catalog()["services"] if s["code"] == code)


def office(slug: str) -> dict[str, Any]:
    return next(o for o in catalog()["offices"] if o["slug"] == slug)


def passport_services() -> list[dict[str, Any]]:
    """Services whose name or keywords speak of a passport, in any language of the file."""
    word = re.compile(r"passport|paszport|паспорт", re.IGNORECASE)
    return [
        s
        for s in catalog()["services"]
        if any(word.search(text) for field in ("name", "keywords") for text in s[field].values())
    ]


def hours_on(office_slug: str, weekday: int) -> list[tuple[str, str]]:
    rows = office(office_slug)["opening_hours"]
    return sorted((h["opens"], h["closes"]) for h in rows if h["weekday"] == weekday)


# --- checks every page gets -------------------------------------------------------------


def accessibility_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now, one line per element."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] not in BLOCKING_IMPACTS:
            continue
        for node in violation["nodes"]:
            found.append(
                f"{page.url}: {violation['id']} ({violation['impact']}) at {node['target']}: "
                f"{node['html'][:160]}"
            )
    return found


@dataclass
class Transfer:
    url: str
    kind: str
    status: int
    wire_bytes: int  # body as the test server sent it, plus headers
    gzip_bytes: int  # body gzipped the way the production server sends it, plus headers


def page_weight(page, path: str) -> list[Transfer]:
    """Load `path` in `page` (a fresh context: nothing cached) and size the document, CSS and JS.

    The browser reports each body's size on the wire. Pages come gzipped from Django's
    GZipMiddleware; static files do not, because the test server serves them from the app
    folders (production serves the `.gz` files that collectstatic writes with WhiteNoise's
    CompressedStaticFilesStorage). For a body that arrived uncompressed the gzip figure is
    the body compressed here at level 9, the level WhiteNoise uses.
    """
    responses = []

    def keep(response) -> None:
        responses.append(response)

    page.on("response", keep)
    page.goto(path, wait_until="load")
    page.remove_listener("response", keep)
    transfers = []
    for response in responses:
        kind = response.request.resource_type
        if kind not in ("document", "stylesheet", "script"):
            continue
        sizes = response.request.sizes()
        headers = sizes["responseHeadersSize"]
        wire = sizes["responseBodySize"]
        if response.headers.get("content-encoding") in ("gzip", "br", "zstd"):
            compressed = wire
        else:
            compressed = len(gzip.compress(response.body(), compresslevel=9))
        transfers.append(
            Transfer(
                response.url, kind, response.status, headers + wire, headers + min(wire, compressed)
            )
        )
    return transfers


# --- the live queue -----------------------------------------------------------------------------

#: The demo office whose kiosk, board and console the queue journeys use.
QUEUE_OFFICE = "przemysl-rynek"

# What a visible focus indicator needs: an outline or a ring that is actually drawn.
FOCUS_INDICATOR = """element => {
    const style = getComputedStyle(element);
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
    return outline || style.boxShadow !== "none";
}"""


def employee(username: str) -> dict[str, Any]:
    return next(e for e in employees() if e["username"] == username)


def group_name(prefix: str, language: str = "en") -> str:
    return next(g for g in catalog()["groups"] if g["prefix"] == prefix)["name"][language]


def sign_in(page, username: str) -> None:
    """On the sign-in page `page` was sent to: sign in with the demo password, wait to be sent on."""
    from okno.staff.demo import DEMO_PASSWORD

    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(lambda url: "/staff/login/" not in url)


def wait_until_listening(page, connections: int = 1) -> None:
    """Wait until the page's live connection has opened `connections` times (`open_page`
    counts them), so an event published from now on reaches it."""
    page.wait_for_function(f"window.sseOpened >= {connections}", timeout=10_000)


def mark_loaded(page) -> None:
    """Leave a mark on the loaded document; `still_same_document` finds it unless it reloaded."""
    page.evaluate("window.loadedOnce = true")


def still_same_document(page) -> bool:
    return page.evaluate("window.loadedOnce === true")


def horizontal_overflow(page) -> int:
    """By how many CSS pixels the page is wider than its viewport (0: no sideways scrolling)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def qr_path(url: str) -> str:
    """The drawing of `url`'s QR code as the kiosk renders it (segno, error level M)."""
    import segno

    svg = segno.make(url, error="m").svg_inline(scale=1, border=4, omitsize=True, lineclass=None)
    return re.search(r' d="([^"]+)"', svg).group(1)
