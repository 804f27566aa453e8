"""API authentication: staff bearer tokens (`Authorization: Bearer okno_...`) or a staff session."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja.security import HttpBearer, django_auth

from okno.queueing.errors import QueueError
from okno.staff.models import Employee
from okno.staff.services import authenticate_token


class NotStaff(QueueError):
    message = _("Only employees of a centre can do this.")
    status = 403


class InvalidToken(QueueError):
    message = _("Sign in or send a valid token: Authorization: Bearer <token>.")
    status = 401


class BearerToken(HttpBearer):
    def __call__(self, request: HttpRequest) -> Any:
        # Ninja's own __call__ logs unexpected headers in DEBUG; a header may hold a secret.
        scheme, _, token = request.headers.get(self.header, "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = authenticate_token(token)
        if user is not None:
            request.user = user
        return user


staff_auth = [BearerToken(), django_auth]


def token_staff(request: HttpRequest) -> Employee | None:
    """The employee behind an Authorization header, None without one; a bad header is refused.

    Only a token counts, never a session cookie: the endpoints that use this take no CSRF
    token, so a signed-in browser must not be able to act as staff through them.
    """
    if not request.headers.get("Authorization"):
        return None
    user = BearerToken()(request)
    if user is None:
        raise InvalidToken()
    employee = getattr(user, "employee", None)
    if employee is None:
        raise NotStaff()
    return employee
