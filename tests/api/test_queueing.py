"""The live-queue API: kiosk tickets, status by code, the office's queue and events, the desk.

Public endpoints answer anybody; staff endpoints need a token (or a staff session) and only
reach the caller's offices: another office's ticket or window is 404, as if it did not exist.
Every refusal is JSON with a message, never a 500.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from asgiref.sync import async_to_sync
from django.core.cache import cache
from django.test import AsyncClient, Client

from okno.api import queueing as queue_api
from okno.core import pubsub
from okno.queueing import services as queue
from okno.queueing.models import DeskSession, PriorityCategory, Ticket, TicketEvent
from okno.staff import services as staff
from tests.factories import CompetencyFactory, ServiceFactory, UserFactory

NOON = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)  # a Tuesday, 12:00 in Kyiv
EVENING = dt.datetime(2026, 11, 24, 18, 0, tzinfo=dt.UTC)  # 20:00 in Kyiv: office A is closed


@pytest.fixture(autouse=True)
def _at_noon(time_machine):
    time_machine.move_to(NOON, tick=False)


@pytest.fixture(autouse=True)
def _fresh_limits():
    """The anonymous issuing limit counts in the cache; every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


def bearer(employee) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {staff.issue_token(employee.user)}"}


def post(client: Client, path: str, body: dict | None = None, **headers):
    return client.post(path, json.dumps(body or {}), content_type="application/json", **headers)


def is_json_error(response, status: int) -> bool:
    return (
        response.status_code == status
        and response["Content-Type"].startswith("application/json")
        and bool(response.json().get("message"))
    )


@pytest.fixture
def window_1(office_a):
    return office_a.service_points.get(number=1)


@pytest.fixture
def window_2(office_a):
    return office_a.service_points.get(number=2)


@pytest.fixture
def at_desk(citizen, operator, service_a, window_1):
    """The operator of office A, qualified for service A, working at window 1: their headers."""
    CompetencyFactory(employee=operator, service=service_a)
    headers = bearer(operator)
    assert (
        post(citizen, "/api/v1/desk/open", {"service_point_id": window_1.pk}, **headers).status_code
        == 200
    )
    return headers


def issue(office, service, **kwargs) -> Ticket:
    return queue.issue_ticket(office, service, check_hours=False, **kwargs)


# --- kiosk: taking a ticket ---------------------------------------------------------------------


def test_a_kiosk_takes_a_ticket_without_a_token_and_learns_its_place_and_wait(
    citizen, office_a, service_a
):
    url = f"/api/v1/offices/{office_a.pk}/tickets"
    first = post(citizen, url, {"service_id": service_a.pk})
    second = post(citizen, url, {"service_id": service_a.pk})

    assert first.status_code == 201
    body = first.json()
    prefix = service_a.group.prefix
    assert body["label"] == f"{prefix}001" and body["number"] == 1
    ticket = Ticket.objects.get(pk=body["id"])
    assert (ticket.code, ticket.source) == (body["code"], "kiosk")
    # Nobody at work: one server assumed, so the first waits one typical handling time.
    assert (body["position"], body["people_ahead"], body["staffed"]) == (1, 0, False)
    assert body["estimated_wait_minutes"] == service_a.handling_minutes
    assert second.json()["label"] == f"{prefix}002"
    assert second.json()["position"] == 2
    assert second.json()["estimated_wait_minutes"] == 2 * service_a.handling_minutes


def test_a_priority_ticket_names_its_category_and_head_start(citizen, office_a, service_a):
    PriorityCategory.objects.create(
        office=office_a, code="pregnancy", name={"en": "Pregnancy"}, weight_minutes=20
    )
    response = post(
        citizen,
        f"/api/v1/offices/{office_a.pk}/tickets?lang=en",
        {"service_id": service_a.pk, "priority": "pregnancy"},
    )
    assert response.status_code == 201
    assert response.json()["priority"] == {
        "code": "pregnancy",
        "name": "Pregnancy",
        "head_start_minutes": 20,
    }


