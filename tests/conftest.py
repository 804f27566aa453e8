"""Shared test set-up: compiled translations, a clean search index for every test, and the cast.

The cast, so that permission tests read like stories: two offices (A in Kyiv, B in Lviv), a
citizen (an anonymous browser), and the staff — an operator, a back-office clerk and the head of
office A, an analyst and an administrator who see every office, and the outsider: the head of
office B.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from okno.staff.models import Employee, Role
from tests.factories import (
    EmployeeFactory,
    OfficeFactory,
    ServiceFactory,
    ServicePointFactory,
)


def pytest_configure(config: pytest.Config) -> None:
    from okno.core.i18n import compile_catalogues

    compile_catalogues()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Hashing passwords properly is slow on purpose; tests make many employees."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_search_index():
    """The in-process search index is rebuilt from each test's own data, whose catalogue version
    is read afresh (the one a test before it cached belongs to rows rolled back since)."""
    from django.core.cache import cache

    from okno.catalog import search

    search._current = None
    cache.delete(search.VERSION_CACHE_KEY)
    yield
    search._current = None
    cache.delete(search.VERSION_CACHE_KEY)


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request under /en/ leaves English active in
    the thread, which would otherwise leak into the next test's lazily translated text."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Each test starts with no hits counted: rate limits live in the shared cache."""
    from django.core.cache import cache

    cache.clear()


# --- places -------------------------------------------------------------------------------


@pytest.fixture
def office_a(db):
    """Office A: a service centre in Kyiv, open 08:00-17:00 on weekdays, two windows."""
    office = OfficeFactory(
        slug="kyiv-centre",
        name={"uk": "ЦНАП Київ", "en": "Kyiv service centre"},
        weekday_hours=("08:00", "17:00"),
    )
    ServicePointFactory(office=office, number=1, label="1")
    ServicePointFactory(office=office, number=2, label="2")
    return office


@pytest.fixture
def office_b(db):
    """Office B: a service centre in Lviv with one window labelled so it can be recognised."""
    office = OfficeFactory(
        slug="lviv-centre",
        name={"uk": "ЦНАП Львів", "en": "Lviv service centre"},
        weekday_hours=("09:00", "18:00"),
    )
    ServicePointFactory(office=office, number=1, label="Lviv-window-1")
    return office


@pytest.fixture
def service_a(office_a):
    return ServiceFactory(
        code="A01",
        slug="kyiv-passport",
        name={"uk": "Паспорт", "en": "Passport"},
        offices=[office_a],
    )


@pytest.fixture
def service_b(office_b):
    return ServiceFactory(
        code="B01",
        slug="lviv-registration",
        name={"uk": "Реєстрація", "en": "Registration"},
        offices=[office_b],
    )


# --- people -------------------------------------------------------------------------------


@pytest.fixture
def citizen() -> Client:
    """Anybody on the internet: a browser that is not signed in."""
    return Client()


@pytest.fixture
def operator(office_a) -> Employee:
    return EmployeeFactory(username="olena", role=Role.OPERATOR, offices=[office_a])


@pytest.fixture
def clerk(office_a) -> Employee:
    """A back-office clerk in office A."""
    return EmployeeFactory(username="bohdan", role=Role.BACK_OFFICE, offices=[office_a])


@pytest.fixture
def head(office_a) -> Employee:
    """The head of office A."""
    return EmployeeFactory(username="halyna", role=Role.HEAD, offices=[office_a])


@pytest.fixture
def analyst(db) -> Employee:
    return EmployeeFactory(username="andrii", role=Role.ANALYST)


@pytest.fixture
def administrator(db) -> Employee:
    return EmployeeFactory(username="adam", role=Role.ADMINISTRATOR)


@pytest.fixture
def outsider(office_b) -> Employee:
    """The head of office B, who has no business in office A (and vice versa)."""
    return EmployeeFactory(username="ostap", role=Role.HEAD, offices=[office_b])


@pytest.fixture
def b_operator(office_b) -> Employee:
    """An operator who works in office B only."""
    return EmployeeFactory(username="bozhena", role=Role.OPERATOR, offices=[office_b])


@pytest.fixture
def signed_in(db) -> Callable[[Employee], Client]:
    """A browser signed in as the given employee."""

    def sign_in(employee: Employee) -> Client:
        browser = Client()
        browser.force_login(employee.user)
        return browser

    return sign_in
