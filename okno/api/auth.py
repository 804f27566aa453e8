"""API authentication: staff bearer tokens (`Authorization: Bearer okno_...`) or a staff session."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, django_auth

from okno.staff.services import authenticate_token


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
