"""Periodic feedback work on ratings: the "rate your visit" message after a booked visit.

Every minute, each visit served within the last hour whose booking left a contact gets one
message with its rating link. The `RatingInvitation` row is the claim: it is created in the same
transaction as the message, and its unique ticket makes a second process (or a second run) skip
the visit, so nobody gets the message twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation

from okno.appointments.models import Booking
from okno.core.i18n import tr
from okno.feedback import selectors, services
from okno.feedback.models import RatingInvitation
from okno.notifications.contact import Contact
from okno.notifications.services import notify
from okno.queueing.models import Ticket


def send_rating_invitations(now: dt.datetime) -> int:
    """Invite the visitors of booked visits served within the last hour to rate them; how many
    messages were written (each is delivered once its transaction commits)."""
    sent = 0
    for ticket in selectors.tickets_to_invite(now):
        booking = (
            Booking.objects.filter(ticket__code=ticket.code)
            .exclude(contact="")
            .exclude(contact_kind="")
            .first()
        )
        if booking is None or not _window_open(ticket, now):
            continue
        try:
            with transaction.atomic():
                RatingInvitation.objects.create(ticket=ticket, sent_at=now)
                notify(
                    to=Contact(kind=booking.contact_kind, value=booking.contact),
                    template="feedback/notifications/rate_invite",
                    language=booking.language,
                    context=_context(ticket, booking.language),
                    reference=f"booking:{booking.code}",
                )
        except IntegrityError:
            continue  # another process claimed this visit first
        sent += 1
    return sent


def run_rating_upkeep(now: dt.datetime) -> dict[str, int]:
    """Periodic rating work, for the scheduler."""
    return {"rating_invitations": send_rating_invitations(now)}


def _window_open(ticket: Ticket, now: dt.datetime) -> bool:
    window = dt.timedelta(days=services.feedback_settings(ticket.office).rating_window_days)
    return ticket.finished_at is not None and now - ticket.finished_at <= window


def _context(ticket: Ticket, language: str) -> dict[str, Any]:
    from okno.feedback.views.rating import rating_url

    office = ticket.office
    with translation.override(language):
        path = rating_url(ticket, via_message=True)
    return {
        "office_name": tr(office.name, language, office.default_language),
        "service_name": tr(ticket.service.name, language),
        "rating_url": settings.OKNO_PUBLIC_URL.rstrip("/") + path,
    }
