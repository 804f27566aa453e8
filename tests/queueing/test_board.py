"""The display board: current and recent calls, waiting counts, the office's time, its stream."""

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
from okno.queueing.views import board as board_views
from tests.factories import (
    CompetencyFactory,
    EmployeeFactory,
    OfficeFactory,
    ServiceFactory,
    ServiceGroupFactory,
    ServicePointFactory,
)

LANGUAGES = ["uk", "ru", "pl", "kk", "en"]
NOON = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)  # a Tuesday, 12:00 in Kyiv


@pytest.fixture
def hall(office_a, operator, service_a):
    """Office A at 12:00 Kyiv time: window 4 (the operator) and window 7 (a colleague) at work,
    service A in group "P" (passports) and an empty group "R" (registration)."""
    passports = ServiceGroupFactory(prefix="P", name={"uk": "Паспорти", "en": "Passports"})
    ServiceFactory(group=ServiceGroupFactory(prefix="R", name={"en": "Registration"})).offices.set(
        [office_a]
    )
    service_a.group = passports
    service_a.save()
    colleague = EmployeeFactory(username="colleague", offices=[office_a])
    for employee, number in [(operator, 4), (colleague, 7)]:
        CompetencyFactory(employee=employee, service=service_a)
        point = ServicePointFactory(office=office_a, number=number, label=str(number))
        services.open_desk(employee, point, now=NOON)
    return {"operator": operator, "colleague": colleague}


def _at(minutes: int) -> dt.datetime:
    return NOON + dt.timedelta(minutes=minutes)


def _issue(office, service, minutes: int):
    return services.issue_ticket(office, service, now=_at(minutes), check_hours=False)


def _board(citizen, office, lang="en", suffix=""):
    return citizen.get(f"/{lang}/board/{office.slug}/{suffix}")


def test_the_board_shows_current_calls_recent_calls_waiting_counts_and_local_time(
    citizen, office_a, service_a, hall
):
    operator, colleague = hall["operator"], hall["colleague"]
    tickets = [_issue(office_a, service_a, minutes=n) for n in range(5)]  # P001 ... P005
    services.call_next(operator, now=_at(5))  # P001 → window 4
    services.start_service(tickets[0], employee=operator, now=_at(6))
    services.finish_visit(tickets[0], employee=operator, now=_at(10))
    services.call_next(colleague, now=_at(11))  # P002 → window 7
    services.call_next(operator, now=_at(12))  # P003 → window 4

    with time_machine.travel(_at(12) + dt.timedelta(seconds=5), tick=False):
        page = _board(citizen, office_a).content.decode()

    calls = re.findall(
        r'<li class="board-call[^"]*" data-label="(\w+)">.*?</span> (\w+)</span>', page, re.S
    )
    assert calls == [("P003", "4"), ("P002", "7")]  # the newest call first
    assert 'class="board-call board-call--fresh" data-label="P003"' in page
    assert 'class="board-call" data-label="P002"' in page  # called 60 s ago: no longer flashing
    recent = re.findall(r'<tr><td class="board-table__ticket">(\w+)</td><td>(\w+)</td>', page)
    assert recent == [("P003", "4"), ("P002", "7"), ("P001", "4")]
    assert "12:12" in page  # P003's call, in Kyiv time
    waiting = dict(
        re.findall(
            r'<span class="board-waiting__letter">(\w+)</span>.*?'
            r'<span class="board-waiting__count">(\d+)</span>',
            page,
        )
    )
    assert waiting == {"P": "2", "R": "0"}
    assert re.search(r'<time id="board-clock"[^>]*>12:12</time>', page)
    assert 'data-time-zone="Europe/Kyiv"' in page
    assert "Kyiv service centre" in page


def test_the_recent_calls_are_the_last_eight_of_the_day(citizen, office_a, service_a, hall):
    operator = hall["operator"]
    yesterday = services.issue_ticket(
        office_a, service_a, now=NOON - dt.timedelta(days=1), check_hours=False
    )
    services.call_next(operator, now=NOON - dt.timedelta(days=1, minutes=-1))
    services.mark_no_show(yesterday, employee=operator, now=NOON - dt.timedelta(hours=20))
    for n in range(10):
        ticket = _issue(office_a, service_a, minutes=n)
        services.call_next(operator, now=_at(n))
        services.start_service(ticket, employee=operator, now=_at(n))
        services.finish_visit(ticket, employee=operator, now=_at(n))

    with time_machine.travel(_at(11), tick=False):
        page = _board(citizen, office_a).content.decode()

    recent = re.findall(r'<td class="board-table__ticket">(\w+)</td>', page)
    assert recent == [f"P{n:03d}" for n in range(10, 2, -1)]
    assert "Please wait: your number will appear here" in page  # nobody called right now


