"""The display board in an office's waiting hall: who is called to which window, live by SSE.

The page holds one panel that it re-fetches whole on every ticket event of the office (and after
a reconnection), so the page never grows however long it runs; board.js plays the chime, may
speak the call (`?speak=1`), keeps the clock, and reloads the page once a night.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from okno.catalog import selectors as catalog
from okno.catalog.models import Office
from okno.core.pubsub import Event
from okno.core.sse import event_stream
from okno.queueing import selectors

#: How many current calls the board shows in large type.
CURRENT_CALLS = 6
#: How many recent calls it lists.
RECENT_CALLS = 8
#: A call this recent is highlighted (it blinks a few times).
FRESH_SECONDS = 20


@never_cache
@require_GET
def board(request: HttpRequest, office: str) -> HttpResponse:
    place = catalog.office_page(office)
    context = {"speak": request.GET.get("speak") == "1"}
    return _render(request, place, "queueing/board.html", context)


@never_cache
@require_GET
def panel(request: HttpRequest, office: str) -> HttpResponse:
    """The board's changing part, for the swap after each event."""
    place = catalog.office_page(office)
    return _render(request, place, "queueing/_board_panel.html", {})


@require_GET
async def events(request: HttpRequest, office: str) -> StreamingHttpResponse:
    """The office's ticket events (desk openings and pauses do not change the board)."""
    office_id = await (
        Office.objects.filter(slug=office, is_active=True).values_list("pk", flat=True).afirst()
    )
    if office_id is None:
        raise Http404
    return event_stream(f"office:{office_id}", accept=_is_ticket_event)


urlpatterns = [
    path("board/<slug:office>/", board, name="board"),
    path("board/<slug:office>/panel", panel, name="board_panel"),
    path("board/<slug:office>/events", events, name="board_events"),
]


# --- helpers ------------------------------------------------------------------------------------


def _render(
    request: HttpRequest, office: Office, template: str, context: dict[str, Any]
) -> HttpResponse:
    now = timezone.now()
    current = selectors.current_calls(office)[:CURRENT_CALLS]
    fresh_since = now - dt.timedelta(seconds=FRESH_SECONDS)
    context = {
        "office": office,
        "now": now,
        "current": [(t, t.last_called_at and t.last_called_at >= fresh_since) for t in current],
        "recent": selectors.recent_calls(office, limit=RECENT_CALLS, now=now),
        "groups": selectors.group_counts(office),
        **context,
    }
    with timezone.override(office.zone):
        return render(request, template, context)


def _is_ticket_event(event: Event) -> bool:
    return event.get("type") == "ticket"
