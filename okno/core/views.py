"""Operational endpoints (the health check a load balancer polls) and the error pages."""

from __future__ import annotations

from django.db import connection
from django.db.utils import Error as DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404: JSON for API clients, a page with a way back for people."""
    if request.path.startswith("/api/"):
        return JsonResponse({"message": _("Not found.")}, status=404)
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """500: JSON for API clients; for people a static page that needs no database."""
    if request.path.startswith("/api/"):
        return JsonResponse({"message": "Internal error; it has been logged."}, status=500)
    from django.views.defaults import server_error as django_server_error

    return django_server_error(request)
