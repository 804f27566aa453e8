"""Who may see which figures: heads their offices', analysts and administrators every office's;
an employee's own figures are theirs and their head's, never a colleague's."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied

from okno.catalog.models import Office
from okno.core.scoping import scope
from okno.staff.models import Employee, Role

#: Who may look at KPIs of offices: heads (their offices), analysts and administrators (all).
ANALYTICS_ROLES = frozenset({Role.HEAD, Role.ANALYST, Role.ADMINISTRATOR})

User = AbstractBaseUser | AnonymousUser


def sees_office_figures(user: User) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    employee = getattr(user, "employee", None)
    return employee is not None and employee.role in ANALYTICS_ROLES


def require_office_figures(user: User) -> None:
    """PermissionDenied unless the user may look at offices' KPIs."""
    if not sees_office_figures(user):
        raise PermissionDenied


def analytics_offices(user: User) -> list[Office]:
    """The active offices whose figures the user may see, by slug."""
    return list(
        scope(Office.objects.filter(is_active=True), user, office_field="pk").order_by("slug")
    )


def may_see_employee(user: User, employee: Employee) -> bool:
    """An employee's own figures: theirs, and those of whoever sees an office they work in."""
    me = getattr(user, "employee", None) if user.is_authenticated and user.is_active else None
    if me is not None and me.pk == employee.pk:
        return True
    if not sees_office_figures(user):
        return False
    visible = {office.pk for office in analytics_offices(user)}
    return bool(visible & set(employee.offices.values_list("pk", flat=True)))