def test_sources_other_than_the_kiosk_need_a_token_of_the_office(
    citizen, office_a, service_a, operator, b_operator
):
    url = f"/api/v1/offices/{office_a.pk}/tickets"
    body = {"service_id": service_a.pk, "source": "phone"}
    assert is_json_error(post(citizen, url, body), 401)
    assert is_json_error(post(citizen, url, body, **bearer(b_operator)), 403)
    assert is_json_error(post(citizen, url, body, HTTP_AUTHORIZATION="Bearer okno_forged"), 401)

    response = post(citizen, url, body, **bearer(operator))
    assert response.status_code == 201
    ticket = Ticket.objects.get(pk=response.json()["id"])
    assert ticket.source == "phone"
    assert ticket.events.get().employee == operator


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({}, 422),
        ({"service_id": "passport"}, 422),
        ({"service_id": 0}, 422),
        ({"service_id": 2**70}, 422),
        ({"service_id": 1.5}, 422),
        ({"service_id": "SERVICE", "source": "fax"}, 422),
        ({"service_id": "SERVICE", "priority": "no such thing!"}, 422),
        ({"service_id": "SERVICE", "priority": "veteran"}, 400),  # no such category here
        ({"service_id": "OTHER"}, 400),  # a service of office B
        ({"service_id": 999_999}, 400),
    ],
)
def test_issuing_validates_the_request(citizen, office_a, service_a, service_b, body, status):
    ids = {"SERVICE": service_a.pk, "OTHER": service_b.pk}
    body = {key: ids.get(value, value) for key, value in body.items()}
    response = post(citizen, f"/api/v1/offices/{office_a.pk}/tickets", body)
    assert is_json_error(response, status), response.content
    if status == 422:
        assert response.json()["errors"]
    assert not Ticket.objects.exists()


def test_a_body_that_is_not_json_is_refused_with_a_json_400(citizen, office_a):
    response = citizen.post(
        f"/api/v1/offices/{office_a.pk}/tickets", "{service_id", content_type="application/json"
    )
    assert is_json_error(response, 400)
    assert not Ticket.objects.exists()


def test_issuing_at_an_unknown_or_inactive_office_is_404(citizen, office_a, service_a):
    assert is_json_error(post(citizen, "/api/v1/offices/999999/tickets", {"service_id": 1}), 404)
    office_a.is_active = False
    office_a.save()
    response = post(citizen, f"/api/v1/offices/{office_a.pk}/tickets", {"service_id": service_a.pk})
    assert is_json_error(response, 404)


