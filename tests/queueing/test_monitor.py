"""The head's monitor: who may open it, what it shows (against the norm, in the office's time),
today's figures computed from the tickets of the day, and its live stream."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from okno.queueing import services
from okno.queueing.models import QueueSettings, Ticket
from okno.staff.models import Employee
from tests.factories import CompetencyFactory, EmployeeFactory, ServiceFactory
from tests.queueing.test_desk import NOON, _events, _stream, text_of

LANGUAGES = ["uk", "ru", "pl", "kk", "en"]


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(NOON, tick=False)
    return time_machine


def at(minutes: float) -> dt.datetime:
    return NOON + dt.timedelta(minutes=minutes)


def issue(office, service, *, minute: float, **kwargs) -> Ticket:
    return services.issue_ticket(office, service, now=at(minute), check_hours=False, **kwargs)


def worker(office, username: str, point_number: int, *services_) -> Employee:
    """An operator of `office` qualified for `services_`, working at point `point_number`."""
    employee = EmployeeFactory(username=username, offices=[office])
    for service in services_:
        CompetencyFactory(employee=employee, service=service)
    services.open_desk(employee, office.service_points.get(number=point_number), now=at(-120))
    return employee


def monitor(browser, office, lang: str = "en"):
    return browser.get(f"/{lang}/monitor/{office.slug}/")


# --- who may open it ------------------------------------------------------------------------------


def test_the_head_of_the_office_opens_its_monitor(signed_in, head, office_a):
    response = monitor(signed_in(head), office_a)
    assert response.status_code == 200
    assert "Monitor · Kyiv service centre" in text_of(response)


def test_the_head_of_another_office_gets_a_404(signed_in, outsider, office_a, office_b):
    browser = signed_in(outsider)
    assert monitor(browser, office_a).status_code == 404
    assert browser.get(f"/en/monitor/{office_a.slug}/live/").status_code == 404
    assert monitor(browser, office_b).status_code == 200


@pytest.mark.parametrize("actor", ["analyst", "administrator"])
def test_analysts_and_administrators_see_every_office(
    request, signed_in, office_a, office_b, actor
):
    browser = signed_in(request.getfixturevalue(actor))
    assert monitor(browser, office_a).status_code == 200
    assert monitor(browser, office_b).status_code == 200


@pytest.mark.parametrize("actor", ["operator", "clerk"])
def test_operators_and_clerks_cannot_open_the_monitor(request, signed_in, office_a, actor):
    browser = signed_in(request.getfixturevalue(actor))
    response = monitor(browser, office_a)
    assert response.status_code == 403
    assert "The office monitor is for heads of office, analysts and administrators." in text_of(
        response
    )
    assert browser.get(f"/en/monitor/{office_a.slug}/live/").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(citizen, office_a):
    response = monitor(citizen, office_a)
    assert response.status_code == 302
    assert response["Location"].startswith("/en/staff/login/?next=")


def test_an_unknown_office_is_a_404(signed_in, analyst, db):
    assert signed_in(analyst).get("/en/monitor/nowhere/").status_code == 404


# --- what it shows --------------------------------------------------------------------------------


def test_a_group_waiting_longer_than_the_norm_is_flagged_in_words_not_only_colour(
    signed_in, head, office_a, service_a, clock
):
    QueueSettings.objects.create(office=office_a, wait_norm_minutes=10)
    calm = ServiceFactory(offices=[office_a], name={"en": "Calm"})
    issue(office_a, service_a, minute=-12)  # 12 min > 10: over the norm
    issue(office_a, service_a, minute=-2)
    issue(office_a, calm, minute=-9)  # 9 min: within the norm
    response = monitor(signed_in(head), office_a)
    page = response.content.decode()
    rows = {
        row.split("</th>")[0]: row
        for row in page.split('<table class="data monitor-groups">')[1].split("<tr")[2:]
    }
    over = next(row for key, row in rows.items() if service_a.group.prefix in key)
    calm_row = next(row for key, row in rows.items() if calm.group.prefix in key)
    assert 'class="row--over"' in over and "over the norm" in over and "12 min" in over
    assert "over the norm" not in calm_row and "9 min" in calm_row
    assert "waiting norm 10 min" in text_of(response)
    assert f"Over the norm: {service_a.group.prefix} (12 min)." in page  # the chart's description
    assert page.count("chart-bar--over") == 1


def test_the_norm_defaults_to_15_minutes(signed_in, head, office_a, service_a, clock):
    issue(office_a, service_a, minute=-15)  # exactly the norm: not over it
    page = monitor(signed_in(head), office_a).content.decode()
    assert "waiting norm 15 min" in page
    assert "No group is over the norm." in page
    assert 'class="row--over"' not in page and "chart-bar--over" not in page


def test_each_operators_state_is_shown_with_since_when_in_the_offices_time(
    signed_in, head, office_a, service_a, clock
):
    office_a.time_zone = "Asia/Almaty"  # UTC+5: noon UTC-wise is 15:00 there
    office_a.save()
    other_service = ServiceFactory(offices=[office_a])
    office_a.service_points.create(number=3, label="3")
    serving = worker(office_a, "serhii", 1, service_a)
    calling = worker(office_a, "kateryna", 2, other_service)
    pausing = worker(office_a, "pavlo", 3)
    first = issue(office_a, service_a, minute=-30)
    services.call_next(serving, now=at(-20))
    services.start_service(first, employee=serving, now=at(-18))
    issue(office_a, other_service, minute=-10)
    services.call_next(calling, now=at(-4))
    services.pause_desk(pausing, reason="lunch", now=at(-7))

    page = monitor(signed_in(head), office_a)
    rows = page.content.decode().split('<table class="data monitor-desks">')[1].split("<tr")[2:]
    texts = [" ".join(re.sub(r"<[^>]+>", " ", row.split(">", 1)[1]).split()) for row in rows]
    assert texts[0].startswith("1 ") and f"Serving {first.label}" in texts[0]
    assert "14:42 (18 min)" in texts[0]
    assert "Called" in texts[1] and "14:56 (4 min)" in texts[1]
    assert "Paused lunch" in texts[2] and "14:53 (7 min)" in texts[2]
    assert "As of 15:00" in text_of(page)


def test_an_idle_operator_is_free_since_their_last_visit_ended(
    signed_in, head, office_a, service_a, clock
):
    operator = worker(office_a, "ivan", 1, service_a)
    ticket = issue(office_a, service_a, minute=-40)
    services.call_next(operator, now=at(-35))
    services.start_service(ticket, employee=operator, now=at(-34))
    services.finish_visit(ticket, employee=operator, now=at(-25))
    page = monitor(signed_in(head), office_a).content.decode()
    row = page.split('<table class="data monitor-desks">')[1].split("<tr")[2]
    assert "Free" in row and "11:35" in row and "(25 min)" in row


def test_an_idle_operator_after_a_pause_is_free_since_the_pause_ended(
    signed_in, head, office_a, service_a, clock
):
    operator = worker(office_a, "ivan", 1, service_a)
    services.pause_desk(operator, reason="break", now=at(-30))
    services.resume_desk(operator, now=at(-12))
    page = monitor(signed_in(head), office_a).content.decode()
    row = page.split('<table class="data monitor-desks">')[1].split("<tr")[2]
    assert "Free" in row and "11:48" in row and "(12 min)" in row


def test_todays_figures_come_from_todays_tickets(signed_in, head, office_a, service_a, clock):
    QueueSettings.objects.create(office=office_a, wait_norm_minutes=8)
    operator = worker(office_a, "ivan", 1, service_a)
    # yesterday's visit counts for nothing today
    old = issue(office_a, service_a, minute=-24 * 60)
    services.call_next(operator, now=at(-24 * 60 + 1))
    services.start_service(old, employee=operator, now=at(-24 * 60 + 1))
    services.finish_visit(old, employee=operator, now=at(-24 * 60 + 50))
    # today: waits 4 and 10 min (one over the norm of 8), services 6 and 12 min
    for issued, called, finished in [(-60, -56, -50), (-45, -35, -23)]:
        ticket = issue(office_a, service_a, minute=issued)
        services.call_next(operator, now=at(called))
        services.start_service(ticket, employee=operator, now=at(called))
        services.finish_visit(ticket, employee=operator, now=at(finished))
    no_show = issue(office_a, service_a, minute=-20)  # waited 1 min, did not come
    services.call_next(operator, now=at(-19))
    services.mark_no_show(no_show, employee=operator, now=at(-15))
    issue(office_a, service_a, minute=-9)  # still waiting, over the norm of 8

    text = text_of(monitor(signed_in(head), office_a))
    assert "Served today 2" in text
    assert "Average wait 5.0 min" in text  # (4 + 10 + 1) / 3
    assert "Average service time 9.0 min" in text  # (6 + 12) / 2
    assert "Waited over the norm ⚠ 2" in text  # the 10-minute wait and the one still waiting
    assert "Did not come 1" in text
    assert "Tickets issued 4" in text
    assert "Waiting now 1" in text


def test_the_chart_has_a_text_alternative_and_the_same_figures_in_a_table(
    signed_in, head, office_a, service_a, clock
):
    issue(office_a, service_a, minute=-5)
    page = monitor(signed_in(head), office_a).content.decode()
    assert 'role="img" aria-labelledby="monitor-chart-title monitor-chart-desc"' in page
    assert "Longest current wait per group against the norm of 15 min" in page
    assert "5 min · 1 waiting" in page
    assert '<table class="data monitor-groups">' in page


def test_the_live_part_refreshes_on_ticket_and_desk_events_and_every_minute(
    signed_in, head, office_a
):
    page = monitor(signed_in(head), office_a).content.decode()
    assert f'sse-connect="/en/monitor/{office_a.slug}/events"' in page
    assert 'hx-trigger="sse:ticket, sse:desk, sse:hello, sse:overflow, every 60s"' in page
    live = signed_in(head).get(f"/en/monitor/{office_a.slug}/live/")
    assert live.status_code == 200 and "<html" not in live.content.decode()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_monitor_renders_in_every_language(signed_in, head, office_a, service_a, lang, clock):
    operator = worker(office_a, "ivan", 1, service_a)
    issue(office_a, service_a, minute=-20)
    services.call_next(operator, now=at(-1))
    services.pause_desk(worker(office_a, "pavlo", 2), reason="training", now=at(-3))
    response = monitor(signed_in(head), office_a, lang)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'<html lang="{lang}">' in page and "{%" not in page


# --- live events and the staff home ---------------------------------------------------------------


def test_the_monitor_stream_relays_ticket_and_desk_events_of_its_office_only(
    settings, head, office_a, office_b
):
    settings.REDIS_URL = ""
    status, text = _stream(
        head.user,
        f"/en/monitor/{office_a.slug}/events",
        [
            (f"office:{office_b.pk}", {"type": "ticket", "label": "B-elsewhere"}),
            (f"office:{office_a.pk}", {"type": "desk", "action": "paused"}),
            (f"office:{office_a.pk}", {"type": "ticket", "label": "A-here"}),
        ],
        frames=2,
    )
    assert status == 200
    assert _events(text) == [
        ("hello", {"type": "hello"}),
        ("desk", {"type": "desk", "action": "paused"}),
        ("ticket", {"type": "ticket", "label": "A-here"}),
    ]


def test_the_monitor_stream_is_scoped_like_the_page(operator, outsider, office_a):
    assert _stream(operator.user, f"/en/monitor/{office_a.slug}/events", [], 0)[0] == 403
    assert _stream(outsider.user, f"/en/monitor/{office_a.slug}/events", [], 0)[0] == 404


def test_the_staff_home_links_to_the_console_and_monitors_by_role(
    signed_in, operator, head, analyst, office_a, office_b
):
    operator_home = signed_in(operator).get("/en/staff/").content.decode()
    assert 'href="/en/desk/"' in operator_home and "/en/monitor/" not in operator_home
    head_home = signed_in(head).get("/en/staff/").content.decode()
    assert 'href="/en/desk/"' in head_home
    assert f'href="/en/monitor/{office_a.slug}/"' in head_home
    assert f'href="/en/monitor/{office_b.slug}/"' not in head_home
    analyst_home = signed_in(analyst).get("/en/staff/").content.decode()
    assert 'href="/en/desk/"' not in analyst_home
    assert f'href="/en/monitor/{office_a.slug}/"' in analyst_home
    assert f'href="/en/monitor/{office_b.slug}/"' in analyst_home


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_charts_coordinates_keep_a_decimal_point_in_every_language(
    signed_in, head, office_a, service_a, lang, clock
):
    issue(office_a, service_a, minute=-7)  # a bar 190 × 7 / 22.5 = 59.1 units long
    page = monitor(signed_in(head), office_a, lang).content.decode()
    svg = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    numbers = re.findall(r'\b(?:x|x1|x2|y|y1|y2|width|height)="([^"]*)"', svg)
    assert numbers and all(re.fullmatch(r"\d+(\.\d+)?", n) for n in numbers), numbers
    assert 'width="59.1"' in svg
