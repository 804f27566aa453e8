"""The notifications app: registers its periodic jobs (retries, clean-up) when Django starts."""

from __future__ import annotations

import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "okno.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from okno.core import periodic
        from okno.notifications import services

        periodic.register(
            "notifications.retry", services.retry_undelivered, every=dt.timedelta(minutes=5)
        )
        periodic.register(
            "notifications.prune", services.prune_notifications, every=dt.timedelta(days=1)
        )
