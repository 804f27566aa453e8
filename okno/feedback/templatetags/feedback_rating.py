"""`{% rating_link ticket as rate %}`: the ticket page's "Rate your visit" link and QR code.

A template tag rather than a line in the queue's ticket view, so that the queue does not need to
know about feedback: the ticket page asks, and gets nothing for a visit that cannot be rated.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from okno.core.qr import qr_svg
from okno.feedback import services
from okno.feedback.models import Rating
from okno.queueing.models import Ticket

register = template.Library()


@register.simple_tag(takes_context=True)
def rating_link(context: template.Context, ticket: Ticket) -> dict[str, Any] | None:
    """{"url", "qr_svg"} for a served visit still in its rating window and not yet rated."""
    from okno.feedback.views.rating import rating_url

    if ticket.state != Ticket.State.DONE or ticket.outcome != Ticket.Outcome.SERVED:
        return None
    window = dt.timedelta(days=services.feedback_settings(ticket.office).rating_window_days)
    if ticket.finished_at is None or timezone.now() - ticket.finished_at > window:
        return None
    if Rating.objects.filter(ticket=ticket).exists():
        return None
    path = rating_url(ticket)
    request = context.get("request")
    url = request.build_absolute_uri(path) if request is not None else path
    return {"url": path, "qr_svg": qr_svg(url, label=_("QR code: rate your visit on your phone"))}
