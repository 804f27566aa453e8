"""Staff pages for ratings: the head's follow-ups of low ratings, and a rating given by phone.

Follow-ups are seen by whoever holds `feedback.view_followup` (heads, analysts,
administrators), within their offices; only a head of the office closes one, with a note of
what was done. A rating by phone is entered by an operator or a head of the visit's office.
Another office's follow-up or visit is a 404, as on every staff page; every change goes
through `okno.feedback.services`, and a domain error is shown on the page, translated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from okno.catalog.models import Office
from okno.core.scoping import get_in_scope, visible_offices
from okno.feedback import errors, selectors, services
from okno.feedback.forms import RatingFollowUpForm, RatingPhoneForm
from okno.feedback.models import CRITERIA, FollowUp, Rating
from okno.staff.models import Employee, Role

#: The permission that opens the follow-ups (heads, analysts and administrators hold it).
FOLLOW_UPS_PERMISSION = "feedback.view_followup"
#: Who closes a follow-up: the head, who calls the visitor back.
CLOSING_ROLES = frozenset({Role.HEAD})
#: Who enters a rating given by phone: the front office and heads.
PHONE_ROLES = frozenset({Role.OPERATOR, Role.HEAD})


@dataclass
class FollowUpRow:
    follow_up: FollowUp
    scores: list[tuple[str, int, bool]]  # (criterion's name, score, low)
    waited_minutes: int | None
    served_minutes: int | None


# --- follow-ups ---------------------------------------------------------------------------------


@login_required
@require_GET
def follow_ups(request: HttpRequest) -> HttpResponse:
    """Open (or done) follow-ups of the user's offices, with each visit's context."""
    if not request.user.has_perm(FOLLOW_UPS_PERMISSION):
        raise PermissionDenied
    status = request.GET.get("status", FollowUp.Status.OPEN)
    if status not in FollowUp.Status.values:
        status = FollowUp.Status.OPEN
    rows = selectors.follow_ups(request.user, status=status)
    return _follow_ups_page(request, rows, status=status)


@login_required
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    """Close a follow-up with a note (a head of its office)."""
    follow_up = selectors.follow_up_for_user(request.user, pk)
    employee = _employee_in(request, CLOSING_ROLES)
    form = RatingFollowUpForm(request.POST)
    error: str | None = None
    if form.is_valid():
        try:
            services.close_follow_up(follow_up, employee=employee, note=form.cleaned_data["note"])
        except errors.FeedbackError as failure:
            error = str(failure.message)
            status = failure.status
        else:
            url = reverse("feedback:staff_follow_ups")
            return redirect(f"{url}?{urlencode({'closed': follow_up.pk})}")
    else:
        error = str(errors.ReasonRequired.message)
        status = 400
    rows = selectors.follow_ups(request.user, status=FollowUp.Status.OPEN)
    return _follow_ups_page(
        request,
        rows,
        status=FollowUp.Status.OPEN,
        extra={"error": error, "error_for": follow_up.pk},
        http_status=status,
    )


# --- a rating by phone --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def phone_rating(request: HttpRequest) -> HttpResponse:
    """Enter a rating a visitor gave by phone, for a visit found by its number and day or code."""
    employee = _employee_in(request, PHONE_ROLES)
    offices = list(visible_offices(request.user).filter(is_active=True).order_by("slug"))
    if request.method == "GET":
        today = timezone.now().astimezone(offices[0].zone).date() if offices else None
        form = RatingPhoneForm(initial={"office": offices[0].slug if offices else "", "day": today})
        return _phone_page(request, offices, form)
    form = RatingPhoneForm(request.POST)
    if not form.is_valid():
        return _phone_page(request, offices, form, status=400)
    data = form.cleaned_data
    office = get_in_scope(
        Office.objects.filter(is_active=True), request.user, office_field="pk", slug=data["office"]
    )
    ticket = selectors.ticket_for_phone_rating(
        request.user, office=office, label=data["label"], day=data["day"], code=data["code"]
    )
    if ticket is None:
        error = _("No visit with this number on this day, or with this code, at this office.")
        return _phone_page(request, offices, form, error=error, status=404)
    try:
        rating = services.rate_visit(
            ticket, channel=Rating.Channel.PHONE, entered_by=employee, **form.rating_kwargs()
        )
    except errors.FeedbackError as failure:
        return _phone_page(request, offices, form, error=failure.message, status=failure.status)
    fresh = RatingPhoneForm(initial={"office": office.slug, "day": data["day"]})
    return _phone_page(request, offices, fresh, recorded=rating)


urlpatterns: list[URLPattern] = [
    path("staff/follow-ups/", follow_ups, name="staff_follow_ups"),
    path("staff/follow-ups/<int:pk>/close", close, name="staff_follow_up_close"),
    path("staff/ratings/phone/", phone_rating, name="staff_phone_rating"),
]


# --- helpers ------------------------------------------------------------------------------------


def _employee_in(request: HttpRequest, roles: frozenset[str]) -> Employee:
    employee = getattr(request.user, "employee", None)
    if employee is None or not request.user.is_active or employee.role not in roles:
        raise PermissionDenied
    return employee


def _follow_ups_page(
    request: HttpRequest,
    rows: Any,
    *,
    status: str,
    extra: dict[str, Any] | None = None,
    http_status: int = 200,
) -> HttpResponse:
    employee = getattr(request.user, "employee", None)
    closed = request.GET.get("closed", "")
    low_scores: dict[int, int] = {}
    for follow_up in rows:
        if follow_up.office_id not in low_scores:
            low_scores[follow_up.office_id] = services.feedback_settings(follow_up.office).low_score
    context = {
        "rows": [_row(follow_up, low_scores[follow_up.office_id]) for follow_up in rows],
        "status": status,
        "counts": selectors.follow_up_counts(request.user),
        "can_close": employee is not None and employee.role in CLOSING_ROLES,
        "form": RatingFollowUpForm(),
        "closed": closed if closed.isdigit() else "",
        **(extra or {}),
    }
    return render(request, "feedback/staff/followups.html", context, status=http_status)


def _row(follow_up: FollowUp, low: int) -> FollowUpRow:
    rating = follow_up.rating
    scores = [
        (
            str(Rating._meta.get_field(name).verbose_name),
            getattr(rating, name),
            getattr(rating, name) <= low,
        )
        for name in CRITERIA
    ]
    ticket = rating.ticket
    waited = served = None
    if ticket is not None:
        if ticket.called_at is not None:
            waited = _minutes(ticket.called_at - ticket.waiting_since)
        if ticket.finished_at is not None:
            began = ticket.started_at or ticket.called_at or ticket.finished_at
            served = _minutes(ticket.finished_at - began)
    return FollowUpRow(follow_up, scores, waited, served)


def _minutes(delta: Any) -> int:
    return max(0, round(delta.total_seconds() / 60))


def _phone_page(
    request: HttpRequest,
    offices: list[Office],
    form: RatingPhoneForm,
    *,
    error: Any = None,
    recorded: Rating | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {"offices": offices, "form": form, "error": error, "recorded": recorded}
    return render(request, "feedback/staff/phone_rating.html", context, status=status)
