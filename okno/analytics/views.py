"""The head's and the analyst's KPI dashboard: tiles with formula and target, trend, drill-down."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone

from okno.analytics import kpis as k
from okno.analytics import selectors
from okno.analytics.forms import KpiFilterForm
from okno.catalog.models import Office, Service
from okno.core.i18n import tr
from okno.core.scoping import scope, sees_all_offices
from okno.feedback.models import CRITERIA
from okno.staff.models import Role

#: Who may look at KPIs: heads (their offices), analysts and administrators (all offices).
ANALYTICS_ROLES = frozenset({Role.HEAD, Role.ANALYST, Role.ADMINISTRATOR})
WEEKDAYS = (1, 2, 3, 4, 5, 6, 7)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_superuser:
        employee = getattr(user, "employee", None)
        if employee is None or employee.role not in ANALYTICS_ROLES:
            raise PermissionDenied
    now = timezone.now()
    offices = list(
        scope(Office.objects.filter(is_active=True), user, office_field="pk").order_by("slug")
    )
    services = Service.objects.filter(is_active=True, offices__in=offices).distinct()
    form = KpiFilterForm(
        request.GET,
        offices=[(o.slug, tr(o.name, o.default_language)) for o in offices],
        services=sorted(((s.pk, tr(s.name)) for s in services), key=lambda c: c[1]),
        all_offices=sees_all_offices(user),
        today=timezone.localdate(now),
    )
    if not form.is_valid():
        return render(
            request, "analytics/dashboard.html", {"form": form, "offices": offices}, status=400
        )
    data = form.cleaned_data
    chosen = [o for o in offices if o.slug == data.get("office")] or offices
    if not chosen:
        return render(request, "analytics/dashboard.html", {"form": form, "offices": offices})
    report_scope = selectors.Scope(tuple(chosen), data["start"], data["end"], data.get("service"))
    report = selectors.report(report_scope, now=now, granularity=data["granularity"])
    context = {
        "form": form,
        "offices": offices,
        "scope": report_scope,
        "report": report,
        "tiles": _tiles(report),
        "criteria": _criteria(report),
        "series": report.series,
        "granularity": data["granularity"],
        "heat": _heat(selectors.heat_map(report_scope, now=now)),
    }
    return render(request, "analytics/dashboard.html", context)


def _tiles(report: selectors.Report) -> list[tuple[str, Any, list[k.Kpi]]]:
    """Sections of KPI tiles, leaving out the per-criterion figures (drawn as bars instead)."""
    per_criterion = {f"{name}_{kind}" for name in CRITERIA for kind in ("mean", "top")}
    return [
        (key, label, [kpi for kpi in items if kpi.key not in per_criterion])
        for key, label, items in report.sections()
    ]


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
            rows.append({"weekday": weekday, "date": dt.date(2024, 1, weekday), "cells": row})
    return {"hours": hours, "rows": rows}


urlpatterns: list[URLPattern] = [
    path("staff/analytics/", dashboard, name="dashboard"),
]
