"""The core app: shared building blocks every other app uses."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "okno.core"
    verbose_name = _("Core")
