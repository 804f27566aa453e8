"""The analytics app: KPIs, their daily rollups and the dashboards that read them."""

import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "okno.analytics"
    label = "analytics"
    verbose_name = _("Analytics")

    def ready(self) -> None:
        from okno.analytics import signals
        from okno.analytics.services import refresh_due
        from okno.core import periodic

        signals.connect()
        # Days close at each office's midnight; a run every 10 minutes builds them soon after
        # and redoes days changed late. Each office-day is rebuilt under a lock: safe to overlap.
        periodic.register("analytics.rollups", refresh_due, every=dt.timedelta(minutes=10))
