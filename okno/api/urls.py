"""The okno JSON API: one NinjaAPI, one router per app, errors always JSON with a message."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from asgiref.sync import iscoroutinefunction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import URLPattern
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer

from okno import __version__
from okno.api.analytics import router as analytics_router
from okno.api.appointments import router as appointments_router
from okno.api.cases import router as cases_router
from okno.api.catalog import router as catalog_router
from okno.api.feedback import router as feedback_router
from okno.api.queueing import router as queueing_router
from okno.api.staff import router as staff_router


class Utf8JSONRenderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}


class OknoAPI(NinjaAPI):
    """A NinjaAPI whose every view answers a wrong method in JSON: django-ninja answers it with a
    plain-text 405 of its own, before any exception handler runs."""

    @property
    def urls(self) -> Any:
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = _json_method_not_allowed(pattern.callback)
        return patterns, app_name, namespace


api = OknoAPI(
    renderer=Utf8JSONRenderer(),
    title="okno API",
    version=__version__,
    description=(
        "The public service catalogue (offices, service passports, life situations) and staff "
        "endpoints. Staff endpoints take `Authorization: Bearer <token>` (`okno token USERNAME`)."
    ),
    urls_namespace="api",
)
api.add_router("/", catalog_router)
api.add_router("/staff/", staff_router)
api.add_router("/", queueing_router)
api.add_router("/", appointments_router)
api.add_router("/", feedback_router)
api.add_router("/", cases_router)
api.add_router("/", analytics_router)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {
            "location": ".".join(str(part) for part in error.get("loc", ())),
            "message": error.get("msg", ""),
        }
        for error in exc.errors
    ]
    return api.create_response(
        request, {"message": _("The request is not valid."), "errors": errors}, status=422
    )


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"message": _("Not found.")}, status=404)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        {"message": _("Sign in or send a valid token: Authorization: Bearer <token>.")},
        status=401,
    )


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(request, {"message": str(exc)}, status=exc.status_code)


def _json_method_not_allowed(view: Callable) -> Callable:
    """The view, with django-ninja's plain-text 405 answered like every other error."""

    def answer(request: HttpRequest, response: Any) -> Any:
        if not isinstance(response, HttpResponseNotAllowed):
            return response
        allowed = response["Allow"]
        message = _("This address does not take %(method)s; it takes %(allowed)s.") % {
            "method": request.method,
            "allowed": allowed,
        }
        json_response = api.create_response(request, {"message": message}, status=405)
        json_response["Allow"] = allowed
        return json_response

    if iscoroutinefunction(view):

        @wraps(view)
        async def async_view(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            return answer(request, await view(request, *args, **kwargs))

        return async_view

    @wraps(view)
    def sync_view(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        return answer(request, view(request, *args, **kwargs))

    return sync_view
