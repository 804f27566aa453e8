"""How every API router answers a domain error: `{"message": ...}` with the error's status."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from ninja import Status

from okno.queueing.errors import QueueError


def answers_domain_errors(view: Callable[..., Any]) -> Callable[..., Any]:
    """A domain error becomes `{"message": ..., **error.payload()}` with its status, in the
    language the request asked for (`?lang=`, else Accept-Language)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return view(request, *args, **kwargs)
        except QueueError as error:
            with translation.override(requested_language(request)):
                body: dict[str, Any] = {"message": str(error.message), **error.payload()}
            return Status(error.status, body)

    return wrapper


def requested_language(request: HttpRequest) -> str:
    """`?lang=` when it names a language of the site, else the request's language."""
    lang = request.GET.get("lang", "")
    if lang in dict(settings.LANGUAGES):
        return lang
    return translation.get_language() or settings.LANGUAGE_CODE
