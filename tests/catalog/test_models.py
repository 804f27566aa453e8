"""The catalogue's rules: each one held by the database and explained by the model's validation."""

from __future__ import annotations

import datetime as dt
import warnings
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.forms import modelform_factory
from django.utils import translation
from django.utils.deprecation import RemovedInDjango60Warning

from okno.catalog.models import (
    CalendarException,
    LifeSituationStep,
    Office,
    OpeningHours,
    Service,
)
from tests.factories import (
    CalendarExceptionFactory,
    LifeSituationFactory,
    OfficeFactory,
    OpeningHoursFactory,
    ServiceFactory,
    ServiceGroupFactory,
    ServicePointFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def refused_by_the_database(save) -> None:
    """The database itself refuses the row (model validation is bypassed)."""
    with pytest.raises(IntegrityError), transaction.atomic():
        save()


def errors_of(instance) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        instance.full_clean()
    return caught.value.message_dict


def time(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


# --- offices -------------------------------------------------------------------------------


@pytest.mark.parametrize(("field", "value"), [("latitude", "90.5"), ("longitude", "-180.5")])
def test_coordinates_outside_the_globe_are_refused_by_the_database(field, value):
    refused_by_the_database(lambda: OfficeFactory(**{field: Decimal(value)}))


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [("90", "180"), ("-90", "-180"), (None, None), ("49.7838", "22.7678")],
)
def test_coordinates_on_the_globe_or_none_are_kept(latitude, longitude):
    office = OfficeFactory(
        latitude=latitude and Decimal(latitude), longitude=longitude and Decimal(longitude)
    )
    office.full_clean()


def test_office_slugs_are_unique():
    OfficeFactory(slug="rynek")
    refused_by_the_database(lambda: OfficeFactory(slug="rynek"))


def test_an_office_needs_a_country_with_a_holiday_calendar_and_a_real_time_zone():
    office = OfficeFactory.build(country="XX", time_zone="Europe/Atlantis")
    errors = errors_of(office)
    assert errors["country"] == ["XX is not a country code with a known public-holiday calendar."]
    assert errors["time_zone"] == [
        "Europe/Atlantis is not a known time zone (use a name such as Europe/Kyiv)."
    ]


def test_an_office_shows_its_name_in_its_own_language_when_the_page_language_is_missing():
    office = OfficeFactory.build(pl=True, name={"pl": "Biuro", "en": "Office"})
    with translation.override("kk"):
        # kk is missing; the office's language comes before the site's (uk) and English.
        assert str(office) == "Biuro"


def test_a_website_typed_without_a_scheme_is_taken_as_https():
    # Django 6 assumes https; okno opts in now, and the form warns no more.
    with warnings.catch_warnings():
        warnings.simplefilter("error", RemovedInDjango60Warning)
        form = modelform_factory(Office, fields=["website"])({"website": "przemysl.example.org"})
        assert form.is_valid(), form.errors
    assert form.cleaned_data["website"] == "https://przemysl.example.org"


# --- opening hours and exceptions ------------------------------------------------------------


def test_opening_hours_must_open_before_they_close():
    office = OfficeFactory()
    refused_by_the_database(
        lambda: OpeningHoursFactory(office=office, opens=time("17:00"), closes=time("08:00"))
    )
    refused_by_the_database(
        lambda: OpeningHoursFactory(office=office, opens=time("08:00"), closes=time("08:00"))
    )
    hours = OpeningHours(office=office, weekday=0, opens=time("17:00"), closes=time("08:00"))
    assert errors_of(hours)  # forms and imports catch it before the database does


@pytest.mark.parametrize(("opens", "closes"), [("17:00", "08:00"), ("08:00", "08:00")])
def test_opening_hours_validation_explains_the_rule_once(opens, closes):
    hours = OpeningHours(office=OfficeFactory(), weekday=0, opens=time(opens), closes=time(closes))
    # The rule in words, not the name of the database constraint that also holds it.
    assert errors_of(hours) == {"closes": ["The office must open before it closes."]}


def test_two_intervals_cannot_start_at_the_same_time_on_one_day():
    office = OfficeFactory()
    OpeningHoursFactory(office=office, weekday=0, opens=time("08:00"), closes=time("12:00"))
    refused_by_the_database(
        lambda: OpeningHoursFactory(
            office=office, weekday=0, opens=time("08:00"), closes=time("16:00")
        )
    )
    OpeningHoursFactory(office=office, weekday=1, opens=time("08:00"), closes=time("12:00"))


def test_one_exception_per_office_and_day():
    office = OfficeFactory()
    CalendarExceptionFactory(office=office, date=dt.date(2026, 12, 31))
    refused_by_the_database(
        lambda: CalendarExceptionFactory(office=office, date=dt.date(2026, 12, 31))
    )
    CalendarExceptionFactory(office=OfficeFactory(), date=dt.date(2026, 12, 31))


@pytest.mark.parametrize(
    ("kind", "opens", "closes"),
    [
        ("closed", "08:00", "12:00"),
        ("closed", "08:00", None),
        ("shortened", None, None),
        ("shortened", "08:00", None),
        ("working", None, "12:00"),
        ("working", "12:00", "08:00"),
        ("shortened", "12:00", "12:00"),
    ],
)
def test_exception_hours_must_match_the_kind(kind, opens, closes):
    office = OfficeFactory()
    values = {
        "office": office,
        "date": dt.date(2026, 12, 24),
        "kind": kind,
        "opens": opens and time(opens),
        "closes": closes and time(closes),
    }
    assert errors_of(CalendarException(**values))["__all__"]
    refused_by_the_database(lambda: CalendarException.objects.create(**values))


@pytest.mark.parametrize(
    ("kind", "opens", "closes", "message"),
    [
        ("closed", "08:00", None, "A closed day has no opening hours."),
        ("working", None, None, "Give the opening and closing time for this day."),
        ("shortened", "13:00", "09:00", "The office must open before it closes."),
    ],
)
def test_exception_validation_explains_the_rule(kind, opens, closes, message):
    exception = CalendarException(
        office=OfficeFactory(),
        date=dt.date(2026, 12, 24),
        kind=kind,
        opens=opens and time(opens),
        closes=closes and time(closes),
    )
    assert message in errors_of(exception)["__all__"]


@pytest.mark.parametrize(
    ("kind", "opens", "closes"),
    [("closed", None, None), ("shortened", "08:00", "12:00"), ("working", "00:00", "23:59")],
)
def test_exceptions_that_follow_the_rule_are_kept(kind, opens, closes):
    exception = CalendarException(
        office=OfficeFactory(),
        date=dt.date(2026, 12, 24),
        kind=kind,
        opens=opens and time(opens),
        closes=closes and time(closes),
    )
    exception.full_clean()
    exception.save()


# --- service points -----------------------------------------------------------------------------


def test_a_window_number_is_unique_within_its_office_only():
    office = OfficeFactory()
    ServicePointFactory(office=office, number=3)
    refused_by_the_database(lambda: ServicePointFactory(office=office, number=3))
    ServicePointFactory(office=OfficeFactory(), number=3)


def test_window_number_zero_is_refused():
    refused_by_the_database(lambda: ServicePointFactory(number=0))
    assert "number" in errors_of(ServicePointFactory.build(office=OfficeFactory(), number=0))


# --- groups -----------------------------------------------------------------------------------------


def test_group_letters_are_unique():
    ServiceGroupFactory(prefix="A")
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceGroupFactory._meta.model.objects.create(prefix="A", name={"en": "Again"})


@pytest.mark.parametrize("prefix", ["a", "A1", "Ж", "ABC", ""])
def test_group_letters_are_one_or_two_capital_latin_letters(prefix):
    group = ServiceGroupFactory.build(prefix=prefix)
    assert "prefix" in errors_of(group)


# --- services: database constraints ----------------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [
        {"is_free": True, "fee_amount": Decimal("10.00")},
        {"is_free": False, "fee_amount": None, "fee_currency": "UAH"},
        {"is_free": False, "fee_amount": Decimal("0"), "fee_currency": "UAH"},
        {"is_free": False, "fee_amount": Decimal("10.00"), "fee_currency": ""},
    ],
    ids=["free-with-amount", "paid-without-amount", "paid-zero", "paid-without-currency"],
)
def test_the_database_refuses_an_inconsistent_fee(values):
    refused_by_the_database(lambda: ServiceFactory(**values))


