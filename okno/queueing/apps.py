from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QueueingConfig(AppConfig):
    name = "okno.queueing"
    label = "queueing"
    verbose_name = _("Live queue")
