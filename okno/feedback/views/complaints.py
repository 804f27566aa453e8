"""The citizen's complaint pages: file a complaint or suggestion, follow it by its reference.

No account is needed: the reference is the key to the status page, which shows only what the
citizen may know (the public steps, the deadline, the answer), never staff names, internal
notes or the contact. Every POST is rate-limited per client address; a refusal is a page with
the translated reason and the status the error carries, never a 500.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from okno.catalog.models import Office
from okno.core import ratelimit
from okno.feedback import errors, services
from okno.feedback.complaint_forms import ComplaintForm, FollowForm
from okno.feedback.models import Complaint, ComplaintEvent

#: (scope, hits, seconds) of filing, per client address: enough for a family, not for a script.
FILE_LIMIT = ("complaint-file", 10, 3600)

Action = ComplaintEvent.Action

#: The steps of the trail a citizen sees; assignments, alerts and notes stay inside the office.
PUBLIC_ACTIONS = (
    Action.RECEIVED,
    Action.REVIEW_STARTED,
    Action.EXTENDED,
    Action.ANSWERED,
    Action.FORWARDED,
    Action.REJECTED,
    Action.CLOSED,
)


class TooManyComplaints(errors.FeedbackError):
    message = _("Too many appeals from this address; please try again in an hour.")
    status = 429


@dataclass(frozen=True)
class PublicStep:
    """One step of the public timeline: what happened, when, and the new date of an extension."""

    action: str
    label: str
    at: dt.datetime
    new_deadline: dt.date | None = None


@never_cache
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    """The complaint form; a valid POST files it and leads to the confirmation."""
    office = _office_from(request.POST.get("office") or request.GET.get("office", ""))
    initial = {"office": office.slug} if office is not None else None
    form = ComplaintForm(request.POST or None, office=office, initial=initial)
    if request.method != "POST":
        return _render_form(request, form)
    if form.is_bot:
        return _render_form(
            request,
            form,
            error=errors.FeedbackError(
                _("The form could not be accepted: a field that must stay empty was filled in.")
            ),
            status=400,
        )
    if not form.is_valid():
        return _render_form(request, form, status=400)
    # Counted once the form is valid: a person correcting a field does not use up the limit.
    if ratelimit.exceeded(
        FILE_LIMIT[0],
        ratelimit.client_address(request),
        limit=FILE_LIMIT[1],
        window_seconds=FILE_LIMIT[2],
    ):
        error = TooManyComplaints()
        return _render_form(request, form, error=error, status=error.status)
    data = form.cleaned_data
    try:
        complaint = services.file_complaint(
            data["office"],
            text=data["text"],
            category=data["category"],
            kind=data["kind"],
            channel=Complaint.Channel.PORTAL,
            service=data["service"],
            ticket=data["ticket"],
            contact=data["contact"],
            language=translation.get_language(),
        )
    except errors.FeedbackError as error:
        return _render_form(request, form, error=error, status=error.status)
    return redirect("feedback:complaint_received", code=complaint.code)


@require_GET
def received(request: HttpRequest, code: str) -> HttpResponse:
    """The confirmation: the reference, the deadline and where to follow the appeal."""
    complaint = _complaint(code)
    context = {"complaint": complaint, "office": complaint.office}
    return render(request, "feedback/complaints/received.html", context)


@require_GET
def follow(request: HttpRequest) -> HttpResponse:
    """Type the reference to see the appeal's status."""
    form = FollowForm(request.GET or None)
    if form.is_bound and form.is_valid():
        try:
            complaint = services.complaint_by_code(form.cleaned_data["code"])
        except errors.ComplaintNotFound as error:
            form.add_error("code", error.message)
        else:
            return redirect("feedback:complaint_status", code=complaint.code)
    status = 404 if form.is_bound and form.errors else 200
    return render(request, "feedback/complaints/follow.html", {"form": form}, status=status)


@require_GET
def status(request: HttpRequest, code: str) -> HttpResponse:
    """The appeal's status: the public timeline, the deadline and, once given, the answer."""
    complaint = _complaint(code)
    context = {
        "complaint": complaint,
        "office": complaint.office,
        "steps": public_timeline(complaint),
        "open": complaint.status in services.OPEN_STATUSES,
    }
    with timezone.override(complaint.office.zone):
        return render(request, "feedback/complaints/status.html", context)


urlpatterns: list[URLPattern] = [
    path("complaints/", follow, name="complaint_follow"),
    path("complaints/new/", new, name="complaint_new"),
    path("complaints/<str:code>/received/", received, name="complaint_received"),
    path("complaints/<str:code>/", status, name="complaint_status"),
]


def public_timeline(complaint: Complaint) -> list[PublicStep]:
    """The steps of a complaint the citizen may see, oldest first (no names, notes or reasons
    given inside the office: only what happened, when, and an extension's new date)."""
    steps = []
    for event in complaint.events.filter(action__in=PUBLIC_ACTIONS).order_by("at", "pk"):
        new_deadline = None
        if event.action == Action.EXTENDED:
            new_deadline = _date(event.detail.get("to"))
        steps.append(
            PublicStep(
                action=event.action,
                label=str(Action(event.action).label),
                at=event.at,
                new_deadline=new_deadline,
            )
        )
    return steps


# --- helpers ------------------------------------------------------------------------------------


def _complaint(code: str) -> Complaint:
    try:
        return services.complaint_by_code(code)
    except errors.ComplaintNotFound:
        raise Http404 from None


def _office_from(slug: str) -> Office | None:
    slug = (slug or "").strip()[:80]
    return Office.objects.filter(is_active=True, slug=slug).first() if slug else None


def _render_form(
    request: HttpRequest,
    form: ComplaintForm,
    *,
    error: errors.FeedbackError | None = None,
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {"form": form, "error": error}
    return render(request, "feedback/complaints/new.html", context, status=status)


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None
