"""Many operators and clerks at once: case numbers never repeat, a case is taken once, a step
is applied once. PostgreSQL only: threads need committed rows on real connections (the SQLite
run serialises writers by design; its queue variant covers the file-database settings)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from okno.cases import errors, services
from okno.cases.models import Case, CaseEvent, ProviderUnit, Routing
from okno.staff.models import Employee, Role
from tests.factories import EmployeeFactory, OfficeFactory, ServiceFactory
from tests.queueing.test_concurrency import in_threads

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]
NOW = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC)
THREADS = 12


@pytest.fixture
def set_up():
    office = OfficeFactory()
    service = ServiceFactory(offices=[office])
    clerks = [EmployeeFactory(role=Role.BACK_OFFICE, offices=[office]) for _ in range(THREADS)]
    unit = ProviderUnit.objects.create(name={"en": "Unit"})
    unit.offices.set([office])
    unit.members.set(clerks)
    Routing.objects.create(service=service, unit=unit)
    operator = EmployeeFactory(offices=[office])
    return office, service, operator, clerks


def test_operators_registering_at_once_get_numbers_without_gaps_or_duplicates(set_up):
    office, service, operator, _clerks = set_up
    per_thread = 5

    def work(index: int) -> None:
        for _ in range(per_thread):
            services.register_case(
                office, service, employee=operator, documents={}, applicant_name="A", now=NOW
            )

    assert in_threads(work, THREADS) == []
    sequences = sorted(Case.objects.filter(office=office).values_list("sequence", flat=True))
    assert sequences == list(range(1, THREADS * per_thread + 1))


def test_a_pool_case_is_taken_by_exactly_one_clerk_and_started_once(set_up):
    office, service, operator, clerks = set_up
    case = services.register_case(
        office, service, employee=operator, documents={}, applicant_name="A", now=NOW
    )
    outcomes: list[str] = []

    def work(index: int) -> None:
        clerk = Employee.objects.get(pk=clerks[index].pk)
        mine = Case.objects.get(pk=case.pk)
        try:
            services.take_case(mine, employee=clerk, now=NOW)
            services.transition(mine, Case.Status.IN_PROGRESS, employee=clerk, now=NOW)
            outcomes.append("took")
        except (errors.AlreadyTaken, errors.TransitionNotAllowed):
            outcomes.append("refused")

    assert in_threads(work, THREADS) == []
    assert outcomes.count("took") == 1
    assert CaseEvent.objects.filter(case=case, action="taken").count() == 1
    assert CaseEvent.objects.filter(case=case, to_status="in_progress").count() == 1
