"""The ratings API: a visitor's rating through the token of their visit's link, terminal ratings
stored once by their client id, and batches answered item by item.

A batch is idempotent (the same batch again stores nothing new), a broken item never stops the
others, another office's item is refused, low scores open follow-ups, and the fast batch path
writes exactly the rows `record_rating` writes for the same items. Bad input is a JSON 4xx,
never a 500.
"""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest
from django.db.models import Model
from django.test import Client

from okno.feedback import ingest, services
from okno.feedback.models import CRITERIA, FeedbackSettings, FollowUp, Rating
from okno.staff import services as staff_services
from tests.factories import ServiceFactory, ServicePointFactory
from tests.feedback.conftest import VISIT, serve  # noqa: F401 (a fixture)

GOOD = {"service_time": 5, "waiting_time": 4, "politeness": 5, "comfort": 4, "information": 5}
LOW = {**GOOD, "waiting_time": 2}
DAY_AFTER = VISIT + dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _the_day_after_the_visit(time_machine):
    time_machine.move_to(DAY_AFTER, tick=False)


def bearer(employee) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {staff_services.issue_token(employee.user)}"}


def post(client: Client, path: str, body: object, **headers):
    return client.post(
        path,
        json.dumps(body),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **headers,
    )


def is_json_error(response, status: int, message: str | None = None) -> bool:
    if response.status_code != status or not response["Content-Type"].startswith(
        "application/json"
    ):
        return False
    text = response.json().get("message")
    return bool(text) and (message is None or text == message)


def item(office, service, client_id: str, **extra) -> dict:
    return {
        "client_id": client_id,
        "office_id": office.pk,
        "service_id": service.pk,
        "visited_on": "2026-11-24",
        "scores": GOOD,
        **extra,
    }


# --- one rating through the visit's link --------------------------------------------------------


def test_a_visitor_rates_a_served_visit_with_the_token_of_its_link(citizen, serve):  # noqa: F811
    ticket = serve()
    body = {
        "token": services.rating_token(ticket),
        "scores": GOOD,
        "recommend": 9,
        "comment": " Ok ",
    }
    response = post(citizen, "/api/v1/ratings", body)
    assert response.status_code == 201, response.content
    rating = Rating.objects.get()
    assert response.json() == {"id": rating.pk, "created": True}
    assert (rating.ticket, rating.channel, rating.recommend, rating.comment) == (
        ticket,
        "link",
        9,
        "Ok",
    )
    assert rating.employee == ticket.employee and rating.entered_by is None


def test_a_rating_link_answers_404_when_forged_409_when_used_and_410_when_too_late(
    citizen,
    serve,  # noqa: F811
    time_machine,
):
    ticket = serve()
    token = services.rating_token(ticket)
    forged = post(citizen, "/api/v1/ratings", {"token": token + "x", "scores": GOOD})
    assert is_json_error(
        forged, 404, "This rating link is not valid. Use the link or QR code from your ticket."
    )
    assert post(citizen, "/api/v1/ratings", {"token": token, "scores": GOOD}).status_code == 201
    again = post(citizen, "/api/v1/ratings", {"token": token, "scores": GOOD})
    assert is_json_error(again, 409, "This visit has already been rated. Thank you!")

    late_ticket = serve(at=VISIT + dt.timedelta(hours=1))
    # The window is seven days after the visit ended (12 minutes after it was issued).
    time_machine.move_to(VISIT + dt.timedelta(days=7, hours=1, minutes=13), tick=False)
    late = post(
        citizen, "/api/v1/ratings", {"token": services.rating_token(late_ticket), "scores": GOOD}
    )
    assert is_json_error(late, 410, "The time to rate this visit has passed.")
    assert Rating.objects.count() == 1


def test_a_visitor_cannot_claim_to_be_a_terminal_and_scores_are_bounded(citizen, serve):  # noqa: F811
    token = services.rating_token(serve())
    claimed = post(
        citizen, "/api/v1/ratings", {"token": token, "scores": GOOD, "channel": "terminal"}
    )
    assert is_json_error(claimed, 401)
    for scores in ({**GOOD, "comfort": 6}, {**GOOD, "comfort": 0}, {"comfort": 3}):
        assert is_json_error(
            post(citizen, "/api/v1/ratings", {"token": token, "scores": scores}), 422
        )
    high = post(citizen, "/api/v1/ratings", {"token": token, "scores": GOOD, "recommend": 11})
    assert is_json_error(high, 422)
    assert not Rating.objects.exists()


# --- one rating from a terminal -----------------------------------------------------------------


