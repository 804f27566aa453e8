"""The JSON API (django-ninja) at /api/v1/."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "okno.api"
    verbose_name = "API"
