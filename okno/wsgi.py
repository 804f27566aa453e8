"""WSGI entry point, for servers without ASGI (live events need ASGI: prefer okno.asgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "okno.settings")
application = get_wsgi_application()

from okno.core.i18n import compile_catalogues  # noqa: E402  (needs settings loaded)

compile_catalogues()
