"""Sending notifications: written with the caller's transaction, sent when it commits, in the
citizen's language, once however often the task runs; codes and addresses forgotten once sent."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.db import transaction

from okno.notifications import backends, errors, services
from okno.notifications.contact import Contact
from okno.notifications.models import Notification
from okno.notifications.tasks import deliver_notification

PHONE = Contact("phone", "+380671234567")
EMAIL = Contact("email", "olena@example.com")
GREETING = "tests/notifications/greeting"
CODE = "tests/notifications/code"


def greet(to: Contact = PHONE, language: str = "en", **kwargs) -> Notification:
    return services.notify(
        to=to,
        template=GREETING,
        language=language,
        context={"name": "Olena", "time": "10:30"},
        **kwargs,
    )


def test_a_message_is_sent_when_the_callers_transaction_commits(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notification = greet(reference="booking:ABC123")
        # Written with the caller's change, not sent before it commits.
        assert Notification.objects.get().status == Notification.Status.QUEUED
        assert backends.outbox == []
    (message,) = backends.outbox
    assert message.channel == "sms"
    assert message.to == "+380671234567"
    assert message.body == "Ukrainian: Olena, your visit is at 10:30.\nSee you soon."
    assert message.subject == ""
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.sent_at is not None
    assert notification.attempts == 1
    assert notification.kind == GREETING
    assert notification.reference == "booking:ABC123"
    assert notification.channel == Notification.Channel.SMS
    # The address is kept until sent; staff see its masked form afterwards.
    assert notification.recipient == ""
    assert notification.recipient_masked == "+380 •• ••• •• 67"
    assert notification.body == message.body


def test_nothing_is_written_or_sent_when_the_callers_transaction_rolls_back(
    db, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        greet()
        raise RuntimeError("the booking failed")
    assert callbacks == []
    assert not Notification.objects.exists()
    assert backends.outbox == []


def test_the_message_is_written_in_the_language_asked_for(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        greet(language="uk")
    assert backends.outbox[0].body.startswith("Українська: Olena")
    assert Notification.objects.get().language == "uk"


def test_an_unknown_language_falls_back_to_the_site_language(
    db, settings, django_capture_on_commit_callbacks
):
    settings.LANGUAGE_CODE = "en"
    with django_capture_on_commit_callbacks(execute=True):
        greet(language="xx")
    assert backends.outbox[0].body.startswith("Ukrainian: Olena")
    assert Notification.objects.get().language == "en"


def test_text_is_plain_not_html_escaped(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(
            to=PHONE,
            template=GREETING,
            language="en",
            context={"name": "O'Neil & <Sons>", "time": "10:30"},
        )
    assert backends.outbox[0].body.startswith("Ukrainian: O'Neil & <Sons>, your visit")


def test_an_email_takes_its_subject_from_the_subject_template_on_one_line(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notification = greet(to=EMAIL, language="uk")
    (message,) = backends.outbox
    assert message.channel == "email"
    assert message.to == "olena@example.com"
    assert message.subject == "Українська visit of Olena"
    notification.refresh_from_db()
    assert notification.channel == Notification.Channel.EMAIL
    assert notification.recipient_masked == "o•••@example.com"


def test_an_email_without_a_subject_template_is_titled_by_its_first_line(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(to=EMAIL, template=CODE, language="en", context={"code": "482913"})
    assert backends.outbox[0].subject == "Your code: 482913"


def test_a_one_time_code_is_wiped_from_the_record_once_sent(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification = services.notify(
            to=EMAIL, template=CODE, language="en", context={"code": "482913"}, sensitive=True
        )
        assert "482913" in Notification.objects.get().body  # needed until it is sent
    assert "482913" in backends.outbox[0].body
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.body == "—"
    assert notification.subject == "—"
    assert notification.recipient == ""


def test_delivering_twice_sends_once(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        notification = greet()
    deliver_notification.enqueue(notification.pk)
    deliver_notification.enqueue(notification.pk)
    assert services.deliver(notification.pk) == ""
    assert len(backends.outbox) == 1
    notification.refresh_from_db()
    assert notification.attempts == 1
    assert notification.status == Notification.Status.SENT


def test_a_failed_delivery_is_recorded_and_not_raised(
    db, settings, closed_port, django_capture_on_commit_callbacks
):
    settings.OKNO_SMS_BACKEND = "http"
    settings.OKNO_SMS_GATEWAY_URL = f"http://127.0.0.1:{closed_port}/send"
    with django_capture_on_commit_callbacks(execute=True):
        notification = greet()
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert notification.attempts == 1
    assert notification.last_error.startswith("SMS gateway unreachable")
    # Kept for another attempt.
    assert notification.recipient == "+380671234567"
    assert notification.sent_at is None


def test_staff_can_send_a_failed_message_again(
    db, settings, closed_port, django_capture_on_commit_callbacks
):
    settings.OKNO_SMS_BACKEND = "http"
    settings.OKNO_SMS_GATEWAY_URL = f"http://127.0.0.1:{closed_port}/send"
    with django_capture_on_commit_callbacks(execute=True):
        notification = greet()
    settings.OKNO_SMS_BACKEND = "console"
    with django_capture_on_commit_callbacks(execute=True):
        services.resend(notification)
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.attempts == 2
    assert len(backends.outbox) == 1


def test_a_message_that_went_cannot_be_sent_again(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification = greet()
    with pytest.raises(errors.NotResendable):
        services.resend(notification)
    assert len(backends.outbox) == 1


NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)


def failed(**fields) -> Notification:
    values = {
        "channel": Notification.Channel.SMS,
        "recipient": "+380671234567",
        "recipient_masked": "+380 •• ••• •• 67",
        "language": "uk",
        "kind": GREETING,
        "body": "reminder",
        "status": Notification.Status.FAILED,
        "attempts": 1,
        "created_at": NOW - dt.timedelta(minutes=20),
        "last_attempt_at": NOW - dt.timedelta(minutes=6),
        "last_error": "SMS gateway answered HTTP 503",
    }
    return Notification.objects.create(**{**values, **fields})


def test_the_retry_job_sends_again_only_recent_failures_with_attempts_left(
    db, django_capture_on_commit_callbacks
):
    retried = failed(body="retried")
    failed(body="code", sensitive=True)  # a late one-time code is useless
    failed(body="tried enough", attempts=services.MAX_ATTEMPTS)
    failed(body="too old", created_at=NOW - dt.timedelta(hours=7))
    failed(body="just tried", last_attempt_at=NOW - dt.timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.retry_undelivered(NOW) == 1
    assert [message.body for message in backends.outbox] == ["retried"]
    retried.refresh_from_db()
    assert retried.status == Notification.Status.SENT
    assert retried.attempts == 2
    assert Notification.objects.filter(status=Notification.Status.FAILED).count() == 4


def test_old_notifications_lose_their_recipient_and_text(db):
    old = failed(created_at=NOW - dt.timedelta(days=31), subject="Reminder")
    recent = failed(created_at=NOW - dt.timedelta(days=29))
    assert services.prune_notifications(NOW, older_than_days=30) == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.recipient, old.subject, old.body) == ("", "", "")
    assert old.recipient_masked == "+380 •• ••• •• 67"  # the record of the message stays
    assert recent.recipient == "+380671234567" and recent.body == "reminder"
    assert services.prune_notifications(NOW, older_than_days=30) == 0


def test_pruning_keeps_rows_for_the_configured_number_of_days(db, settings):
    settings.OKNO_NOTIFICATION_RETENTION_DAYS = 10
    failed(created_at=NOW - dt.timedelta(days=11))
    failed(created_at=NOW - dt.timedelta(days=9))
    assert services.prune_notifications(NOW) == 1


def test_the_retry_and_clean_up_jobs_are_registered():
    from okno.core import periodic

    assert {"notifications.retry", "notifications.prune"} <= set(periodic.registry.names())


def test_logs_never_hold_the_address_or_the_text(
    db, settings, closed_port, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        greet(to=PHONE)
        services.notify(
            to=EMAIL, template=CODE, language="en", context={"code": "482913"}, sensitive=True
        )
    settings.OKNO_SMS_BACKEND = "http"
    settings.OKNO_SMS_GATEWAY_URL = f"http://127.0.0.1:{closed_port}/send"
    with django_capture_on_commit_callbacks(execute=True):
        greet(to=PHONE)
    notification_records = [r for r in caplog.records if r.name.startswith("okno.notifications")]
    assert len(notification_records) == 3  # two sent, one failed: the logs do say something
    for record in caplog.records:
        text = record.getMessage() + (record.exc_text or "")
        for secret in ("671234567", "olena@example.com", "482913", "Olena"):
            assert secret not in text, record.name