def test_a_terminal_rating_is_stored_once_by_its_client_id(citizen, office_a, service_a, operator):
    body = item(office_a, service_a, "t1-0001", channel="terminal", scores=LOW)
    first = post(citizen, "/api/v1/ratings", body, **bearer(operator))
    assert first.status_code == 201, first.content
    rating = Rating.objects.get()
    assert first.json() == {"id": rating.pk, "created": True}
    assert (rating.channel, rating.client_id, rating.entered_by) == (
        "terminal",
        "t1-0001",
        operator,
    )
    assert rating.visited_on == dt.date(2026, 11, 24)
    assert FollowUp.objects.get().rating == rating

    again = post(citizen, "/api/v1/ratings", {**body, "scores": GOOD}, **bearer(operator))
    assert again.status_code == 200
    assert again.json() == {"id": rating.pk, "created": False}
    assert Rating.objects.count() == 1 and FollowUp.objects.count() == 1


def test_a_terminal_rating_needs_a_staff_token_of_the_office_and_every_field(
    citizen, office_a, service_a, outsider
):
    body = item(office_a, service_a, "t1-0002")
    assert is_json_error(post(citizen, "/api/v1/ratings", body), 401)
    refused = post(citizen, "/api/v1/ratings", body, **bearer(outsider))
    assert is_json_error(refused, 403, "You do not work at this office.")
    missing = post(citizen, "/api/v1/ratings", {"scores": GOOD}, **bearer(outsider))
    assert is_json_error(missing, 400)
    assert not Rating.objects.exists()


# --- batches ------------------------------------------------------------------------------------


def test_a_batch_answers_each_item_in_order_and_a_broken_item_stops_nothing(
    citizen, office_a, service_a, office_b, service_b, operator
):
    unoffered = ServiceFactory(offices=[office_b])
    items = [
        item(office_a, service_a, "t1-a"),
        item(office_a, service_a, "t1-b", scores={**GOOD, "comfort": 6}),
        item(office_b, service_b, "t1-c"),
        item(office_a, unoffered, "t1-d"),
        item(office_a, service_a, "t1-e", scores=LOW, channel="phone"),
        item(office_a, service_a, "t1-a"),
        "not a rating",
        {**item(office_a, service_a, "t1-f"), "client_id": None},
        item(office_a, service_a, "t1-g", visited_on="2026-11-26"),
    ]
    response = post(citizen, "/api/v1/ratings/batch", {"items": items}, **bearer(operator))
    assert response.status_code == 200, response.content
    answer = response.json()
    stored = dict(Rating.objects.values_list("client_id", "pk"))
    assert set(stored) == {"t1-a", "t1-e"}
    statuses = [(a["client_id"], a["status"], a["id"]) for a in answer["items"]]
    assert statuses == [
        ("t1-a", "created", stored["t1-a"]),
        ("t1-b", "invalid", None),
        ("t1-c", "invalid", None),
        ("t1-d", "invalid", None),
        ("t1-e", "created", stored["t1-e"]),
        ("t1-a", "duplicate", stored["t1-a"]),
        (None, "invalid", None),
        (None, "invalid", None),
        ("t1-g", "invalid", None),  # the day after tomorrow, even in Kyiv
    ]
    assert (answer["created"], answer["duplicate"], answer["invalid"]) == (2, 1, 6)
    errors = {a["client_id"]: a["errors"] for a in answer["items"] if a["client_id"]}
    assert [e["location"] for e in errors["t1-b"]] == ["scores.comfort"]
    assert errors["t1-c"] == [
        {"location": "office_id", "message": "You do not work at this office."}
    ]
    assert errors["t1-d"] == [
        {"location": "service_id", "message": "This service is not offered at this office."}
    ]
    assert [e["location"] for e in answer["items"][7]["errors"]] == ["client_id"]
    assert Rating.objects.get(client_id="t1-e").channel == "phone"


def test_the_same_batch_sent_again_stores_nothing_new(citizen, office_a, service_a, operator):
    items = [
        item(office_a, service_a, f"t1-{n}", scores=LOW if n % 3 == 0 else GOOD) for n in range(12)
    ]
    first = post(citizen, "/api/v1/ratings/batch", {"items": items}, **bearer(operator)).json()
    assert first["created"] == 12
    again = post(citizen, "/api/v1/ratings/batch", {"items": items}, **bearer(operator)).json()
    assert (again["created"], again["duplicate"], again["invalid"]) == (0, 12, 0)
    assert [a["id"] for a in again["items"]] == [a["id"] for a in first["items"]]
    assert Rating.objects.count() == 12
    assert FollowUp.objects.count() == 4  # items 0, 3, 6, 9


