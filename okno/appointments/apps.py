"""The appointments app: registers its periodic upkeep (expired holds, no-shows, reminders)."""

import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppointmentsConfig(AppConfig):
    name = "okno.appointments"
    label = "appointments"
    verbose_name = _("Appointments")

    def ready(self) -> None:
        from okno.appointments.services import run_upkeep
        from okno.appointments.slots import connect_signals
        from okno.core import periodic

        connect_signals()
        # Every minute: a held slot is released within a minute of its hold running out, and
        # the reminder "2 hours before" goes out on time. Each step claims its rows with a
        # conditional update, so several processes running it at once is safe.
        periodic.register("appointments.upkeep", run_upkeep, every=dt.timedelta(minutes=1))
