"""The map of pains page: the newest report of a scope, and recomputing it on request.

Heads see their own offices, one at a time; analysts and administrators see every office and
all of them together. Operators and the back office get a 403, the signed-out the login page.
The report is one stored JSON document (`okno.feedback.pains`); this module only turns it into
what the template draws: names in the page's language, percentages, and the geometry of the
small charts (inline SVG, each with a title and a table of the same numbers beside it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from okno.catalog.models import Office
from okno.core.i18n import tr
from okno.core.scoping import sees_all_offices
from okno.feedback import pains, selectors
from okno.feedback.models import CRITERIA, Complaint, PainReport, Rating
from okno.staff.models import Role

#: Who may look at pains: heads (their offices), analysts and administrators (all).
PAINS_ROLES = frozenset({Role.HEAD, Role.ANALYST, Role.ADMINISTRATOR})
#: A "Recompute now" holds its scope this long: a second click meanwhile computes nothing.
RECOMPUTE_CLAIM_SECONDS = 60

DIMENSION_TITLES = {
    "office": _("Offices"),
    "service": _("Services"),
    "criterion": _("Lowest-scored criterion"),
    "operator": _("Employees"),
    "category": _("Complaint categories"),
}
SPARK_WIDTH, SPARK_HEIGHT = 160, 40
BAR_WIDTH = 240
#: The satisfaction chart: labels to the left of the bars, one row per criterion.
BAR_LEFT, BAR_ROW = 190, 26


@dataclass
class Share:
    label: str
    count: int
    share: float  # per cent
    overall: float  # per cent
    lift: float
    width: str = "0"  # the bar's length in the chart (SVG units, never localised)
    overall_x: str = "0"  # where the overall share's mark stands


@dataclass
class Topic:
    number: int
    label: str
    words: list[str]
    count: int
    ratings: int
    complaints: int
    mean_score: float | None
    examples: list[str]
    trend: list[dict[str, Any]]
    spark_points: str
    spark_max: int
    spark_last: int
    concentration: list[tuple[str, list[Share]]] = field(default_factory=list)


@dataclass
class Hotspot:
    office: str
    service: str
    criterion: str
    n: int
    mean: float
    mean_low: float
    mean_high: float
    share: float
    wilson_low: float


@dataclass
class Bar:
    label: str
    n: int
    satisfied: int
    share: float | None
    mean: float | None
    width: str
    y: int
    meets_target: bool


# --- the page -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def pains_page(request: HttpRequest) -> HttpResponse:
    """The newest report of the chosen scope; POST recomputes that scope now."""
    _pains_staff(request)
    sees_all = sees_all_offices(request.user)
    offices = selectors.pain_offices(request.user)
    source = request.POST if request.method == "POST" else request.GET
    if not offices and not sees_all:
        return render(request, "feedback/pains/no_office.html")
    office = _chosen_office(offices, source.get("office", ""), sees_all=sees_all)
    if request.method == "POST":
        return _recompute(office)
    report = selectors.latest_pain_report(office)
    context: dict[str, Any] = {
        "offices": offices,
        "office": office,
        "sees_all": sees_all,
        "report": report,
        "recomputed": source.get("recomputed") == "1",
        "busy": source.get("busy") == "1",
    }
    if report is not None:
        context.update(_present(report))
    zone = office.zone if office is not None else timezone.get_default_timezone()
    with timezone.override(zone):
        return render(request, "feedback/pains/page.html", context)


urlpatterns: list[URLPattern] = [
    path("pains/", pains_page, name="pains"),
]


# --- access -------------------------------------------------------------------------------------


def _pains_staff(request: HttpRequest) -> None:
    user = request.user
    if user.is_superuser:
        return
    employee = getattr(user, "employee", None)
    if employee is None or not user.is_active or employee.role not in PAINS_ROLES:
        raise PermissionDenied


def _chosen_office(offices: list[Office], slug: str, *, sees_all: bool) -> Office | None:
    """The office asked for (404 when not one of the person's); with none asked, all offices for
    those who see them all, else the person's first office."""
    slug = (slug or "").strip()
    if slug:
        office = next((o for o in offices if o.slug == slug), None)
        if office is None:
            raise Http404
        return office
    return None if sees_all else offices[0]


def _recompute(office: Office | None) -> HttpResponse:
    query = {"office": office.slug} if office is not None else {}
    if pains.claim_run(office, seconds=RECOMPUTE_CLAIM_SECONDS):
        pains.compute_pains(office=office)
        query["recomputed"] = "1"
    else:
        query["busy"] = "1"
    return redirect(f"{reverse('feedback:pains')}?{urlencode(query)}")


# --- presenting a report ------------------------------------------------------------------------


def _present(report: PainReport) -> dict[str, Any]:
    result = report.result or {}
    names = result.get("names", {})
    return {
        "corpus": result.get("corpus", {}),
        "params": result.get("params", {}),
        "topics": [
            _topic(number, topic, names)
            for number, topic in enumerate(result.get("topics", []), start=1)
        ],
        "hotspots": [_hotspot(cell, names) for cell in result.get("hotspots", [])],
        "hotspot_cells": result.get("hotspot_cells", 0),
        "hotspot_cells_too_small": result.get("hotspot_cells_too_small", 0),
        "satisfaction": result.get("satisfaction", {}),
        "satisfied_percent": _percent(result.get("satisfaction", {}).get("share")),
        "target_percent": _percent(pains.SATISFACTION_TARGET),
        "satisfaction_bars": _satisfaction_bars(result.get("satisfaction", {})),
        "target_x": _svg(BAR_LEFT + pains.SATISFACTION_TARGET * BAR_WIDTH),
        "bar_left": BAR_LEFT,
        "bar_row": BAR_ROW,
        "satisfaction_height": BAR_ROW * (len(CRITERIA) + 1) + 6,
        "satisfaction_width": BAR_LEFT + BAR_WIDTH + 10,
        "loyalty": _loyalty(result.get("loyalty", {})),
        "bar_width": BAR_WIDTH,
        "spark_width": SPARK_WIDTH,
        "spark_height": SPARK_HEIGHT,
    }


def _topic(number: int, topic: dict[str, Any], names: dict[str, Any]) -> Topic:
    trend = topic.get("trend", [])
    counts = [row["count"] for row in trend]
    peak = max(counts, default=0)
    return Topic(
        number=number,
        label=topic.get("label", ""),
        words=topic.get("words", []),
        count=topic.get("count", 0),
        ratings=topic.get("ratings", 0),
        complaints=topic.get("complaints", 0),
        mean_score=topic.get("mean_score"),
        examples=topic.get("examples", []),
        trend=[{**row, "start": _date(row["start"])} for row in trend],
        spark_points=_spark_points(counts, peak),
        spark_max=peak,
        spark_last=counts[-1] if counts else 0,
        concentration=[
            (
                DIMENSION_TITLES[dimension],
                [
                    _share(dimension, row, names)
                    for row in topic.get("concentration", {}).get(dimension, [])
                ],
            )
            for dimension in DIMENSION_TITLES
            if topic.get("concentration", {}).get(dimension)
        ],
    )


def _spark_points(counts: list[int], peak: int) -> str:
    """The polyline of a trend, scaled into the sparkline's box (a flat line at the bottom
    when there is nothing)."""
    if not counts:
        return ""
    step = SPARK_WIDTH / max(1, len(counts) - 1)
    inner = SPARK_HEIGHT - 4
    return " ".join(
        f"{i * step:.1f},{SPARK_HEIGHT - 2 - (c / peak * inner if peak else 0):.1f}"
        for i, c in enumerate(counts)
    )


def _share(dimension: str, row: dict[str, Any], names: dict[str, Any]) -> Share:
    return Share(
        label=_name(dimension, row["key"], names),
        count=row["count"],
        share=_percent(row["share"]),
        overall=_percent(row["overall_share"]),
        lift=row["lift"],
        width=_svg(row["share"] * BAR_WIDTH),
        overall_x=_svg(row["overall_share"] * BAR_WIDTH),
    )


def _hotspot(cell: dict[str, Any], names: dict[str, Any]) -> Hotspot:
    return Hotspot(
        office=_name("office", cell["office"], names),
        service=_name("service", cell["service"], names),
        criterion=_name("criterion", cell["criterion"], names),
        n=cell["n"],
        mean=cell["mean"],
        mean_low=cell["mean_low"],
        mean_high=cell["mean_high"],
        share=_percent(cell["share"]),
        wilson_low=_percent(cell["wilson_low"]),
    )


def _satisfaction_bars(satisfaction: dict[str, Any]) -> list[Bar]:
    if not satisfaction.get("ratings"):
        return []
    rows = [
        (_name("criterion", c["criterion"], {}), c["n"], c["satisfied"], c["share"], c["mean"])
        for c in satisfaction.get("by_criterion", [])
    ]
    rows.append(
        (
            str(_("All criteria")),
            satisfaction["scores"],
            satisfaction["satisfied"],
            satisfaction["share"],
            None,
        )
    )
    return [
        Bar(
            label=label,
            n=n,
            satisfied=satisfied,
            share=_percent(share),
            mean=mean,
            width=_svg((share or 0) * BAR_WIDTH),
            y=index * BAR_ROW,
            meets_target=(share or 0) >= pains.SATISFACTION_TARGET,
        )
        for index, (label, n, satisfied, share, mean) in enumerate(rows)
    ]


def _loyalty(loyalty: dict[str, Any]) -> dict[str, Any]:
    """The loyalty numbers and the three segments of its bar (detractors, passives, promoters)."""
    n = loyalty.get("answers", 0)
    if not n:
        return {"answers": 0}
    segments = []
    x = 0.0
    for key, label, css in (
        ("detractors", _("Detractors (0–6)"), "bad"),
        ("passives", _("Passives (7–8)"), "neutral"),
        ("promoters", _("Promoters (9–10)"), "good"),
    ):
        width = loyalty[key] / n * BAR_WIDTH
        segments.append(
            {
                "label": label,
                "count": loyalty[key],
                "share": _percent(loyalty[key] / n),
                "x": _svg(x),
                "width": _svg(width),
                "css": css,
            }
        )
        x += width
    return {**loyalty, "segments": segments}


def _name(dimension: str, key: Any, names: dict[str, Any]) -> str:
    """A dimension's value as people read it, in the page's language."""
    if key is None:
        return "—"
    if dimension == "criterion":
        if key in CRITERIA:
            return str(Rating._meta.get_field(key).verbose_name)
        return str(key)
    if dimension == "category":
        try:
            return str(Complaint.Category(key).label)
        except ValueError:
            return str(key)
    found = names.get(dimension, {}).get(str(key))
    if not found:
        return str(_("(removed)"))
    if dimension == "office":
        return tr(found["name"], found.get("language")) or found.get("slug", "")
    if dimension == "service":
        return f"{found.get('code', '')} · {tr(found['name'])}".strip(" ·")
    return str(found.get("name", ""))


def _percent(share: float | None) -> float | None:
    return None if share is None else round(100 * share, 1)


def _svg(number: float) -> str:
    """A number for an SVG attribute: a dot for decimals whatever the page's language."""
    return f"{number:.1f}"


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return None