def test_low_ratings_open_follow_ups_by_each_office_low_score(
    citizen, office_a, service_a, office_b, service_b, analyst
):
    FeedbackSettings.objects.create(office=office_b, low_score=3)
    three = {**GOOD, "information": 3}
    items = [
        item(office_a, service_a, "a-3", scores=three),  # office A: the default, 2
        item(office_a, service_a, "a-2", scores=LOW),
        item(office_b, service_b, "b-3", scores=three),
        item(office_b, service_b, "b-4", scores=GOOD),
    ]
    answer = post(citizen, "/api/v1/ratings/batch", {"items": items}, **bearer(analyst)).json()
    assert answer["created"] == 4
    followed = set(FollowUp.objects.values_list("rating__client_id", flat=True))
    assert followed == {"a-2", "b-3"}
    assert {f.office for f in FollowUp.objects.all()} == {office_a, office_b}
    assert all(f.created_at == DAY_AFTER for f in FollowUp.objects.all())


def test_a_batch_of_1001_ratings_is_refused_whole(citizen, office_a, service_a, operator):
    items = [item(office_a, service_a, f"t1-{n}") for n in range(1001)]
    response = post(citizen, "/api/v1/ratings/batch", {"items": items}, **bearer(operator))
    assert is_json_error(
        response, 413, "A batch holds at most 1,000 ratings; send the others in another batch."
    )
    assert not Rating.objects.exists()
    ok = post(citizen, "/api/v1/ratings/batch", {"items": items[:1000]}, **bearer(operator))
    assert ok.json()["created"] == 1000


def test_a_batch_needs_a_staff_token_not_a_session(citizen, signed_in, office_a, service_a, head):
    body = {"items": [item(office_a, service_a, "t1-1")]}
    assert is_json_error(post(citizen, "/api/v1/ratings/batch", body), 401)
    assert is_json_error(post(signed_in(head), "/api/v1/ratings/batch", body), 401)
    bad = post(citizen, "/api/v1/ratings/batch", body, HTTP_AUTHORIZATION="Bearer okno_nope")
    assert is_json_error(bad, 401)
    assert not Rating.objects.exists()


def test_a_batch_rating_of_a_visit_goes_to_its_operator_once(
    citizen,
    serve,  # noqa: F811
    office_a,
    service_a,
    operator,
):
    ticket, other = serve(), serve(at=VISIT + dt.timedelta(hours=1))
    point = ServicePointFactory(office=office_a, number=9, label="9")
    items = [
        item(office_a, service_a, "v-1", ticket_code=ticket.code.upper()),
        item(office_a, service_a, "v-2", ticket_code=ticket.code),
        item(office_a, service_a, "v-3", ticket_code=other.code, service_point_id=point.pk),
        item(office_a, service_a, "v-4", ticket_code="nosuchcode"),
    ]
    answer = post(citizen, "/api/v1/ratings/batch", {"items": items}, **bearer(operator)).json()
    assert [a["status"] for a in answer["items"]] == ["created", "invalid", "created", "invalid"]
    assert answer["items"][1]["errors"][0]["message"] == (
        "This visit has already been rated. Thank you!"
    )
    rating = Rating.objects.get(client_id="v-1")
    assert (rating.ticket, rating.employee, rating.service_point) == (
        ticket,
        operator,
        ticket.service_point,
    )
    assert Rating.objects.get(client_id="v-3").service_point == point
    # Sent again, the visit's own rating is a duplicate, not "already rated".
    again = post(citizen, "/api/v1/ratings/batch", {"items": items[:1]}, **bearer(operator)).json()
    assert again["items"][0]["status"] == "duplicate"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"items": []},
        {"items": "all of them"},
        {"items": None},
        {"items": [{}]},
        {"items": [[1, 2]]},
        {"items": [{"client_id": "x" * 65}]},
        {"items": [{"client_id": "x", "office_id": 2**70, "service_id": True, "scores": []}]},
        {"items": [{"client_id": "x", "office_id": "1", "service_id": 1.5, "visited_on": 3}]},
        {"items": [{"client_id": "x", "visited_on": "2026-02-30", "scores": {"a": 1}}]},
        {"items": [{"client_id": "x", "visited_on": "99999-01-01", "recommend": -1}]},
        {"items": [{"client_id": "x", "comment": "\x00", "gender": "robot", "channel": "link"}]},
        {"items": [{"client_id": "x", "ticket_code": "../../", "service_point_id": 0}]},
        {"items": [{"client_id": "x", "age_band": ["a"], "comment": {"a": 1}}]},
        {"items": [{"client_id": "\u0000", "scores": {c: "5" for c in CRITERIA}}]},
    ],
)
def test_bad_batches_are_answered_in_json_never_with_a_500(citizen, operator, office_a, body):
    response = post(citizen, "/api/v1/ratings/batch", body, **bearer(operator))
    assert response.status_code in (200, 400, 422), response.content
    assert response["Content-Type"].startswith("application/json")
    if response.status_code == 200:
        assert all(a["status"] == "invalid" for a in response.json()["items"])
    assert not Rating.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        '{"token": "\\u0000", "scores": {}}',
        '{"token": null, "scores": {"service_time": 5}}',
        '{"client_id": "a", "office_id": 99999999999999999999, "scores": 1}',
        '{"token": "' + "a" * 5000 + '"}',
        "[]",
    ],
)
def test_bad_single_ratings_are_answered_in_json_never_with_a_500(citizen, operator, body):
    for headers in ({}, bearer(operator)):
        response = citizen.post("/api/v1/ratings", body, content_type="application/json", **headers)
        assert 400 <= response.status_code < 500, response.content
        assert response["Content-Type"].startswith("application/json")


