"""Ratings endpoints: a visitor's rating through the signed link of their visit, and ratings
uploaded by terminals and staff, one at a time or in batches of up to 1,000.

`POST /ratings` with a `token` (the signed token of the visit's rating link) needs no account and
goes through `rate_visit`: once per visit, within the office's window. Without a token it takes a
staff token (Bearer) of the rating's office and a `client_id`, and goes through `record_rating`:
201 when stored, 200 with the stored rating when that `client_id` was already stored.

`POST /ratings/batch` (staff token) goes through `okno.feedback.ingest.ingest_ratings` and answers
each item, in order: `created`, `duplicate` (its `client_id` was already stored; nothing is
written) or `invalid` (with the errors; the other items are stored all the same). Sending the
same batch again stores nothing new.

Only a token counts as staff, never a session cookie: these endpoints take no CSRF token. Domain
errors come back as `{"message": ...}` with their status, translated (`Accept-Language` or
`?lang=`).

No `from __future__ import annotations` here: django-ninja reads the annotations at import.
"""

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema, Status

from okno.api.auth import InvalidToken, token_staff
from okno.api.catalog import LanguageQuery
from okno.api.errors import answers_domain_errors
from okno.api.queueing import (
    NotOfThisOffice,
    QueueErrorOut,
    QueueInvalidItem,
    QueueInvalidOut,
)
from okno.catalog.models import Office, Service, ServicePoint
from okno.core import ratelimit
from okno.core.scoping import visible_office_ids
from okno.feedback import errors, ingest, services
from okno.feedback.models import Rating
from okno.queueing.errors import QueueError
from okno.queueing.models import Ticket
from okno.staff.models import Employee

router = Router(tags=["ratings"])

#: Ratings one client address may send in ten minutes without a staff token: one per visit, but
#: a centre's public Wi-Fi puts many visitors behind one address.
RATINGS_PER_ADDRESS = 60
WINDOW_SECONDS = 600
#: The most ratings one batch may hold; a terminal with more sends several batches.
MAX_BATCH = 1000

MAX_ID = ingest.MAX_ID
PLAIN_TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
Id = Field(ge=1, le=MAX_ID)
CITIZEN_CHANNELS = (Rating.Channel.LINK, Rating.Channel.MESSAGE)


class StaffOnlyChannel(QueueError):
    message = _("Only staff may record ratings of this channel; send a staff token.")
    status = 401


class TokenOrStaffFields(QueueError):
    message = _(
        "Send either the token of the visit's rating link, or, with a staff token, client_id, "
        "office_id, service_id and visited_on."
    )
    status = 400


class BatchTooLarge(QueueError):
    message = _("A batch holds at most 1,000 ratings; send the others in another batch.")
    status = 413


class InvalidRating(QueueError):
    message = _("The rating is not valid.")
    status = 400

    def __init__(self, problems: list[ingest.ItemError]) -> None:
        super().__init__(problems[0].message)
        self.problems = problems
        self.status = problems[0].status

    def payload(self) -> dict[str, Any]:
        return {"errors": _errors(self.problems)}


# --- schemas ------------------------------------------------------------------------------------


#: Every status a ratings endpoint may answer with besides success.
ERRORS: dict[int, type[Schema]] = {
    400: QueueInvalidOut,
    401: QueueErrorOut,
    403: QueueInvalidOut,
    404: QueueInvalidOut,
    409: QueueInvalidOut,
    410: QueueErrorOut,
    413: QueueErrorOut,
    422: QueueInvalidOut,
    429: QueueErrorOut,
}


def _score(description: str) -> Any:
    return Field(..., ge=1, le=5, description=f"{description}: 1 very bad … 5 excellent.")


class ScoresIn(Schema):
    service_time: int = _score("Service time")
    waiting_time: int = _score("Waiting time in the queue")
    politeness: int = _score("Politeness and competence of the employee")
    comfort: int = _score("Comfort of the premises")
    information: int = _score("Information about the procedure")