@pytest.mark.parametrize(
    "values",
    [
        {"term_unit": "on_the_spot", "term_value": 3},
        {"term_unit": "working_days", "term_value": 0},
        {"term_unit": "calendar_days", "term_value": 0},
    ],
)
def test_the_database_refuses_an_inconsistent_term(values):
    refused_by_the_database(lambda: ServiceFactory(**values))


def test_the_database_refuses_a_service_without_a_channel():
    refused_by_the_database(
        lambda: ServiceFactory(in_person=False, online=False, by_post=False, bookable=False)
    )


def test_the_database_refuses_booking_a_service_not_given_in_person():
    refused_by_the_database(
        lambda: ServiceFactory(
            in_person=False, online=True, online_url="https://example.gov", bookable=True
        )
    )


def test_service_codes_and_slugs_are_unique():
    ServiceFactory(code="A01", slug="passport")
    refused_by_the_database(lambda: ServiceFactory(code="A01"))
    refused_by_the_database(lambda: ServiceFactory(slug="passport"))


@pytest.mark.parametrize(
    "values",
    [
        {"is_free": True},
        {"is_free": False, "fee_amount": Decimal("0.01"), "fee_currency": "PLN"},
        {"term_unit": "on_the_spot", "term_value": 0},
        {"term_unit": "calendar_days", "term_value": 30},
        {"in_person": False, "by_post": True, "bookable": False},
        {"in_person": False, "online": True, "online_url": "https://e.gov.pl", "bookable": False},
    ],
)
def test_consistent_services_are_kept(values):
    service = ServiceFactory(**values)
    service.full_clean()


