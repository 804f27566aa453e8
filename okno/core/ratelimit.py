"""Fixed-window rate limits counted in the shared cache, for anonymous writes (kiosk, booking).

Keys are hashed before they reach the cache: a client address or a phone number never appears
in Redis or in a cache dump.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def exceeded(scope: str, key: str, *, limit: int, window_seconds: int = 60) -> bool:
    """Count one hit for `key` in `scope`; True once more than `limit` hits fall in the window."""
    window = int(time.time() // window_seconds)
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{scope}:{key}".encode()).hexdigest()[:32]
    cache_key = f"okno:rate:{scope}:{digest}:{window}"
    cache.add(cache_key, 0, timeout=window_seconds * 2)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        count = 1
    return count > limit


def client_address(request: HttpRequest) -> str:
    """The address rate limits count against (the proxy in front sets REMOTE_ADDR correctly)."""
    return request.META.get("REMOTE_ADDR", "")
