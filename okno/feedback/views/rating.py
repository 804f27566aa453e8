"""Rating a visit: the page behind the ticket's link or QR code (and the "rate your visit"
message), and the tablet at a service point that offers the visit just served. Rating a closed
application: the same form, behind the link in the message sent when the case is closed.

The link carries the ticket's signed code (`services.rating_token`), so nobody can rate a visit
they were not given the link of; the tablet's address names its service point (it stands in the
office, in public view), and its form posts the signed code of the visit it shows. Every refusal
(a link that is not valid, a window closed, a visit already rated) is a page with the translated
reason and the status of the error, never a 500. Anonymous posts are rate-limited per address.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from asgiref.sync import sync_to_async
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from okno.catalog.models import Office, ServicePoint
from okno.core import ratelimit
from okno.core.pubsub import Event
from okno.core.sse import event_stream
from okno.feedback import errors, selectors, services
from okno.feedback.forms import RatingForm
from okno.feedback.models import Rating
from okno.queueing.models import Ticket

#: (scope, posts, seconds) per client address. A tablet rates one visit every few minutes;
#: the link's limit leaves room for an office's visitors behind one public address.
LINK_LIMIT = ("rating-link", 30, 600)
TABLET_LIMIT = ("rating-tablet", 60, 600)
#: Actions at the window after which the tablet shows something else.
TABLET_ACTIONS = frozenset({"finished", "no_show", "transferred"})


# --- the link -----------------------------------------------------------------------------------


def rating_url(ticket: Ticket, *, via_message: bool = False) -> str:
    """The path of a visit's rating page (in the active language)."""
    url = reverse("feedback:rate", kwargs={"token": services.rating_token(ticket)})
    return f"{url}?via=message" if via_message else url


@never_cache
@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest, token: str) -> HttpResponse:
    """The rating form of one visit; `?via=message` when the link came in a message."""
    channel = Rating.Channel.MESSAGE if request.GET.get("via") == "message" else Rating.Channel.LINK
    try:
        ticket = services.ticket_for_rating(token)
    except errors.FeedbackError as error:
        return _problem(request, error)
    return _rating_form(
        request,
        ticket.office,
        {"ticket": ticket, "channel": channel},
        lambda rating: services.rate_visit(ticket, channel=channel, **rating),
    )


@never_cache
@require_http_methods(["GET", "POST"])
def rate_case(request: HttpRequest, token: str) -> HttpResponse:
    """The rating form of one closed application, behind the link in its closing message."""
    try:
        case = services.case_for_rating(token)
    except errors.FeedbackError as error:
        return _problem(request, error, about_case=True)
    return _rating_form(
        request,
        case.office,
        {"case": case},
        lambda rating: services.rate_case(case, **rating),
        about_case=True,
    )


@require_GET
def thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "feedback/rating/thanks.html")


# --- the tablet at a service point --------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def tablet(request: HttpRequest, service_point: int) -> HttpResponse:
    """The full-screen page; a POST rates the visit shown (the panel comes back for htmx)."""
    point = _service_point(service_point)
    if request.method == "GET":
        return _tablet(
            request, point, "feedback/rating/tablet.html", _panel_context(request, point)
        )
    template = (
        "feedback/rating/_tablet_panel.html"
        if request.headers.get("HX-Request")
        else "feedback/rating/tablet.html"
    )
    form = RatingForm(request.POST)
    ticket: Ticket | None = None
    try:
        _limit(request, TABLET_LIMIT)
        ticket = services.ticket_for_rating(request.POST.get("token", ""))
        if ticket.service_point_id != point.pk:
            raise errors.InvalidRatingLink()
        if not form.is_valid():
            context = {"ticket": ticket, "form": form, "token": services.rating_token(ticket)}
            return _tablet(request, point, template, context, status=400)
        services.rate_visit(ticket, channel=Rating.Channel.TABLET, **form.rating_kwargs())
    except errors.FeedbackError as error:
        return _tablet(
            request,
            point,
            template,
            {"error": error, "done_ticket": ticket.pk if ticket else ""},
            status=error.status,
        )
    return _tablet(request, point, template, {"thanked": True, "done_ticket": ticket.pk})


