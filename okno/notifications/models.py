"""The outbox: one row per message to a citizen, kept afterwards as a record of what was sent."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

#: What a sensitive body (one with a one-time code) becomes once sent.
WIPED = "—"


class Notification(models.Model):
    """A message to one recipient by SMS or e-mail.

    Personal data is kept only while needed: the address until the message is sent (the masked
    form stays for staff), the text of a one-time code until it is sent, and the rest until
    `prune_notifications` clears old rows.
    """

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("e-mail")

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    channel = models.CharField(_("channel"), max_length=5, choices=Channel)
    recipient = models.CharField(
        _("recipient"),
        max_length=254,
        blank=True,
        help_text=_("Phone number (E.164) or e-mail address; cleared once the message is sent."),
    )
    recipient_masked = models.CharField(_("recipient"), max_length=254, blank=True)
    language = models.CharField(_("language"), max_length=5)
    kind = models.CharField(
        _("kind"), max_length=120, help_text=_("The template the message was written from.")
    )
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    reference = models.CharField(
        _("reference"),
        max_length=80,
        blank=True,
        help_text=_("What the message is about, e.g. booking:ABC123."),
    )
    sensitive = models.BooleanField(
        _("sensitive"),
        default=False,
        help_text=_("Holds a one-time code: the text is wiped once sent."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["reference"], name="notification_reference")]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=["sms", "email"]), name="notification_channel_known"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "sending", "sent", "failed"]),
                name="notification_status_known",
            ),
            models.CheckConstraint(
                condition=Q(sent_at__isnull=True) | Q(status="sent"),
                name="notification_sent_at_only_when_sent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_masked} ({self.get_status_display()})"
