"""The cases demo: units, routing for every service with a term, and applications at every stage
(some overdue, some due soon on the day it is loaded), loaded once however often it runs."""

from __future__ import annotations

from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from okno.cases import selectors, services
from okno.cases.demo import STORIES, load_cases_demo
from okno.cases.models import Case, CaseEvent, CaseRules, CaseSettings, ProviderUnit, Routing
from okno.catalog.models import Office, Service
from okno.notifications.models import Notification
from okno.queueing.demo import DEMO_OFFICES
from okno.staff.demo import load_demo

pytestmark = pytest.mark.django_db

CLERKS = ("clerk.civil", "clerk.vehicles", "clerk.social")


def _snapshot() -> dict[str, object]:
    return {
        "units": ProviderUnit.objects.count(),
        "routings": Routing.objects.count(),
        "rules": CaseRules.objects.count(),
        "settings": CaseSettings.objects.count(),
        "cases": Case.objects.count(),
        "events": CaseEvent.objects.count(),
        "notifications": Notification.objects.count(),
    }


@pytest.fixture(scope="module")
def demo_once(django_db_setup, django_db_blocker):
    """The whole demo, loaded once for this module (it takes a while), and what it left."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        load_demo()
        now = timezone.now()
        facts: dict[str, object] = {"before": _snapshot()}
        facts["again"] = load_cases_demo()
        facts["after"] = _snapshot()
        facts["units"] = {
            unit.name["pl"]: (
                unit.name,
                unit.head.user.username if unit.head else None,
                sorted(m.user.username for m in unit.members.all()),
                sorted(unit.offices.values_list("slug", flat=True)),
            )
            for unit in ProviderUnit.objects.select_related("head__user")
        }
        offices = list(Office.objects.filter(slug__in=DEMO_OFFICES))
        unrouted, routed_to = [], {}
        for service in Service.objects.exclude(term_unit="on_the_spot").filter(offices__in=offices):
            for office in service.offices.filter(slug__in=DEMO_OFFICES):
                rule = services.route(service, office)
                if rule is None:
                    unrouted.append((service.code, office.slug))
                else:
                    routed_to[(service.code, office.slug)] = (
                        rule.unit.name["pl"],
                        rule.assignee.user.username if rule.assignee else None,
                    )
        facts["unrouted"] = unrouted
        facts["routed_to"] = routed_to
        facts["rules"] = {
            rules.service.code: (rules.identifier, rules.identifier_label.get("pl", ""))
            for rules in CaseRules.objects.select_related("service")
        }
        facts["settings"] = {
            s.office.slug: (s.alert_working_days_before, s.pickup_service_id, s.max_file_mb)
            for s in CaseSettings.objects.select_related("office")
        }
        cases = list(Case.objects.select_related("office", "service"))
        facts["statuses"] = Counter(case.status for case in cases)
        facts["ready_windows"] = [case.pickup_point_id for case in cases if case.status == "ready"]
        facts["future"] = CaseEvent.objects.filter(at__gt=now).count()
        facts["trail_ends"] = all(
            case.events.exclude(to_status="").order_by("at", "pk").last().to_status == case.status
            for case in cases
        )
        by_counter: dict[tuple[int, int], list[Case]] = {}
        for case in cases:
            by_counter.setdefault((case.office_id, case.year), []).append(case)
        facts["numbers_follow_time"] = all(
            sorted(group, key=lambda c: c.registered_at) == sorted(group, key=lambda c: c.sequence)
            for group in by_counter.values()
        )
        facts["identifiers"] = [
            (case.service.code, case.identifier) for case in cases if case.identifier
        ]
        users = get_user_model().objects
        admin = users.get(username="admin")
        facts["lists"] = {
            which: selectors.work_list(admin, which, now=now).count()
            for which in selectors.WORK_LISTS
        }
        facts["clerks"] = {
            name: {
                which: selectors.work_list(users.get(username=name), which, now=now).count()
                for which in ("mine", "pool")
            }
            for name in CLERKS
        }
        facts["case_messages"] = Notification.objects.filter(reference__startswith="case:").count()
        transaction.set_rollback(True)
    return facts


def test_the_demo_has_four_units_named_in_every_language_with_demo_staff(demo_once):
    units = demo_once["units"]
    assert set(units) == {
        "Urząd Stanu Cywilnego",
        "Wydział Komunikacji",
        "Wydział Świadczeń i Podatków",
        "Wydział Spraw Obywatelskich i Działalności Gospodarczej",
    }
    for name, head, members, offices in units.values():
        assert set(name) == {"pl", "uk", "en", "ru", "kk"}
        assert head in CLERKS
        assert head in members
        assert offices, "a unit serves the offices its services are offered at"
    assert units["Wydział Komunikacji"][1:3] == ("clerk.vehicles", ["clerk.vehicles"])


def test_every_service_with_a_term_is_routed_at_every_office_offering_it(demo_once):
    assert demo_once["unrouted"] == []
    routed = demo_once["routed_to"]
    assert routed[("D01", "przemysl-rynek")] == ("Wydział Komunikacji", "clerk.vehicles")
    assert routed[("C02", "przemysl-zasanie")] == ("Urząd Stanu Cywilnego", None), "the pool"
    # The office's own rule wins over the rule for every office.
    assert routed[("F01", "przemysl-zasanie")] == ("Wydział Świadczeń i Podatków", "clerk.social")
    assert routed[("F01", "przemysl-rynek")] == ("Wydział Świadczeń i Podatków", None)
    assert ("A02", "przemysl-rynek") not in routed, "decided on the spot: nothing to route"


def test_the_demo_sets_rules_and_settings(demo_once):
    rules = demo_once["rules"]
    assert rules["A01"] == rules["A03"] == ("required", "PESEL")
    assert rules["D01"] == ("required", "numer VIN pojazdu")
    assert demo_once["settings"] == {slug: (2, None, 10) for slug in DEMO_OFFICES}


def test_the_demo_registers_applications_at_every_stage(demo_once):
    statuses = demo_once["statuses"]
    assert sum(statuses.values()) == len(STORIES)
    assert statuses["closed"] > len(STORIES) / 3, "most are done"
    for status in (
        "sent",
        "in_progress",
        "waiting_applicant",
        "waiting_agency",
        "decided",
        "ready",
        "issued",
        "withdrawn",
    ):
        assert statuses[status] >= 1, status
    assert all(demo_once["ready_windows"]), "a ready result names its window"
    assert demo_once["trail_ends"], "every status was reached through the services"
    assert demo_once["future"] == 0, "nothing happens after the moment of loading"
    assert demo_once["numbers_follow_time"]


def test_every_work_list_has_something_to_show(demo_once):
    lists = demo_once["lists"]
    assert lists["overdue"] >= 2
    assert lists["due_soon"] >= 2
    assert lists["open"] > lists["overdue"]
    assert lists["all"] == len(STORIES)
    for name, mine_and_pool in demo_once["clerks"].items():
        assert mine_and_pool["mine"] >= 1, name
        assert mine_and_pool["pool"] >= 1, name


def test_identifiers_are_fake_and_contacts_few(demo_once):
    weights = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
    for code, identifier in demo_once["identifiers"]:
        if code.startswith("D"):
            assert identifier.startswith("DEMO") and len(identifier) == 17
            continue
        digits = [int(d) for d in identifier]
        check = (10 - sum(w * d for w, d in zip(weights, digits[:10], strict=True)) % 10) % 10
        assert len(digits) == 11 and digits[10] != check, "no real person's PESEL"
    assert 0 < demo_once["case_messages"] <= 20, "the outbox is not flooded"


def test_loading_the_cases_demo_again_changes_nothing(demo_once):
    assert not demo_once["again"].changed
    assert demo_once["after"] == demo_once["before"]
