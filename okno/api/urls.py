"""The okno JSON API: one NinjaAPI, one router per app, errors always JSON with a message."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer

from okno import __version__
from okno.api.catalog import router as catalog_router
from okno.api.staff import router as staff_router


class Utf8JSONRenderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
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
