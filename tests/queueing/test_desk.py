"""The operator's console: choosing a service point, every action with and without htmx, the
refusals as translated 4xx answers, and the live stream of the office's ticket events."""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import json
import re

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient

from okno.core import pubsub
from okno.queueing import services
from okno.queueing.models import DeskPause, DeskSession, PriorityCategory, Ticket
from okno.staff.models import Role
from tests.factories import (
    CompetencyFactory,
    EmployeeFactory,
    ServiceFactory,
    ServicePointFactory,
    UserFactory,
)

NOON = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)  # a Tuesday, 12:00 in Kyiv
HTMX = {"HX-Request": "true"}
LANGUAGES = ["uk", "ru", "pl", "kk", "en"]


@pytest.fixture
def clock(time_machine):
    """The console's clock, stopped at noon in Kyiv; `clock.move_to(...)` moves it."""
    time_machine.move_to(NOON, tick=False)
    return time_machine


@pytest.fixture
def window(office_a, operator, service_a):
    """Service point 4 of office A, where the operator (qualified for service A) may work."""
    CompetencyFactory(employee=operator, service=service_a)
    return ServicePointFactory(office=office_a, number=4, label="4")


@pytest.fixture
def at_window(window, operator, clock):
    """The operator is working at window 4."""
    services.open_desk(operator, window, now=NOON)
    return window


@pytest.fixture
def console(signed_in, operator):
    return signed_in(operator)


def issue(office, service, *, minutes_ago=0, **kwargs) -> Ticket:
    return services.issue_ticket(
        office, service, now=NOON - dt.timedelta(minutes=minutes_ago), check_hours=False, **kwargs
    )


def act(browser, action: str, data: dict | None = None, *, htmx: bool = False, lang: str = "en"):
    return browser.post(f"/{lang}/desk/{action}/", data or {}, headers=HTMX if htmx else {})


def text_of(response) -> str:
    """The response's visible text with tags removed and spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def messages_after(browser, response) -> str:
    """Follow a post/redirect/get answer and return the console page's text."""
    assert response.status_code == 302
    assert response["Location"] == "/en/desk/"
    return text_of(browser.get("/en/desk/"))


# --- who may use the console ----------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(citizen, db):
    response = citizen.get("/en/desk/")
    assert response.status_code == 302
    assert response["Location"].startswith("/en/staff/login/?next=")


def test_a_login_that_is_not_an_employee_gets_a_clear_403_page(citizen, db):
    user = UserFactory(username="visitor")
    citizen.force_login(user)
    for response in (citizen.get("/en/desk/"), citizen.post("/en/desk/call/")):
        assert response.status_code == 403
        assert "For employees only" in text_of(response)


# --- choosing a service point ---------------------------------------------------------------------


def test_without_a_session_the_operator_chooses_among_their_offices_points(
    console, window, office_b, b_operator, clock
):
    busy = window.office.service_points.get(number=1)
    services.open_desk(EmployeeFactory(username="taras", offices=[window.office]), busy, now=NOON)
    response = console.get("/en/desk/")
    assert response.status_code == 200
    text = text_of(response)
    assert "Choose your service point" in text
    assert "Work at service point 2" in text and "Work at service point 4" in text
    assert "Work at service point 1" not in text  # taken
    assert "Taken by" in text
    assert "Lviv-window-1" not in text


def test_opening_a_free_point_starts_work_there(console, operator, window, clock):
    response = console.post("/en/desk/open/", {"service_point": window.pk})
    text = messages_after(console, response)
    assert "You are working at service point 4." in text
    assert "Call next" in text
    assert services.current_session(operator).service_point == window


def test_a_point_already_taken_is_refused(console, operator, window, clock):
    colleague = EmployeeFactory(username="taras", offices=[window.office])
    services.open_desk(colleague, window, now=NOON)
    response = console.post("/en/desk/open/", {"service_point": window.pk})
    assert response.status_code == 409
    assert "Someone else is already working at this service point." in text_of(response)
    assert services.current_session(operator) is None


def test_a_point_of_another_office_is_refused(console, operator, window, office_b):
    lviv = office_b.service_points.get()
    response = console.post("/en/desk/open/", {"service_point": lviv.pk})
    assert response.status_code == 403
    assert "belongs to an office you do not work for" in text_of(response)
    assert not DeskSession.objects.exists()


@pytest.mark.parametrize("value", ["", "abc", "999999", str(10**30)])
def test_an_unknown_point_is_a_400(console, window, value):
    response = console.post("/en/desk/open/", {"service_point": value})
    assert response.status_code == 400
    text = text_of(response)
    assert "Choose a service point." in text or "There is no such service point." in text


