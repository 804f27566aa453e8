"""Domain errors of appointments; views and the API turn them into a translated 4xx."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _

from okno.queueing.errors import QueueError


class BookingError(QueueError):
    """Something asked of a booking that the rules do not allow."""

    message = _("The booking could not be made.")
    status = 409


class SlotNotOffered(BookingError):
    message = _("This time is not offered for booking; choose one of the free times.")
    status = 400


class SlotTaken(BookingError):
    message = _("Somebody has just taken this time; please choose another one.")


class ServiceNotBookable(BookingError):
    message = _("This service cannot be booked at this office.")
    status = 400


class InvalidContact(BookingError):
    message = _("Enter a mobile phone number or an e-mail address.")
    status = 400


class TooManyBookings(BookingError):
    message = _(
        "You already have as many active bookings as one person may hold. Cancel one first."
    )


class OnePerServicePerDay(BookingError):
    message = _("You already have a booking for this service on this day.")


class NoShowLimit(BookingError):
    message = _(
        "Online booking is paused for this contact after several missed visits. "
        "Please call the centre or take a ticket at the kiosk."
    )
    status = 403


class WrongCode(BookingError):
    message = _("The code is not correct. Check the message and try again.")
    status = 400


class CodeExpired(BookingError):
    message = _("The time to confirm this booking has run out; the time was released. Book again.")
    status = 410


class TooManyAttempts(BookingError):
    message = _("Too many wrong codes: the time was released. Book again.")
    status = 429


class ResendTooSoon(BookingError):
    message = _("A code was sent a moment ago; wait a minute before asking for another one.")
    status = 429


class TooManyRequests(BookingError):
    message = _("Too many requests from this address or contact; please try again later.")
    status = 429


class NotFound(BookingError):
    message = _("No booking with this code was found.")
    status = 404


class BookingNotActive(BookingError):
    message = _("This booking is no longer active.")


class WrongOffice(BookingError):
    message = _("This booking is for another office.")
    status = 400


class TooEarly(BookingError):
    """Check-in has not opened yet; `opens_at` says when to come back."""

    message = _("It is too early to check in.")

    def __init__(self, opens_at: dt.datetime | None = None) -> None:
        super().__init__()
        self.opens_at = opens_at

    def payload(self) -> dict[str, Any]:
        return {"opens_at": self.opens_at} if self.opens_at is not None else {}


class TooLate(BookingError):
    message = _("The time for this booking has passed; please take a ticket at the kiosk.")
