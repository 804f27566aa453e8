"""Staff changes: employees and their role groups, competencies, and API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from okno.staff import services
from okno.staff.errors import NotAnEmployee
from okno.staff.models import ApiToken, Competency, Role
from okno.staff.roles import ROLE_PERMISSIONS, group_name
from tests.factories import EmployeeFactory, UserFactory


def role_groups(user) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


# --- employees and roles ----------------------------------------------------------------------


def test_create_employee_makes_a_staff_login_in_exactly_its_role_group(office_a):
    employee = services.create_employee(
        "maria",
        role=Role.BACK_OFFICE,
        offices=[office_a],
        first_name="Maria",
        last_name="Kowalenko",
        password="a long enough password",
        position="Registrar",
    )
    user = employee.user
    assert user.is_staff and user.check_password("a long enough password")
    assert user.get_full_name() == "Maria Kowalenko"
    assert role_groups(user) == {"okno:back_office"}
    assert list(employee.offices.all()) == [office_a]
    assert employee.position == "Registrar"


@pytest.mark.parametrize("role", list(Role))
def test_every_role_gets_its_own_group(db, role):
    employee = EmployeeFactory(role=role)
    assert role_groups(employee.user) == {group_name(role)}


def test_an_unknown_role_is_refused(db):
    with pytest.raises(ValueError):
        services.create_employee("nobody", role="king")


def test_change_role_swaps_the_group_and_keeps_other_groups(operator):
    choir = Group.objects.create(name="choir")
    operator.user.groups.add(choir)

    services.change_role(operator, role=Role.HEAD)

    operator.refresh_from_db()
    assert operator.role == Role.HEAD
    assert role_groups(operator.user) == {"okno:head", "choir"}


def test_a_changed_role_brings_its_permissions_and_takes_the_old_ones(operator):
    user = operator.user
    assert not user.has_perm("catalog.change_office")
    services.change_role(operator, role=Role.HEAD)
    user = type(user).objects.get(pk=user.pk)  # permissions are cached per user object
    assert user.has_perm("catalog.change_office")
    services.change_role(operator, role=Role.OPERATOR)
    user = type(user).objects.get(pk=user.pk)
    assert not user.has_perm("catalog.change_office")


def test_role_permissions_name_only_permissions_that_exist(db):
    for role, names in ROLE_PERMISSIONS.items():
        for name in names:
            app_label, codename = name.split(".")
            assert Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).exists(), f"{role} names {name}, which does not exist"


def test_each_role_group_holds_exactly_its_permissions_after_migrate(db):
    for role, names in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=group_name(role))
        held = {
            f"{app_label}.{codename}"
            for app_label, codename in group.permissions.values_list(
                "content_type__app_label", "codename"
            )
        }
        assert held == set(names), role


def test_every_role_is_described():
    assert set(ROLE_PERMISSIONS) == set(Role)


@pytest.mark.parametrize(
    ("actor", "permission", "held"),
    [
        ("operator", "catalog.view_service", True),
        ("operator", "catalog.change_office", False),
        ("clerk", "staff.view_employee", False),
        ("head", "catalog.change_office", True),
        ("head", "catalog.add_office", False),
        ("head", "staff.change_employee", True),
        ("head", "auth.change_user", False),
        ("head", "catalog.change_service", False),
        ("analyst", "staff.view_employee", True),
        ("analyst", "staff.change_employee", False),
        ("administrator", "auth.change_user", True),
        ("administrator", "catalog.add_office", True),
    ],
)
def test_roles_map_to_django_permissions(request, actor, permission, held):
    user = request.getfixturevalue(actor).user
    assert user.has_perm(permission) is held


# --- competencies ------------------------------------------------------------------------------


def test_granting_a_competency_twice_keeps_one(operator, service_a):
    first = services.grant_competency(operator, service=service_a)
    second = services.grant_competency(operator, service=service_a)
    assert first == second
    assert Competency.objects.filter(employee=operator).count() == 1


def test_revoking_a_competency_leaves_a_history_record(operator, service_a):
    services.grant_competency(operator, service=service_a)
    services.revoke_competency(operator, service=service_a)
    assert not Competency.objects.filter(employee=operator).exists()
    assert Competency.history.filter(history_type="-").count() == 1


# --- API tokens -----------------------------------------------------------------------------------


def test_a_token_is_shown_once_and_stored_only_as_its_hash(operator):
    raw = services.issue_token(operator.user, name="kiosk 3")

    assert raw.startswith("okno_") and len(raw) > 40
    token = ApiToken.objects.get(user=operator.user)
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert token.name == "kiosk 3"
    assert raw.startswith(token.prefix) and len(token.prefix) < len(raw) // 2
    stored = {field.attname: getattr(token, field.attname) for field in ApiToken._meta.fields}
    assert not any(raw in str(value) for value in stored.values())


def test_two_tokens_are_never_the_same(operator):
    assert services.issue_token(operator.user) != services.issue_token(operator.user)


def test_only_employees_get_tokens(db):
    with pytest.raises(NotAnEmployee):
        services.issue_token(UserFactory())
    assert not ApiToken.objects.exists()


def test_a_token_authenticates_its_user_and_is_marked_as_used(operator):
    raw = services.issue_token(operator.user)
    moment = dt.datetime(2026, 11, 9, 10, tzinfo=dt.UTC)
    with time_machine.travel(moment, tick=False):
        assert services.authenticate_token(raw) == operator.user
    assert ApiToken.objects.get().last_used_at == moment


def test_last_use_is_written_at_most_once_a_minute(operator):
    raw = services.issue_token(operator.user)
    start = dt.datetime(2026, 11, 9, 10, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        services.authenticate_token(raw)
    with time_machine.travel(start + dt.timedelta(seconds=30), tick=False):
        services.authenticate_token(raw)
    assert ApiToken.objects.get().last_used_at == start
    with time_machine.travel(start + dt.timedelta(minutes=2), tick=False):
        services.authenticate_token(raw)
    assert ApiToken.objects.get().last_used_at == start + dt.timedelta(minutes=2)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda raw: raw[:-1] + ("A" if raw[-1] != "A" else "B"),
        lambda raw: raw.removeprefix("okno_"),
        lambda raw: raw + "x" * 300,
        lambda raw: "",
        lambda raw: raw.upper(),
    ],
    ids=["one-letter-changed", "no-prefix", "too-long", "empty", "upper-case"],
)
def test_anything_but_the_exact_token_is_refused(operator, mangle):
    raw = services.issue_token(operator.user)
    assert services.authenticate_token(mangle(raw)) is None


def test_a_revoked_token_is_refused(operator):
    raw = services.issue_token(operator.user)
    token = ApiToken.objects.get()
    services.revoke_token(token)
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_at <= timezone.now()
    assert services.authenticate_token(raw) is None


def test_revoking_twice_keeps_the_first_revocation_time(operator):
    services.issue_token(operator.user)
    token = ApiToken.objects.get()
    services.revoke_token(token)
    first = ApiToken.objects.get().revoked_at
    services.revoke_token(token)
    assert ApiToken.objects.get().revoked_at == first


def test_a_deactivated_employees_token_is_refused(operator):
    raw = services.issue_token(operator.user)
    operator.user.is_active = False
    operator.user.save()
    assert services.authenticate_token(raw) is None