@never_cache
@require_GET
def tablet_panel(request: HttpRequest, service_point: int) -> HttpResponse:
    """What the tablet shows now: the idle screen or the form of the visit just served."""
    point = _service_point(service_point)
    return _tablet(
        request, point, "feedback/rating/_tablet_panel.html", _panel_context(request, point)
    )


@require_GET
async def tablet_events(request: HttpRequest, service_point: int) -> StreamingHttpResponse:
    """The office's ticket events at this service point that end a visit."""
    point = await sync_to_async(_service_point)(service_point)
    return event_stream(f"office:{point.office_id}", accept=_ends_visit_at(point.pk))


urlpatterns: list[URLPattern] = [
    path("rate/v/<str:token>/", rate, name="rate"),
    path("rate/case/<str:token>/", rate_case, name="rate_case"),
    path("rate/thanks/", thanks, name="rating_thanks"),
    path("rate/<int:service_point>/", tablet, name="rating_tablet"),
    path("rate/<int:service_point>/panel", tablet_panel, name="rating_tablet_panel"),
    path("rate/<int:service_point>/events", tablet_events, name="rating_tablet_events"),
]


# --- helpers ------------------------------------------------------------------------------------


def _rating_form(
    request: HttpRequest,
    office: Office,
    context: dict[str, Any],
    record: Callable[[dict[str, Any]], Rating],
    *,
    about_case: bool = False,
) -> HttpResponse:
    """The link's form, for a visit or a case: shown, checked, and stored by `record` (which
    takes `RatingForm.rating_kwargs()`). A refusal that no new answer can mend is a page of
    its own; a score out of range is shown above the form."""
    form = RatingForm(request.POST if request.method == "POST" else None)
    context = {**context, "form": form}
    if request.method == "POST":
        try:
            _limit(request, LINK_LIMIT)
            if not form.is_valid():
                return _render(request, office, "feedback/rating/form.html", context, status=400)
            record(form.rating_kwargs())
        except (errors.AlreadyRated, errors.RatingWindowClosed, errors.TooManyRatings) as error:
            return _problem(request, error, about_case=about_case)
        except errors.FeedbackError as error:
            context["error"] = error
            return _render(
                request, office, "feedback/rating/form.html", context, status=error.status
            )
        return redirect("feedback:rating_thanks")
    return _render(request, office, "feedback/rating/form.html", context)


def _service_point(pk: int) -> ServicePoint:
    point = selectors.tablet_service_point(pk)
    if point is None:
        raise Http404
    return point


def _panel_context(request: HttpRequest, point: ServicePoint) -> dict[str, Any]:
    dismissed = request.GET.get("dismissed", "")
    ticket = selectors.tablet_ticket(
        point, dismissed=int(dismissed) if dismissed.isdigit() and len(dismissed) < 12 else None
    )
    if ticket is None:
        return {}
    return {"ticket": ticket, "form": RatingForm(), "token": services.rating_token(ticket)}


def _tablet(
    request: HttpRequest,
    point: ServicePoint,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
) -> HttpResponse:
    context = {"point": point, "office": point.office, **context}
    with timezone.override(point.office.zone):
        return render(request, template, context, status=status)


def _render(
    request: HttpRequest,
    office: Office,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
) -> HttpResponse:
    context = {"office": office, **context}
    with timezone.override(office.zone):
        return render(request, template, context, status=status)


def _problem(
    request: HttpRequest, error: errors.FeedbackError, *, about_case: bool = False
) -> HttpResponse:
    context = {"error": error, "about_case": about_case}
    return render(request, "feedback/rating/problem.html", context, status=error.status)


def _limit(request: HttpRequest, limit: tuple[str, int, int]) -> None:
    scope, hits, seconds = limit
    if ratelimit.exceeded(
        scope, ratelimit.client_address(request), limit=hits, window_seconds=seconds
    ):
        raise errors.TooManyRatings()


def _ends_visit_at(point_id: int) -> Callable[[Event], bool]:
    def accept(event: Event) -> bool:
        ticket = event.get("ticket") or {}
        return (
            event.get("type") == "ticket"
            and event.get("action") in TABLET_ACTIONS
            and (ticket.get("service_point") or {}).get("id") == point_id
        )

    return accept
