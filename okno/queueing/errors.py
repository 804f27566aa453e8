"""Domain errors of the live queue; views and the API turn them into a translated 4xx."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class QueueError(Exception):
    """Something a person asked of the queue that the rules do not allow."""

    message = _("The queue could not do this.")
    status = 409

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message

    def payload(self) -> dict[str, Any]:
        """What an API answer carries besides the message (nothing, unless a subclass says)."""
        return {}


class ServiceNotOffered(QueueError):
    message = _("This service is not offered at this office.")
    status = 400


class InvalidChoice(QueueError):
    message = _("This value is not one of the allowed choices.")
    status = 400


class OfficeClosed(QueueError):
    message = _("The office is closed now; tickets are issued during opening hours.")


class UnknownPriority(QueueError):
    message = _("This priority category does not exist at this office.")
    status = 400


class TransitionNotAllowed(QueueError):
    message = _("This ticket cannot do that in its current state.")


class NoShowTooEarly(QueueError):
    message = _("Call the ticket again or wait a little before marking it as a no-show.")


class NotAtServicePoint(QueueError):
    message = _("Open a service point first.")


class NotYourOffice(QueueError):
    message = _("This service point belongs to an office you do not work for.")
    status = 403


class ServicePointInactive(QueueError):
    message = _("This service point is out of use.")


class ServicePointBusy(QueueError):
    message = _("Someone else is already working at this service point.")


class AlreadyAtServicePoint(QueueError):
    message = _("You are already working at another service point; close it first.")


class NotQualified(QueueError):
    message = _("You are not qualified for this service.")
    status = 403


class TicketInHand(QueueError):
    message = _("Finish the current ticket first.")


class SessionPaused(QueueError):
    message = _("Resume work before calling the next ticket.")


class NotYourTicket(QueueError):
    message = _("This ticket is handled at another service point.")
    status = 403
