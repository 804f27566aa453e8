"""Roles are Django groups; this table says which permissions each role holds."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db import DEFAULT_DB_ALIAS

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

#: The live queue's records: what the admin shows of them (tickets and sessions stay read-only
#: there whatever the permission; they change only through the queue's services).
_QUEUE_MODELS = (
    "prioritycategory",
    "queuesettings",
    "ticket",
    "ticketevent",
    "desksession",
    "deskpause",
)
_VIEW_QUEUE = [perm for model in _QUEUE_MODELS for perm in _perms("queueing", model, "view")]

#: Bookings and their events change only through the booking services: view at most.
_VIEW_BOOKINGS = [
    *_perms("appointments", "booking", "view"),
    *_perms("appointments", "bookingevent", "view"),
]
#: Ratings, complaints and their trails change only through the feedback services: view at most.
_VIEW_FEEDBACK = [
    perm
    for model in ("rating", "followup", "complaint", "complaintevent", "painreport")
    for perm in _perms("feedback", model, "view")
]
#: Cases, their documents and their trail change only through the case services: view at most.
_VIEW_CASES = [
    perm
    for model in ("case", "receiveddocument", "caseevent")
    for perm in _perms("cases", model, "view")
]
#: Who decides a service's cases and how they are taken. Units serve several offices and a rule
#: for every office sends every office's cases: they are the administrator's to change.
_CASE_SET_UP = ("providerunit", "routing", "caserules")
_BOOKING_RULES = [
    *_perms("appointments", "appointmentsettings", *_ALL),
    *_perms("appointments", "staffshift", *_ALL),
]

#: role -> permission names ("app_label.codename"). A role holds exactly these.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.OPERATOR: [
        *_VIEW_CATALOG,
        *_perms("queueing", "ticket", "view"),
        *_VIEW_BOOKINGS,
        *_VIEW_CASES,
    ],
    Role.BACK_OFFICE: [
        *_VIEW_CATALOG,
        *_VIEW_CASES,
        *_perms("cases", "providerunit", "view"),
        *_perms("cases", "routing", "view"),
    ],
    Role.HEAD: [
        *_VIEW_CATALOG,
        *_perms("catalog", "office", "change"),
        *_perms("catalog", "servicepoint", *_ALL),
        *_perms("catalog", "openinghours", *_ALL),
        *_perms("catalog", "calendarexception", *_ALL),
        *_perms("staff", "employee", "view", "change"),
        *_perms("staff", "competency", *_ALL),
        *_perms("queueing", "prioritycategory", *_ALL),
        *_perms("queueing", "queuesettings", *_ALL),
        *_perms("queueing", "ticket", "view"),
        *_perms("queueing", "ticketevent", "view"),
        *_perms("queueing", "desksession", "view"),
        *_perms("queueing", "deskpause", "view"),
        *_BOOKING_RULES,
        *_VIEW_BOOKINGS,
        *_VIEW_FEEDBACK,
        *_perms("feedback", "feedbacksettings", *_ALL),
        *_perms("feedback", "deadlinerule", "view"),
        *_VIEW_CASES,
        *(perm for model in _CASE_SET_UP for perm in _perms("cases", model, "view")),
        # Alerts and the size of attachments are the office's own: the head sets them.
        *_perms("cases", "casesettings", *_ALL),
    ],
    Role.ANALYST: [
        *_VIEW_FEEDBACK,
        *_perms("feedback", "deadlinerule", "view"),
        *_VIEW_CATALOG,
        *_VIEW_QUEUE,
        *_VIEW_BOOKINGS,
        *_perms("appointments", "appointmentsettings", "view"),
        *_perms("appointments", "staffshift", "view"),
        *_perms("staff", "employee", "view"),
        *_perms("staff", "competency", "view"),
        *_VIEW_CASES,
        *(
            perm
            for model in (*_CASE_SET_UP, "casesettings", "casepause", "casefile")
            for perm in _perms("cases", model, "view")
        ),
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
        *(perm for model in _QUEUE_MODELS for perm in _perms("queueing", model, *_ALL)),
        *_BOOKING_RULES,
        *_VIEW_BOOKINGS,
        *_VIEW_FEEDBACK,
        *_perms("feedback", "feedbacksettings", *_ALL),
        *_perms("feedback", "deadlinerule", *_ALL),
        *(perm for model in _CASE_SET_UP for perm in _perms("cases", model, *_ALL)),
        *_perms("cases", "casesettings", *_ALL),
        *_VIEW_CASES,
        # Messages are not tied to an office: only the administrator looks into the outbox.
        *_perms("notifications", "notification", "view"),
        *_perms("auth", "user", *_ALL),
    ],
}


def group_name(role: str) -> str:
    return f"okno:{role}"


def sync_role_groups(**kwargs: Any) -> None:
    """Create one group per role holding exactly its permissions (runs after every migrate)."""
    _ensure_permissions(kwargs.get("using", DEFAULT_DB_ALIAS))
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


def _ensure_permissions(using: str) -> None:
    # post_migrate reaches the staff app before the apps installed after it (queueing, ...), whose
    # permissions Django would only create afterwards: create them now, so every role is complete.
    labels = {name.split(".")[0] for names in ROLE_PERMISSIONS.values() for name in names}
    for label in sorted(labels):
        create_permissions(apps.get_app_config(label), verbosity=0, using=using)
