"""The admin, seen by a head of office: their own office only, and no way to promote anyone."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.utils import translation

from okno.catalog.models import Office, ServicePoint
from okno.staff.models import Employee, Role
from tests.factories import EmployeeFactory


class FormValues(HTMLParser):
    """What a browser would submit for the page's main form, read from its HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None
        self._in_form = False
        self._done = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self._done:
            return
        if (
            tag == "form"
            and attrs.get("method", "").lower() == "post"
            and attrs.get("id", "").endswith("_form")
        ):
            self._in_form = True
        if not self._in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.values.setdefault(name, []).append(attrs.get("value") or "on")
                return
            self.values.setdefault(name, []).append(attrs.get("value") or "")
        elif tag == "select" and name:
            self._select = name
            self.values.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in attrs:
            self.values[self._select].append(attrs.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = [""]

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.values[self._textarea][0] = self.values[self._textarea][0].removeprefix("\n")
            self._textarea = None
        elif tag == "form" and self._in_form:
            self._in_form = False
            self._done = True


def form_values(response) -> dict[str, list[str]]:
    parser = FormValues()
    parser.feed(response.content.decode())
    assert parser.values, "no form found on the page"
    return parser.values


def changelist_rows(response) -> list:
    return list(response.context["cl"].result_list)


# --- what a head sees -------------------------------------------------------------------------------


def test_a_head_sees_only_their_office_in_the_office_list(signed_in, head, office_a, office_b):
    response = signed_in(head).get("/admin/catalog/office/")
    assert response.status_code == 200
    assert changelist_rows(response) == [office_a]


def test_a_head_sees_only_their_windows_in_the_service_point_list(
    signed_in, head, office_a, office_b
):
    response = signed_in(head).get("/admin/catalog/servicepoint/")
    assert response.status_code == 200
    assert {point.office for point in changelist_rows(response)} == {office_a}
    assert len(changelist_rows(response)) == 2


def test_a_head_sees_only_their_team_in_the_employee_list(
    signed_in, head, operator, clerk, outsider, b_operator
):
    response = signed_in(head).get("/admin/staff/employee/")
    assert response.status_code == 200
    usernames = sorted(e.user.username for e in changelist_rows(response))
    assert usernames == ["bohdan", "halyna", "olena"]


def office_filter_choices(response) -> list[str]:
    """The offices the list's filter by office offers, as the sidebar names them (none when the
    admin leaves the filter out, as it does when there is only one office to choose)."""
    for spec in response.context["cl"].filter_specs:
        field = getattr(spec, "field", None)
        if field is not None and field.related_model is Office:
            return [label for _pk, label in spec.lookup_choices]
    return []


LISTS_FILTERED_BY_OFFICE = [
    "/admin/catalog/servicepoint/",
    "/admin/staff/employee/",
    "/admin/catalog/service/",
]


@pytest.mark.parametrize("address", LISTS_FILTERED_BY_OFFICE)
def test_a_heads_filter_by_office_offers_only_their_office(
    signed_in, head, office_a, office_b, address
):
    response = signed_in(head).get(address)
    assert response.status_code == 200
    assert office_filter_choices(response) in ([], [str(office_a)])
    assert str(office_b) not in response.content.decode()


@pytest.mark.parametrize("address", LISTS_FILTERED_BY_OFFICE)
def test_an_analysts_filter_by_office_offers_every_office(
    signed_in, analyst, office_a, office_b, address
):
    response = signed_in(analyst).get(address)
    assert sorted(office_filter_choices(response)) == sorted([str(office_a), str(office_b)])


def test_an_employee_of_both_offices_is_listed_once(signed_in, analyst, office_a, office_b):
    EmployeeFactory(username="roaming", offices=[office_a, office_b])
    response = signed_in(analyst).get("/admin/staff/employee/")
    assert [e.user.username for e in changelist_rows(response)].count("roaming") == 1


@pytest.mark.parametrize("actor", ["analyst", "administrator"])
def test_analysts_and_administrators_see_both_offices(
    request, signed_in, office_a, office_b, actor
):
    browser = signed_in(request.getfixturevalue(actor))
    assert set(changelist_rows(browser.get("/admin/catalog/office/"))) == {office_a, office_b}
    assert browser.get(f"/admin/catalog/office/{office_b.pk}/change/").status_code == 200


def test_a_head_can_open_their_own_office(signed_in, head, office_a):
    response = signed_in(head).get(f"/admin/catalog/office/{office_a.pk}/change/")
    assert response.status_code == 200


def foreign_addresses(office_b: Office, b_operator: Employee) -> list[str]:
    point = ServicePoint.objects.get(office=office_b)
    return [
        f"/admin/catalog/office/{office_b.pk}/change/",
        f"/admin/catalog/office/{office_b.pk}/delete/",
        f"/admin/catalog/office/{office_b.pk}/history/",
        f"/admin/catalog/servicepoint/{point.pk}/change/",
        f"/admin/catalog/servicepoint/{point.pk}/history/",
        f"/admin/staff/employee/{b_operator.pk}/change/",
        f"/admin/staff/employee/{b_operator.pk}/history/",
    ]


def test_a_head_cannot_open_anything_of_office_b_in_the_admin(
    signed_in, head, office_b, b_operator
):
    browser = signed_in(head)
    for address in foreign_addresses(office_b, b_operator):
        response = browser.get(address)
        # The admin answers "does not exist" with a redirect to its index or 404; a page the
        # head may not use at all (deleting an office) is 403 before anything is looked up.
        assert response.status_code in (302, 403, 404), address
        if response.status_code == 302:
            assert response["Location"] == "/admin/", address
        assert "Lviv" not in response.content.decode(), address


def test_a_head_cannot_read_an_old_version_of_office_b(signed_in, head, office_b):
    version = office_b.history.earliest()
    response = signed_in(head).get(
        f"/admin/catalog/office/{office_b.pk}/history/{version.history_id}/"
    )
    assert response.status_code == 404


def test_a_head_cannot_overwrite_office_b_by_reverting_it(signed_in, head, administrator, office_b):
    version = office_b.history.earliest()
    address = f"/admin/catalog/office/{office_b.pk}/history/{version.history_id}/"
    values = form_values(signed_in(administrator).get(address))  # a valid form for office B
    values["name_en"] = ["Taken over by office A"]

    response = signed_in(head).post(address, values)

    assert response.status_code == 404
    office_b.refresh_from_db()
    assert office_b.name["en"] == "Lviv service centre"


def test_an_administrator_can_still_revert_office_b(signed_in, administrator, office_b):
    version = office_b.history.earliest()
    address = f"/admin/catalog/office/{office_b.pk}/history/{version.history_id}/"
    browser = signed_in(administrator)
    values = form_values(browser.get(address))
    values["name_en"] = ["Lviv centre, renamed"]
    response = browser.post(address, values)
    assert response.status_code == 302
    office_b.refresh_from_db()
    assert office_b.name["en"] == "Lviv centre, renamed"


def test_hours_that_close_before_they_open_are_a_form_error_not_a_crash(signed_in, head, office_a):
    browser = signed_in(head)
    address = f"/admin/catalog/office/{office_a.pk}/change/"
    values = form_values(browser.get(address))
    assert values["opening_hours-0-opens"] == ["08:00:00"]
    values["opening_hours-0-opens"] = ["17:00"]
    values["opening_hours-0-closes"] = ["08:00"]

    response = browser.post(address, values)

    assert response.status_code == 200
    hours_form = response.context["inline_admin_formsets"][0].formset.forms[0]
    with translation.override("en"):
        assert hours_form.errors == {"closes": ["The office must open before it closes."]}
    assert office_a.opening_hours.get(weekday=0).opens == dt.time(8)


def test_a_heads_office_form_offers_only_their_office(signed_in, head, office_a, office_b):
    response = signed_in(head).get("/admin/catalog/servicepoint/add/")
    assert list(response.context["adminform"].form.fields["office"].queryset) == [office_a]


# --- a head editing an employee ---------------------------------------------------------------------


def test_a_head_sees_the_role_but_cannot_change_it(signed_in, head, operator):
    browser = signed_in(head)
    address = f"/admin/staff/employee/{operator.pk}/change/"
    page = browser.get(address)
    assert "role" not in page.context["adminform"].form.fields
    values = form_values(page)
    values["role"] = [Role.ADMINISTRATOR]
    values["position"] = ["Senior operator"]

    response = browser.post(address, values)

    assert response.status_code == 302
    operator.refresh_from_db()
    assert operator.position == "Senior operator"  # the edit itself went through
    assert operator.role == Role.OPERATOR
    assert set(operator.user.groups.values_list("name", flat=True)) == {"okno:operator"}


def test_editing_an_employee_who_also_works_in_office_b_keeps_office_b(
    signed_in, head, office_a, office_b
):
    shared = EmployeeFactory(username="shared", offices=[office_a, office_b])
    browser = signed_in(head)
    address = f"/admin/staff/employee/{shared.pk}/change/"
    page = browser.get(address)
    offered = page.context["adminform"].form.fields["offices"].queryset
    assert list(offered) == [office_a]
    values = form_values(page)
    assert values["offices"] == [str(office_a.pk)]
    values["position"] = ["Travelling registrar"]

    response = browser.post(address, values)

    assert response.status_code == 302
    shared.refresh_from_db()
    assert shared.position == "Travelling registrar"
    assert set(shared.offices.all()) == {office_a, office_b}


def test_a_head_can_take_an_employee_off_their_own_office_only(signed_in, head, office_a, office_b):
    shared = EmployeeFactory(username="shared", offices=[office_a, office_b])
    browser = signed_in(head)
    address = f"/admin/staff/employee/{shared.pk}/change/"
    values = form_values(browser.get(address))
    values["offices"] = []
    response = browser.post(address, values)
    assert response.status_code == 302
    assert set(Employee.objects.get(pk=shared.pk).offices.all()) == {office_b}


def test_a_head_can_only_choose_their_own_windows_as_an_employees_usual_place(
    signed_in, head, operator, office_a, office_b
):
    page = signed_in(head).get(f"/admin/staff/employee/{operator.pk}/change/")
    choices = page.context["adminform"].form.fields["home_service_point"].queryset
    assert {point.office for point in choices} == {office_a}
    assert "Lviv-window-1" not in page.content.decode()


def test_an_administrator_changes_a_role_and_the_group_follows(signed_in, administrator, operator):
    browser = signed_in(administrator)
    address = f"/admin/staff/employee/{operator.pk}/change/"
    values = form_values(browser.get(address))
    values["role"] = [Role.HEAD]

    response = browser.post(address, values)

    assert response.status_code == 302
    operator.refresh_from_db()
    assert operator.role == Role.HEAD
    assert set(operator.user.groups.values_list("name", flat=True)) == {"okno:head"}


def test_operators_have_no_admin_pages_for_offices(signed_in, operator, office_a):
    browser = signed_in(operator)
    assert browser.get(f"/admin/catalog/office/{office_a.pk}/change/").status_code in (200, 403)
    response = browser.post(f"/admin/catalog/office/{office_a.pk}/change/", {})
    assert response.status_code == 403


def test_the_admin_needs_a_sign_in(db):
    response = Client().get("/admin/catalog/office/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
