"""How a message leaves okno: printed (development), Django's mail, or an HTTP SMS gateway.

`backend_for(channel)` picks the backend the settings name (OKNO_SMS_BACKEND, OKNO_EMAIL_BACKEND).
A backend raises `DeliveryError` when the message did not go; its text is stored and logged, so
it never contains the recipient's address or the message text.
"""

from __future__ import annotations

import json
import smtplib
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage

from okno.notifications.contact import mask

SMS = "sms"
EMAIL = "email"


class DeliveryError(Exception):
    """The message was not delivered; the text says why without personal data."""


@dataclass(frozen=True)
class OutgoingMessage:
    """One message as a backend sends it. `to` is the full address: never log it, use `masked_to`."""

    channel: str
    to: str
    body: str
    subject: str = ""
    kind: str = ""
    reference: str = ""
    notification_id: int | None = None

    @property
    def masked_to(self) -> str:
        return mask(self.to)

    def __repr__(self) -> str:
        # Keeps the address and the text out of tracebacks and debug output.
        return (
            f"OutgoingMessage(channel={self.channel!r}, to={self.masked_to!r}, kind={self.kind!r})"
        )


class Backend:
    """Sends one message or raises DeliveryError."""

    def send(self, message: OutgoingMessage) -> None:
        raise NotImplementedError


#: Every message the console backend sent in this process, oldest first (like Django's
#: mail.outbox): tests and browser journeys read one-time codes from here.
outbox: list[OutgoingMessage] = []


class ConsoleBackend(Backend):
    """For development and tests: prints the message and keeps it in `outbox`."""

    def send(self, message: OutgoingMessage) -> None:
        outbox.append(message)
        lines = [f"--- {message.channel} to {message.masked_to} ({message.kind or 'message'})"]
        if message.subject:
            lines.append(f"Subject: {message.subject}")
        # The text in full: a developer signing in on their own machine needs to read the code.
        lines += [message.body, "---"]
        print("\n".join(lines), file=sys.stdout, flush=True)


class EmailBackend(Backend):
    """E-mail through Django's EMAIL_BACKEND (SMTP from OKNO_EMAIL_* in production)."""

    def send(self, message: OutgoingMessage) -> None:
        email = EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.to],
        )
        try:
            email.send(fail_silently=False)
        except smtplib.SMTPResponseException as error:
            raise DeliveryError(f"mail server answered {error.smtp_code}") from None
        except (smtplib.SMTPException, OSError) as error:
            # SMTPRecipientsRefused and friends quote the addresses: keep only the kind of failure.
            raise DeliveryError(f"mail server: {type(error).__name__}") from None


class SmsBackend(Backend):
    """Sends text messages to phone numbers in E.164."""


class HttpSmsGateway(SmsBackend):
    """A gateway taking POST {"to", "text", "sender"} as JSON with a bearer token.

    Most national SMS providers offer such an endpoint, or a small adapter in front of theirs.
    """

    def __init__(self, *, url: str, token: str = "", sender: str = "", timeout: float = 10):
        if not url.startswith(("https://", "http://")):
            raise ValueError("the SMS gateway URL must start with https:// or http://")
        self.url = url
        self.token = token
        self.sender = sender
        self.timeout = timeout

    def send(self, message: OutgoingMessage) -> None:
        payload = {"to": message.to, "text": message.body}
        if self.sender:
            payload["sender"] = self.sender
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "okno"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(
            self.url, data=json.dumps(payload).encode(), headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            # The gateway's answer may echo the number: only the status is kept.
            raise DeliveryError(f"SMS gateway answered HTTP {error.code}") from None
        except urllib.error.URLError as error:
            reason = error.reason
            raise DeliveryError(
                f"SMS gateway unreachable: {type(reason).__name__ if isinstance(reason, BaseException) else 'error'}"
            ) from None
        except (TimeoutError, OSError) as error:
            raise DeliveryError(f"SMS gateway unreachable: {type(error).__name__}") from None
        if not 200 <= status < 300:
            raise DeliveryError(f"SMS gateway answered HTTP {status}")


def backend_for(channel: str) -> Backend:
    """The backend the settings choose for a channel ("sms" or "email")."""
    if channel == SMS:
        if settings.OKNO_SMS_BACKEND == "http":
            return HttpSmsGateway(
                url=settings.OKNO_SMS_GATEWAY_URL,
                token=settings.OKNO_SMS_GATEWAY_TOKEN,
                sender=settings.OKNO_SMS_SENDER,
                timeout=settings.OKNO_SMS_TIMEOUT,
            )
        return ConsoleBackend()
    if channel == EMAIL:
        return EmailBackend() if settings.OKNO_EMAIL_BACKEND == "smtp" else ConsoleBackend()
    raise ValueError(f"unknown channel {channel!r}")