# --- calling ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_call_next_calls_the_first_waiting_visitor_to_this_window(
    console, at_window, office_a, service_a, htmx
):
    first = issue(office_a, service_a, minutes_ago=5)
    issue(office_a, service_a, minutes_ago=2)
    response = act(console, "call", htmx=htmx)
    first.refresh_from_db()
    assert (first.state, first.service_point) == (Ticket.State.CALLED, at_window)
    message = f"{first.label} is called to service point 4."
    if htmx:
        assert response.status_code == 200
        assert 'id="desk-messages" hx-swap-oob="innerHTML"' in response.content.decode()
        text = text_of(response)
    else:
        text = messages_after(console, response)
    assert message in text
    assert "Start service" in text and "Call again" in text and "Did not come" in text
    assert "Call next" not in text  # only the buttons valid for a called ticket


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_call_next_when_nobody_waits_says_so(console, at_window, htmx):
    response = act(console, "call", htmx=htmx)
    text = text_of(response) if htmx else messages_after(console, response)
    assert "Nobody is waiting for the services you deliver." in text
    assert "Call next" in text


def test_the_reason_line_shows_the_priority_and_the_minutes_waited(
    console, at_window, office_a, service_a
):
    PriorityCategory.objects.create(
        office=office_a, code="pregnancy", name={"en": "pregnancy"}, weight_minutes=10
    )
    issue(office_a, service_a, minutes_ago=9)
    issue(office_a, service_a, minutes_ago=6, priority="pregnancy")  # 6 + 10 > 9: goes first
    text = text_of(act(console, "call", htmx=True))
    assert "priority: pregnancy, waited 6 min" in text


def test_without_priority_the_reason_line_says_so(console, at_window, office_a, service_a):
    issue(office_a, service_a, minutes_ago=3)
    text = text_of(act(console, "call", htmx=True))
    assert "no priority, waited 3 min" in text


def test_the_console_shows_how_long_the_visitor_waited_and_has_been_served(
    console, at_window, operator, office_a, service_a, clock
):
    issue(office_a, service_a, minutes_ago=7)
    ticket = services.call_next(operator, now=NOON)
    services.start_service(ticket, employee=operator, now=NOON + dt.timedelta(minutes=1))
    clock.move_to(NOON + dt.timedelta(minutes=3, seconds=5), tick=False)
    page = console.get("/en/desk/").content.decode()
    text = text_of(console.get("/en/desk/"))
    assert "Waited 7 min since 11:53" in text
    assert "Served for 2:05 since 12:01" in text
    assert 'data-elapsed="125"' in page  # the timer ticks on from here in desk.js


# --- serving ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_recall_start_and_finish_take_the_visitor_through_the_visit(
    console, at_window, operator, office_a, service_a, htmx
):
    ticket = issue(office_a, service_a, minutes_ago=4)
    services.call_next(operator, now=NOON)
    pick = {"ticket": ticket.pk}

    recalled = act(console, "recall", pick, htmx=htmx)
    text = text_of(recalled) if htmx else messages_after(console, recalled)
    assert f"{ticket.label} is called again." in text
    assert "Called again 1 time" in text

    started = act(console, "start", pick, htmx=htmx)
    text = text_of(started) if htmx else messages_after(console, started)
    assert f"Serving {ticket.label}." in text
    assert "Finish" in text and "Start service" not in text and "Call again" not in text

    finished = act(console, "finish", {**pick, "outcome": "served", "note": " ok "}, htmx=htmx)
    text = text_of(finished) if htmx else messages_after(console, finished)
    assert f"{ticket.label} is finished: served." in text
    assert "Call next" in text
    ticket.refresh_from_db()
    assert (ticket.state, ticket.outcome, ticket.note) == ("done", "served", "ok")
    assert list(ticket.events.values_list("action", flat=True)) == [
        "issued",
        "called",
        "recalled",
        "started",
        "finished",
    ]


def test_a_visit_can_end_as_cancelled(console, at_window, operator, office_a, service_a):
    ticket = issue(office_a, service_a)
    services.call_next(operator, now=NOON)
    services.start_service(ticket, employee=operator, now=NOON)
    response = act(console, "finish", {"ticket": ticket.pk, "outcome": "cancelled"}, htmx=True)
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.outcome == Ticket.Outcome.CANCELLED


