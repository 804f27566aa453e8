"""The cases admin: administrators set up units, routing and rules end to end; heads set their own
offices' case settings; cases are read-only, with their trail, and narrowed to the viewer."""

from __future__ import annotations

import pytest

from okno.cases import services
from okno.cases.models import Case, CaseRules, CaseSettings, ProviderUnit, Routing
from tests.cases.conftest import INTAKE

pytestmark = pytest.mark.django_db

PHONE = "+380501234567"


def rows(response) -> list:
    return list(response.context["cl"].result_list)


def form_errors(response) -> dict[str, list[str]]:
    form = response.context["adminform"].form
    return {field: [str(e) for e in errors] for field, errors in form.errors.items()}


@pytest.fixture
def set_up(office_a, service_a, unit, pool_routing) -> dict[str, object]:
    rules = CaseRules.objects.create(
        service=service_a, identifier="optional", identifier_label={"en": "Tax number"}
    )
    settings_a = CaseSettings.objects.create(office=office_a, alert_working_days_before=3)
    return {
        "providerunit": unit,
        "routing": pool_routing,
        "caserules": rules,
        "casesettings": settings_a,
    }


def test_an_administrator_opens_every_page_of_the_cases_admin(
    signed_in, administrator, set_up, register
):
    browser = signed_in(administrator)
    case = register()
    for model, row in [*set_up.items(), ("case", case)]:
        listed = browser.get(f"/admin/cases/{model}/")
        assert listed.status_code == 200, model
        assert rows(listed) == [row], model
        assert browser.get(f"/admin/cases/{model}/{row.pk}/change/").status_code == 200, model
    for model in set_up:
        assert browser.get(f"/admin/cases/{model}/add/").status_code == 200, model