def test_a_body_larger_than_the_server_takes_is_a_4xx(citizen, operator, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = {"items": [{"client_id": f"x{n}", "comment": "x" * 1000} for n in range(20)]}
    response = post(citizen, "/api/v1/ratings/batch", body, **bearer(operator))
    assert 400 <= response.status_code < 500


# --- the fast path writes what record_rating writes ---------------------------------------------


def test_a_batch_stores_exactly_the_rows_record_rating_stores_for_the_same_items(
    office_a, service_a, office_b, service_b, operator, analyst
):
    FeedbackSettings.objects.create(office=office_b, low_score=3)
    points = {office_a.pk: office_a.service_points.first(), office_b.pk: None}
    rng = random.Random(20261124)
    places = [(office_a, service_a), (office_b, service_b)]
    now = DAY_AFTER

    def random_item(n: int) -> dict:
        office, service = rng.choice(places)
        point = points[office.pk] if rng.random() < 0.5 else None
        return {
            "client_id": f"r-{n}",
            "office_id": office.pk,
            "service_id": service.pk,
            "visited_on": (
                dt.date(2026, 11, 24) - dt.timedelta(days=rng.randrange(30))
            ).isoformat(),
            "channel": rng.choice(["terminal", "tablet", "phone"]),
            "scores": {name: rng.randint(1, 5) for name in CRITERIA},
            "recommend": rng.choice([None, *range(11)]),
            "comment": rng.choice(["", "  Довго чекала  ", "  " + "x" * 1996 + "  "]),
            "age_band": rng.choice(["", *Rating.AgeBand.values]),
            "gender": rng.choice(["", *Rating.Gender.values]),
            "disability": rng.choice(["", *Rating.Disability.values]),
            "service_point_id": point.pk if point else None,
        }

    items = [random_item(n) for n in range(200)]
    items += [dict(rng.choice(items)) for _ in range(20)]  # repeats within the batch
    results = ingest.ingest_ratings(items, allowed_office_ids=None, entered_by=analyst, now=now)
    assert all(result.status != "invalid" for result in results)

    # The same items, one by one through record_rating, under other client ids.
    for one in items:
        services.record_rating(
            office_a if one["office_id"] == office_a.pk else office_b,
            service_a if one["service_id"] == service_a.pk else service_b,
            scores=one["scores"],
            channel=one["channel"],
            visited_on=dt.date.fromisoformat(one["visited_on"]),
            recommend=one["recommend"],
            comment=one["comment"],
            age_band=one["age_band"],
            gender=one["gender"],
            disability=one["disability"],
            service_point=points[one["office_id"]] if one["service_point_id"] else None,
            entered_by=analyst,
            client_id="one-by-one:" + one["client_id"],
            now=now,
        )

    def rows(prefix: str) -> dict[str, tuple]:
        stored = {}
        for rating in Rating.objects.filter(client_id__startswith=prefix).select_related(
            "follow_up"
        ):
            follow_up = getattr(rating, "follow_up", None)
            stored[rating.client_id.removeprefix("one-by-one:")] = (
                _fields(rating, exclude={"id", "client_id"}),
                _fields(follow_up, exclude={"id", "rating"}) if follow_up else None,
            )
        return stored

    batch, one_by_one = rows("r-"), rows("one-by-one:")
    assert len(batch) == 200 and batch == one_by_one
    assert sum(1 for _rating, follow_up in batch.values() if follow_up) > 0


def _fields(instance: Model, *, exclude: set[str]) -> dict:
    return {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if field.name not in exclude
    }
