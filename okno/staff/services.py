"""Every change to employees, their competencies and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import transaction
from django.utils import timezone

from okno.catalog.models import Office, Service, ServicePoint
from okno.staff.errors import NotAnEmployee
from okno.staff.models import ApiToken, Competency, Employee, Role
from okno.staff.roles import group_name

TOKEN_PREFIX = "okno_"


@transaction.atomic
def create_employee(
    username: str,
    *,
    role: str,
    offices: Iterable[Office] = (),
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    password: str | None = None,
    position: str = "",
    home_service_point: ServicePoint | None = None,
) -> Employee:
    """A new login with its employee profile; every employee can sign in to the staff pages."""
    user = get_user_model().objects.create_user(
        username=username,
        email=email,
        password=password,
        first_name=first_name,
        last_name=last_name,
        is_staff=True,
    )
    employee = Employee.objects.create(
        user=user, role=Role(role), position=position, home_service_point=home_service_point
    )
    employee.offices.set(offices)
    _sync_groups(employee)
    return employee


@transaction.atomic
def change_role(employee: Employee, *, role: str) -> Employee:
    employee.role = Role(role)
    employee.save(update_fields=["role"])
    _sync_groups(employee)
    return employee


def grant_competency(employee: Employee, *, service: Service) -> Competency:
    competency, _created = Competency.objects.get_or_create(employee=employee, service=service)
    return competency


def revoke_competency(employee: Employee, *, service: Service) -> None:
    for competency in Competency.objects.filter(employee=employee, service=service):
        competency.delete()  # one by one, so each deletion leaves a history record


def _sync_groups(employee: Employee) -> None:
    """The user belongs to exactly the group of their role (other groups are left alone)."""
    role_groups = Group.objects.filter(name__startswith="okno:")
    employee.user.groups.remove(*role_groups)
    group, _created = Group.objects.get_or_create(name=group_name(employee.role))
    employee.user.groups.add(group)


# --- API tokens ------------------------------------------------------------------
def issue_token(user: AbstractBaseUser, *, name: str = "") -> str:
    """Create a token and return it in clear text: this is the only time it can be seen."""
    if not hasattr(user, "employee"):
        raise NotAnEmployee()
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, prefix=raw[:12], key_hash=_hash(raw))
    return raw


def revoke_token(token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def authenticate_token(raw: str) -> AbstractBaseUser | None:
    """The active user owning this token, or None; marks the token as used."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def _hash(raw: str) -> str:
    # The token carries 256 bits of randomness, so a plain SHA-256 is enough at rest.
    return hashlib.sha256(raw.encode()).hexdigest()
