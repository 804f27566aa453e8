"""The staff app: employees, their roles, offices and competencies, and API tokens."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "okno.staff"
    verbose_name = _("Staff")

    def ready(self) -> None:
        from okno.staff.roles import sync_role_groups

        post_migrate.connect(sync_role_groups, sender=self)
