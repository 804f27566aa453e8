"""The cases app: registers its periodic upkeep (deadline alerts to the back office)."""

import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "okno.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from okno.cases.services import run_upkeep
        from okno.core import periodic

        # Alerts are a matter of days; each is claimed by a conditional update, so several
        # processes running the sweep at once send it once.
        periodic.register("cases.upkeep", run_upkeep, every=dt.timedelta(minutes=10))
