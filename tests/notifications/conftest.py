"""Notification tests: their own little templates, messages printed (not sent), an empty outbox."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from okno.notifications import backends

TEMPLATES_DIR = Path(__file__).parent / "templates"


@pytest.fixture(autouse=True)
def _notification_settings(settings):
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [*engine["DIRS"], TEMPLATES_DIR]}]
    settings.OKNO_SMS_BACKEND = "console"
    settings.OKNO_EMAIL_BACKEND = "console"
    backends.outbox.clear()
    yield
    backends.outbox.clear()


@pytest.fixture
def closed_port() -> int:
    """A local port nobody listens on: connecting to it is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
