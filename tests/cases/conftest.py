"""The back office of office A, and an application for its passport service.

Office A's passport service (`service_a`, 10 working days) has a checklist of three documents:
two mandatory ones the applicant brings, one optional, and one the centre obtains itself. Its
applications go to the migration unit, whose members are the clerk (`clerk`) and a second clerk
(`clerk_2`); `unit_head` heads it. Office B's service goes to another unit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from okno.cases import services
from okno.cases.models import Case, ProviderUnit, Routing
from okno.catalog.models import RequiredDocument
from okno.staff.models import Employee, Role
from tests.factories import EmployeeFactory, RequiredDocumentFactory

#: Tuesday 24 November 2026, 10:00 in Kyiv.
INTAKE = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def documents(service_a) -> list[RequiredDocument]:
    """Passport checklist: [application form, old passport, photo (optional), tax record (the
    centre obtains it)]."""
    return [
        RequiredDocumentFactory(
            service=service_a, order=1, name={"uk": "Заява", "en": "Application form"}
        ),
        RequiredDocumentFactory(
            service=service_a,
            order=2,
            name={"uk": "Старий паспорт", "en": "Old passport"},
            form=RequiredDocument.Form.ORIGINAL_AND_COPY,
        ),
        RequiredDocumentFactory(
            service=service_a, order=3, name={"uk": "Фото", "en": "Photo"}, mandatory=False
        ),
        RequiredDocumentFactory(
            service=service_a,
            order=4,
            name={"uk": "Довідка", "en": "Tax record"},
            obtained_by=RequiredDocument.ObtainedBy.CENTRE,
        ),
    ]


@pytest.fixture
def clerk_2(office_a) -> Employee:
    return EmployeeFactory(
        username="bohdana", role=Role.BACK_OFFICE, offices=[office_a], position="Clerk"
    )


@pytest.fixture
def unit_head(office_a) -> Employee:
    return EmployeeFactory(
        username="mykola",
        role=Role.BACK_OFFICE,
        offices=[office_a],
        first_name="Mykola",
        last_name="Unit",
        position="Head of the migration unit",
    )


@pytest.fixture
def unit(office_a, clerk, clerk_2, unit_head) -> ProviderUnit:
    unit = ProviderUnit.objects.create(
        name={"uk": "Міграційний відділ", "en": "Migration unit"}, head=unit_head
    )
    unit.offices.set([office_a])
    unit.members.set([clerk, clerk_2])
    return unit


@pytest.fixture
def pool_routing(service_a, unit) -> Routing:
    """Passport applications from every office go to the migration unit's pool."""
    return Routing.objects.create(service=service_a, unit=unit)


@pytest.fixture
def other_unit(office_b, service_b) -> ProviderUnit:
    """Office B's registration unit, with its own clerk."""
    clerk_b = EmployeeFactory(username="borys", role=Role.BACK_OFFICE, offices=[office_b])
    unit = ProviderUnit.objects.create(name={"uk": "Реєстрація", "en": "Registration unit"})
    unit.offices.set([office_b])
    unit.members.set([clerk_b])
    Routing.objects.create(service=service_b, unit=unit)
    return unit


@pytest.fixture
def all_documents(documents) -> dict[int, str]:
    """What a complete application hands in: every document the applicant brings."""
    return {
        doc.pk: (RequiredDocument.Form.ORIGINAL if doc.form == "original" else doc.form)
        for doc in documents
        if doc.obtained_by == RequiredDocument.ObtainedBy.APPLICANT
    }


@pytest.fixture
def register(office_a, service_a, operator, pool_routing, all_documents) -> Callable[..., Case]:
    """`register()` takes a complete passport application at office A (by default at INTAKE)."""

    def register(**kwargs) -> Case:
        kwargs.setdefault("employee", operator)
        kwargs.setdefault("documents", all_documents)
        kwargs.setdefault("applicant_name", "Iryna Koval")
        kwargs.setdefault("contact", "+380501234567")
        kwargs.setdefault("language", "uk")
        kwargs.setdefault("now", INTAKE)
        return services.register_case(office_a, service_a, **kwargs)

    return register
