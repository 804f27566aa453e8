"""The citizen portal: service passports, life situations and offices, in five languages."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "okno.portal"
    verbose_name = _("Citizen portal")
