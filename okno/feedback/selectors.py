"""Reads that the feedback pages, the staff pages and the periodic jobs share.

Ratings first (the tablet's visit, follow-ups, phone look-up, invitations); other parts of
feedback add their reads below.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from okno.catalog.models import Office, ServicePoint
from okno.core.scoping import get_in_scope, scope
from okno.feedback.models import FollowUp, Rating
from okno.queueing.models import Ticket

#: How long after a visit the tablet at the window still offers to rate it: long enough to
#: pick up the tablet, short enough that the next visitor does not rate the previous one.
TABLET_MINUTES = 10
#: Invitations go for visits served within this time: a message days later is noise.
INVITE_WITHIN = dt.timedelta(hours=1)


# --- ratings ------------------------------------------------------------------------------------


def tablet_ticket(
    service_point: ServicePoint,
    *,
    now: dt.datetime | None = None,
    dismissed: int | None = None,
) -> Ticket | None:
    """The visit the tablet at `service_point` offers to rate, or None (the idle screen).

    Only the last visit finished at the window within `TABLET_MINUTES` counts, and only if it
    was served, is not yet rated and the tablet has not let it go (`dismissed`, the id of the
    visit the tablet gave up on after inactivity): a no-show or a transfer after it means the
    visitor standing there is not the one who was served.
    """
    now = now or timezone.now()
    last = (
        Ticket.objects.filter(
            service_point=service_point,
            state=Ticket.State.DONE,
            finished_at__gte=now - dt.timedelta(minutes=TABLET_MINUTES),
            finished_at__lte=now,
        )
        .select_related("office", "service", "service_point")
        .order_by("-finished_at", "-pk")
        .first()
    )
    if last is None or last.outcome != Ticket.Outcome.SERVED or last.pk == dismissed:
        return None
    if Rating.objects.filter(ticket=last).exists():
        return None
    return last


def tablet_service_point(service_point_id: int) -> ServicePoint | None:
    """An active office's service point, for its tablet."""
    return (
        ServicePoint.objects.filter(pk=service_point_id, office__is_active=True)
        .select_related("office")
        .first()
    )


@dataclass(frozen=True)
class FollowUpCounts:
    open: int
    done: int


def follow_ups(
    user: AbstractBaseUser | AnonymousUser,
    *,
    status: str | None = None,
    office: Office | None = None,
) -> QuerySet[FollowUp]:
    """Follow-ups of the user's offices (one office if given), oldest open first, with the
    visit's context the page shows."""
    rows = scope(FollowUp.objects.all(), user)
    if office is not None:
        rows = rows.filter(office=office)
    if status:
        rows = rows.filter(status=status)
    return rows.select_related(
        "office",
        "closed_by__user",
        "rating__service",
        "rating__service_point",
        "rating__employee__user",
        "rating__ticket",
    ).order_by("status", "created_at", "pk")


def follow_up_counts(
    user: AbstractBaseUser | AnonymousUser, *, office: Office | None = None
) -> FollowUpCounts:
    rows = scope(FollowUp.objects.all(), user)
    if office is not None:
        rows = rows.filter(office=office)
    counts = rows.aggregate(
        open=Count("pk", filter=Q(status=FollowUp.Status.OPEN)),
        done=Count("pk", filter=Q(status=FollowUp.Status.DONE)),
    )
    return FollowUpCounts(open=counts["open"], done=counts["done"])


def follow_up_for_user(user: AbstractBaseUser | AnonymousUser, pk: int) -> FollowUp:
    """One follow-up within the user's offices; 404 otherwise."""
    return get_in_scope(FollowUp.objects.select_related("office", "rating"), user, pk=pk)


def ticket_for_phone_rating(
    user: AbstractBaseUser | AnonymousUser,
    *,
    office: Office,
    label: str = "",
    day: dt.date | None = None,
    code: str = "",
) -> Ticket | None:
    """The served visit a caller is rating, found by its number and day or by its code, within
    the user's offices. A transferred visit resolves to the service it ended with."""
    tickets = scope(Ticket.objects.all(), user).filter(office=office)
    code = "".join(code.split()).lower()
    if code:
        tickets = tickets.filter(code=code)
    elif label and day is not None:
        tickets = tickets.filter(label=label.strip().upper(), service_day=day)
    else:
        return None
    return (
        tickets.filter(transferred_to__isnull=True)
        .select_related("office", "service", "employee__user", "service_point")
        .order_by("-issued_at", "-pk")
        .first()
    )


def tickets_to_invite(now: dt.datetime) -> QuerySet[Ticket]:
    """Visits served within `INVITE_WITHIN` that were booked with a contact, not yet invited to
    rate and not yet rated. The booking belongs to the first ticket of a transfer chain, which
    shares its code with the ticket served last."""
    from okno.appointments.models import Booking

    booked = Booking.objects.exclude(contact="").exclude(ticket__isnull=True)
    return (
        Ticket.objects.filter(
            state=Ticket.State.DONE,
            outcome=Ticket.Outcome.SERVED,
            finished_at__gte=now - INVITE_WITHIN,
            finished_at__lte=now,
            rating__isnull=True,
            rating_invitation__isnull=True,
            code__in=booked.values("ticket__code"),
        )
        .select_related("office", "service")
        .order_by("finished_at", "pk")
    )


# --- the map of pains ---------------------------------------------------------------------------

# Imported here rather than at the top: this part of the module is edited separately.
from okno.feedback.models import PainReport  # noqa: E402


def latest_pain_report(office: Office | None) -> PainReport | None:
    """The newest pains report of one office, or of every office together (`office=None`)."""
    reports = PainReport.objects.all()
    reports = reports.filter(office=office) if office is not None else reports.filter(office=None)
    return reports.order_by("-computed_at", "-pk").first()


def pain_offices(user: AbstractBaseUser | AnonymousUser) -> list[Office]:
    """The active offices whose pains the user may look at (their own; every one for analysts)."""
    return list(
        scope(Office.objects.filter(is_active=True), user, office_field="pk").order_by("slug")
    )
