"""Context every page needs: the language switcher links for the current page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import translate_url
from django.utils.translation import get_language_info


def site(request: HttpRequest) -> dict[str, Any]:
    query = request.META.get("QUERY_STRING", "")
    links = []
    for code, _name in settings.LANGUAGES:
        url = translate_url(request.path, code)
        links.append(
            {
                "code": code,
                "name": get_language_info(code)["name_local"],
                "url": f"{url}?{query}" if query else url,
            }
        )
    return {"language_links": links}