def test_issuing_is_refused_while_the_office_is_closed(citizen, office_a, service_a, time_machine):
    time_machine.move_to(EVENING, tick=False)
    response = post(
        citizen,
        f"/api/v1/offices/{office_a.pk}/tickets",
        {"service_id": service_a.pk},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert is_json_error(response, 409)
    assert "closed" in response.json()["message"]
    in_ukrainian = post(
        citizen,
        f"/api/v1/offices/{office_a.pk}/tickets",
        {"service_id": service_a.pk},
        HTTP_ACCEPT_LANGUAGE="uk",
    )
    assert "зачинено" in in_ukrainian.json()["message"]


def test_anonymous_issuing_is_limited_per_address_but_a_kiosk_token_is_not(
    citizen, office_a, service_a, operator, monkeypatch
):
    monkeypatch.setattr(queue_api, "ANONYMOUS_TICKETS_PER_MINUTE", 2)
    url = f"/api/v1/offices/{office_a.pk}/tickets"
    body = {"service_id": service_a.pk}
    assert [post(citizen, url, body).status_code for _ in range(3)] == [201, 201, 429]
    assert is_json_error(post(citizen, url, body), 429)
    assert post(citizen, url, body, REMOTE_ADDR="10.0.0.9").status_code == 201
    kiosk = bearer(operator)
    assert {post(citizen, url, body, **kiosk).status_code for _ in range(3)} == {201}
    assert Ticket.objects.count() == 6


# --- a citizen's ticket by code -----------------------------------------------------------------


def test_a_waiting_ticket_shows_its_place_and_estimate_then_where_to_go(
    citizen, at_desk, office_a, service_a, window_1
):
    first = issue(office_a, service_a)
    second = issue(office_a, service_a)
    waiting = citizen.get(f"/api/v1/tickets/{second.code}")
    assert waiting.status_code == 200
    body = waiting.json()
    assert (body["label"], body["state"], body["outcome"]) == (second.label, "waiting", "")
    assert (body["position"], body["people_ahead"], body["staffed"]) == (2, 1, True)
    # One free server and one visitor ahead: wait for one service to end.
    assert body["estimated_wait_minutes"] == service_a.handling_minutes
    assert body["service_point"] is None
    assert body["office"]["id"] == office_a.pk and body["service"]["id"] == service_a.pk

    assert (
        post(
            citizen, "/api/v1/desk/call-next", {"service_point_id": window_1.pk}, **at_desk
        ).status_code
        == 200
    )
    called = citizen.get(f"/api/v1/tickets/{first.code}").json()
    assert called["state"] == "called"
    assert called["service_point"] == {"id": window_1.pk, "number": 1, "label": "1"}
    assert called["position"] is None and called["estimated_wait_minutes"] is None


@pytest.mark.parametrize("code", ["nosuchcode234", "x"])
def test_an_unknown_code_is_404(citizen, db, code):
    assert is_json_error(citizen.get(f"/api/v1/tickets/{code}"), 404)


@pytest.mark.parametrize("code", ["not-a-code", "a" * 17, "%00abc"])
def test_a_malformed_code_is_422(citizen, db, code):
    assert is_json_error(citizen.get(f"/api/v1/tickets/{code}"), 422)


# --- the office's queue and events (boards) -----------------------------------------------------


def test_the_queue_shows_counts_longest_wait_and_calls_without_personal_data(
    citizen, at_desk, office_a, service_a, window_1, operator, time_machine
):
    other = ServiceFactory(offices=[office_a])
    first = issue(office_a, service_a)
    issue(office_a, service_a)
    issue(office_a, other)
    time_machine.move_to(NOON + dt.timedelta(minutes=7), tick=False)
    post(citizen, "/api/v1/desk/call-next", {"service_point_id": window_1.pk}, **at_desk)

    response = citizen.get(f"/api/v1/offices/{office_a.pk}/queue")
    assert response.status_code == 200
    body = response.json()
    groups = {group["prefix"]: group for group in body["groups"]}
    assert groups[service_a.group.prefix]["waiting"] == 1
    assert groups[service_a.group.prefix]["servers"] == 1
    assert groups[other.group.prefix]["waiting"] == 1
    assert groups[other.group.prefix]["servers"] == 0
    assert (body["waiting"], body["longest_wait_minutes"], body["wait_norm_minutes"]) == (2, 7, 15)
    assert [call["label"] for call in body["current_calls"]] == [first.label]
    assert body["current_calls"][0]["service_point"]["number"] == 1
    assert [call["label"] for call in body["recent_calls"]] == [first.label]
    text = response.content.decode()
    assert operator.user.last_name not in text and first.code not in text


def test_the_queue_of_an_unknown_office_is_404(citizen, db):
    assert is_json_error(citizen.get("/api/v1/offices/424242/queue"), 404)
    assert is_json_error(citizen.get("/api/v1/offices/0/queue"), 422)


def test_the_events_stream_says_hello_then_relays_the_offices_events(settings, office_a):
    settings.REDIS_URL = ""

    async def scenario() -> tuple[int, str, str]:
        response = await AsyncClient().get(f"/api/v1/offices/{office_a.pk}/events?limit=1")
        chunks = response.streaming_content.__aiter__()
        opening = (await chunks.__anext__()).decode() + (await chunks.__anext__()).decode()
        pubsub.publish(f"office:{office_a.pk + 1}", {"type": "ticket", "label": "Z999"})
        pubsub.publish(f"office:{office_a.pk}", {"type": "ticket", "label": "A001"})
        rest = "".join([chunk.decode() async for chunk in chunks])
        return response.status_code, response["Content-Type"], opening + rest

    status, content_type, text = async_to_sync(scenario)()
    assert status == 200 and content_type.startswith("text/event-stream")
    assert text.startswith("retry: ") and "event: hello" in text
    assert "A001" in text and "Z999" not in text
    ticket_frame = text.split("event: ticket\ndata: ")[1].split("\n\n")[0]
    assert json.loads(ticket_frame) == {"type": "ticket", "label": "A001"}


def test_the_events_of_an_unknown_office_are_404(db):
    async def scenario():
        return await AsyncClient().get("/api/v1/offices/424242/events")

    response = async_to_sync(scenario)()
    assert is_json_error(response, 404)


# --- the desk -----------------------------------------------------------------------------------


def test_an_operator_works_a_ticket_through_the_api(
    citizen, at_desk, office_a, service_a, window_1, operator
):
    ticket = issue(office_a, service_a)
    called = post(citizen, "/api/v1/desk/call-next", {"service_point_id": window_1.pk}, **at_desk)
    assert called.status_code == 200
    body = called.json()
    assert (body["id"], body["state"], body["service_point"]["id"]) == (
        ticket.pk,
        "called",
        window_1.pk,
    )
    assert body["chosen_because"] == {
        "priority": "",
        "priority_weight_minutes": 0,
        "waited_seconds": 0,
    }
    assert "code" not in body

    base = f"/api/v1/tickets/{ticket.pk}"
    assert post(citizen, f"{base}/recall", **at_desk).json()["recall_count"] == 1
    assert post(citizen, f"{base}/start", **at_desk).json()["state"] == "serving"
    desk = citizen.get("/api/v1/desk", **at_desk).json()
    assert desk["ticket"]["id"] == ticket.pk and desk["service_point"]["number"] == 1
    done = post(citizen, f"{base}/finish", {"outcome": "served", "note": "all done"}, **at_desk)
    assert done.status_code == 200
    assert (done.json()["state"], done.json()["outcome"], done.json()["note"]) == (
        "done",
        "served",
        "all done",
    )
    actions = list(TicketEvent.objects.filter(ticket=ticket).values_list("action", "employee"))
    assert actions == [
        ("issued", None),
        ("called", operator.pk),
        ("recalled", operator.pk),
        ("started", operator.pk),
        ("finished", operator.pk),
    ]


def test_call_next_answers_204_when_nobody_waits(citizen, at_desk, window_1):
    response = post(citizen, "/api/v1/desk/call-next", {"service_point_id": window_1.pk}, **at_desk)
    assert response.status_code == 204 and response.content == b""


def test_no_desk_open_is_204_and_the_desk_opens_pauses_resumes_and_closes(
    citizen, operator, window_1
):
    headers = bearer(operator)
    assert citizen.get("/api/v1/desk", **headers).status_code == 204
    opened = post(citizen, "/api/v1/desk/open", {"service_point_id": window_1.pk}, **headers)
    assert opened.status_code == 200
    assert opened.json()["paused"] is False and opened.json()["closed_at"] is None

    paused = post(citizen, "/api/v1/desk/pause", {"reason": "lunch"}, **headers)
    assert (paused.json()["paused"], paused.json()["pause_reason"]) == (True, "lunch")
    refused = post(citizen, "/api/v1/desk/call-next", {"service_point_id": window_1.pk}, **headers)
    assert is_json_error(refused, 409)
    assert is_json_error(post(citizen, "/api/v1/desk/pause", {"reason": "nap"}, **headers), 422)

    assert post(citizen, "/api/v1/desk/resume", **headers).json()["paused"] is False
    closed = post(citizen, "/api/v1/desk/close", **headers)
    assert closed.status_code == 200 and closed.json()["closed_at"] is not None
    assert not DeskSession.objects.filter(closed_at__isnull=True).exists()
    assert is_json_error(post(citizen, "/api/v1/desk/close", **headers), 409)


def test_a_busy_service_point_is_409(citizen, operator, head, window_1):
    post(citizen, "/api/v1/desk/open", {"service_point_id": window_1.pk}, **bearer(operator))
    response = post(citizen, "/api/v1/desk/open", {"service_point_id": window_1.pk}, **bearer(head))
    assert is_json_error(response, 409)


def test_the_wrong_state_is_409_with_the_reason(citizen, at_desk, office_a, service_a, window_1):
    ticket = issue(office_a, service_a)
    issue(office_a, service_a)
    post(citizen, "/api/v1/desk/call-next", {"service_point_id": window_1.pk}, **at_desk)
    base = f"/api/v1/tickets/{ticket.pk}"
    assert is_json_error(post(citizen, f"{base}/finish", {"outcome": "served"}, **at_desk), 409)
    again = post(citizen, "/api/v1/desk/call-next", {"service_point_id": window_1.pk}, **at_desk)
    assert is_json_error(again, 409)  # finish the current ticket first
    early = post(citizen, f"{base}/no-show", **at_desk)
    assert is_json_error(early, 409)
    post(citizen, f"{base}/start", **at_desk)
    wrong_outcome = post(
        citizen, f"{base}/finish", {"outcome": "no_show"}, HTTP_ACCEPT_LANGUAGE="en", **at_desk
    )
    assert is_json_error(wrong_outcome, 409)
    assert "did not come" in wrong_outcome.json()["message"]


def test_a_note_with_control_characters_is_422_but_line_breaks_are_fine(
    citizen, at_desk, office_a, service_a, window_1
):
    ticket = issue(office_a, service_a)
    post(citizen, "/api/v1/desk/call-next", {"service_point_id": window_1.pk}, **at_desk)
    post(citizen, f"/api/v1/tickets/{ticket.pk}/start", **at_desk)
    url = f"/api/v1/tickets/{ticket.pk}/finish"
    assert is_json_error(post(citizen, url, {"note": "a\x00b"}, **at_desk), 422)
    assert is_json_error(post(citizen, url, {"note": "x" * 501}, **at_desk), 422)
    done = post(citizen, url, {"note": "line one\nline two"}, **at_desk)
    assert done.status_code == 200 and done.json()["note"] == "line one\nline two"


NASTY_BODIES = [
    [],
    "text",
    None,
    7,
    {"service_point_id": None},
    {"service_point_id": "1; DROP TABLE"},
    {"service_point_id": -1},
    {"service_point_id": 10**30},
    {"service_id": {"nested": 1}},
    {"service_id": 1, "priority": "\x00"},
    {"service_id": 1, "source": "\x00"},
    {"reason": "\x00"},
    {"outcome": None, "note": "\x00"},
    {"service_id": True},
]


@pytest.mark.parametrize("body", NASTY_BODIES)
def test_no_request_body_makes_a_500(citizen, at_desk, office_a, service_a, window_1, body):
    ticket = issue(office_a, service_a)
    paths = [
        f"/api/v1/offices/{office_a.pk}/tickets",
        "/api/v1/desk/open",
        "/api/v1/desk/pause",
        "/api/v1/desk/call-next",
        *(
            f"/api/v1/tickets/{ticket.pk}/{action}"
            for action in ("recall", "start", "finish", "no-show", "transfer", "cancel")
        ),
    ]
    for path in paths:
        response = citizen.post(path, json.dumps(body), content_type="application/json", **at_desk)
        # Endpoints without a body ignore it (cancel may succeed); none may fail with a 500.
        assert response.status_code < 500, (path, response.status_code)
        if response.status_code >= 400:
            assert response.json()["message"], path


def test_a_no_show_after_a_recall(citizen, at_desk, office_a, service_a, window_1):
    ticket = issue(office_a, service_a)
    post(citizen, "/api/v1/desk/call-next", {"service_point_id": window_1.pk}, **at_desk)
    post(citizen, f"/api/v1/tickets/{ticket.pk}/recall", **at_desk)
    response = post(citizen, f"/api/v1/tickets/{ticket.pk}/no-show", **at_desk)
    assert response.status_code == 200 and response.json()["outcome"] == "no_show"


def test_a_transfer_answers_the_waiting_successor(citizen, at_desk, office_a, service_a, window_1):
    second = ServiceFactory(offices=[office_a])
    ticket = issue(office_a, service_a)
    post(citizen, "/api/v1/desk/call-next", {"service_point_id": window_1.pk}, **at_desk)
    url = f"/api/v1/tickets/{ticket.pk}/transfer"
    response = post(citizen, url, {"service_id": second.pk, "note": "needs B"}, **at_desk)
    assert response.status_code == 200
    body = response.json()
    assert (body["label"], body["state"], body["service"]["id"]) == (
        ticket.label,
        "waiting",
        second.pk,
    )
    assert body["id"] != ticket.pk
    ticket.refresh_from_db()
    assert (ticket.outcome, ticket.note) == ("transferred", "needs B")


def test_a_transfer_validates_the_service(
    citizen, at_desk, office_a, service_a, service_b, window_1
):
    ticket = issue(office_a, service_a)
    post(citizen, "/api/v1/desk/call-next", {"service_point_id": window_1.pk}, **at_desk)
    url = f"/api/v1/tickets/{ticket.pk}/transfer"
    assert is_json_error(post(citizen, url, {"service_id": service_b.pk}, **at_desk), 400)
    assert is_json_error(post(citizen, url, {"service_id": 987654}, **at_desk), 400)
    assert is_json_error(post(citizen, url, {"service_id": service_a.pk}, **at_desk), 409)
    assert is_json_error(post(citizen, url, {"note": "x"}, **at_desk), 422)
    ticket.refresh_from_db()
    assert ticket.state == "called"


def test_staff_cancel_a_waiting_ticket_but_not_one_in_another_windows_hand(
    citizen, at_desk, office_a, service_a, head, window_1, window_2
):
    waiting = issue(office_a, service_a)
    response = post(citizen, f"/api/v1/tickets/{waiting.pk}/cancel", **bearer(head))
    assert response.status_code == 200 and response.json()["outcome"] == "cancelled"

    held = issue(office_a, service_a)
    post(citizen, "/api/v1/desk/call-next", {"service_point_id": window_1.pk}, **at_desk)
    head_headers = bearer(head)
    post(citizen, "/api/v1/desk/open", {"service_point_id": window_2.pk}, **head_headers)
    refused = post(citizen, f"/api/v1/tickets/{held.pk}/cancel", **head_headers)
    assert is_json_error(refused, 403)
    assert post(citizen, f"/api/v1/tickets/{held.pk}/cancel", **at_desk).status_code == 200


def test_another_operators_ticket_is_403(
    citizen, at_desk, office_a, service_a, head, window_1, window_2
):
    ticket = issue(office_a, service_a)
    post(citizen, "/api/v1/desk/call-next", {"service_point_id": window_1.pk}, **at_desk)
    head_headers = bearer(head)
    post(citizen, "/api/v1/desk/open", {"service_point_id": window_2.pk}, **head_headers)
    assert is_json_error(post(citizen, f"/api/v1/tickets/{ticket.pk}/start", **head_headers), 403)


# --- office boundaries and authentication -------------------------------------------------------


def test_another_offices_operator_cannot_reach_our_tickets_or_windows(
    citizen, at_desk, office_a, service_a, window_1, b_operator
):
    ticket = issue(office_a, service_a)
    outsider = bearer(b_operator)
    for action in ("recall", "start", "no-show", "cancel"):
        response = post(citizen, f"/api/v1/tickets/{ticket.pk}/{action}", **outsider)
        assert is_json_error(response, 404), action
    assert is_json_error(
        post(citizen, f"/api/v1/tickets/{ticket.pk}/finish", {"outcome": "served"}, **outsider),
        404,
    )
    assert is_json_error(
        post(citizen, f"/api/v1/tickets/{ticket.pk}/transfer", {"service_id": 1}, **outsider), 404
    )
    for path in ("/api/v1/desk/open", "/api/v1/desk/call-next"):
        response = post(citizen, path, {"service_point_id": window_1.pk}, **outsider)
        assert is_json_error(response, 404), path
    ticket.refresh_from_db()
    assert ticket.state == "waiting"


def test_unknown_tickets_and_windows_are_404(citizen, at_desk):
    assert is_json_error(post(citizen, "/api/v1/tickets/987654/start", **at_desk), 404)
    assert is_json_error(
        post(citizen, "/api/v1/desk/call-next", {"service_point_id": 987654}, **at_desk), 404
    )


STAFF_ENDPOINTS = [
    ("get", "/api/v1/desk"),
    ("post", "/api/v1/desk/open"),
    ("post", "/api/v1/desk/close"),
    ("post", "/api/v1/desk/pause"),
    ("post", "/api/v1/desk/resume"),
    ("post", "/api/v1/desk/call-next"),
    *(
        ("post", f"/api/v1/tickets/1/{action}")
        for action in ("recall", "start", "finish", "no-show", "transfer", "cancel")
    ),
]


@pytest.mark.parametrize(("method", "path"), STAFF_ENDPOINTS)
def test_staff_endpoints_refuse_requests_without_a_token(citizen, db, method, path):
    response = getattr(citizen, method)(path)
    assert is_json_error(response, 401)
    assert "Bearer" in response.json()["message"]


def test_a_signed_in_login_that_is_not_an_employee_is_403(db, office_a):
    browser = Client()
    browser.force_login(UserFactory(username="visitor"))
    assert is_json_error(browser.get("/api/v1/desk"), 403)


def test_a_staff_session_works_too(signed_in, operator, window_1):
    browser = signed_in(operator)
    assert browser.get("/api/v1/desk").status_code == 204


# --- the specification --------------------------------------------------------------------------


def test_the_openapi_spec_lists_every_queue_endpoint_with_its_schemas(citizen, db):
    spec = citizen.get("/api/v1/openapi.json").json()
    paths = {
        (method.upper(), path.removeprefix("/api/v1"))
        for path, operations in spec["paths"].items()
        for method in operations
    }
    expected = {
        ("POST", "/offices/{office_id}/tickets"),
        ("GET", "/tickets/{code}"),
        ("GET", "/offices/{office_id}/queue"),
        ("GET", "/offices/{office_id}/events"),
        ("GET", "/desk"),
        ("POST", "/desk/open"),
        ("POST", "/desk/close"),
        ("POST", "/desk/pause"),
        ("POST", "/desk/resume"),
        ("POST", "/desk/call-next"),
        *(
            ("POST", f"/tickets/{{ticket_id}}/{action}")
            for action in ("recall", "start", "finish", "no-show", "transfer", "cancel")
        ),
    }
    assert expected <= paths
    call_next = spec["paths"]["/api/v1/desk/call-next"]["post"]
    assert {"200", "204", "401", "404", "409", "422"} <= set(call_next["responses"])
    assert call_next["security"]
    events = spec["paths"]["/api/v1/offices/{office_id}/events"]["get"]
    assert "text/event-stream" in events["responses"]["200"]["content"]
    # Our schemas must not replace the catalogue's of the same purpose.
    assert set(spec["components"]["schemas"]["GroupOut"]["properties"]) == {"prefix", "name"}
