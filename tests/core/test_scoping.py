"""Office scoping: the one rule deciding whose data a person may see."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from okno.catalog.models import ServicePoint
from okno.core.scoping import get_in_scope, scope, sees_all_offices, visible_offices
from okno.staff.models import Employee
from tests.factories import EmployeeFactory, UserFactory


def slugs(offices) -> list[str]:
    return sorted(office.slug for office in offices)


BOTH = ["kyiv-centre", "lviv-centre"]


@pytest.mark.parametrize("actor", ["operator", "clerk", "head"])
def test_staff_of_office_a_see_office_a_only(request, office_b, actor):
    employee = request.getfixturevalue(actor)
    assert slugs(visible_offices(employee.user)) == ["kyiv-centre"]
    assert not sees_all_offices(employee.user)


def test_the_head_of_office_b_sees_office_b_only(office_a, outsider):
    assert slugs(visible_offices(outsider.user)) == ["lviv-centre"]


@pytest.mark.parametrize("actor", ["analyst", "administrator"])
def test_analysts_and_administrators_see_every_office(request, office_a, office_b, actor):
    employee = request.getfixturevalue(actor)
    assert sees_all_offices(employee.user)
    assert slugs(visible_offices(employee.user)) == BOTH


def test_a_superuser_sees_every_office_without_being_an_employee(office_a, office_b):
    superuser = UserFactory(is_superuser=True)
    assert slugs(visible_offices(superuser)) == BOTH


def test_a_login_that_is_not_an_employee_sees_nothing(office_a, office_b):
    assert slugs(visible_offices(UserFactory())) == []


def test_an_anonymous_visitor_sees_nothing(office_a, office_b):
    assert slugs(visible_offices(AnonymousUser())) == []
    assert not sees_all_offices(AnonymousUser())


@pytest.mark.parametrize("actor", ["head", "analyst"])
def test_a_deactivated_employee_sees_nothing(request, office_a, office_b, actor):
    employee = request.getfixturevalue(actor)
    employee.user.is_active = False
    employee.user.save()
    user = type(employee.user).objects.get(pk=employee.user.pk)
    assert slugs(visible_offices(user)) == []


def test_an_employee_of_two_offices_sees_both(office_a, office_b):
    both = EmployeeFactory(role="head", offices=[office_a, office_b])
    assert slugs(visible_offices(both.user)) == BOTH


def test_scope_narrows_rows_to_the_users_offices(head, outsider, office_a, office_b):
    assert {p.office for p in scope(ServicePoint.objects.all(), head.user)} == {office_a}
    assert {p.office for p in scope(ServicePoint.objects.all(), outsider.user)} == {office_b}


def test_scope_through_a_many_to_many_lists_each_row_once(office_a, office_b, analyst, head):
    EmployeeFactory(username="both", offices=[office_a, office_b])
    everyone = scope(Employee.objects.all(), analyst.user, office_field="offices")
    assert [e.user.username for e in everyone].count("both") == 1
    mine = scope(Employee.objects.filter(user__username="both"), head.user, office_field="offices")
    assert mine.count() == 1


def test_get_in_scope_finds_a_row_in_the_users_office(head, office_a):
    point = get_in_scope(ServicePoint.objects.all(), head.user, number=1)
    assert point.office == office_a


def test_get_in_scope_answers_404_for_another_offices_row_as_if_it_did_not_exist(head, office_b):
    b_point = ServicePoint.objects.get(office=office_b)
    with pytest.raises(Http404):
        get_in_scope(ServicePoint.objects.all(), head.user, pk=b_point.pk)
    with pytest.raises(Http404):
        get_in_scope(ServicePoint.objects.all(), head.user, pk=10**9)


def test_get_in_scope_answers_404_for_a_malformed_key(head):
    with pytest.raises(Http404):
        get_in_scope(ServicePoint.objects.all(), head.user, pk="abc")


def test_get_in_scope_answers_404_when_the_lookup_is_ambiguous(analyst, office_a, office_b):
    with pytest.raises(Http404):
        get_in_scope(ServicePoint.objects.all(), analyst.user, number=1)


def test_get_in_scope_lets_an_analyst_read_any_office(analyst, office_b):
    b_point = ServicePoint.objects.get(office=office_b)
    assert get_in_scope(ServicePoint.objects.all(), analyst.user, pk=b_point.pk) == b_point
