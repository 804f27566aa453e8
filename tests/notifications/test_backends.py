"""Backends: an HTTP SMS gateway (a real local server stands in for it), Django's e-mail, the
console; and a configuration that cannot work refused at start-up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail

from okno.notifications import backends, services
from okno.notifications.backends import DeliveryError, HttpSmsGateway, OutgoingMessage
from okno.notifications.contact import Contact
from okno.notifications.models import Notification

PHONE = Contact("phone", "+380671234567")
EMAIL = Contact("email", "olena@example.com")


class Gateway:
    """A stand-in SMS gateway: records requests, answers with `status` after `delay` seconds."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status = 200
        self.delay = 0.0
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                gateway.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "json": json.loads(self.rfile.read(length)),
                    }
                )
                time.sleep(gateway.delay)
                # Real gateways echo the number in their errors; okno must not keep it.
                answer = json.dumps({"error": "rejected +380671234567"}).encode()
                self.send_response(gateway.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/sms"


@pytest.fixture
def gateway(settings) -> Iterator[Gateway]:
    gateway = Gateway()
    thread = threading.Thread(target=gateway.server.serve_forever, daemon=True)
    thread.start()
    settings.OKNO_SMS_BACKEND = "http"
    settings.OKNO_SMS_GATEWAY_URL = gateway.url
    settings.OKNO_SMS_GATEWAY_TOKEN = "gw-token-123"
    settings.OKNO_SMS_SENDER = "CNAP"
    yield gateway
    gateway.server.shutdown()
    gateway.server.server_close()


def code_sms(**kwargs) -> Notification:
    return services.notify(
        to=PHONE,
        template="tests/notifications/code",
        language="en",
        context={"code": "482913"},
        **kwargs,
    )


def test_the_gateway_gets_the_number_text_and_sender_as_json_with_the_token(
    db, gateway, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notification = code_sms()
    (request,) = gateway.requests
    assert request["path"] == "/v1/sms"
    assert request["headers"]["Authorization"] == "Bearer gw-token-123"
    assert request["headers"]["Content-Type"].startswith("application/json")
    assert request["json"] == {
        "to": "+380671234567",
        "text": "Your code: 482913\nIt is valid for 10 minutes.",
        "sender": "CNAP",
    }
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT


def test_without_a_sender_the_gateway_uses_its_own(db, gateway, settings):
    settings.OKNO_SMS_SENDER = ""
    backends.backend_for("sms").send(OutgoingMessage(channel="sms", to="+48600100200", body="Hi"))
    assert gateway.requests[0]["json"] == {"to": "+48600100200", "text": "Hi"}


def test_a_gateway_error_marks_the_message_failed_without_the_number(
    db, gateway, django_capture_on_commit_callbacks
):
    gateway.status = 500
    with django_capture_on_commit_callbacks(execute=True):
        notification = code_sms()
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert notification.attempts == 1
    assert notification.last_error == "SMS gateway answered HTTP 500"
    assert "671234567" not in notification.last_error
    assert backends.outbox == []


def test_a_gateway_that_does_not_answer_in_time_fails_the_message(gateway):
    gateway.delay = 1.0
    slow = HttpSmsGateway(url=gateway.url, timeout=0.2)
    with pytest.raises(DeliveryError) as error:
        slow.send(OutgoingMessage(channel="sms", to="+380671234567", body="Hi"))
    assert str(error.value) == "SMS gateway unreachable: TimeoutError"


def test_a_gateway_address_must_be_http():
    with pytest.raises(ValueError):
        HttpSmsGateway(url="file:///etc/passwd")


def test_email_goes_through_djangos_mail(db, settings, django_capture_on_commit_callbacks):
    settings.OKNO_EMAIL_BACKEND = "smtp"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DEFAULT_FROM_EMAIL = "cnap@example.gov"
    with django_capture_on_commit_callbacks(execute=True):
        notification = services.notify(
            to=EMAIL,
            template="tests/notifications/greeting",
            language="en",
            context={"name": "Olena", "time": "10:30"},
        )
    (email,) = mail.outbox
    assert email.to == ["olena@example.com"]
    assert email.from_email == "cnap@example.gov"
    assert email.subject == "Ukrainian visit of Olena"
    assert email.body == "Ukrainian: Olena, your visit is at 10:30.\nSee you soon."
    assert backends.outbox == []
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT


def test_an_unreachable_mail_server_fails_the_message_without_the_address(
    db, settings, closed_port, django_capture_on_commit_callbacks
):
    settings.OKNO_EMAIL_BACKEND = "smtp"
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = closed_port
    with django_capture_on_commit_callbacks(execute=True):
        notification = services.notify(
            to=EMAIL, template="tests/notifications/code", language="en", context={"code": "1"}
        )
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert notification.last_error == "mail server: ConnectionRefusedError"


def test_the_console_prints_the_text_but_masks_the_recipient(capsys):
    backends.ConsoleBackend().send(
        OutgoingMessage(channel="sms", to="+380671234567", body="Your code: 482913", kind="code")
    )
    out = capsys.readouterr().out
    assert "+380 •• ••• •• 67" in out
    assert "Your code: 482913" in out
    assert "671234567" not in out
    assert backends.outbox[0].to == "+380671234567"


def test_a_message_shown_in_a_traceback_hides_its_recipient_and_text():
    message = OutgoingMessage(channel="sms", to="+380671234567", body="Your code: 482913")
    assert "671234567" not in repr(message)
    assert "482913" not in repr(message)


def run_okno(tmp_path, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "OKNO_DATA_DIR": str(tmp_path), **env}
    environment.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "okno.cli", "manage", "check"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"OKNO_SMS_BACKEND": "http"}, "OKNO_SMS_GATEWAY_URL"),
        (
            {"OKNO_SMS_BACKEND": "http", "OKNO_SMS_GATEWAY_URL": "ftp://gw.example"},
            "OKNO_SMS_GATEWAY_URL",
        ),
        ({"OKNO_SMS_BACKEND": "pigeon"}, "OKNO_SMS_BACKEND='pigeon'"),
        ({"OKNO_EMAIL_BACKEND": "smtp"}, "OKNO_EMAIL_FROM"),
        ({"OKNO_SMS_TIMEOUT": "0"}, "OKNO_SMS_TIMEOUT"),
    ],
)
def test_a_configuration_that_cannot_send_stops_start_up(tmp_path, env, named):
    result = run_okno(tmp_path, **env)
    assert result.returncode != 0
    assert "okno: configuration error:" in result.stderr
    assert named in result.stderr
    assert "Traceback" not in result.stderr