# --- services: the same rules explained by validation ---------------------------------------------


def test_a_free_service_has_no_amount():
    service = ServiceFactory.build(
        group=ServiceGroupFactory(), is_free=True, fee_amount=Decimal("5")
    )
    assert errors_of(service)["fee_amount"] == ["A free service has no fee amount."]


def test_a_paid_service_needs_an_amount_and_a_currency():
    service = ServiceFactory.build(group=ServiceGroupFactory(), is_free=False)
    errors = errors_of(service)
    assert errors["fee_amount"] == ["Give the fee amount."]
    assert errors["fee_currency"] == ["Give the currency."]


def test_a_paid_amount_must_be_above_zero_and_the_currency_an_iso_code():
    service = ServiceFactory.build(
        group=ServiceGroupFactory(), is_free=False, fee_amount=Decimal("0"), fee_currency="zl"
    )
    errors = errors_of(service)
    assert "fee_amount" in errors
    assert errors["fee_currency"] == ["Use an ISO 4217 code such as UAH or PLN."]


def test_a_service_on_the_spot_has_term_zero():
    service = ServiceFactory.build(
        group=ServiceGroupFactory(), term_unit="on_the_spot", term_value=2
    )
    assert errors_of(service)["term_value"] == ["A service given on the spot has a term of 0."]


def test_other_services_need_a_term():
    service = ServiceFactory.build(
        group=ServiceGroupFactory(), term_unit="working_days", term_value=0
    )
    assert errors_of(service)["term_value"] == ["Give the statutory term."]


def test_a_service_needs_a_channel():
    service = ServiceFactory.build(
        group=ServiceGroupFactory(), in_person=False, online=False, by_post=False, bookable=False
    )
    assert errors_of(service)["in_person"] == ["Choose at least one channel."]


def test_only_services_given_in_person_can_be_booked():
    service = ServiceFactory.build(
        group=ServiceGroupFactory(), in_person=False, by_post=True, bookable=True
    )
    assert errors_of(service)["bookable"] == ["Only services delivered in person can be booked."]


def test_an_online_service_needs_its_address():
    service = ServiceFactory.build(group=ServiceGroupFactory(), online=True, online_url="")
    assert errors_of(service)["online_url"] == [
        "Give the address where the service is available online."
    ]


def test_every_broken_rule_is_reported_at_once():
    service = ServiceFactory.build(
        group=ServiceGroupFactory(),
        is_free=True,
        fee_amount=Decimal("5"),
        term_unit="on_the_spot",
        term_value=1,
        online=True,
        online_url="",
    )
    assert {"fee_amount", "term_value", "online_url"} <= set(errors_of(service))


# --- life situations -------------------------------------------------------------------------------


def test_a_service_appears_once_in_a_life_situation():
    situation = LifeSituationFactory()
    service = ServiceFactory()
    LifeSituationStep.objects.create(situation=situation, service=service, order=1)
    refused_by_the_database(
        lambda: LifeSituationStep.objects.create(situation=situation, service=service, order=2)
    )


def test_a_service_in_use_cannot_lose_its_group():
    service = ServiceFactory()
    with pytest.raises(ProtectedError):
        service.group.delete()
    assert Service.objects.filter(pk=service.pk).exists()