def test_a_case_is_shown_with_its_trail_and_cannot_be_changed_added_or_deleted(
    signed_in, administrator, register
):
    case = register(contact=PHONE)
    browser = signed_in(administrator)
    browser.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    listed = browser.get("/admin/cases/case/").content.decode()
    assert case.number in listed
    assert "Iryna Koval" not in listed, "no applicant in the list"
    page = browser.get(f"/admin/cases/case/{case.pk}/change/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="_save"' not in html, "read-only"
    assert "sent to the provider" in html, "the trail is shown"
    assert PHONE not in html, "the contact is masked"
    assert case.code not in html, "the applicant's code, which opens their page, is not shown"
    changed = browser.post(f"/admin/cases/case/{case.pk}/change/", {"status": "closed"})
    assert changed.status_code == 403
    assert browser.post(f"/admin/cases/case/{case.pk}/delete/", {"post": "yes"}).status_code == 403
    assert browser.get("/admin/cases/case/add/").status_code == 403
    case.refresh_from_db()
    assert case.status == Case.Status.SENT


def test_units_are_found_by_name_in_any_language(signed_in, administrator, unit, other_unit):
    browser = signed_in(administrator)
    assert rows(browser.get("/admin/cases/providerunit/", {"q": "migration"})) == [unit]
    assert rows(browser.get("/admin/cases/providerunit/", {"q": "Реєстрація"})) == [other_unit]


def test_the_case_list_finds_a_case_by_its_number(signed_in, administrator, register):
    first, second = register(), register()
    found = signed_in(administrator).get("/admin/cases/case/", {"q": second.number})
    assert rows(found) == [second]
    assert first not in rows(found)


def test_heads_see_their_offices_cases_and_clerks_their_units_cases(
    signed_in, head, outsider, clerk, register, office_b, service_b, other_unit
):
    mine = register()
    theirs = services.register_case(
        office_b, service_b, employee=None, documents={}, applicant_name="X", now=INTAKE
    )
    assert rows(signed_in(head).get("/admin/cases/case/")) == [mine]
    assert rows(signed_in(outsider).get("/admin/cases/case/")) == [theirs]
    assert rows(signed_in(clerk).get("/admin/cases/case/")) == [mine]
    missing = signed_in(head).get(f"/admin/cases/case/{theirs.pk}/change/")
    assert missing.status_code == 302, "another office's case is not there"


def test_routing_to_someone_outside_the_unit_is_a_form_error(
    signed_in, administrator, service_a, unit, operator, clerk
):
    browser = signed_in(administrator)
    refused = browser.post(
        "/admin/cases/routing/add/",
        {"service": service_a.pk, "office": "", "unit": unit.pk, "assignee": operator.pk},
    )
    assert refused.status_code == 200
    assert list(form_errors(refused)) == ["assignee"]
    assert not Routing.objects.exists()
    accepted = browser.post(
        "/admin/cases/routing/add/",
        {"service": service_a.pk, "office": "", "unit": unit.pk, "assignee": clerk.pk},
    )
    assert accepted.status_code == 302
    assert Routing.objects.get().assignee == clerk


def test_a_second_rule_for_every_office_is_a_form_error_not_a_crash(
    signed_in, administrator, service_a, unit, pool_routing
):
    again = signed_in(administrator).post(
        "/admin/cases/routing/add/",
        {"service": service_a.pk, "office": "", "unit": unit.pk, "assignee": ""},
    )
    assert again.status_code == 200
    assert form_errors(again)
    assert Routing.objects.count() == 1


def test_routing_for_an_office_that_does_not_offer_the_service_is_refused(
    signed_in, administrator, service_a, unit, office_b
):
    refused = signed_in(administrator).post(
        "/admin/cases/routing/add/",
        {"service": service_a.pk, "office": office_b.pk, "unit": unit.pk, "assignee": ""},
    )
    assert refused.status_code == 200
    assert list(form_errors(refused)) == ["office"]


def test_an_administrator_sets_up_a_unit_and_its_routing_and_cases_follow(
    signed_in, administrator, office_a, service_a, clerk, clerk_2, operator, all_documents
):
    browser = signed_in(administrator)
    made = browser.post(
        "/admin/cases/providerunit/add/",
        {
            "name_en": "Passport unit",
            "name_uk": "Паспортний відділ",
            "is_active": "on",
            "offices": [office_a.pk],
            "head": clerk.pk,
            "members": [clerk.pk, clerk_2.pk],
        },
    )
    assert made.status_code == 302, form_errors(made)
    unit = ProviderUnit.objects.get()
    assert unit.name == {"en": "Passport unit", "uk": "Паспортний відділ"}
    assert set(unit.members.all()) == {clerk, clerk_2}
    routed = browser.post(
        "/admin/cases/routing/add/",
        {"service": service_a.pk, "office": office_a.pk, "unit": unit.pk, "assignee": clerk_2.pk},
    )
    assert routed.status_code == 302, form_errors(routed)
    case = services.register_case(
        office_a,
        service_a,
        employee=operator,
        documents=all_documents,
        applicant_name="Iryna Koval",
        now=INTAKE,
    )
    assert (case.unit, case.assignee, case.status) == (unit, clerk_2, Case.Status.SENT)


def test_a_routing_assignee_cannot_be_taken_out_of_the_unit(
    signed_in, administrator, office_a, service_a, unit, clerk, clerk_2, unit_head
):
    Routing.objects.create(service=service_a, unit=unit, assignee=clerk_2)
    refused = signed_in(administrator).post(
        f"/admin/cases/providerunit/{unit.pk}/change/",
        {
            "name_en": "Migration unit",
            "is_active": "on",
            "offices": [office_a.pk],
            "head": unit_head.pk,
            "members": [clerk.pk],
        },
    )
    assert refused.status_code == 200
    assert form_errors(refused)
    assert set(unit.members.all()) == {clerk, clerk_2}


def test_a_head_sets_the_case_settings_of_their_offices_only(
    signed_in, head, office_a, office_b, service_a, service_b
):
    theirs = CaseSettings.objects.create(office=office_b, max_file_mb=5)
    browser = signed_in(head)
    form = browser.get("/admin/cases/casesettings/add/")
    assert form.status_code == 200
    fields = form.context["adminform"].form.fields
    assert list(fields["office"].queryset) == [office_a]
    assert list(fields["pickup_service"].queryset) == [service_a]
    added = browser.post(
        "/admin/cases/casesettings/add/",
        {
            "office": office_a.pk,
            "alert_working_days_before": 3,
            "pickup_service": service_a.pk,
            "max_file_mb": 20,
        },
    )
    assert added.status_code == 302, form_errors(added)
    mine = CaseSettings.objects.get(office=office_a)
    assert (mine.alert_working_days_before, mine.pickup_service, mine.max_file_mb) == (
        3,
        service_a,
        20,
    )
    assert rows(browser.get("/admin/cases/casesettings/")) == [mine]
    assert browser.get(f"/admin/cases/casesettings/{theirs.pk}/change/").status_code == 302
    browser.post(
        f"/admin/cases/casesettings/{theirs.pk}/change/",
        {"alert_working_days_before": 9, "max_file_mb": 1},
    )
    theirs.refresh_from_db()
    assert theirs.max_file_mb == 5, "another office's settings are out of reach"


def test_a_head_reads_units_routing_and_rules_but_does_not_change_them(signed_in, head, set_up):
    browser = signed_in(head)
    for model in ("providerunit", "routing", "caserules"):
        row = set_up[model]
        page = browser.get(f"/admin/cases/{model}/{row.pk}/change/")
        assert page.status_code == 200, model
        assert 'name="_save"' not in page.content.decode(), model
        assert browser.get(f"/admin/cases/{model}/add/").status_code == 403, model


def test_an_operator_cannot_open_the_set_up_pages(signed_in, operator, set_up):
    browser = signed_in(operator)
    for model in ("providerunit", "routing", "caserules", "casesettings"):
        assert browser.get(f"/admin/cases/{model}/").status_code == 403, model
    assert browser.get("/admin/cases/case/").status_code == 200
