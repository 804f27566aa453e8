"""The league of offices: every KPI side by side, the best marked, strengths and weaknesses."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone

from okno.analytics import benchmarking
from okno.analytics.access import analytics_offices, require_office_figures
from okno.analytics.export import download_response, page_query
from okno.analytics.forms import KpiFilterForm
from okno.core.scoping import sees_all_offices


@login_required
def league(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_office_figures(user)
    now = timezone.now()
    offices = analytics_offices(user)
    form = period_form(request, all_offices=sees_all_offices(user), now=now)
    context = {"form": form, "offices": offices}
    if not form.is_valid():
        return render(request, "analytics/league.html", context, status=400)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    if not offices:
        return render(request, "analytics/league.html", context)
    result = benchmarking.league(offices, start, end, now=now)
    table = result.table()
    download = download_response(request, [table], filename=f"okno-{start}-{end}")
    if download is not None:
        return download
    context |= {
        "league": result,
        "table": table,
        "start": start,
        "end": end,
        "min_base": benchmarking.MIN_BASE,
        "query": page_query(request),
    }
    return render(request, "analytics/league.html", context)


def period_form(request: HttpRequest, *, all_offices: bool, now: dt.datetime) -> KpiFilterForm:
    """The dashboard's filter form, of which these pages use the period only (its other fields
    are not shown, so they are not read either: `?office=` means something else here)."""
    period = {name: request.GET[name] for name in ("start", "end") if name in request.GET}
    return KpiFilterForm(
        period,
        offices=[],
        services=[],
        all_offices=all_offices,
        today=timezone.localdate(now),
    )


urlpatterns: list[URLPattern] = [
    path("staff/analytics/league/", league, name="league"),
]
