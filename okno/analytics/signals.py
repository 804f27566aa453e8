"""Late changes to past days (a rating given the day after, a booking marked not kept) mark
that office-day for a rebuild; today's figures are read live and need no mark."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from okno.analytics.services import mark_changed
from okno.appointments.models import Booking
from okno.catalog.models import Office
from okno.feedback.models import Rating
from okno.queueing.models import Ticket

_zones: dict[int, Any] = {}


def connect() -> None:
    for model in (Ticket, Rating, Booking):
        post_save.connect(_changed, sender=model, dispatch_uid=f"analytics-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"analytics-del-{model.__name__}")
    post_save.connect(_forget_zone, sender=Office, dispatch_uid="analytics-office-zone")


def _changed(sender: type, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    if isinstance(instance, Ticket):
        day = instance.service_day
    elif isinstance(instance, Rating):
        day = instance.visited_on
    else:
        day = None
    zone = _zone(instance.office_id)
    if day is None:
        day = instance.start.astimezone(zone).date()
    if day < timezone.now().astimezone(zone).date():
        mark_changed(instance.office_id, day)


def _zone(office_id: int) -> Any:
    if office_id not in _zones:
        _zones[office_id] = Office.objects.get(pk=office_id).zone
    return _zones[office_id]


def _forget_zone(sender: type, instance: Office, **kwargs: Any) -> None:
    _zones.pop(instance.pk, None)
