"""ASGI entry point: `uvicorn okno.asgi:application` (what `okno serve` runs)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "okno.settings")
application = get_asgi_application()

from okno.core.i18n import compile_catalogues  # noqa: E402  (needs settings loaded)

compile_catalogues()
