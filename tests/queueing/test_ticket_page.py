"""The citizen's ticket page: each state, leaving the queue, live updates, and no enumeration."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import re
from collections.abc import Callable

import pytest
import time_machine
from asgiref.sync import async_to_sync, sync_to_async
from django.test import RequestFactory

from okno.core import pubsub
from okno.queueing import services
from okno.queueing.models import PriorityCategory, Ticket, TicketEvent
from okno.queueing.views import ticket as ticket_views
from tests.factories import CompetencyFactory, ServiceFactory, ServicePointFactory

LANGUAGES = ["uk", "ru", "pl", "kk", "en"]
NOON = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)  # a Tuesday, 12:00 in Kyiv


@pytest.fixture
def at_noon():
    with time_machine.travel(NOON, tick=False):
        yield


@pytest.fixture
def window_4(office_a, operator, service_a):
    """The operator works at window 4 and can serve service A."""
    point = ServicePointFactory(office=office_a, number=4, label="4")
    CompetencyFactory(employee=operator, service=service_a)
    services.open_desk(operator, point, now=NOON)
    return point


def _issue(office, service, **kwargs):
    return services.issue_ticket(office, service, check_hours=False, **kwargs)


def _page(citizen, ticket, lang="en", suffix=""):
    return citizen.get(f"/{lang}/t/{ticket.code}/{suffix}")


def _facts(page: str) -> dict[str, str]:
    return dict(re.findall(r"<dt>([^<]+)</dt><dd[^>]*>([^<]+)</dd>", page))


# --- what the page shows ------------------------------------------------------------------------


def test_a_waiting_ticket_shows_people_ahead_and_the_estimated_wait(
    citizen, office_a, service_a, at_noon
):
    _issue(office_a, service_a)
    _issue(office_a, service_a)
    third = _issue(office_a, service_a)

    page = _page(citizen, third).content.decode()

    facts = _facts(page)
    assert facts["People ahead of you"] == "2"
    # Nobody at work for it: one window assumed; 2 ahead + this one, 15 minutes each.
    assert facts["Estimated wait"] == "about 45 min"
    assert "No window is serving this service at the moment" in page
    assert third.label in page
    assert "I am leaving: cancel my ticket" in page


def test_the_estimate_counts_the_windows_at_work(
    citizen, office_a, service_a, window_4, operator, at_noon
):
    first = _issue(office_a, service_a)
    second = _issue(office_a, service_a)

    facts = _facts(_page(citizen, second).content.decode())

    assert first.state == Ticket.State.WAITING
    # Window 4 is open and free: 1 ahead, 1 free server, so 1 - 1 + 1 = 1 service of 15 minutes.
    assert facts["People ahead of you"] == "1"
    assert facts["Estimated wait"] == "about 15 min"


def test_a_called_ticket_says_which_window_to_go_to(
    citizen, office_a, service_a, window_4, operator, at_noon
):
    ticket = _issue(office_a, service_a)
    services.call_next(operator)

    page = _page(citizen, ticket).content.decode()

    assert "Go to window 4" in page
    assert "It is your turn. Please come now." in page
    assert "Called at 12:00" in page  # Kyiv time
    assert "cancel my ticket" not in page


def test_the_call_is_announced_to_a_screen_reader_when_it_happens_not_on_every_refresh(
    citizen, office_a, service_a, window_4, operator, at_noon
):
    ticket = _issue(office_a, service_a)
    waiting = _page(citizen, ticket, suffix="status").content.decode()
    seen_waiting = re.search(r'name="seen" value="([^"]+)"', waiting).group(1)
    services.call_next(operator)

    on_call = _page(citizen, ticket, suffix=f"status?seen={seen_waiting}").content.decode()
    seen_called = re.search(r'name="seen" value="([^"]+)"', on_call).group(1)
    later = _page(citizen, ticket, suffix=f"status?seen={seen_called}").content.decode()
    services.recall(ticket, employee=operator)
    recalled = _page(citizen, ticket, suffix=f"status?seen={seen_called}").content.decode()

    assert 'role="alert"' in on_call and "Go to window 4" in on_call
    assert 'role="alert"' not in later
    assert 'role="alert"' in recalled and "You are being called again" in recalled


def test_a_change_of_place_is_announced_politely(citizen, office_a, service_a, at_noon):
    first = _issue(office_a, service_a)
    second = _issue(office_a, service_a)
    before = _page(citizen, second, suffix="status").content.decode()
    seen = re.search(r'name="seen" value="([^"]+)"', before).group(1)
    services.cancel_ticket(first)

    after = _page(citizen, second, suffix=f"status?seen={seen}").content.decode()
    unchanged = _page(citizen, second, suffix=f"status?seen={seen}").content.decode()

    assert 'id="ticket-live" hx-swap-oob="innerHTML"' not in before
    assert re.search(r'id="ticket-live" hx-swap-oob="innerHTML">Nobody is ahead of you\.', after)
    assert "<html" not in after
    assert unchanged == after  # same state, same answer: announced because `seen` was old


def test_the_page_itself_has_a_polite_live_region_and_subscribes_to_its_events(
    citizen, office_a, service_a, at_noon
):
    ticket = _issue(office_a, service_a)

    page = _page(citizen, ticket).content.decode()

    assert '<p id="ticket-live" class="visually-hidden" aria-live="polite"' in page
    assert f'sse-connect="/en/t/{ticket.code}/events"' in page
    assert f'hx-get="/en/t/{ticket.code}/status"' in page


@pytest.mark.parametrize(
    ("finish", "text"),
    [
        ("served", "Your visit is complete. Thank you for coming."),
        ("no_show", "You were called but did not come to the window"),
        ("cancelled", "This ticket has been cancelled."),
    ],
)
def test_a_finished_ticket_explains_how_it_ended(
    citizen, office_a, service_a, window_4, operator, finish, text, at_noon
):
    ticket = _issue(office_a, service_a)
    if finish == "cancelled":
        services.cancel_ticket(ticket)
    else:
        services.call_next(operator)
        if finish == "served":
            services.start_service(ticket, employee=operator)
            services.finish_visit(ticket, employee=operator)
        else:
            services.recall(ticket, employee=operator)
            services.mark_no_show(ticket, employee=operator)

    page = _page(citizen, ticket).content.decode()

    assert text in page
    assert "sse-connect" not in page  # nothing more will happen to it
    assert "cancel my ticket" not in page


def test_a_ticket_being_served_names_the_window(
    citizen, office_a, service_a, window_4, operator, at_noon
):
    ticket = _issue(office_a, service_a)
    services.call_next(operator)
    services.start_service(ticket, employee=operator)

    assert "You are being served at window 4." in _page(citizen, ticket).content.decode()


def test_after_a_transfer_the_code_shows_the_new_service(
    citizen, office_a, service_a, window_4, operator, at_noon
):
    certificates = ServiceFactory(name={"en": "Certificate of residence"}, offices=[office_a])
    ticket = _issue(office_a, service_a)
    services.call_next(operator)
    services.transfer(ticket, employee=operator, service=certificates)

    page = _page(citizen, ticket).content.decode()

    assert "Certificate of residence" in page
    assert "You are in the queue." in page
    assert ticket.label in page


def test_the_priority_is_shown(citizen, office_a, service_a, at_noon):
    PriorityCategory.objects.create(office=office_a, code="elderly", name={"en": "Aged 75+"})
    ticket = _issue(office_a, service_a, priority="elderly")

    assert "Priority: Aged 75+" in _page(citizen, ticket).content.decode()


# --- leaving ------------------------------------------------------------------------------------


def test_leaving_asks_first_then_cancels_the_waiting_ticket(citizen, office_a, service_a, at_noon):
    ticket = _issue(office_a, service_a)

    question = _page(citizen, ticket, suffix="cancel")
    answer = citizen.post(f"/en/t/{ticket.code}/cancel")

    assert question.status_code == 200
    assert "Yes, cancel my ticket" in question.content.decode()
    ticket.refresh_from_db()
    assert (ticket.state, ticket.outcome) == (Ticket.State.DONE, Ticket.Outcome.CANCELLED)
    assert TicketEvent.objects.filter(ticket=ticket, action="cancelled", employee=None).exists()
    assert answer.status_code == 302
    assert answer["Location"] == f"/en/t/{ticket.code}/"


def test_a_called_ticket_cannot_be_cancelled_by_the_visitor(
    citizen, office_a, service_a, window_4, operator, at_noon
):
    ticket = _issue(office_a, service_a)
    services.call_next(operator)

    answer = citizen.post(f"/en/t/{ticket.code}/cancel")
    question = _page(citizen, ticket, suffix="cancel")

    assert answer.status_code == 409
    assert "no longer waiting" in answer.content.decode()
    ticket.refresh_from_db()
    assert ticket.state == Ticket.State.CALLED
    assert question.status_code == 302  # nothing to confirm: back to the ticket


def test_cancelling_twice_is_refused_the_second_time(citizen, office_a, service_a, at_noon):
    ticket = _issue(office_a, service_a)
    citizen.post(f"/en/t/{ticket.code}/cancel")

    again = citizen.post(f"/en/t/{ticket.code}/cancel")

    assert again.status_code == 409
    assert TicketEvent.objects.filter(ticket=ticket, action="cancelled").count() == 1


# --- nobody walks through other people's tickets ------------------------------------------------


def test_only_the_code_opens_a_ticket(citizen, office_a, service_a, at_noon):
    ticket = _issue(office_a, service_a)

    for guess in [str(ticket.pk), ticket.label, ticket.code[:-1], ticket.code + "x", "a" * 12]:
        for suffix in ["", "status", "cancel", "events"]:
            response = citizen.get(f"/en/t/{guess}/{suffix}")
            assert response.status_code == 404, (guess, suffix)
    assert citizen.post(f"/en/t/{ticket.pk}/cancel").status_code == 404


def test_the_page_is_not_cached_or_indexed(citizen, office_a, service_a, at_noon):
    ticket = _issue(office_a, service_a)

    response = _page(citizen, ticket)

    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_ticket_pages_render_in_each_language(citizen, office_a, service_a, lang, at_noon):
    ticket = _issue(office_a, service_a)

    for suffix in ["", "cancel"]:
        response = _page(citizen, ticket, lang=lang, suffix=suffix)
        assert response.status_code == 200
        assert f'<html lang="{lang}">' in response.content.decode()
    assert _page(citizen, ticket, lang=lang, suffix="status").status_code == 200


# --- the live stream ----------------------------------------------------------------------------


def _ticket_event(office_id: int, group: str, label: str, action: str = "issued") -> dict:
    return {
        "type": "ticket",
        "action": action,
        "office": office_id,
        "ticket": {"label": label, "group": group, "service_point": None},
    }


def _read_stream(code: str, then: Callable[[], None]) -> tuple[list[str], int]:
    """The first three frames of the ticket's stream, running `then` after the hello, and how
    many subscribers its office topic has once the client has gone (as ASGI cancels it)."""

    async def scenario() -> tuple[list[str], int]:
        request = RequestFactory().get(f"/en/t/{code}/events")
        response = await ticket_views.events(request, code=code)
        topic = f"office:{(await sync_to_async(Ticket.objects.get)(code=code)).office_id}"
        received: asyncio.Queue[str] = asyncio.Queue()

        async def client() -> None:
            async for frame in response.streaming_content:
                await received.put(bytes(frame).decode())

        task = asyncio.create_task(client())
        frames = [await asyncio.wait_for(received.get(), 3) for _ in range(2)]
        await sync_to_async(then)()
        frames.append(await asyncio.wait_for(received.get(), 3))
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return frames, pubsub.subscriber_count(topic)

    return async_to_sync(scenario)()


def test_the_stream_says_hello_then_relays_only_events_of_its_office_and_group(
    settings, office_a, office_b, service_a, at_noon
):
    settings.REDIS_URL = ""
    ticket = _issue(office_a, service_a)
    group = ticket.prefix

    def publish() -> None:
        pubsub.publish(f"office:{office_b.pk}", _ticket_event(office_b.pk, group, "B-office"))
        pubsub.publish(f"office:{office_a.pk}", _ticket_event(office_a.pk, "ZZ", "other-group"))
        pubsub.publish(f"office:{office_a.pk}", _ticket_event(office_a.pk, group, "mine", "called"))

    frames, left = _read_stream(ticket.code, publish)

    assert frames[0].startswith("retry: ")
    assert frames[1].startswith("event: hello\n")
    assert frames[2].startswith("event: ticket\ndata: ")
    assert json.loads(frames[2].split("data: ", 1)[1])["ticket"]["label"] == "mine"
    assert left == 0


def test_desk_changes_reach_the_ticket_page(settings, office_a, service_a, at_noon):
    settings.REDIS_URL = ""
    ticket = _issue(office_a, service_a)
    desk = {"type": "desk", "action": "opened", "office": office_a.pk, "service_point": 1}

    frames, _left = _read_stream(ticket.code, lambda: pubsub.publish(f"office:{office_a.pk}", desk))

    assert frames[2].startswith("event: desk\n")


def test_an_issued_ticket_reaches_the_stream_of_a_ticket_of_the_same_group(
    settings, office_a, service_a, django_capture_on_commit_callbacks, at_noon
):
    settings.REDIS_URL = ""
    ticket = _issue(office_a, service_a)

    def issue_another() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            _issue(office_a, service_a)

    frames, _left = _read_stream(ticket.code, issue_another)

    event = json.loads(frames[2].split("data: ", 1)[1])
    assert (event["action"], event["ticket"]["label"]) == ("issued", f"{ticket.prefix}002")


def test_the_stream_of_an_unknown_code_is_not_found(citizen, db):
    assert citizen.get("/en/t/nosuchcode42/events").status_code == 404
