"""Employees' figures: the head's table of an office's employees, and one employee's own page.

An employee's figures are theirs and their head's (and analysts'), never a colleague's: the
person page answers 404 to anyone else, so that nobody learns who works where.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from okno.analytics import benchmarking, selectors
from okno.analytics import kpis as k
from okno.analytics.access import (
    analytics_offices,
    may_see_employee,
    require_office_figures,
    sees_office_figures,
)
from okno.analytics.export import Column, Table, download_response, page_query
from okno.analytics.views.league import period_form
from okno.catalog.models import Office
from okno.core import charts
from okno.core.scoping import sees_all_offices
from okno.feedback.models import CRITERIA
from okno.staff.models import Employee

#: The person page compares these KPIs with the office's, in this order.
PERSON_KPIS = (
    "satisfaction",
    "satisfaction_index",
    "loyalty",
    *(f"{name}_mean" for name in CRITERIA),
    "service_mean",
    "service_within_norm",
    "visits_per_operator_hour",
)


@login_required
def employees(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_office_figures(user)
    now = timezone.now()
    offices = analytics_offices(user)
    slug = request.GET.get("office")
    office = next((o for o in offices if o.slug == slug), None) if slug else None
    if slug and office is None:
        raise Http404
    office = office or (offices[0] if offices else None)
    form = period_form(request, all_offices=sees_all_offices(user), now=now)
    context: dict[str, Any] = {
        "form": form,
        "offices": offices,
        "office": office,
        "office_choices": [(o.slug, benchmarking.office_name(o)) for o in offices],
    }
    if not form.is_valid():
        return render(request, "analytics/people.html", context, status=400)
    if office is None:
        return render(request, "analytics/people.html", context)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    result = benchmarking.employee_table(office, start, end, now=now)
    table = result.table()
    download = download_response(request, [table], filename=f"{office.slug}-{start}-{end}")
    if download is not None:
        return download
    context |= {
        "result": result,
        "table": table,
        "start": start,
        "end": end,
        "query": page_query(request),
        "weak_margin": benchmarking.WEAK_MARGIN,
        "min_ratings": benchmarking.MIN_RATINGS,
    }
    return render(request, "analytics/people.html", context)


@login_required
def employee(request: HttpRequest, employee_id: int) -> HttpResponse:
    person = get_object_or_404(Employee.objects.select_related("user"), pk=employee_id)
    if not may_see_employee(request.user, person):
        raise Http404
    return _person_page(request, person, own=_is_self(request, person))


@login_required
def my_figures(request: HttpRequest) -> HttpResponse:
    person = getattr(request.user, "employee", None)
    if person is None:
        raise Http404
    return _person_page(request, person, own=True)


def _person_page(request: HttpRequest, person: Employee, *, own: bool) -> HttpResponse:
    now = timezone.now()
    user = request.user
    offices = _offices_shown(request, person, own=own)
    slug = request.GET.get("office")
    office = next((o for o in offices if o.slug == slug), None) if slug else None
    if slug and office is None:
        raise Http404
    office = office or (offices[0] if offices else None)
    form = period_form(request, all_offices=sees_all_offices(user), now=now)
    context: dict[str, Any] = {
        "form": form,
        "person": person,
        "own": own,
        "offices": offices,
        "office": office,
        "office_choices": [(o.slug, benchmarking.office_name(o)) for o in offices],
        "office_name": benchmarking.office_name(office) if office else "",
        "sees_offices": sees_office_figures(user),
    }
    if not form.is_valid():
        return render(request, "analytics/person.html", context, status=400)
    if office is None:
        return render(request, "analytics/person.html", context)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    scope = selectors.Scope((office,), start, end)
    office_kpis = selectors.report(scope, now=now).by_key()
    figures = benchmarking.employee_figures(scope, person, office_kpis, now=now)
    rows = [(k.DEFINITIONS[key], figures.kpis[key], office_kpis[key]) for key in PERSON_KPIS]
    table = _person_table(figures, rows, office)
    download = download_response(
        request, [table], filename=f"{office.slug}-{person.pk}-{start}-{end}"
    )
    if download is not None:
        return download
    context |= {
        "figures": figures,
        "rows": rows,
        "table": table,
        "criterion_charts": _criterion_charts(figures),
        "trend": _trend(scope, person, now),
        "start": start,
        "end": end,
        "weak_margin": benchmarking.WEAK_MARGIN,
        "min_ratings": benchmarking.MIN_RATINGS,
        "query": page_query(request),
    }
    return render(request, "analytics/person.html", context)


def _is_self(request: HttpRequest, person: Employee) -> bool:
    me = getattr(request.user, "employee", None)
    return me is not None and me.pk == person.pk


def _offices_shown(request: HttpRequest, person: Employee, *, own: bool) -> list[Office]:
    """The employee's offices: all of them on their own page, else those the viewer sees."""
    theirs = list(person.offices.filter(is_active=True).order_by("slug"))
    if own:
        return theirs
    visible = {o.pk for o in analytics_offices(request.user)}
    return [o for o in theirs if o.pk in visible]


