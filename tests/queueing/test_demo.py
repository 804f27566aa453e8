"""The demo's queue rules: five priority categories per office, named in every language."""

from __future__ import annotations

import pytest

from okno.catalog.models import Office
from okno.queueing.demo import DEMO_OFFICES, PRIORITY_CATEGORIES, load_queue_demo
from okno.queueing.models import PriorityCategory, QueueSettings
from okno.staff.demo import load_demo
from tests.factories import OfficeFactory

LANGUAGES = {"uk", "ru", "pl", "kk", "en"}
CODES = {"disability", "pregnancy", "elderly", "veteran", "small-children"}


@pytest.fixture
def demo_offices(db) -> list[Office]:
    return [OfficeFactory(slug=slug, pl=True) for slug in DEMO_OFFICES]


def test_every_demo_office_gets_the_five_categories_named_in_five_languages(demo_offices):
    report = load_queue_demo()

    assert report.categories_created == 5 * len(DEMO_OFFICES)
    for office in demo_offices:
        categories = list(office.priority_categories.order_by("order"))
        assert {c.code for c in categories} == CODES
        for category in categories:
            assert set(category.name) == LANGUAGES and all(category.name.values())
            # A head start, bounded so that priority never makes anyone wait for hours.
            assert 1 <= category.weight_minutes <= 30
        assert QueueSettings.objects.filter(office=office).exists()
    assert QueueSettings.objects.get(office__slug="przemysl-rynek").wait_norm_minutes == 15


def test_loading_twice_changes_nothing_and_keeps_what_an_administrator_tuned(demo_offices):
    load_queue_demo()
    PriorityCategory.objects.filter(code="elderly").update(weight_minutes=25)
    QueueSettings.objects.filter(office__slug="przemysl-zasanie").update(wait_norm_minutes=30)

    again = load_queue_demo()

    assert (again.categories_created, again.settings_created, again.changed) == (0, 0, False)
    assert PriorityCategory.objects.count() == len(PRIORITY_CATEGORIES) * len(DEMO_OFFICES)
    assert set(
        PriorityCategory.objects.filter(code="elderly").values_list("weight_minutes", flat=True)
    ) == {25}
    assert QueueSettings.objects.get(office__slug="przemysl-zasanie").wait_norm_minutes == 30


def test_offices_outside_the_demo_are_left_alone(office_a, demo_offices):
    load_queue_demo()
    assert not office_a.priority_categories.exists()
    assert not QueueSettings.objects.filter(office=office_a).exists()


def test_the_demo_loader_sets_up_the_queue_too(db):
    load_demo()
    assert PriorityCategory.objects.filter(office__slug__in=DEMO_OFFICES).count() == 15
    assert QueueSettings.objects.count() == 3
