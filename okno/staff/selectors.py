"""Read queries over employees, always narrowed to the offices the viewer may see."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch, QuerySet

from okno.catalog.models import Office, Service
from okno.core.scoping import get_in_scope, scope, visible_offices
from okno.staff.models import Employee


def employees_for(user: AbstractBaseUser, *, office: Office | None = None) -> QuerySet[Employee]:
    """Employees working in the viewer's offices (or in `office`, which must be one of them)."""
    employees = scope(Employee.objects.all(), user, office_field="offices")
    if office is not None:
        employees = employees.filter(offices=office)
    return employees.select_related("user", "home_service_point").prefetch_related(
        "offices", Prefetch("competencies", queryset=Service.objects.select_related("group"))
    )


def office_for(user: AbstractBaseUser, slug: str) -> Office:
    """One of the viewer's offices by slug; 404 for anyone else's."""
    return get_in_scope(
        Office.objects.prefetch_related("service_points"), user, office_field="pk", slug=slug
    )


def offices_for(user: AbstractBaseUser) -> QuerySet[Office]:
    return visible_offices(user).prefetch_related("service_points")


def employee_for(user: AbstractBaseUser, username: str) -> Employee:
    return get_in_scope(
        Employee.objects.select_related("user"),
        user,
        office_field="offices",
        user__username=username,
    )