def _person_table(
    figures: benchmarking.EmployeeFigures,
    rows: list[tuple[k.Definition, k.Kpi, k.Kpi]],
    office: Office,
) -> Table:
    columns = [
        Column("kpi", _("Indicator")),
        Column("unit", _("Unit")),
        Column("employee", figures.name),
        Column("office", _("Office average")),
    ]
    body = [
        [
            str(definition.label),
            str(benchmarking.UNIT_WORDS.get(definition.unit, definition.unit)),
            mine.value,
            theirs.value,
        ]
        for definition, mine, theirs in rows
    ]
    return Table("figures", _("Figures against the office"), columns, body)


def _criterion_charts(figures: benchmarking.EmployeeFigures) -> list[charts.BarChart]:
    """One bar per criterion: the employee's mean, the office mean as the target line."""
    result = []
    for criterion in figures.criteria:
        # The office's own bar sits next to the employee's so that both figures (and the
        # target line, which the chart labels with their precision) read alike.
        rows = [] if criterion.mean is None else [charts.BarRow(figures.name, criterion.mean)]
        if rows and criterion.office_mean is not None:
            rows.append(charts.BarRow(_("Office average"), criterion.office_mean))
        if criterion.office_mean is None:
            description = _("Mean score from 1 to 5; the office has no ratings to compare with.")
        else:
            description = _(
                "Mean score from 1 to 5. The office mean, %(mean)s, is drawn as the target line; "
                "a bar below it is hatched and marked ⚠."
            ) % {"mean": number_format(criterion.office_mean, 2)}
        result.append(
            charts.bar_chart(
                rows,
                id=f"criterion-{criterion.name.replace('_', '-')}",
                target=criterion.office_mean,
                max_value=5,
                low_is_good=False,
                title=criterion.label[:1].upper() + criterion.label[1:],
                description=description,
            )
        )
    return result


def _trend(scope: selectors.Scope, person: Employee, now: dt.datetime) -> charts.LineChart | None:
    """The employee's satisfied share per calendar month of the period (None for one month)."""
    months = []
    first = scope.start.replace(day=1)
    while first <= scope.end:
        following = (first + dt.timedelta(days=32)).replace(day=1)
        months.append((max(first, scope.start), min(following - dt.timedelta(days=1), scope.end)))
        first = following
    if len(months) < 2:
        return None
    values: list[float | None] = []
    for start, end in months:
        # Sharing the live rows computed for the whole period keeps this to one query a month.
        month = selectors.Scope(scope.offices, start, end, live=scope.live)
        kpis = {kpi.key: kpi for kpi in selectors.employee_kpis(month, person.pk, now=now)}
        value = kpis["satisfaction"].value
        values.append(None if value is None else round(value * 100, 1))
    return charts.line_chart(
        [charts.Series(_("Satisfied visitors"), values)],
        id="satisfaction-trend",
        labels=[date_format(start, "YEAR_MONTH_FORMAT") for start, _end in months],
        target=k.SATISFACTION_TARGET * 100,
        y_min=0,
        y_max=100,
        unit="%",
        title=_("Satisfied visitors by month"),
    )


urlpatterns: list[URLPattern] = [
    path("staff/analytics/employees/", employees, name="employees"),
    path("staff/analytics/employees/<int:employee_id>/", employee, name="employee"),
    path("staff/analytics/me/", my_figures, name="my_figures"),
]
