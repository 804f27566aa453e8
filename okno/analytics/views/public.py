"""An office's public open-data page (HTML, JSON, CSV/XLSX) and the printable monthly report."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import URLPattern, path
from django.utils import formats, timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from okno.analytics import kpis as k
from okno.analytics import selectors
from okno.analytics.access import analytics_offices, sees_office_figures
from okno.analytics.export import (
    FORMATS,
    Column,
    Table,
    breakdown_table,
    download_response,
    table_response,
)
from okno.analytics.public import (
    MIN_BASE,
    PublicFigures,
    add_months,
    as_open_data,
    month_bounds,
    public_figures,
)
from okno.analytics.services import local_today
from okno.analytics.templatetags.analytics import kpi_value, weekday_name
from okno.catalog.models import Office
from okno.core import charts
from okno.core.i18n import tr
from okno.feedback.models import CRITERIA

#: The public page is the same for everybody for this long (it is open and could be hit hard).
CACHE_SECONDS = 60
#: How many of the busiest weekday-hours the monthly report lists.
BUSIEST = 5
_PER_CRITERION = {f"{name}_{kind}" for name in CRITERIA for kind in ("mean", "top")}


def public_performance(request: HttpRequest, slug: str) -> HttpResponse:
    """The office's figures for anybody; the same response is served for a minute per language."""
    variant = _variant(request)
    if variant is None:
        # Unknown parameters would otherwise each cost a fresh computation (and end up in the
        # cached page's language links): send them to the plain address.
        return redirect(request.path)
    key = f"analytics:public:{slug}:{get_language()}:{variant}"
    stored = cache.get(key)
    if stored is None:
        office = get_object_or_404(Office, slug=slug, is_active=True)
        response = _public_response(request, public_figures(office), variant)
        stored = (response.content, response["Content-Type"], response.get("Content-Disposition"))
        cache.set(key, stored, CACHE_SECONDS)
    content, content_type, disposition = stored
    response = HttpResponse(content, content_type=content_type)
    if disposition:
        response["Content-Disposition"] = disposition
    if variant != "html":
        # Open data: other sites may read it from the browser.
        response["Access-Control-Allow-Origin"] = "*"
    patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
    return response


@login_required
def monthly_report(request: HttpRequest, slug: str, year: int, month: int) -> HttpResponse:
    """A printable report of one office-month for the staff who may see the office's figures."""
    office = _office_for(request, slug)
    now = timezone.now()
    today = local_today(office, now)
    try:
        first = dt.date(year, month, 1)
    except ValueError:
        raise Http404 from None
    # Before 1900 there is no data, and the month before year 1 does not exist.
    if first > today or year < 1900:
        raise Http404
    start, last = month_bounds(first)
    end = min(last, today)
    scope = selectors.Scope((office,), start, end)
    report = selectors.report(scope, now=now, granularity="week")
    before = selectors.report(
        selectors.Scope((office,), *month_bounds(add_months(first, -1))), now=now
    )
    has_data = bool(report.sums.get("visits") or report.sums.get("ratings"))
    context = {
        "office": office,
        "office_name": tr(office.name, office.default_language),
        "month": first,
        "previous": add_months(first, -1),
        "start": start,
        "end": end,
        "partial": end < last,
        "has_data": has_data,
        "sections": _sections(report, before, has_data),
        "criteria": _criteria(report, before),
        "weeks": _weeks(report.series, start),
        "busiest": _busiest(selectors.heat_map(scope, now=now)),
        "generated_at": now.astimezone(office.zone),
    }
    tables = {table.slug: table for table in _report_tables(context)}
    download = download_response(
        request, list(tables.values()), filename=f"okno-{office.slug}-{first:%Y-%m}"
    )
    if download is not None:
        return download
    context["tables"] = tables
    return render(request, "analytics/monthly.html", context)


# --- the public page ----------------------------------------------------------------------------


def _variant(request: HttpRequest) -> str | None:
    """Which form of the public page the query asks for: "html", "json", "trend.csv"...; None
    when it holds anything else."""
    query = request.GET
    if not query:
        return "html"
    if set(query) == {"format"} and query["format"] == "json":
        return "json"
    if set(query) == {"download", "format"} and query["download"] == "trend":
        return f"trend.{query['format']}" if query["format"] in FORMATS else None
    return None