class RatingIn(Schema):
    token: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        pattern=r"^[A-Za-z0-9_:\-]+$",
        description="The signed token of the visit's rating link (the ticket's QR code). With "
        "it, the office, service and day come from the visit.",
    )
    client_id: str | None = Field(
        None,
        pattern=r"^[!-~]{1,64}$",
        description="The terminal's own id of this rating; required without `token`. The same id "
        "sent again stores nothing and answers the stored rating.",
        examples=["t7-2026-11-24-0042"],
    )
    office_id: int | None = Field(None, ge=1, le=MAX_ID, description="Without `token`.")
    service_id: int | None = Field(None, ge=1, le=MAX_ID, description="Without `token`.")
    visited_on: dt.date | None = Field(None, description="Without `token`: the visit's day.")
    channel: Literal["link", "message", "tablet", "phone", "terminal"] | None = Field(
        None,
        description="With `token`: `link` (default) or `message`; staff may say `tablet`, "
        "`phone` or `terminal`. Without `token`: `terminal` (default), `tablet` or `phone`.",
    )
    scores: ScoresIn
    recommend: int | None = Field(
        None, ge=0, le=10, description="Would you recommend the centre: 0 … 10."
    )
    comment: str = Field("", max_length=ingest.COMMENT_LENGTH, pattern=PLAIN_TEXT)
    age_band: Literal["", "under_18", "18_34", "35_59", "60_74", "75_plus"] = Field(
        "", description="Voluntary, for statistics only."
    )
    gender: Literal["", "woman", "man", "other"] = Field("", description="Voluntary.")
    disability: Literal["", "yes", "no"] = Field("", description="Voluntary.")
    service_point_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="Without `token`: the service point of the terminal."
    )
    ticket_code: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9]{1,16}$",
        description="Without `token`: the code of the visit rated, when the terminal knows it "
        "(the rating then goes to the employee who served it).",
    )


class RatingStoredOut(Schema):
    id: int = Field(description="The rating's id.")
    created: bool = Field(description="False when this `client_id` had already been stored.")


class RatingItemIn(Schema):
    """One item of a batch, as documented; each item is checked on its own by
    `okno.feedback.ingest` (a broken item answers `invalid` instead of refusing the batch)."""

    client_id: str = Field(..., pattern=r"^[!-~]{1,64}$", examples=["t7-2026-11-24-0042"])
    office_id: int = Id
    service_id: int = Id
    visited_on: dt.date
    channel: Literal["terminal", "tablet", "phone"] = "terminal"
    scores: ScoresIn
    recommend: int | None = Field(None, ge=0, le=10)
    comment: str = Field("", max_length=ingest.COMMENT_LENGTH, pattern=PLAIN_TEXT)
    age_band: Literal["", "under_18", "18_34", "35_59", "60_74", "75_plus"] = ""
    gender: Literal["", "woman", "man", "other"] = ""
    disability: Literal["", "yes", "no"] = ""
    service_point_id: int | None = Field(None, ge=1, le=MAX_ID)
    ticket_code: str | None = Field(None, pattern=r"^[A-Za-z0-9]{1,16}$")


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """A pydantic JSON schema with its `$defs` written in place (the OpenAPI document has no
    component for a schema that is only documented)."""
    definitions = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return resolve(definitions[ref.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(value) for value in node]
        return node

    return resolve(schema)


class RatingsBatchIn(Schema):
    # Items are taken as they come and checked one by one, so that one broken item does not
    # refuse the other 999; the documented shape is RatingItemIn's.
    items: list[Any] = Field(
        ...,
        min_length=1,
        description=f"At most {MAX_BATCH} ratings. `client_id` is required and unique per "
        "rating; `channel` is `terminal` unless given.",
        json_schema_extra={
            "items": _inline(RatingItemIn.model_json_schema()),
            "maxItems": MAX_BATCH,
        },
    )


class ItemResultOut(Schema):
    client_id: str | None = Field(description="The item's `client_id`, when it had a valid one.")
    status: Literal["created", "duplicate", "invalid"]
    id: int | None = Field(None, description="The stored rating's id (created or duplicate).")
    errors: list[QueueInvalidItem] = Field([], description="Why an invalid item was refused.")


class BatchOut(Schema):
    created: int
    duplicate: int
    invalid: int
    items: list[ItemResultOut] = Field(description="One answer per item, in the order sent.")


# --- errors -------------------------------------------------------------------------------------


# --- endpoints ----------------------------------------------------------------------------------


@router.post(
    "/ratings",
    response={200: RatingStoredOut, 201: RatingStoredOut, **ERRORS},
    summary="Rate a visit (by its link's token), or record one rating (terminal or staff)",
    description=(
        "With `token`: the visitor's rating of a served visit, once, within the office's window "
        "(404 for a token that is not valid, 409 when the visit is already rated or was not "
        "served, 410 when the window has passed); no account needed (at most "
        f"{RATINGS_PER_ADDRESS} per client address in {WINDOW_SECONDS // 60} minutes). Without "
        "it: a staff token of the office and `client_id`, `office_id`, `service_id`, "
        "`visited_on`; 201 when stored, 200 with the stored rating when the `client_id` was "
        "already stored. A score at or below the office's low score opens a follow-up."
    ),
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "example": {
                        "token": "k3j9x2:1vXyZa:AbCdEf",
                        "scores": {
                            "service_time": 5,
                            "waiting_time": 4,
                            "politeness": 5,
                            "comfort": 4,
                            "information": 5,
                        },
                        "recommend": 9,
                        "comment": "Quick and friendly.",
                    }
                }
            }
        }
    },
)
@answers_domain_errors
def rate(request: HttpRequest, payload: RatingIn):
    staff = token_staff(request)
    if payload.token:
        rating, created = _rate_visit(request, staff, payload), True
    else:
        rating, created = _record(staff, payload)
    return Status(201 if created else 200, {"id": rating.pk, "created": created})


