"""The head's monitor of one office: the queue now, each operator's state and today's figures.

Heads of the office, analysts and administrators may open it (the `queueing.view_desksession`
permission, which their roles hold); anyone else gets a 403, and an office outside the viewer's
offices is a 404, as everywhere for staff. The page refreshes its live part on every ticket and
desk event of the office (SSE) and once a minute, since waits grow without any event.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from okno.catalog.models import Office, ServiceGroup
from okno.core.scoping import get_in_scope
from okno.core.sse import event_stream
from okno.queueing import selectors, services
from okno.queueing.selectors import DeskState

#: The permission that opens the monitor (heads, analysts and administrators hold it).
MONITOR_PERMISSION = "queueing.view_desksession"

#: The bar chart's geometry, in SVG user units (it scales to the width of the page, so it is
#: drawn for a phone: letters, then bars, then the figures in a column of their own).
CHART_WIDTH = 360
CHART_LABEL = 30
CHART_BARS = 190
CHART_VALUES = 228
CHART_ROW = 26
CHART_TOP = 24
CHART_BAR = 16


@dataclass
class GroupRow:
    group: ServiceGroup
    waiting: int
    longest_minutes: int
    over_norm: bool
    servers: int


@dataclass
class DeskRow:
    state: DeskState
    since: dt.datetime | None

    def minutes(self, now: dt.datetime) -> int | None:
        if self.since is None:
            return None
        return max(0, int((now - self.since).total_seconds() // 60))


@login_required
@require_GET
def monitor(request: HttpRequest, office: str) -> HttpResponse:
    try:
        place = monitor_office(request.user, office)
    except PermissionDenied:
        return render(request, "queueing/monitor_forbidden.html", status=403)
    return render(request, "queueing/monitor.html", snapshot(place, now=timezone.now()))


@login_required
@require_GET
def live(request: HttpRequest, office: str) -> HttpResponse:
    """The live part of the monitor, re-fetched on events and every minute."""
    place = monitor_office(request.user, office)
    return render(request, "queueing/_monitor_live.html", snapshot(place, now=timezone.now()))


@require_http_methods(["GET"])
async def events(request: HttpRequest, office: str) -> HttpResponseBase:
    """Every ticket and desk event of the office (SSE)."""
    user = await request.auser()
    if not user.is_authenticated:
        raise PermissionDenied
    place = await sync_to_async(monitor_office)(user, office)
    return event_stream(f"office:{place.pk}")


urlpatterns: list[URLPattern] = [
    path("monitor/<slug:office>/", monitor, name="monitor"),
    path("monitor/<slug:office>/live/", live, name="monitor_live"),
    path("monitor/<slug:office>/events", events, name="monitor_events"),
]


def monitor_office(user: Any, slug: str) -> Office:
    """The office whose monitor `user` may open: PermissionDenied without the permission,
    Http404 for an office outside the user's offices."""
    if not user.has_perm(MONITOR_PERMISSION):
        raise PermissionDenied
    return get_in_scope(Office.objects.all(), user, office_field="pk", slug=slug)


def snapshot(office: Office, *, now: dt.datetime) -> dict[str, Any]:
    """Everything the monitor shows, as of `now`."""
    norm_minutes = services.queue_settings(office).wait_norm_minutes
    norm = dt.timedelta(minutes=norm_minutes)
    groups = [
        GroupRow(
            group=count.group,
            waiting=count.waiting,
            longest_minutes=count.longest_minutes(now),
            over_norm=count.longest_since is not None and now - count.longest_since > norm,
            servers=count.servers,
        )
        for count in selectors.group_counts(office)
    ]
    states = selectors.desk_states(office)
    idle = selectors.idle_since(states)
    desks = [DeskRow(state=state, since=_since(state, idle)) for state in states]
    return {
        "office": office,
        "now": now,
        "norm": norm_minutes,
        "groups": groups,
        "over_norm_groups": [row for row in groups if row.over_norm],
        "waiting_total": sum(row.waiting for row in groups),
        "desks": [(row, row.minutes(now)) for row in desks],
        "stats": selectors.day_stats(office, now=now),
        "chart": _chart(groups, norm_minutes),
    }


def _since(state: DeskState, idle: dict[int, dt.datetime]) -> dt.datetime | None:
    if state.status == "paused":
        return state.session.paused_at
    if state.status == "serving":
        return state.ticket.started_at if state.ticket else None
    if state.status == "called":
        return state.ticket.last_called_at if state.ticket else None
    return idle.get(state.session.pk)


def _chart(groups: list[GroupRow], norm: int) -> dict[str, Any]:
    """Horizontal bars of each group's longest current wait, with the norm as a vertical line;
    the scale leaves room past the norm, so a bar over the line is over the norm."""
    scale = max([norm * 1.5, *(row.longest_minutes for row in groups)])
    bars = []
    for index, row in enumerate(groups):
        width = round(CHART_BARS * row.longest_minutes / scale, 1)
        y = CHART_TOP + index * CHART_ROW
        bars.append(
            {
                "row": row,
                "y": y,
                "text_y": y + CHART_BAR - 4,
                "width": width,
                "value_x": CHART_VALUES,
            }
        )
    return {
        "width": CHART_WIDTH,
        "height": CHART_TOP + max(len(groups), 1) * CHART_ROW,
        "label_x": CHART_LABEL - 8,
        "bar_x": CHART_LABEL,
        "bar_height": CHART_BAR,
        "norm_x": round(CHART_LABEL + CHART_BARS * norm / scale, 1),
        "bars": bars,
    }
