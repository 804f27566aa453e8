"""The feedback app: registers its periodic upkeep (complaint deadline alerts)."""

import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "okno.feedback"
    label = "feedback"
    verbose_name = _("Feedback")

    def ready(self) -> None:
        from okno.core import periodic
        from okno.feedback.services import run_upkeep

        # Alerts are a matter of days; every ten minutes is more than enough, and each alert is
        # claimed by a conditional update, so several processes running it at once is safe.
        periodic.register("feedback.upkeep", run_upkeep, every=dt.timedelta(minutes=10))
