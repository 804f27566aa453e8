"""A rating saved for a past day marks that office-day for a rebuild (today is read live).

Ratings are the late arrivals that matter (a visit may be rated for a week); the bulk upload
of offline terminals marks its days itself (`mark_changed`), and writes made by conditional
updates (a booking marked not kept) are caught by the settling rebuild `SETTLE_DAYS` later."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from okno.analytics.services import mark_changed
from okno.catalog.models import Office
from okno.feedback.models import Rating

_zones: dict[int, Any] = {}


def connect() -> None:
    for model in (Rating,):
        post_save.connect(_changed, sender=model, dispatch_uid=f"analytics-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"analytics-del-{model.__name__}")
    post_save.connect(_forget_zone, sender=Office, dispatch_uid="analytics-office-zone")


def _changed(sender: type, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    mark_if_past(instance.office_id, instance.visited_on)


def mark_if_past(office_id: int, day: dt.date) -> None:
    """Mark `office_id`'s `day` as changed unless it is the office's today (read live anyway)."""
    if day < timezone.now().astimezone(_zone(office_id)).date():
        mark_changed(office_id, day)


def _zone(office_id: int) -> Any:
    if office_id not in _zones:
        _zones[office_id] = Office.objects.get(pk=office_id).zone
    return _zones[office_id]


def _forget_zone(sender: type, instance: Office, **kwargs: Any) -> None:
    _zones.pop(instance.pk, None)
