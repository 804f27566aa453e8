"""The citizen's booking pages: service → office → day → time → contact → code → confirmation."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path


def manage(request: HttpRequest, code: str, secret: str) -> HttpResponse:
    raise NotImplementedError


urlpatterns = [
    path("booking/<str:code>/<str:secret>/", manage, name="manage"),
]
