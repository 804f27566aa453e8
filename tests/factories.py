"""Factories for the catalogue and the staff: one place that knows how to make valid rows."""

from __future__ import annotations

import datetime as dt
import string
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from okno.appointments.models import StaffShift
from okno.catalog.models import (
    CalendarException,
    LifeSituation,
    LifeSituationStep,
    Office,
    OpeningHours,
    RequiredDocument,
    Service,
    ServiceGroup,
    ServicePoint,
)
from okno.staff import services as staff_services
from okno.staff.models import Competency, Employee, Role

#: Two capital letters per group: AA, AB, ... (a service group's ticket letter is 1-2 letters).
_PREFIXES = [a + b for a in string.ascii_uppercase for b in string.ascii_uppercase]

WEEKDAYS = range(0, 5)


class OfficeFactory(factory.django.DjangoModelFactory):
    """A Ukrainian service centre in Kyiv time; `pl=True` makes a Polish office in Warsaw."""

    class Meta:
        model = Office
        skip_postgeneration_save = True

    class Params:
        pl = factory.Trait(
            country="PL",
            time_zone="Europe/Warsaw",
            default_language="pl",
            name=factory.Sequence(lambda n: {"pl": f"Biuro Obsługi {n}", "en": f"Office {n}"}),
            address=factory.Sequence(lambda n: {"pl": f"Rynek {n}, Przemyśl"}),
        )

    slug = factory.Sequence(lambda n: f"office-{n}")
    name = factory.Sequence(lambda n: {"uk": f"ЦНАП №{n}", "en": f"Service centre {n}"})
    address = factory.Sequence(lambda n: {"uk": f"вул. Шевченка, {n}", "en": f"{n} Shevchenko St"})
    country = "UA"
    time_zone = "Europe/Kyiv"
    default_language = "uk"

    @factory.post_generation
    def weekday_hours(office, create, extracted, **kwargs):
        """`weekday_hours=("08:00", "17:00")` opens the office Monday to Friday."""
        if create and extracted:
            opens, closes = extracted
            for weekday in WEEKDAYS:
                OpeningHours.objects.create(
                    office=office,
                    weekday=weekday,
                    opens=dt.time.fromisoformat(opens),
                    closes=dt.time.fromisoformat(closes),
                )


class OpeningHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OpeningHours

    office = factory.SubFactory(OfficeFactory)
    weekday = 0
    opens = dt.time(8, 0)
    closes = dt.time(17, 0)


class CalendarExceptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalendarException

    office = factory.SubFactory(OfficeFactory)
    date = dt.date(2026, 12, 31)
    kind = CalendarException.Kind.CLOSED
    opens = None
    closes = None


class ServicePointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServicePoint

    office = factory.SubFactory(OfficeFactory)
    number = factory.Sequence(lambda n: n + 1)
    label = factory.LazyAttribute(lambda point: str(point.number))


class ServiceGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceGroup
        django_get_or_create = ["prefix"]

    prefix = factory.Sequence(lambda n: _PREFIXES[n % len(_PREFIXES)])
    name = factory.Sequence(lambda n: {"uk": f"Група {n}", "en": f"Group {n}"})
    order = factory.Sequence(lambda n: n)


class ServiceFactory(factory.django.DjangoModelFactory):
    """A free service done in 10 working days, in person and bookable."""

    class Meta:
        model = Service
        skip_postgeneration_save = True

    class Params:
        paid = factory.Trait(is_free=False, fee_amount=Decimal("30.00"), fee_currency="UAH")

    code = factory.Sequence(lambda n: f"S{n:04d}")
    slug = factory.Sequence(lambda n: f"service-{n}")
    group = factory.SubFactory(ServiceGroupFactory)
    name = factory.Sequence(lambda n: {"uk": f"Послуга {n}", "en": f"Service {n}"})
    summary = factory.LazyFunction(dict)
    is_free = True
    term_value = 10
    term_unit = Service.TermUnit.WORKING_DAYS

    @factory.post_generation
    def offices(service, create, extracted, **kwargs):
        if create and extracted:
            service.offices.set(extracted)


class RequiredDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RequiredDocument

    service = factory.SubFactory(ServiceFactory)
    order = factory.Sequence(lambda n: n)
    name = factory.Sequence(lambda n: {"uk": f"Документ {n}", "en": f"Document {n}"})


class LifeSituationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LifeSituation

    slug = factory.Sequence(lambda n: f"situation-{n}")
    name = factory.Sequence(lambda n: {"uk": f"Ситуація {n}", "en": f"Situation {n}"})
    description = factory.LazyFunction(dict)


class LifeSituationStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LifeSituationStep

    situation = factory.SubFactory(LifeSituationFactory)
    service = factory.SubFactory(ServiceFactory)
    order = factory.Sequence(lambda n: n)


class UserFactory(factory.django.DjangoModelFactory):
    """A login that is not an employee (nobody in okno should treat it as staff)."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct horse battery staple")


class EmployeeFactory(factory.Factory):
    """An employee made the way okno makes them: through `create_employee`, so the role group is set."""

    class Meta:
        model = Employee

    username = factory.Sequence(lambda n: f"employee{n}")
    role = Role.OPERATOR
    offices = ()
    first_name = factory.Sequence(lambda n: f"Name{n}")
    last_name = factory.Sequence(lambda n: f"Surname{n}")
    password = "correct horse battery staple"
    position = ""
    home_service_point = None

    @classmethod
    def _create(cls, model_class, username, **kwargs):
        return staff_services.create_employee(username, **kwargs)

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise NotImplementedError("employees are always created through create_employee")


class CompetencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Competency

    employee = factory.SubFactory(EmployeeFactory)
    service = factory.SubFactory(ServiceFactory)


class StaffShiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffShift

    office = factory.SubFactory(OfficeFactory)
    employee = factory.SubFactory(EmployeeFactory)
    weekday = 0
    starts = dt.time(8, 0)
    ends = dt.time(17, 0)


def bookable_office(
    *,
    operators: int = 2,
    hours: tuple[str, str] = ("08:00", "17:00"),
    handling_minutes: int = 15,
    services: int = 1,
    **office_kwargs,
) -> tuple[Office, list[Service], list[Employee]]:
    """An office open on weekdays with `operators` qualified for every service on shift all day."""
    office = OfficeFactory(weekday_hours=hours, **office_kwargs)
    made = [
        ServiceFactory(offices=[office], handling_minutes=handling_minutes) for _ in range(services)
    ]
    staff = []
    for _ in range(operators):
        employee = EmployeeFactory(offices=[office])
        for service in made:
            CompetencyFactory(employee=employee, service=service)
        for weekday in WEEKDAYS:
            StaffShiftFactory(
                office=office,
                employee=employee,
                weekday=weekday,
                starts=dt.time.fromisoformat(hours[0]),
                ends=dt.time.fromisoformat(hours[1]),
            )
        staff.append(employee)
    return office, made, staff