def _public_response(request: HttpRequest, figures: PublicFigures, variant: str) -> HttpResponse:
    if variant == "json":
        return JsonResponse(as_open_data(figures), json_dumps_params={"ensure_ascii": False})
    table = _trend_table(figures)
    if variant != "html":
        fmt = variant.split(".")[1]
        return table_response(table, fmt, filename=f"okno-{figures.office.slug}")
    office = figures.office
    local_time = figures.generated_at.astimezone(office.zone)
    sections = [
        {
            "id": "today",
            "heading": _("Today"),
            "hint": _("As of %(time)s local time; the page is updated every minute.")
            % {"time": formats.time_format(local_time, "H:i")},
            "figures": [figures.visits_today, figures.waiting_now, *figures.today_waits],
        },
        {
            "id": "last-month",
            "heading": _("Last month (%(month)s)")
            % {"month": formats.date_format(figures.month, "YEAR_MONTH_FORMAT")},
            "hint": "",
            "figures": figures.last_month,
        },
    ]
    context = {
        "sections": sections,
        "figures": figures,
        "office": office,
        "office_name": tr(office.name, office.default_language),
        "minimum": MIN_BASE,
        "trend_chart": _trend_chart(figures),
        "trend_table": table,
    }
    return HttpResponse(render_to_string("analytics/public.html", context, request))


def _trend_chart(figures: PublicFigures) -> charts.LineChart:
    return charts.line_chart(
        [
            charts.Series(
                _("Satisfied visitors"),
                [_percent(point.satisfaction) for point in figures.trend],
            )
        ],
        id="public-satisfaction",
        labels=[formats.date_format(point.month, "M Y") for point in figures.trend],
        target=k.SATISFACTION_TARGET * 100,
        y_min=0,
        y_max=100,
        unit="%",
        title=_("Satisfied visitors, month by month"),
        description=_(
            "Share of ratings with an overall score of 4 or more, for the last twelve months. "
            "Months with too few ratings are left out. The figures are in the table below."
        ),
    )


def _trend_table(figures: PublicFigures) -> Table:
    return Table(
        "trend",
        _("Satisfied visitors, month by month"),
        [
            Column("month", _("Month")),
            Column("ratings", _("Ratings"), "count"),
            Column("satisfaction", _("Satisfied visitors"), "share"),
        ],
        [
            [point.month.strftime("%Y-%m"), point.ratings, point.satisfaction]
            for point in figures.trend
        ],
    )


# --- the monthly report -------------------------------------------------------------------------


def _office_for(request: HttpRequest, slug: str) -> Office:
    """The office if the user may see its figures; 404 otherwise (its existence is not told)."""
    if not sees_office_figures(request.user):
        raise Http404
    office = next((o for o in analytics_offices(request.user) if o.slug == slug), None)
    if office is None:
        raise Http404
    return office


def _sections(
    report: selectors.Report, before: selectors.Report, has_data: bool
) -> list[dict[str, Any]]:
    """Each section's KPIs with last month's value and the change (per-criterion ones apart)."""
    previous = before.by_key()
    sections = []
    for key, label, items in report.sections():
        rows = []
        for kpi in items:
            if kpi.key in _PER_CRITERION:
                continue
            unit = kpi.definition.unit
            # With no visit or rating at all a zero count says nothing: it is shown as "—".
            value = None if not has_data and unit == "count" else kpi.value
            earlier = previous[kpi.key].value
            rows.append(
                {
                    "kpi": kpi,
                    "value": value,
                    "previous": earlier,
                    "change": _change(value, earlier, kpi.definition),
                    "meets_target": k.Kpi(kpi.definition, value, kpi.base).meets_target,
                }
            )
        if rows:
            sections.append({"key": key, "label": label, "rows": rows})
    return sections


