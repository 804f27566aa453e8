"""Admin for notifications: a read-only record of what was sent to whom (addresses masked), for
staff answering "did I get the reminder?". Messages change only through the services."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from okno.core.admin import ReadOnlyMixin
from okno.notifications.models import WIPED, Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "kind",
        "channel",
        "recipient_masked",
        "language",
        "status",
        "attempts",
        "sent_at",
        "reference",
    ]
    list_filter = ["status", "channel"]
    search_fields = ["reference"]
    date_hierarchy = "created_at"
    # The full address is left out on purpose: the masked one says enough to staff.
    fields = [
        "created_at",
        "kind",
        "channel",
        "recipient_masked",
        "language",
        "reference",
        "status",
        "attempts",
        "last_attempt_at",
        "sent_at",
        "last_error",
        "shown_subject",
        "shown_body",
    ]
    readonly_fields = fields

    @admin.display(description=_("subject"))
    def shown_subject(self, notification: Notification) -> str:
        return WIPED if notification.sensitive and notification.subject else notification.subject

    @admin.display(description=_("text"))
    def shown_body(self, notification: Notification) -> str:
        # A one-time code is nobody's business but the citizen's, not even before it is sent.
        return WIPED if notification.sensitive else notification.body
