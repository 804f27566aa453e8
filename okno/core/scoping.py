"""Office scoping: the one rule every staff page and endpoint uses to decide which offices' data a
person may see. Staff see their own offices; analysts, administrators and superusers see all."""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Model, QuerySet
from django.http import Http404

from okno.catalog.models import Office

M = TypeVar("M", bound=Model)


def sees_all_offices(user: AbstractBaseUser | AnonymousUser) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    employee = getattr(user, "employee", None)
    return bool(employee and employee.sees_all_offices)


def visible_office_ids(user: AbstractBaseUser | AnonymousUser) -> list[int] | None:
    """The ids of the offices the user may see; None means every office."""
    if sees_all_offices(user):
        return None
    employee = getattr(user, "employee", None) if user.is_authenticated and user.is_active else None
    if employee is None:
        return []
    cached = getattr(employee, "_visible_office_ids", None)
    if cached is None:
        cached = list(employee.offices.values_list("pk", flat=True))
        employee._visible_office_ids = cached
    return cached


def visible_offices(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Office]:
    return scope(Office.objects.all(), user, office_field="pk")


def scope(
    queryset: QuerySet[M], user: AbstractBaseUser | AnonymousUser, *, office_field: str = "office"
) -> QuerySet[M]:
    """Narrow `queryset` to rows whose `office_field` is one of the user's offices.

    `office_field` is a lookup path to an Office (or its pk): "office", "pk" for offices
    themselves, "offices" for many-to-many rows (the result is then distinct).
    """
    office_ids = visible_office_ids(user)
    if office_ids is None:
        return queryset
    narrowed = queryset.filter(**{f"{office_field}__in": office_ids})
    return narrowed.distinct() if "offices" in office_field.split("__") else narrowed


def get_in_scope(
    queryset: QuerySet[M],
    user: AbstractBaseUser | AnonymousUser,
    *,
    office_field: str = "office",
    **lookup: Any,
) -> M:
    """The one object matching `lookup` within the user's offices; 404 when absent or out of scope,
    so that nobody learns that another office's object exists."""
    try:
        return scope(queryset, user, office_field=office_field).get(**lookup)
    except (queryset.model.DoesNotExist, queryset.model.MultipleObjectsReturned, ValueError):
        raise Http404 from None