def test_the_panel_is_the_part_the_page_refreshes(citizen, office_a, service_a, hall):
    _issue(office_a, service_a, minutes=0)
    services.call_next(hall["operator"], now=_at(1))

    with time_machine.travel(_at(1), tick=False):
        page = _board(citizen, office_a).content.decode()
        panel = _board(citizen, office_a, suffix="panel").content.decode()

    assert "<html" not in panel
    assert 'data-label="P001"' in panel
    assert f'hx-get="/en/board/{office_a.slug}/panel"' in page
    assert f'sse-connect="/en/board/{office_a.slug}/events"' in page
    assert 'hx-trigger="sse:ticket' in page
    assert 'aria-live="polite"' in page


def test_speaking_is_off_unless_asked_for(citizen, office_a):
    quiet = _board(citizen, office_a).content.decode()
    speaking = citizen.get(f"/uk/board/{office_a.slug}/?speak=1").content.decode()

    assert 'data-speak="0"' in quiet
    assert 'data-speak="1"' in speaking
    assert "{ticket}" in speaking and "{window}" in speaking  # the sentence board.js fills in


def test_an_unknown_or_inactive_office_has_no_board(citizen, db):
    closed = OfficeFactory(slug="closed-office", is_active=False)

    for slug in ["no-such-office", closed.slug]:
        for suffix in ["", "panel", "events"]:
            assert citizen.get(f"/en/board/{slug}/{suffix}").status_code == 404


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_board_renders_in_each_language(citizen, office_a, service_a, hall, lang):
    _issue(office_a, service_a, minutes=0)
    services.call_next(hall["operator"], now=_at(1))

    page = _board(citizen, office_a, lang=lang)
    panel = _board(citizen, office_a, lang=lang, suffix="panel")

    assert page.status_code == 200
    assert f'<html lang="{lang}" class="board-root">' in page.content.decode()
    assert panel.status_code == 200


# --- the live stream ----------------------------------------------------------------------------


def _read_stream(office, then: Callable[[], None]) -> tuple[list[str], int]:
    """The first three frames of the board's stream, running `then` after the hello, and how
    many subscribers the office's topic has once the client has gone (as ASGI cancels it)."""

    async def scenario() -> tuple[list[str], int]:
        request = RequestFactory().get(f"/en/board/{office.slug}/events")
        response = await board_views.events(request, office=office.slug)
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
        return frames, pubsub.subscriber_count(f"office:{office.pk}")

    return async_to_sync(scenario)()


def test_the_stream_says_hello_then_relays_ticket_events_of_its_office_only(
    settings, office_a, office_b
):
    settings.REDIS_URL = ""

    def publish() -> None:
        pubsub.publish(f"office:{office_b.pk}", {"type": "ticket", "ticket": {"label": "B"}})
        pubsub.publish(f"office:{office_a.pk}", {"type": "desk", "action": "opened"})
        pubsub.publish(f"office:{office_a.pk}", {"type": "ticket", "ticket": {"label": "A"}})

    frames, left = _read_stream(office_a, publish)

    assert frames[0].startswith("retry: ")
    assert frames[1].startswith("event: hello\n")
    assert frames[2].startswith("event: ticket\ndata: ")
    assert json.loads(frames[2].split("data: ", 1)[1])["ticket"]["label"] == "A"
    assert left == 0


def test_a_call_reaches_the_board_with_the_ticket_and_window(
    settings, office_a, service_a, hall, django_capture_on_commit_callbacks
):
    settings.REDIS_URL = ""
    _issue(office_a, service_a, minutes=0)

    def call() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            services.call_next(hall["operator"], now=_at(1))

    frames, _left = _read_stream(office_a, call)

    event = json.loads(frames[2].split("data: ", 1)[1])
    assert event["action"] == "called"
    assert event["ticket"]["label"] == "P001"
    assert event["ticket"]["service_point"]["label"] == "4"
