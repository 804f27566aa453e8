"""The catalogue app: offices, service passports and life situations."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "okno.catalog"
    verbose_name = _("Service catalogue")

    def ready(self) -> None:
        from okno.catalog import search

        search.connect_signals()
