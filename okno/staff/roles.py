"""Roles are Django groups; this table says which permissions each role holds."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission

from okno.staff.models import Role


def _perms(app: str, model: str, *actions: str) -> list[str]:
    return [f"{app}.{action}_{model}" for action in actions]


_VIEW_CATALOG = [
    *_perms("catalog", "office", "view"),
    *_perms("catalog", "servicepoint", "view"),
    *_perms("catalog", "openinghours", "view"),
    *_perms("catalog", "calendarexception", "view"),
    *_perms("catalog", "servicegroup", "view"),
    *_perms("catalog", "service", "view"),
    *_perms("catalog", "requireddocument", "view"),
    *_perms("catalog", "lifesituation", "view"),
    *_perms("catalog", "lifesituationstep", "view"),
]
_ALL = ("add", "change", "delete", "view")

#: role -> permission names ("app_label.codename"). A role holds exactly these.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.OPERATOR: [*_VIEW_CATALOG],
    Role.BACK_OFFICE: [*_VIEW_CATALOG],
    Role.HEAD: [
        *_VIEW_CATALOG,
        *_perms("catalog", "office", "change"),
        *_perms("catalog", "servicepoint", *_ALL),
        *_perms("catalog", "openinghours", *_ALL),
        *_perms("catalog", "calendarexception", *_ALL),
        *_perms("staff", "employee", "view", "change"),
        *_perms("staff", "competency", *_ALL),
    ],
    Role.ANALYST: [
        *_VIEW_CATALOG,
        *_perms("staff", "employee", "view"),
        *_perms("staff", "competency", "view"),
    ],
    Role.ADMINISTRATOR: [
        *(
            perm
            for model in (
                "office",
                "servicepoint",
                "openinghours",
                "calendarexception",
                "servicegroup",
                "service",
                "requireddocument",
                "lifesituation",
                "lifesituationstep",
            )
            for perm in _perms("catalog", model, *_ALL)
        ),
        *_perms("staff", "employee", *_ALL),
        *_perms("staff", "competency", *_ALL),
        *_perms("staff", "apitoken", *_ALL),
        *_perms("auth", "user", *_ALL),
    ],
}


def group_name(role: str) -> str:
    return f"okno:{role}"


def sync_role_groups(**_kwargs: Any) -> None:
    """Create one group per role holding exactly its permissions (runs after every migrate)."""
    for role, names in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=group_name(role))
        wanted = []
        for name in names:
            app_label, codename = name.split(".")
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is not None:
                wanted.append(permission)
        group.permissions.set(wanted)