def _change(
    value: float | None, earlier: float | None, definition: k.Definition
) -> dict[str, Any] | None:
    """The change against last month in words: "+5.0 pp" for shares, the unit's own otherwise."""
    if value is None or earlier is None:
        return None
    delta = value - earlier
    unit = definition.unit
    if unit == "share":
        number = formats.number_format(round(abs(delta) * 100, 1), 1)
        text = _("%(value)s pp") % {"value": number}
    else:
        text = kpi_value(abs(delta), unit)
    sign = "+" if delta > 0 else "−" if delta < 0 else "±"
    if abs(delta) < 1e-9:
        direction = "same"
    elif (delta > 0) == definition.higher_is_better:
        direction = "better"
    else:
        direction = "worse"
    return {"value": delta, "text": f"{sign}{text}", "direction": direction}


def _criteria(report: selectors.Report, before: selectors.Report) -> list[dict[str, Any]]:
    now, then = report.by_key(), before.by_key()
    return [
        {
            "name": name,
            "label": k.criterion_label(name),
            "mean": now[f"{name}_mean"].value,
            "top": now[f"{name}_top"].value,
            "previous_mean": then[f"{name}_mean"].value,
        }
        for name in CRITERIA
    ]


def _weeks(series: list[dict[str, Any]], start: dt.date) -> list[dict[str, Any]]:
    """The weekly points, each week starting on its Monday or on the month's first day."""
    return [{**point, "start": max(point["start"], start)} for point in series]


def _busiest(cells: dict[tuple[int, int], dict[str, float]]) -> list[dict[str, Any]]:
    """The weekday-hours with the most arrivals on an average day of the month."""
    rows = []
    for (weekday, hour), cell in cells.items():
        if not cell["days"] or not cell["visits"]:
            continue
        rows.append(
            {
                "weekday": weekday,
                "weekday_name": weekday_name(weekday),
                "hour": hour,
                "visits": cell["visits"] / cell["days"],
                "wait": cell["wait_seconds"] / cell["waits"] / 60 if cell["waits"] else None,
            }
        )
    rows.sort(key=lambda row: (-row["visits"], row["weekday"], row["hour"]))
    return rows[:BUSIEST]


def _report_tables(context: dict[str, Any]) -> list[Table]:
    kpis = Table(
        "kpis",
        _("KPIs"),
        [
            Column("section", _("Section")),
            Column("kpi", _("KPI")),
            Column("value", _("Value")),
            Column("unit", _("Unit")),
            Column("target", _("Target")),
            Column("previous", _("Last month")),
            Column("change", _("Change")),
        ],
        [
            [
                str(section["label"]),
                str(row["kpi"].definition.label),
                row["value"],
                row["kpi"].definition.unit,
                row["kpi"].definition.target,
                row["previous"],
                row["change"]["value"] if row["change"] else None,
            ]
            for section in context["sections"]
            for row in section["rows"]
        ],
    )
    criteria = Table(
        "criteria",
        _("Scores per criterion"),
        [
            Column("criterion", _("Criterion")),
            Column("mean", _("Mean (1–5)"), "score"),
            Column("top", _("Gave 4 or 5"), "share"),
            Column("previous_mean", _("Mean last month"), "score"),
        ],
        [
            [str(row["label"]), row["mean"], row["top"], row["previous_mean"]]
            for row in context["criteria"]
        ],
    )
    weeks = breakdown_table(
        "weeks", _("Week by week"), Column("start", _("Week from")), context["weeks"], "start"
    )
    busiest = Table(
        "busiest",
        _("Busiest hours"),
        [
            Column("weekday", _("Weekday")),
            Column("hour", _("Hour")),
            Column("visits", _("Visitors arriving (average day)"), "rate"),
            Column("wait", _("Mean wait"), "minutes"),
        ],
        [
            [row["weekday_name"], f"{row['hour']}:00", row["visits"], row["wait"]]
            for row in context["busiest"]
        ],
    )
    return [kpis, criteria, weeks, busiest]


def _percent(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


urlpatterns: list[URLPattern] = [
    path("offices/<slug:slug>/performance/", public_performance, name="public_performance"),
    path(
        "staff/analytics/report/<slug:slug>/<int:year>/<int:month>/",
        monthly_report,
        name="monthly_report",
    ),
]