@router.post(
    "/ratings/batch",
    response={200: BatchOut, **ERRORS},
    summary="Upload a batch of ratings (offline terminals): each stored once, answered per item",
    description=(
        f"Staff token required. At most {MAX_BATCH} items (more: 413). Each item needs its own "
        "`client_id`; the answer lists each item in the order sent: `created` with the new "
        "rating's id, `duplicate` with the stored one's (the `client_id` was already stored: "
        "nothing is written, so a repeated upload is safe), or `invalid` with its `errors` — an "
        "office the token's employee does not work at is invalid too. Invalid items never stop "
        "the others. Low scores open follow-ups, as for a single rating."
    ),
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "example": {
                        "items": [
                            {
                                "client_id": "t7-2026-11-24-0042",
                                "office_id": 1,
                                "service_id": 7,
                                "visited_on": "2026-11-24",
                                "channel": "terminal",
                                "scores": {
                                    "service_time": 5,
                                    "waiting_time": 2,
                                    "politeness": 5,
                                    "comfort": 4,
                                    "information": 4,
                                },
                                "recommend": 8,
                            }
                        ]
                    }
                }
            }
        }
    },
)
@answers_domain_errors
def rate_batch(request: HttpRequest, payload: RatingsBatchIn, filters: Query[LanguageQuery]):
    staff = token_staff(request)
    if staff is None:
        raise InvalidToken()
    if len(payload.items) > MAX_BATCH:
        raise BatchTooLarge()
    results = ingest.ingest_ratings(
        payload.items,
        allowed_office_ids=visible_office_ids(staff.user),
        entered_by=staff,
        now=timezone.now(),
    )
    counts = {status: 0 for status in ("created", "duplicate", "invalid")}
    with translation.override(filters.lang or translation.get_language()):
        items = []
        for result in results:
            counts[result.status] += 1
            items.append(
                {
                    "client_id": result.client_id,
                    "status": result.status,
                    "id": result.id,
                    "errors": _errors(result.errors),
                }
            )
    return {**counts, "items": items}


# --- helpers ------------------------------------------------------------------------------------


def _rate_visit(request: HttpRequest, staff: Employee | None, payload: RatingIn) -> Rating:
    channel = payload.channel or Rating.Channel.LINK
    if staff is None:
        if channel not in CITIZEN_CHANNELS:
            raise StaffOnlyChannel()
        if ratelimit.exceeded(
            "api-ratings",
            ratelimit.client_address(request),
            limit=RATINGS_PER_ADDRESS,
            window_seconds=WINDOW_SECONDS,
        ):
            raise errors.TooManyRatings()
    ticket = services.ticket_for_rating(payload.token or "")
    if staff is not None:
        office_ids = visible_office_ids(staff.user)
        if office_ids is not None and ticket.office_id not in office_ids:
            raise NotOfThisOffice()
    return services.rate_visit(
        ticket,
        scores=payload.scores.model_dump(),
        channel=channel,
        recommend=payload.recommend,
        comment=payload.comment,
        age_band=payload.age_band,
        gender=payload.gender,
        disability=payload.disability,
        entered_by=staff,
        client_id=payload.client_id,
    )


def _record(staff: Employee | None, payload: RatingIn) -> tuple[Rating, bool]:
    """A terminal's or an employee's rating, checked by the same rules as a batch's items."""
    if staff is None:
        raise InvalidToken()
    if payload.client_id is None or None in (
        payload.office_id,
        payload.service_id,
        payload.visited_on,
    ):
        raise TokenOrStaffFields()
    item = payload.model_dump(exclude={"token"})
    [checked] = ingest.check_ratings([item], allowed_office_ids=visible_office_ids(staff.user))
    if not isinstance(checked, ingest.RatingDraft):
        raise InvalidRating(checked)
    ticket = (
        Ticket.objects.select_related("employee").get(pk=checked.ticket_id)
        if checked.ticket_id
        else None
    )
    return services.record_rating(
        Office.objects.get(pk=checked.office_id),
        Service.objects.get(pk=checked.service_id),
        scores=checked.scores,
        channel=checked.channel,
        visited_on=checked.visited_on,
        recommend=checked.recommend,
        comment=checked.comment,
        age_band=checked.age_band,
        gender=checked.gender,
        disability=checked.disability,
        ticket=ticket,
        employee=ticket.employee if ticket else None,
        service_point=(
            ServicePoint.objects.get(pk=checked.service_point_id)
            if checked.service_point_id
            else None
        ),
        entered_by=staff,
        client_id=checked.client_id,
    )


def _errors(problems: Any) -> list[dict[str, str]]:
    return [{"location": p.location, "message": str(p.message)} for p in problems]
