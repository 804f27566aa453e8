"""The citizen's complaint pages: file a complaint or suggestion, follow it by its reference."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path


def status(request: HttpRequest, code: str) -> HttpResponse:
    raise NotImplementedError


urlpatterns = [
    path("complaints/<str:code>/", status, name="complaint_status"),
]
