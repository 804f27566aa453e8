"""The citizen's ticket page: place in the queue, expected wait, "go to window N"; live by SSE.

The page is reached by the ticket's secret code only (never its number or id). It subscribes to
its office's events of its own group (and desk changes, which move the estimate) and re-fetches
its status partial on each; the SSE extension reconnects by itself and `hello` after a
reconnection refreshes what may have been missed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from asgiref.sync import sync_to_async
from django.db import transaction
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from okno.core.pubsub import Event
from okno.core.sse import event_stream
from okno.queueing import errors, selectors, services
from okno.queueing.models import Ticket


@never_cache
@require_GET
def page(request: HttpRequest, code: str) -> HttpResponse:
    """The ticket page (it also works without JavaScript: reloading shows the present state)."""
    return _render(request, "queueing/ticket.html", selectors.ticket_by_code(code))


@never_cache
@require_GET
def status(request: HttpRequest, code: str) -> HttpResponse:
    """What the page shows of the ticket, for the swap after each live event."""
    return _render(request, "queueing/_ticket_status.html", selectors.ticket_by_code(code))


@never_cache
@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest, code: str) -> HttpResponse:
    """'I am leaving': GET asks to confirm, POST gives up the place (only while waiting)."""
    ticket = selectors.ticket_by_code(code)
    if request.method == "POST":
        try:
            _cancel_waiting(ticket)
        except errors.QueueError as error:
            return _render(
                request, "queueing/ticket_cancel.html", ticket, error=error, status=error.status
            )
        return redirect(reverse("queueing:ticket", kwargs={"code": ticket.code}))
    if ticket.state != Ticket.State.WAITING:
        return redirect(reverse("queueing:ticket", kwargs={"code": ticket.code}))
    return _render(request, "queueing/ticket_cancel.html", ticket)


@require_GET
async def events(request: HttpRequest, code: str) -> StreamingHttpResponse:
    """The live events that may change what the ticket page shows."""
    ticket = await sync_to_async(selectors.ticket_by_code)(code)
    return event_stream(f"office:{ticket.office_id}", accept=_concerns(ticket.prefix))


urlpatterns = [
    path("t/<slug:code>/", page, name="ticket"),
    path("t/<slug:code>/status", status, name="ticket_status"),
    path("t/<slug:code>/cancel", cancel, name="ticket_cancel"),
    path("t/<slug:code>/events", events, name="ticket_events"),
]


# --- helpers ------------------------------------------------------------------------------------


def _render(
    request: HttpRequest,
    template: str,
    ticket: Ticket,
    *,
    error: errors.QueueError | None = None,
    status: int = 200,
) -> HttpResponse:
    estimate = selectors.estimate_wait(ticket, now=timezone.now())
    # What the visitor last saw (sent back by the page): only a change is announced to a
    # screen reader, not every refresh.
    seen = ":".join(
        str(part)
        for part in (
            ticket.pk,
            ticket.state,
            ticket.outcome,
            ticket.service_point_id or "",
            ticket.recall_count,
            estimate.ahead,
            estimate.minutes,
        )
    )
    previously_seen = request.GET.get("seen")
    context: dict[str, Any] = {
        "ticket": ticket,
        "office": ticket.office,
        "estimate": estimate,
        "seen": seen,
        "announce": previously_seen is not None and previously_seen != seen,
        "error": error,
    }
    with timezone.override(ticket.office.zone):
        return render(request, template, context, status=status)


def _cancel_waiting(ticket: Ticket) -> None:
    """Cancel the ticket if it is still waiting; a visitor cannot cancel a call or a service.

    The row is locked while checking, so an operator's call-next (which skips locked rows)
    cannot call the ticket between the check and the cancellation.
    """
    with transaction.atomic():
        state = (
            Ticket.objects.select_for_update()
            .filter(pk=ticket.pk)
            .values_list("state", flat=True)
            .first()
        )
        if state != Ticket.State.WAITING:
            raise errors.TransitionNotAllowed(
                _("Your ticket is no longer waiting, so it cannot be cancelled here.")
            )
        services.cancel_ticket(ticket)


def _concerns(prefix: str) -> Callable[[Event], bool]:
    """Events of the ticket's own group, and desk changes (they move the estimate)."""

    def accept(event: Event) -> bool:
        if event.get("type") == "ticket":
            return (event.get("ticket") or {}).get("group") == prefix
        return True

    return accept
