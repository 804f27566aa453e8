"""Background tasks of notifications: each fetches by id and calls a service (safe to run twice)."""

from __future__ import annotations

from django_tasks import task

from okno.notifications import services


@task()
def deliver_notification(notification_id: int) -> str:
    """Send a queued notification; returns its status afterwards ("" when another run had it)."""
    return services.deliver(notification_id)
