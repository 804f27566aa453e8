"""The head's and the analyst's KPI dashboard: tiles with formula and target, trend, charts,
the drill-down to each service, and every table as CSV or XLSX."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from okno.analytics import kpis as k
from okno.analytics import selectors
from okno.analytics.access import analytics_offices, require_office_figures
from okno.analytics.export import Column, Table, breakdown_table, download_response, page_query
from okno.analytics.forms import KpiFilterForm
from okno.analytics.models import MINUTE_EDGES
from okno.analytics.templatetags.analytics import weekday_name
from okno.catalog.models import Service
from okno.core import charts
from okno.core.i18n import tr
from okno.core.scoping import sees_all_offices
from okno.feedback.models import CRITERIA, Rating

WEEKDAYS = (1, 2, 3, 4, 5, 6, 7)
CHANNEL_NAMES = {
    "kiosk": _lazy("walk-in (kiosk)"),
    "booking": _lazy("booked in advance"),
    "staff": _lazy("ticket from staff"),
    "phone": _lazy("by phone"),
    "case": _lazy("applications (rated after closing)"),
}
GROUP_DIMENSIONS = {
    "age_band": _lazy("age"),
    "gender": _lazy("gender"),
    "disability": _lazy("disability"),
}


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_office_figures(user)
    now = timezone.now()
    offices = analytics_offices(user)
    services = list(
        Service.objects.filter(is_active=True, offices__in=offices)
        .select_related("group")
        .distinct()
    )
    names = {s.pk: tr(s.name) for s in services}
    groups = {s.group.pk: f"{s.group.prefix} · {tr(s.group.name)}" for s in services}
    form = KpiFilterForm(
        request.GET,
        offices=[(o.slug, tr(o.name, o.default_language)) for o in offices],
        services=sorted(names.items(), key=lambda c: c[1]),
        groups=sorted(groups.items(), key=lambda c: c[1]),
        all_offices=sees_all_offices(user),
        today=timezone.localdate(now),
    )
    if not form.is_valid():
        context = {"form": form, "offices": offices}
        return render(request, "analytics/dashboard.html", context, status=400)
    if not offices:
        return render(request, "analytics/dashboard.html", {"form": form, "offices": offices})
    data = form.cleaned_data
    chosen = [o for o in offices if o.slug == data.get("office")] or offices
    scope = selectors.Scope(
        tuple(chosen), data["start"], data["end"], data.get("service"), data.get("group")
    )
    report = selectors.report(scope, now=now, granularity=data["granularity"])
    heat = _heat(selectors.heat_map(scope, now=now))
    per_service = _services(selectors.by_service(scope, now=now), names)
    per_channel = _channels(selectors.by_channel(scope, now=now))
    per_group = _groups(selectors.by_group(scope, now=now))
    tables = {
        table.slug: table
        for table in (
            _kpi_table(report),
            _criteria_table(report),
            _series_table(report.series, data["granularity"]),
            _service_table(per_service),
            _channel_table(per_channel),
            _group_table(per_group),
            _heat_table(heat),
        )
    }
    name = f"okno-{scope.start:%Y%m%d}-{scope.end:%Y%m%d}"
    download = download_response(request, list(tables.values()), filename=name)
    if download is not None:
        return download
    context = {
        "form": form,
        "offices": offices,
        "scope": scope,
        "report": report,
        "tiles": _tiles(report),
        "criteria": _criteria(report),
        "series": report.series,
        "granularity": data["granularity"],
        "heat": heat,
        "per_service": per_service,
        "per_channel": per_channel,
        "per_group": per_group,
        "min_group": settings.OKNO_MIN_GROUP_RATINGS,
        "last_month": timezone.localdate(now).replace(day=1) - dt.timedelta(days=1),
        "tables": tables,
        "query": page_query(request),
        "charts": _charts(report, heat, data["granularity"]),
    }
    return render(request, "analytics/dashboard.html", context)


# --- what the page shows ------------------------------------------------------------------------


def _tiles(report: selectors.Report) -> list[tuple[str, Any, list[dict[str, Any]]]]:
    """Sections of KPI tiles, each with its sparkline over the period where the trend has one;
    the per-criterion figures are left out (drawn as bars instead)."""
    per_criterion = {f"{name}_{kind}" for name in CRITERIA for kind in ("mean", "top")}
    sparks = _sparks(report)
    return [
        (
            key,
            label,
            [
                {"kpi": kpi, "spark": sparks.get(kpi.key)}
                for kpi in items
                if kpi.key not in per_criterion
            ],
        )
        for key, label, items in report.sections()
    ]


#: KPI → (its key in the series, the factor to the unit drawn) for the tiles' sparklines.
_SPARKS = {
    "satisfaction": ("satisfaction", 100),
    "wait_mean": ("wait_mean", 1),
    "wait_within_norm": ("wait_within_norm", 100),
    "visits": ("visits", 1),
}


def _sparks(report: selectors.Report) -> dict[str, charts.Sparkline]:
    if len(report.series) < 2:
        return {}
    labels = [formats.date_format(point["start"], "SHORT_DATE_FORMAT") for point in report.series]
    values = report.by_key()
    result = {}
    for key, (field, factor) in _SPARKS.items():
        target = values[key].definition.target
        result[key] = charts.sparkline(
            [None if p[field] is None else p[field] * factor for p in report.series],
            id=f"spark-{key.replace('_', '-')}",
            title=_("%(kpi)s over the period") % {"kpi": values[key].definition.label},
            labels=labels,
            target=None if target is None else target * factor,
            unit="%" if factor == 100 else "",
        )
    return result


def _criteria(report: selectors.Report) -> list[dict[str, Any]]:
    values = report.by_key()
    return [
        {
            "label": k.criterion_label(name),
            "mean": values[f"{name}_mean"].value,
            "top": values[f"{name}_top"].value,
        }
        for name in CRITERIA
    ]


def _services(per: dict[int, dict[str, float]], names: dict[int, str]) -> list[dict[str, Any]]:
    rows = [
        {"id": service_id, "name": names.get(service_id) or str(service_id), **k.breakdown(sums)}
        for service_id, sums in per.items()
    ]
    return sorted(rows, key=lambda row: (-row["visits"], row["name"]))


def _channels(per: dict[str, dict[str, float]]) -> list[dict[str, Any]]:
    rows = [
        {"channel": channel, "name": CHANNEL_NAMES.get(channel, channel), **k.breakdown(sums)}
        for channel, sums in per.items()
    ]
    return sorted(rows, key=lambda row: -row["visits"])


def _groups(per: dict[tuple[str, str], dict[str, float]]) -> list[dict[str, Any]]:
    """Satisfaction per group the raters told about themselves; a group smaller than the
    threshold keeps its figures to itself (the row says so, with no numbers)."""
    least = settings.OKNO_MIN_GROUP_RATINGS
    rows = []
    for (dimension, value), sums in sorted(per.items()):
        n = int(sums.get("ratings", 0))
        shown = n >= least
        rows.append(
            {
                "dimension": GROUP_DIMENSIONS.get(dimension, dimension),
                "value": _group_value(dimension, value),
                "shown": shown,
                "ratings": n if shown else None,
                "satisfaction": k.ratio(sums.get("satisfied", 0), n) if shown else None,
                "mean": k.ratio(sums.get("score_sum", 0), n * len(CRITERIA)) if shown else None,
            }
        )
    return rows


def _group_value(dimension: str, value: str) -> str:
    choices = {
        "age_band": Rating.AgeBand,
        "gender": Rating.Gender,
        "disability": Rating.Disability,
    }.get(dimension)
    if choices is None:
        return value
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _heat(cells: dict[tuple[int, int], dict[str, float]]) -> dict[str, Any]:
    hours = sorted({hour for _weekday, hour in cells})
    rows = []
    for weekday in WEEKDAYS:
        row = []
        for hour in hours:
            cell = cells.get((weekday, hour))
            visits = cell["visits"] / cell["days"] if cell and cell["days"] else None
            wait = cell["wait_seconds"] / cell["waits"] / 60 if cell and cell["waits"] else None
            row.append({"visits": visits, "wait": wait})
        if any(c["visits"] for c in row):
            rows.append({"weekday": weekday, "name": weekday_name(weekday), "cells": row})
    return {"hours": hours, "rows": rows}


def _charts(report: selectors.Report, heat: dict[str, Any], granularity: str) -> dict[str, Any]:
    labels = [_bucket_label(point["start"], granularity) for point in report.series]
    satisfaction = [_percent(point["satisfaction"]) for point in report.series]
    waits = [point["wait_mean"] for point in report.series]
    values = report.by_key()
    wait_bins = k.bins_of(report.sums, "wait_bin")
    edges = [0, *MINUTE_EDGES]
    markers = [
        charts.Marker(_("median"), values["wait_median"].value),
        charts.Marker(_("9 in 10"), values["wait_p90"].value),
    ]
    return {
        "satisfaction": charts.line_chart(
            [charts.Series(_("Satisfied visitors"), satisfaction)],
            id="trend-satisfaction",
            labels=labels,
            target=k.SATISFACTION_TARGET * 100,
            y_min=0,
            y_max=100,
            unit="%",
            title=_("Satisfied visitors over time"),
        ),
        "wait": charts.line_chart(
            [charts.Series(_("Mean wait"), waits)],
            id="trend-wait",
            labels=labels,
            y_min=0,
            unit=_("min"),
            title=_("Mean wait over time"),
        ),
        "criteria": charts.bar_chart(
            [
                charts.BarRow(str(k.criterion_label(name)), values[f"{name}_mean"].value)
                for name in CRITERIA
            ],
            id="criteria",
            target=4,
            max_value=5,
            low_is_good=False,
            title=_("Mean score per criterion (1–5)"),
        ),
        "waits": charts.histogram(
            [
                charts.Bin(edges[i], edges[i + 1] if i + 1 < len(edges) else None, int(count))
                for i, count in enumerate(wait_bins)
            ],
            id="wait-distribution",
            marker_lines=[m for m in markers if m.value is not None],
            unit=_("min"),
            title=_("How long visitors waited"),
        ),
        "heat": charts.heat_map(
            [row["name"] for row in heat["rows"]],
            [f"{hour}:00" for hour in heat["hours"]],
            [[cell["visits"] for cell in row["cells"]] for row in heat["rows"]],
            id="arrivals",
            title=_("Visitors arriving per hour, by weekday (average per day)"),
        ),
    }


# --- the same figures as downloadable tables ----------------------------------------------------


def _kpi_table(report: selectors.Report) -> Table:
    return Table(
        "kpis",
        _("KPIs"),
        [
            Column("section", _("Section")),
            Column("kpi", _("KPI")),
            Column("value", _("Value")),
            Column("unit", _("Unit")),
            Column("target", _("Target")),
            Column("base", _("Based on"), "count"),
            Column("formula", _("How it is computed")),
        ],
        [
            [
                str(k.SECTIONS[kpi.definition.section]),
                str(kpi.definition.label),
                kpi.value,
                kpi.definition.unit,
                kpi.definition.target,
                kpi.base,
                str(kpi.definition.formula),
            ]
            for kpi in report.kpis
        ],
    )


def _criteria_table(report: selectors.Report) -> Table:
    return Table(
        "criteria",
        _("Scores per criterion"),
        [
            Column("criterion", _("Criterion")),
            Column("mean", _("Mean (1–5)"), "score"),
            Column("top", _("Gave 4 or 5"), "share"),
        ],
        [[str(row["label"]), row["mean"], row["top"]] for row in _criteria(report)],
    )


def _series_table(series: list[dict[str, Any]], granularity: str) -> Table:
    return breakdown_table("trend", _("Over time"), Column("start", _("Period")), series, "start")


def _service_table(rows: list[dict[str, Any]]) -> Table:
    return breakdown_table(
        "services",
        _("By service"),
        Column("service", _("Service")),
        rows,
        "name",
        extra=[Column("service_mean", _("Mean service time"), "minutes")],
    )


def _channel_table(rows: list[dict[str, Any]]) -> Table:
    return breakdown_table(
        "channels", _("By channel"), Column("channel", _("Channel")), rows, "name"
    )


def _group_table(rows: list[dict[str, Any]]) -> Table:
    return Table(
        "groups",
        _("Satisfaction by group"),
        [
            Column("dimension", _("Told us")),
            Column("group", _("Group")),
            Column("ratings", _("Ratings"), "count"),
            Column("satisfaction", _("Satisfied visitors"), "share"),
            Column("mean", _("Mean score (1–5)"), "score"),
        ],
        [
            [str(row["dimension"]), row["value"], row["ratings"], row["satisfaction"], row["mean"]]
            for row in rows
        ],
    )


def _heat_table(heat: dict[str, Any]) -> Table:
    return Table(
        "arrivals",
        _("Arrivals by weekday and hour"),
        [Column("weekday", _("Weekday"))]
        + [Column(f"h{hour}", f"{hour}:00", "rate") for hour in heat["hours"]],
        [[row["name"], *(cell["visits"] for cell in row["cells"])] for row in heat["rows"]],
    )


def _bucket_label(start: dt.date, granularity: str) -> str:
    if granularity == "month":
        return formats.date_format(start, "YEAR_MONTH_FORMAT")
    return formats.date_format(start, "SHORT_DATE_FORMAT")


def _percent(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


urlpatterns: list[URLPattern] = [
    path("staff/analytics/", dashboard, name="dashboard"),
]
