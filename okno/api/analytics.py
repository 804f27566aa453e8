"""KPI endpoint: the dashboard's figures, with their definitions, for staff tools and reports.

Heads get their own offices, analysts and administrators every office; an office out of scope
is 404 as if it did not exist. With `employee`, the figures are that employee's: a head sees the
employees of their offices, anyone else only themselves (employees never see each other's).

No `from __future__ import annotations` here: django-ninja reads the annotations at import.
"""

import datetime as dt
from typing import Literal

from django.http import Http404, HttpRequest
from django.utils import timezone, translation
from ninja import Field, Query, Router, Schema, Status

from okno.analytics import selectors
from okno.analytics.access import analytics_offices, may_see_employee, sees_office_figures
from okno.analytics.forms import MAX_DAYS
from okno.analytics.kpis import Kpi
from okno.api.auth import NotStaff, staff_auth
from okno.api.catalog import LanguageQuery
from okno.api.errors import answers_domain_errors
from okno.api.queueing import QueueErrorOut, QueueInvalidOut
from okno.catalog.models import Service
from okno.staff.models import Employee

router = Router(tags=["analytics"])
MAX_ID = 2**63 - 1


class KpiQuery(LanguageQuery):
    office: int | None = Field(None, ge=1, le=MAX_ID, description="One office; default all yours.")
    service: int | None = Field(None, ge=1, le=MAX_ID)
    employee: int | None = Field(None, ge=1, le=MAX_ID, description="One employee's own KPIs.")
    from_: dt.date | None = Field(
        None, alias="from", description="First day (default: 29 days before `to`)."
    )
    to: dt.date | None = Field(None, description="Last day (default: today).")
    granularity: Literal["day", "week", "month"] | None = None


class KpiOut(Schema):
    key: str
    section: str
    label: str
    formula: str
    unit: str
    value: float | None
    base: int
    target: float | None
    higher_is_better: bool
    meets_target: bool | None


class PointOut(Schema):
    start: dt.date
    visits: int
    ratings: int
    satisfaction: float | None
    wait_mean: float | None
    wait_within_norm: float | None


class KpiReportOut(Schema):
    offices: list[int]
    service: int | None
    employee: int | None
    start: dt.date
    end: dt.date
    granularity: str | None
    kpis: list[KpiOut]
    series: list[PointOut]
    incomplete_office_days: int = Field(
        0, description="Past office-days left out: not rolled up yet, too many to compute live."
    )


@router.get(
    "/kpi",
    auth=staff_auth,
    response={
        200: KpiReportOut,
        400: QueueErrorOut,
        401: QueueErrorOut,
        403: QueueErrorOut,
        404: QueueErrorOut,
        422: QueueInvalidOut,
    },
    summary="KPIs of offices, a service or an employee over a period",
    description=(
        "Every KPI with its definition in words (in the language asked for), the value, what it "
        f"rests on and its target. At most {MAX_DAYS} days at a time. Shares are 0–1, times in "
        "minutes."
    ),
)
@answers_domain_errors
def kpi(request: HttpRequest, query: Query[KpiQuery]):
    employee = getattr(request.user, "employee", None)
    if employee is None and not request.user.is_superuser:
        raise NotStaff()
    offices = analytics_offices(request.user)
    if query.office is not None:
        offices = [o for o in offices if o.pk == query.office]
        if not offices:
            raise Http404
    if query.service is not None and not Service.objects.filter(pk=query.service).exists():
        raise Http404
    if query.employee is not None:
        subject = Employee.objects.filter(pk=query.employee).first()
        if subject is None or not may_see_employee(request.user, subject):
            raise Http404
        offices = [o for o in offices if subject.offices.filter(pk=o.pk).exists()] or offices
    elif not sees_office_figures(request.user):
        raise NotStaff()
    end = query.to or timezone.localdate()
    start = query.from_ or end - dt.timedelta(days=29)
    with translation.override(query.lang or translation.get_language()):
        if start > end or (end - start).days + 1 > MAX_DAYS:
            return Status(400, {"message": _period_message()})
        report_scope = selectors.Scope(tuple(offices), start, end, query.service)
        if query.employee is not None:
            values = selectors.employee_kpis(report_scope, query.employee)
            series = []
            incomplete = selectors.incomplete_office_days(report_scope)
        else:
            report = selectors.report(report_scope, granularity=query.granularity)
            values, series = report.kpis, report.series
            incomplete = report.incomplete_office_days
        return {
            "offices": [o.pk for o in offices],
            "service": query.service,
            "employee": query.employee,
            "start": start,
            "end": end,
            "granularity": query.granularity,
            "kpis": [_kpi(value) for value in values],
            "series": series,
            "incomplete_office_days": incomplete,
        }


def _kpi(value: Kpi) -> dict:
    definition = value.definition
    return {
        "key": definition.key,
        "section": definition.section,
        "label": str(definition.label),
        "formula": str(definition.formula),
        "unit": definition.unit,
        "value": value.value,
        "base": value.base,
        "target": definition.target,
        "higher_is_better": definition.higher_is_better,
        "meets_target": value.meets_target,
    }


def _period_message() -> str:
    from django.utils.translation import gettext

    return gettext(
        "The first day must not be after the last, and at most %(days)s days at a time."
    ) % {"days": MAX_DAYS}
