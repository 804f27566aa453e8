"""Sending notifications: write the message into the outbox, deliver it in the background, retry
what failed, and forget personal data once it is no longer needed.

Other apps call `notify(...)` inside their own transaction: the row is written with their
change, and delivery is queued only when that transaction commits (nothing is sent about a
booking that was rolled back). Delivery claims the row with a conditional update, so a task run
twice, or by two workers, sends once.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.template import Context, TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import timezone, translation

from okno.notifications import errors
from okno.notifications.backends import DeliveryError, OutgoingMessage, backend_for
from okno.notifications.contact import Contact
from okno.notifications.models import WIPED, Notification

logger = logging.getLogger(__name__)

Status = Notification.Status

#: Automatic retries of a failed (not sensitive) message: how many attempts in all, how long
#: after the last one, and until what age (a reminder a day late does more harm than good).
MAX_ATTEMPTS = 3
RETRY_AFTER = dt.timedelta(minutes=5)
RETRY_WITHIN = dt.timedelta(hours=6)

_SUBJECT_LENGTH = Notification._meta.get_field("subject").max_length or 200
_ERROR_LENGTH = Notification._meta.get_field("last_error").max_length or 300


def notify(
    *,
    to: Contact,
    template: str,
    language: str,
    context: dict[str, Any],
    sensitive: bool = False,
    reference: str = "",
) -> Notification:
    """Write a message to `to` from the templates `<template>.txt` (the text) and, for e-mail,
    `<template>_subject.txt` (one line; without it, the text's first line), rendered in
    `language`; queue its delivery for when the current transaction commits.

    `sensitive=True` for a text with a one-time code: it is wiped from the row once sent.
    `reference` says what the message is about ("booking:ABC123"), for staff looking it up.
    """
    language = _known_language(language)
    channel = Notification.Channel.SMS if to.is_phone else Notification.Channel.EMAIL
    with translation.override(language):
        body = _render(f"{template}.txt", context)
        subject = _subject(template, context, body) if channel == Notification.Channel.EMAIL else ""
    notification = Notification.objects.create(
        channel=channel,
        recipient=to.value,
        recipient_masked=to.masked,
        language=language,
        kind=template,
        subject=subject,
        body=body,
        sensitive=sensitive,
        reference=reference[: Notification._meta.get_field("reference").max_length],
    )
    _queue_on_commit(notification.pk)
    return notification


def deliver(notification_id: int, *, now: dt.datetime | None = None) -> str:
    """Send a queued notification through its channel's backend and record the outcome.

    Returns the new status, or "" when the row was not queued (sent already, taken by another
    worker, or gone). A delivery failure is recorded on the row, never raised.
    """
    now = now or timezone.now()
    claimed = Notification.objects.filter(pk=notification_id, status=Status.QUEUED).update(
        status=Status.SENDING, attempts=F("attempts") + 1, last_attempt_at=now
    )
    if not claimed:
        return ""
    notification = Notification.objects.get(pk=notification_id)
    if not notification.recipient:
        return _failed(notification, "no recipient: it was cleared")
    message = OutgoingMessage(
        channel=notification.channel,
        to=notification.recipient,
        body=notification.body,
        subject=notification.subject,
        kind=notification.kind,
        reference=notification.reference,
        notification_id=notification.pk,
    )
    try:
        backend_for(notification.channel).send(message)
    except DeliveryError as error:
        return _failed(notification, str(error))
    except Exception as error:
        # A bug in a backend must not leave the row "sending" forever; its message may quote the
        # address, so only its type is kept.
        return _failed(notification, f"unexpected {type(error).__name__}")
    wiped = {"body": WIPED, "subject": WIPED if notification.subject else ""}
    Notification.objects.filter(pk=notification.pk, status=Status.SENDING).update(
        status=Status.SENT,
        sent_at=timezone.now(),
        recipient="",
        last_error="",
        **(wiped if notification.sensitive else {}),
    )
    logger.info(
        "notification %s sent (%s, %s)", notification.pk, notification.channel, notification.kind
    )
    return Status.SENT


def resend(notification: Notification) -> Notification:
    """Queue a failed notification again (staff asked, or the retry job did)."""
    requeued = (
        Notification.objects.filter(pk=notification.pk, status=Status.FAILED)
        .exclude(recipient="")
        .update(status=Status.QUEUED)
    )
    if not requeued:
        raise errors.NotResendable
    _queue_on_commit(notification.pk)
    notification.refresh_from_db()
    return notification


def retry_undelivered(now: dt.datetime) -> int:
    """Periodic job: queue again the recent failed messages that have attempts left; returns
    how many. Sensitive ones are left alone: a late one-time code is of no use, the citizen asks
    for a new one. Safe to run in several processes: each row is flipped back by one of them."""
    candidates = Notification.objects.filter(
        status=Status.FAILED,
        sensitive=False,
        attempts__lt=MAX_ATTEMPTS,
        created_at__gte=now - RETRY_WITHIN,
        last_attempt_at__lte=now - RETRY_AFTER,
    ).exclude(recipient="")
    requeued = 0
    for notification_id in candidates.values_list("pk", flat=True)[:500]:
        if Notification.objects.filter(pk=notification_id, status=Status.FAILED).update(
            status=Status.QUEUED
        ):
            _queue_on_commit(notification_id)
            requeued += 1
    if requeued:
        logger.info("notifications: %s failed messages queued again", requeued)
    return requeued


def prune_notifications(
    now: dt.datetime | None = None, *, older_than_days: int | None = None
) -> int:
    """Clear the recipient, subject and text of notifications older than `older_than_days`
    (default OKNO_NOTIFICATION_RETENTION_DAYS); the rest of each row stays as a record that a
    message was sent. Returns how many rows were cleared. A daily periodic job."""
    now = now or timezone.now()
    days = older_than_days or settings.OKNO_NOTIFICATION_RETENTION_DAYS
    cleared = (
        Notification.objects.filter(created_at__lt=now - dt.timedelta(days=days))
        .exclude(recipient="", subject="", body="")
        .update(recipient="", subject="", body="")
    )
    if cleared:
        logger.info("notifications: %s rows older than %s days cleared", cleared, days)
    return cleared


# --- helpers ------------------------------------------------------------------------------------


def _queue_on_commit(notification_id: int) -> None:
    from okno.notifications.tasks import deliver_notification

    # robust: a failure to queue is logged and must not turn the caller's committed work into a
    # 500; the row stays queued, where staff can see it.
    transaction.on_commit(lambda: deliver_notification.enqueue(notification_id), robust=True)


def _failed(notification: Notification, reason: str) -> str:
    reason = _scrub(reason, notification.recipient)[:_ERROR_LENGTH]
    Notification.objects.filter(pk=notification.pk, status=Status.SENDING).update(
        status=Status.FAILED, last_error=reason
    )
    logger.warning(
        "notification %s not sent (%s, %s): %s",
        notification.pk,
        notification.channel,
        notification.kind,
        reason,
    )
    return Status.FAILED


def _scrub(text: str, recipient: str) -> str:
    """The text without the recipient's address, should a backend have let it through."""
    if not recipient:
        return text
    for form in {recipient, recipient.lstrip("+")}:
        text = text.replace(form, "•••")
    return text


def _known_language(language: str) -> str:
    codes = [code for code, _name in settings.LANGUAGES]
    base = (language or "").lower().split("-")[0]
    return base if base in codes else settings.LANGUAGE_CODE


def _render(name: str, context: dict[str, Any]) -> str:
    """A plain-text template: nothing is HTML-escaped (an SMS shows "&amp;" as it is)."""
    template = get_template(name).template  # the Django engine's own Template
    return template.render(Context(context, autoescape=False)).strip()


def _subject(template: str, context: dict[str, Any], body: str) -> str:
    try:
        text = _render(f"{template}_subject.txt", context)
    except TemplateDoesNotExist:
        text = next((line for line in body.splitlines() if line.strip()), "")
    subject = " ".join(text.split())  # one line: a newline in a header is refused by mail
    if len(subject) > _SUBJECT_LENGTH:
        subject = subject[: _SUBJECT_LENGTH - 1] + "…"
    return subject
