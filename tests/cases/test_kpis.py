"""The applications' KPIs on the dashboard, from cases taken through their real steps."""

from __future__ import annotations

import datetime as dt

from okno.analytics import selectors
from okno.cases import services
from tests.cases.conftest import INTAKE

DAY = dt.timedelta(days=1)


def _decide(case, clerk, at: dt.datetime, *, delivery: str = ""):
    services.take_case(case, employee=clerk, now=at)
    services.transition(case, "in_progress", employee=clerk, now=at)
    services.transition(case, "decided", employee=clerk, decision="granted", now=at)
    return services.transition(case, "issued", employee=clerk, delivery=delivery, now=at)


def test_decided_in_time_days_to_a_decision_and_visits_per_application(
    register, clerk, office_a, service_a
):
    # Both registered on Tuesday 24 November 2026 (10 working days: due Tuesday 8 December).
    # One decided and handed out at the centre on Thursday 26 November: 2 working days.
    # One decided on Thursday 10 December, late (12 working days), sent by post.
    quick = register()
    late = register(applicant_name="Petro Late")
    _decide(quick, clerk, INTAKE + 2 * DAY)
    _decide(late, clerk, INTAKE + 16 * DAY, delivery="post")
    scope = selectors.Scope((office_a,), dt.date(2026, 11, 23), dt.date(2026, 12, 11))
    values = {
        kpi.key: kpi.value
        for kpi in selectors.report(scope, now=INTAKE + 17 * DAY).kpis
        if kpi.definition.section == "cases"
    }
    assert values["cases_on_time"] == 0.5
    assert values["case_days"] == (2 + 12) / 2
    # Registered without a ticket (no intake visit); one handed out at the centre, one posted:
    # one visit for two applications.
    assert values["visits_per_case"] == 0.5
    assert values["cases_overdue"] == 0
