"""The fast path for batches of ratings uploaded by offline terminals: checked in Python, stored in
one INSERT.

Why bulk: a terminal that was offline for a day uploads hundreds of ratings at once, and a region
sends millions a month. `services.record_rating` per item costs a lookup, an INSERT and perhaps a
follow-up INSERT per rating, each a round trip to the database and a savepoint. Here a batch
costs a fixed handful of queries whatever its size: one prefetch each of the offices, services,
service points and visits named, one query for the client ids already stored, one
`INSERT … ON CONFLICT DO NOTHING`, one query for the new ids, one INSERT of follow-ups — all in
one transaction. The rows are the ones `record_rating` would write for the same items (a test
compares both paths on the same random items): same fields, same cleaning of the comment, same
follow-up rule (the office's `low_score`).

Each item answers on its own: a broken item never stops the others, and a client id already
stored answers "duplicate" with the stored rating's id, so an upload repeated after a lost
connection stores nothing twice.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from okno.catalog.models import Office, Service, ServicePoint
from okno.feedback import errors
from okno.feedback.models import CRITERIA, FeedbackSettings, FollowUp, Rating
from okno.queueing.errors import ServiceNotOffered
from okno.queueing.models import Ticket
from okno.staff.models import Employee

#: What a terminal or staff may claim as the channel; `link` and `message` are the citizen's own
#: (through the signed link of the visit), never a batch's.
STAFF_CHANNELS = (Rating.Channel.TERMINAL, Rating.Channel.TABLET, Rating.Channel.PHONE)
MAX_ID = 2**63 - 1
COMMENT_LENGTH = 2000
CLIENT_ID = re.compile(r"[!-~]{1,64}")  # printable ASCII, no spaces: a UUID, a ULID, "t7-000123"
TICKET_CODE = re.compile(r"[A-Za-z0-9]{1,16}")
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
#: Control characters other than line breaks and tabs: PostgreSQL refuses NUL in text.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CHOICES = {
    "age_band": frozenset(Rating.AgeBand.values),
    "gender": frozenset(Rating.Gender.values),
    "disability": frozenset(Rating.Disability.values),
}
DEFAULT_LOW_SCORE = FeedbackSettings._meta.get_field("low_score").get_default()

NOT_AN_OBJECT = _("Each rating must be a JSON object.")
BAD_CLIENT_ID = _("Give the terminal's id of the rating: 1 to 64 letters, digits or signs.")
BAD_ID = _("Give the id as a whole number from 1.")
BAD_DAY = _("Give the day of the visit as YYYY-MM-DD, not later than today.")
BAD_CHOICE = _("This is not one of the allowed values.")
BAD_COMMENT = _("The comment must be text of at most 2,000 characters.")
BAD_TICKET_CODE = _("Give the code of the visit as printed on the ticket.")
NOT_YOUR_OFFICE = _("You do not work at this office.")
NO_OFFICE = _("No office with this id.")
NO_SERVICE_POINT = _("This service point is not at this office.")
NO_VISIT = _("No visit with this code at this office.")
OTHER_SERVICE = _("This visit was for another service.")
OTHER_DAY = _("This visit was on another day.")
REFUSED_CONCURRENTLY = _("Another rating of this visit was stored at the same time.")


@dataclass(frozen=True)
class ItemError:
    """Why one item was refused: where (`scores.politeness`) and what, translated when read."""

    location: str
    message: Any
    status: int = 400


@dataclass(frozen=True)
class ItemResult:
    client_id: str | None
    status: Literal["created", "duplicate", "invalid"]
    id: int | None = None
    errors: tuple[ItemError, ...] = ()


@dataclass
class RatingDraft:
    """A valid item with every reference resolved to an id: the row `record_rating` would store."""

    client_id: str
    office_id: int
    service_id: int
    visited_on: dt.date
    channel: str
    scores: dict[str, int]
    recommend: int | None = None
    comment: str = ""
    age_band: str = ""
    gender: str = ""
    disability: str = ""
    service_point_id: int | None = None
    ticket_id: int | None = None
    employee_id: int | None = None
    # What was asked for, before resolution (kept to resolve it in one go).
    ticket_code: str = field(default="", repr=False)

    @property
    def lowest(self) -> int:
        return min(self.scores.values())

    def rating(self, *, now: dt.datetime, entered_by: Employee | None) -> Rating:
        return Rating(
            office_id=self.office_id,
            service_id=self.service_id,
            ticket_id=self.ticket_id,
            employee_id=self.employee_id,
            service_point_id=self.service_point_id,
            channel=self.channel,
            recommend=self.recommend,
            comment=self.comment,
            age_band=self.age_band,
            gender=self.gender,
            disability=self.disability,
            client_id=self.client_id,
            visited_on=self.visited_on,
            rated_at=now,
            entered_by=entered_by,
            **self.scores,
        )


def ingest_ratings(
    items: list[Any],
    *,
    allowed_office_ids: Iterable[int] | None,
    entered_by: Employee | None = None,
    now: dt.datetime | None = None,
) -> list[ItemResult]:
    """Store a batch of ratings, each at most once by its `client_id`; one result per item, in order.

    `allowed_office_ids`: the offices the uploader may rate for (None: every office); an item
    for another office is invalid. Low ratings open follow-ups, as `record_rating` does.
    """
    now = now or timezone.now()
    checked = check_ratings(items, allowed_office_ids=allowed_office_ids, now=now)
    drafts: dict[str, RatingDraft] = {}  # the first valid item of each client id, in order
    for outcome in checked:
        if isinstance(outcome, RatingDraft):
            drafts.setdefault(outcome.client_id, outcome)

    with transaction.atomic():
        stored = dict(
            Rating.objects.filter(client_id__in=list(drafts)).values_list("client_id", "pk")
        )
        new = [draft for client_id, draft in drafts.items() if client_id not in stored]
        # ON CONFLICT DO NOTHING: an upload of the same ratings running at the same moment (a
        # terminal retrying while its first request still runs) stores each of them once.
        Rating.objects.bulk_create(
            [draft.rating(now=now, entered_by=entered_by) for draft in new],
            ignore_conflicts=True,
        )
        # The INSERT gives no ids back when it may skip rows. A row not stored before it and rated
        # at this very `now` is ours; one stored in between by another upload is a duplicate.
        created: dict[str, int] = {}
        for client_id, pk, rated_at in Rating.objects.filter(
            client_id__in=[draft.client_id for draft in new]
        ).values_list("client_id", "pk", "rated_at"):
            if rated_at == now:
                created[client_id] = pk
            else:
                stored[client_id] = pk
        # Offline terminals upload past days' ratings in bulk, which no save signal announces:
        # the rollups of those days are marked for a rebuild here.
        from okno.analytics.signals import mark_if_past

        for office_id, day in {(d.office_id, d.visited_on) for d in new if d.client_id in created}:
            mark_if_past(office_id, day)
        low_scores = _low_scores({draft.office_id for draft in new})
        FollowUp.objects.bulk_create(
            [
                FollowUp(
                    rating_id=created[draft.client_id], office_id=draft.office_id, created_at=now
                )
                for draft in new
                if draft.client_id in created and draft.lowest <= low_scores[draft.office_id]
            ],
            ignore_conflicts=True,
        )

    results: list[ItemResult] = []
    answered: set[str] = set()
    for item, outcome in zip(items, checked, strict=True):
        if not isinstance(outcome, RatingDraft):
            results.append(ItemResult(_echo_client_id(item), "invalid", errors=tuple(outcome)))
            continue
        client_id = outcome.client_id
        if client_id in created and client_id not in answered:
            results.append(ItemResult(client_id, "created", id=created[client_id]))
        elif client_id in created or client_id in stored:
            results.append(
                ItemResult(client_id, "duplicate", id=created.get(client_id) or stored[client_id])
            )
        else:
            # Skipped by ON CONFLICT for its visit: rated by another upload at the same moment.
            error = ItemError("ticket_code", REFUSED_CONCURRENTLY, status=409)
            results.append(ItemResult(client_id, "invalid", errors=(error,)))
        answered.add(client_id)
    return results


def check_ratings(
    items: list[Any],
    *,
    allowed_office_ids: Iterable[int] | None,
    now: dt.datetime | None = None,
) -> list[RatingDraft | list[ItemError]]:
    """Each item checked and resolved: a `RatingDraft`, or the list of what is wrong with it.

    The references (offices, services offered there, service points, visits) are read for the
    whole batch at once, never per item.
    """
    now = now or timezone.now()
    allowed = None if allowed_office_ids is None else set(allowed_office_ids)
    # The latest day anywhere on Earth: a visit can have been today in the easternmost zone.
    latest_day = (now + dt.timedelta(hours=14)).date()
    parsed = [_parse(item, latest_day) for item in items]
    drafts = [draft for draft, problems in parsed if draft is not None and not problems]

    office_ids = {draft.office_id for draft in drafts}
    if allowed is not None:
        office_ids &= allowed
    offices = set(Office.objects.filter(pk__in=office_ids).values_list("pk", flat=True))
    offered = set(
        Service.offices.through.objects.filter(
            office_id__in=offices, service_id__in={draft.service_id for draft in drafts}
        ).values_list("office_id", "service_id")
    )
    points = dict(
        ServicePoint.objects.filter(
            pk__in={d.service_point_id for d in drafts if d.service_point_id}, office_id__in=offices
        ).values_list("pk", "office_id")
    )
    visits = {
        (visit["office_id"], visit["code"]): visit
        for visit in Ticket.objects.filter(
            code__in={d.ticket_code for d in drafts if d.ticket_code},
            office_id__in=offices,
            transferred_to__isnull=True,
        ).values(
            "pk",
            "code",
            "office_id",
            "service_id",
            "service_day",
            "state",
            "outcome",
            "employee_id",
            "service_point_id",
        )
    }
    rated_by = dict(
        Rating.objects.filter(ticket_id__in=[v["pk"] for v in visits.values()]).values_list(
            "ticket_id", "client_id"
        )
    )

    results: list[RatingDraft | list[ItemError]] = []
    for draft, problems in parsed:
        if draft is None or problems:
            results.append(problems)
            continue
        problem = _resolve(draft, allowed, offices, offered, points, visits, rated_by)
        if problem is not None:
            results.append([problem])
            continue
        if draft.ticket_id is not None:
            # Later items of the batch meet this visit as rated, by this client id.
            rated_by.setdefault(draft.ticket_id, draft.client_id)
        results.append(draft)
    return results


# --- helpers ------------------------------------------------------------------------------------


def _parse(item: Any, latest_day: dt.date) -> tuple[RatingDraft | None, list[ItemError]]:
    """The item's fields checked one by one, as the API's schema would, and every problem found."""
    if not isinstance(item, Mapping):
        return None, [ItemError("", NOT_AN_OBJECT)]
    problems: list[ItemError] = []

    def problem(location: str, message: Any) -> None:
        problems.append(ItemError(location, message))

    client_id = item.get("client_id")
    if not isinstance(client_id, str) or not CLIENT_ID.fullmatch(client_id):
        problem("client_id", BAD_CLIENT_ID)
    office_id, service_id = item.get("office_id"), item.get("service_id")
    for name, value in (("office_id", office_id), ("service_id", service_id)):
        if not _is_id(value):
            problem(name, BAD_ID)
    visited_on = _day(item.get("visited_on"), latest_day)
    if visited_on is None:
        problem("visited_on", BAD_DAY)
    channel = item.get("channel") or Rating.Channel.TERMINAL
    if not isinstance(channel, str) or channel not in STAFF_CHANNELS:
        problem("channel", BAD_CHOICE)
    scores = item.get("scores")
    if not isinstance(scores, Mapping) or set(scores) != set(CRITERIA):
        problem("scores", errors.InvalidScore.message)
    else:
        for name in CRITERIA:
            if not _is_int(scores[name], 1, 5):
                problem(f"scores.{name}", errors.InvalidScore.message)
    recommend = item.get("recommend")
    if recommend is not None and not _is_int(recommend, 0, 10):
        problem("recommend", errors.InvalidScore.message)
    comment = item.get("comment") or ""
    if not isinstance(comment, str) or len(comment) > COMMENT_LENGTH or CONTROL.search(comment):
        problem("comment", BAD_COMMENT)
    described = {}
    for name, allowed in CHOICES.items():
        value = item.get(name) or ""
        if value and (not isinstance(value, str) or value not in allowed):
            problem(name, BAD_CHOICE)
        described[name] = value
    service_point_id = item.get("service_point_id")
    if service_point_id is not None and not _is_id(service_point_id):
        problem("service_point_id", BAD_ID)
    ticket_code = item.get("ticket_code") or ""
    if ticket_code and (not isinstance(ticket_code, str) or not TICKET_CODE.fullmatch(ticket_code)):
        problem("ticket_code", BAD_TICKET_CODE)
    if problems:
        return None, problems
    return (
        RatingDraft(
            client_id=client_id,
            office_id=office_id,
            service_id=service_id,
            visited_on=visited_on,
            channel=channel,
            scores={name: scores[name] for name in CRITERIA},
            recommend=recommend,
            # As record_rating cleans it.
            comment=comment.strip()[:COMMENT_LENGTH],
            service_point_id=service_point_id,
            ticket_code=ticket_code.lower(),
            **described,
        ),
        [],
    )


def _resolve(
    draft: RatingDraft,
    allowed: set[int] | None,
    offices: set[int],
    offered: set[tuple[int, int]],
    points: dict[int, int],
    visits: dict[tuple[int, str], dict[str, Any]],
    rated_by: dict[int, str | None],
) -> ItemError | None:
    """Check the draft's references against what the batch's prefetch found; fill in the visit's."""
    if allowed is not None and draft.office_id not in allowed:
        # Said alike whether or not the office exists: nobody learns other offices' ids.
        return ItemError("office_id", NOT_YOUR_OFFICE, status=403)
    if draft.office_id not in offices:
        return ItemError("office_id", NO_OFFICE, status=404)
    if (draft.office_id, draft.service_id) not in offered:
        return ItemError("service_id", ServiceNotOffered.message)
    if draft.service_point_id is not None and points.get(draft.service_point_id) != draft.office_id:
        return ItemError("service_point_id", NO_SERVICE_POINT)
    if not draft.ticket_code:
        return None
    visit = visits.get((draft.office_id, draft.ticket_code))
    if visit is None:
        return ItemError("ticket_code", NO_VISIT, status=404)
    if visit["state"] != Ticket.State.DONE or visit["outcome"] != Ticket.Outcome.SERVED:
        return ItemError("ticket_code", errors.NotRateable.message, status=409)
    if visit["service_id"] != draft.service_id:
        return ItemError("ticket_code", OTHER_SERVICE)
    if visit["service_day"] != draft.visited_on:
        return ItemError("ticket_code", OTHER_DAY)
    if visit["pk"] in rated_by and rated_by[visit["pk"]] != draft.client_id:
        return ItemError("ticket_code", errors.AlreadyRated.message, status=409)
    # As rate_visit does: the rating goes to the employee who served the visit, and to the
    # service point where it was served unless the terminal says which one it stands at.
    draft.ticket_id = visit["pk"]
    draft.employee_id = visit["employee_id"]
    if draft.service_point_id is None:
        draft.service_point_id = visit["service_point_id"]
    return None


def _low_scores(office_ids: set[int]) -> dict[int, int]:
    """Each office's score at or below which a rating asks for a follow-up."""
    configured = dict(
        FeedbackSettings.objects.filter(office_id__in=office_ids).values_list(
            "office_id", "low_score"
        )
    )
    return {office_id: configured.get(office_id, DEFAULT_LOW_SCORE) for office_id in office_ids}


def _is_int(value: Any, lowest: int, highest: int) -> bool:
    # JSON true is a Python bool, which is an int: refused.
    return isinstance(value, int) and not isinstance(value, bool) and lowest <= value <= highest


def _is_id(value: Any) -> bool:
    return _is_int(value, 1, MAX_ID)


def _day(value: Any, latest: dt.date) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, str) and DAY.fullmatch(value):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, dt.date) and dt.date(2000, 1, 1) <= value <= latest:
        return value
    return None


def _echo_client_id(item: Any) -> str | None:
    """The item's client id as the answer repeats it: only one that could be valid."""
    client_id = item.get("client_id") if isinstance(item, Mapping) else None
    return client_id if isinstance(client_id, str) and len(client_id) <= 64 else None