@pytest.mark.parametrize("outcome", ["no_show", "transferred", "great", ""])
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_finishing_with_an_outcome_not_offered_is_a_400(
    console, at_window, operator, office_a, service_a, outcome, htmx
):
    ticket = issue(office_a, service_a)
    services.call_next(operator, now=NOON)
    services.start_service(ticket, employee=operator, now=NOON)
    response = act(console, "finish", {"ticket": ticket.pk, "outcome": outcome}, htmx=htmx)
    assert response.status_code == 400
    text = text_of(response)
    assert "Not done:" in text
    assert "Select a valid choice" in text or "Choose the outcome of the visit." in text
    ticket.refresh_from_db()
    assert ticket.state == Ticket.State.SERVING


def test_a_note_over_500_characters_is_refused_and_what_was_typed_is_kept(
    console, at_window, operator, office_a, service_a
):
    ticket = issue(office_a, service_a)
    services.call_next(operator, now=NOON)
    services.start_service(ticket, employee=operator, now=NOON)
    note = "x" * 501
    response = act(
        console, "finish", {"ticket": ticket.pk, "outcome": "served", "note": note}, htmx=True
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "at most 500 characters" in text_of(response)
    assert note in page and 'aria-invalid="true"' in page
    ticket.refresh_from_db()
    assert ticket.state == Ticket.State.SERVING


@pytest.mark.parametrize("value", ["", "abc", "0", "987654", str(10**30)])
@pytest.mark.parametrize("action", ["recall", "start", "no-show", "finish"])
def test_an_unknown_ticket_is_a_400(console, at_window, action, value):
    response = act(console, action, {"ticket": value, "outcome": "served"}, htmx=True)
    assert response.status_code == 400
    text = text_of(response)
    assert "There is no such ticket." in text or "Say which ticket." in text


def test_a_second_operator_cannot_act_on_the_first_ones_ticket(
    signed_in, at_window, operator, office_a, service_a
):
    ticket = issue(office_a, service_a)
    services.call_next(operator, now=NOON)
    colleague = EmployeeFactory(username="taras", offices=[office_a])
    services.open_desk(colleague, office_a.service_points.get(number=2), now=NOON)
    browser = signed_in(colleague)
    for action, data in [
        ("recall", {}),
        ("start", {}),
        ("no-show", {}),
        ("transfer", {"service": ServiceFactory(offices=[office_a]).pk}),
    ]:
        response = act(browser, action, {"ticket": ticket.pk, **data}, htmx=True)
        assert response.status_code == 403, action
        assert "This ticket is handled at another service point." in text_of(response)
    plain = act(browser, "start", {"ticket": ticket.pk})
    assert plain.status_code == 403
    ticket.refresh_from_db()
    assert (ticket.state, ticket.service_point, ticket.recall_count) == ("called", at_window, 0)


def test_an_operator_of_another_office_cannot_even_name_the_ticket(
    signed_in, at_window, operator, office_a, service_a, b_operator, office_b
):
    ticket = issue(office_a, service_a)
    services.call_next(operator, now=NOON)
    services.open_desk(b_operator, office_b.service_points.get(), now=NOON)
    response = act(signed_in(b_operator), "start", {"ticket": ticket.pk}, htmx=True)
    assert response.status_code == 400
    assert "There is no such ticket." in text_of(response)


def test_acting_on_a_ticket_in_the_wrong_state_is_a_409(
    console, at_window, operator, office_a, service_a
):
    ticket = issue(office_a, service_a)
    services.call_next(operator, now=NOON)
    response = act(console, "finish", {"ticket": ticket.pk, "outcome": "served"}, htmx=True)
    assert response.status_code == 409
    assert "This ticket cannot do that in its current state." in text_of(response)


# --- no-show and transfer ---------------------------------------------------------------------------


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_a_no_show_too_early_is_refused_with_the_rule(
    console, at_window, operator, office_a, service_a, clock, htmx
):
    ticket = issue(office_a, service_a)
    services.call_next(operator, now=NOON)
    clock.move_to(NOON + dt.timedelta(minutes=1), tick=False)
    response = act(console, "no-show", {"ticket": ticket.pk}, htmx=htmx)
    assert response.status_code == 409
    rule = "A no-show can be marked after 1 repeated call or 3 min after the first call."
    assert rule in text_of(response)
    assert "Call the ticket again or wait a little" in text_of(response)
    ticket.refresh_from_db()
    assert ticket.state == Ticket.State.CALLED


def test_a_no_show_after_a_repeated_call_ends_the_ticket(
    console, at_window, operator, office_a, service_a
):
    ticket = issue(office_a, service_a)
    services.call_next(operator, now=NOON)
    act(console, "recall", {"ticket": ticket.pk}, htmx=True)
    response = act(console, "no-show", {"ticket": ticket.pk}, htmx=True)
    assert response.status_code == 200
    assert f"{ticket.label} did not come." in text_of(response)
    ticket.refresh_from_db()
    assert ticket.outcome == Ticket.Outcome.NO_SHOW


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_a_transfer_sends_the_visitor_on_keeping_the_time_waited(
    console, at_window, operator, office_a, service_a, htmx
):
    certificates = ServiceFactory(offices=[office_a], name={"en": "Certificates"})
    ticket = issue(office_a, service_a, minutes_ago=8)
    services.call_next(operator, now=NOON)
    services.start_service(ticket, employee=operator, now=NOON)
    response = act(
        console,
        "transfer",
        {"ticket": ticket.pk, "service": certificates.pk, "note": "needs a certificate"},
        htmx=htmx,
    )
    text = text_of(response) if htmx else messages_after(console, response)
    assert f"{ticket.label} is sent on to “Certificates”, keeping the time already waited." in text
    successor = Ticket.objects.get(transferred_from=ticket)
    assert (successor.service, successor.state) == (certificates, Ticket.State.WAITING)
    assert successor.waiting_since == NOON - dt.timedelta(minutes=8)


def test_the_transfer_offers_the_offices_other_services_only(
    console, at_window, operator, office_a, office_b, service_a, service_b
):
    other = ServiceFactory(offices=[office_a], name={"en": "Certificates"})
    ticket = issue(office_a, service_a)
    services.call_next(operator, now=NOON)
    page = console.get("/en/desk/").content.decode()
    options = re.findall(r'<option value="(\d+)"', page.split('id="transfer-service"')[1])
    assert options == [str(other.pk)]
    for service, message in [
        (service_a, "The visitor is already in this service's queue."),
        (service_b, "This service is not offered at this office."),
    ]:
        response = act(console, "transfer", {"ticket": ticket.pk, "service": service.pk}, htmx=True)
        assert response.status_code == 400
        assert message in text_of(response)
    ticket.refresh_from_db()
    assert ticket.state == Ticket.State.CALLED


# --- pause, resume, close ---------------------------------------------------------------------------


def test_a_pause_stops_calls_until_the_operator_resumes(
    console, at_window, operator, office_a, service_a
):
    issue(office_a, service_a)
    paused = act(console, "pause", {"reason": "lunch"}, htmx=True)
    assert paused.status_code == 200
    text = text_of(paused)
    assert "On a pause: lunch." in text
    assert "lunch, since 12:00" in text and "Resume work" in text and "Call next" not in text

    refused = act(console, "call", htmx=True)
    assert refused.status_code == 409
    assert "Resume work before calling the next ticket." in text_of(refused)

    resumed = act(console, "resume", htmx=True)
    assert "Welcome back" in text_of(resumed) and "Call next" in text_of(resumed)
    assert act(console, "call", htmx=True).status_code == 200
    assert list(DeskPause.objects.values_list("reason", flat=True)) == ["lunch"]


@pytest.mark.parametrize("reason", ["", "nap", "x" * 100])
def test_a_pause_needs_one_of_the_listed_reasons(console, at_window, reason):
    response = act(console, "pause", {"reason": reason}, htmx=True)
    assert response.status_code == 400
    text = text_of(response)
    assert "Choose a reason for the pause." in text or "Choose one of the listed reasons" in text
    assert not DeskSession.objects.get().is_paused


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_closing_the_point_ends_the_session_and_goes_back_to_choosing(
    console, at_window, operator, htmx
):
    response = act(console, "close", htmx=htmx)
    if htmx:
        assert response.status_code == 200
        assert response["HX-Redirect"] == "/en/desk/"
        text = text_of(console.get("/en/desk/"))
    else:
        text = messages_after(console, response)
    assert "Service point 4 is closed. Thank you!" in text
    assert "Choose your service point" in text
    assert services.current_session(operator) is None


def test_the_point_cannot_be_closed_with_a_visitor_in_hand(
    console, at_window, operator, office_a, service_a
):
    issue(office_a, service_a)
    services.call_next(operator, now=NOON)
    response = act(console, "close", htmx=True)
    assert response.status_code == 409
    assert "Finish the current ticket first." in text_of(response)
    assert services.current_session(operator) is not None


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_actions_need_an_open_service_point(console, window, htmx):
    response = act(console, "call", htmx=htmx)
    assert response.status_code == 409
    if htmx:  # the page is replaced by the choice of a point, which shows the message
        assert response["HX-Redirect"] == "/en/desk/"
        response = console.get("/en/desk/")
    text = text_of(response)
    assert "Open a service point first." in text and "Choose your service point" in text


def test_an_unknown_action_is_a_404_and_actions_take_a_post(console, at_window):
    assert act(console, "explode").status_code == 404
    assert console.get("/en/desk/call/").status_code == 405


# --- the waiting counts and every language ---------------------------------------------------------


def test_the_counts_show_who_waits_for_each_service_the_operator_delivers(
    console, at_window, operator, office_a, service_a, service_b, office_b
):
    second = ServiceFactory(offices=[office_a], name={"en": "Certificates"})
    CompetencyFactory(employee=operator, service=second)
    not_mine = ServiceFactory(offices=[office_a], name={"en": "Not mine"})
    for _ in range(3):
        issue(office_a, service_a)
    issue(office_a, not_mine)
    issue(office_b, service_b)
    response = console.get("/en/desk/counts/")
    assert response.status_code == 200
    text = text_of(response)
    assert "3 visitors waiting" in text
    assert "Passport 3" in text and "Certificates 0" in text
    assert "Not mine" not in text


def test_the_counts_are_empty_without_a_session(console, window):
    assert console.get("/en/desk/counts/").status_code == 204


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_screen_of_the_console_renders_in_every_language(
    console, window, operator, office_a, service_a, lang, clock
):
    assert console.get(f"/{lang}/desk/").status_code == 200  # choosing a point
    services.open_desk(operator, window, now=NOON)
    issue(office_a, service_a)
    for response in [
        console.get(f"/{lang}/desk/"),  # free
        act(console, "call", htmx=True, lang=lang),  # called
        act(console, "no-show", {"ticket": Ticket.objects.get().pk}, htmx=True, lang=lang),
        console.get(f"/{lang}/desk/counts/"),
    ]:
        assert response.status_code in (200, 409)
        assert "{%" not in response.content.decode()
    page = console.get(f"/{lang}/desk/")
    assert f'<html lang="{lang}">' in page.content.decode()
    assert Ticket.objects.get().label in page.content.decode()


# --- live events ------------------------------------------------------------------------------------


def _stream(user, path: str, publish: list[tuple[str, dict]], frames: int) -> tuple[int, str]:
    """Open the event stream as `user`, publish after the hello, and read `frames` more events."""

    async def scenario() -> tuple[int, str]:
        browser = AsyncClient()
        await browser.aforce_login(user)
        response = await browser.get(path)
        if not response.streaming:
            return response.status_code, response.content.decode()
        chunks = []
        iterator = response.streaming_content.__aiter__()
        try:
            for _ in range(2):  # retry: and hello
                chunks.append(await asyncio.wait_for(iterator.__anext__(), 3))
            for topic, event in publish:
                pubsub.publish(topic, event)
            for _ in range(frames):
                chunks.append(await asyncio.wait_for(iterator.__anext__(), 3))
        finally:
            await iterator.aclose()
        text = "".join(c.decode() if isinstance(c, bytes) else c for c in chunks)
        return response.status_code, text

    return async_to_sync(scenario)()


def _events(text: str) -> list[tuple[str, dict]]:
    return [
        (name, json.loads(data)) for name, data in re.findall(r"event: (\w+)\ndata: (.*)\n\n", text)
    ]


def test_the_desk_stream_says_hello_then_relays_ticket_events_of_its_office_only(
    settings, at_window, operator, office_a, office_b
):
    settings.REDIS_URL = ""
    status, text = _stream(
        operator.user,
        "/en/desk/events",
        [
            (f"office:{office_b.pk}", {"type": "ticket", "label": "B-elsewhere"}),
            (f"office:{office_a.pk}", {"type": "desk", "action": "opened"}),
            (f"office:{office_a.pk}", {"type": "ticket", "label": "A-here"}),
        ],
        frames=1,
    )
    assert status == 200
    assert text.startswith("retry: ")
    assert _events(text) == [
        ("hello", {"type": "hello"}),
        ("ticket", {"type": "ticket", "label": "A-here"}),
    ]
    assert pubsub.subscriber_count() == 0


def test_the_desk_stream_is_empty_without_a_session_and_refused_to_non_employees(window, operator):
    status, _text = _stream(operator.user, "/en/desk/events", [], frames=0)
    assert status == 204
    status, _text = _stream(UserFactory(username="visitor"), "/en/desk/events", [], frames=0)
    assert status == 403


def test_the_clerk_role_may_use_the_console_too_if_they_work_in_the_office(
    signed_in, office_a, clerk
):
    # The console is for every employee of an office; links on the staff home are by role.
    assert clerk.role == Role.BACK_OFFICE
    assert signed_in(clerk).get("/en/desk/").status_code == 200
