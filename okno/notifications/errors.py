"""Domain errors of notifications; views and the API turn them into a translated 4xx."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class NotificationError(Exception):
    """Something asked of a notification that the rules do not allow."""

    message = _("The notification could not do this.")
    status = 409

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message


class NotResendable(NotificationError):
    message = _(
        "Only a message that failed, and whose recipient is still known, can be sent again."
    )
