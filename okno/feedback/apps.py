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
        from okno.feedback.pains import recompute_due
        from okno.feedback.services import run_upkeep

        # Alerts are a matter of days; every ten minutes is more than enough, and each alert is
        # claimed by a conditional update, so several processes running it at once is safe.
        periodic.register("feedback.upkeep", run_upkeep, every=dt.timedelta(minutes=10))
        # The map of pains: each scope is recomputed when its report is six hours old, under a
        # claim in the shared cache, so one process computes it; checking hourly is enough.
        periodic.register("feedback.pains", recompute_due, every=dt.timedelta(hours=1))
        # "Rate your visit" goes within minutes of the visit; claimed per ticket, safe in parallel.
        from okno.feedback.tasks import run_rating_upkeep

        periodic.register("feedback.ratings", run_rating_upkeep, every=dt.timedelta(minutes=1))
