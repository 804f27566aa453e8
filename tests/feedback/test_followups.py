"""Staff pages of ratings: the head's follow-ups of low ratings, and a rating given by phone."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from okno.catalog.models import ServicePoint
from okno.feedback import services
from okno.feedback.models import FeedbackSettings, FollowUp, Rating
from okno.queueing import services as queue
from okno.queueing.models import Ticket
from tests.factories import CompetencyFactory
from tests.feedback.conftest import VISIT

pytestmark = pytest.mark.django_db

FINISHED = VISIT + dt.timedelta(minutes=12)
LATER = FINISHED + dt.timedelta(hours=2)
GOOD = {"service_time": 5, "waiting_time": 4, "politeness": 5, "comfort": 4, "information": 5}


def low_rating(ticket: Ticket, **scores: int) -> Rating:
    return services.rate_visit(
        ticket,
        scores={**GOOD, "waiting_time": 1, **scores},
        channel="link",
        comment="Waited far too long",
        now=FINISHED + dt.timedelta(minutes=30),
    )


@pytest.fixture
def other_office_follow_up(office_b, service_b, b_operator) -> FollowUp:
    """A low rating of a visit at office B."""
    CompetencyFactory(employee=b_operator, service=service_b)
    queue.open_desk(b_operator, ServicePoint.objects.get(office=office_b), now=VISIT)
    ticket = queue.issue_ticket(office_b, service_b, now=VISIT, check_hours=False)
    queue.call_next(b_operator, now=VISIT)
    queue.start_service(ticket, employee=b_operator, now=VISIT)
    queue.finish_visit(ticket, employee=b_operator, now=FINISHED)
    ticket.refresh_from_db()
    return low_rating(ticket).follow_up


# --- follow-ups ---------------------------------------------------------------------------------


def test_the_head_sees_the_low_rating_with_the_visits_context(
    signed_in, head, operator, serve, other_office_follow_up
):
    ticket = serve()  # waited 4 minutes (issued → called), served 7 (started → finished)
    low_rating(ticket, comfort=2)
    with time_machine.travel(LATER, tick=False):
        response = signed_in(head).get("/en/staff/follow-ups/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Waited far too long" in html
    assert f"ticket {ticket.label}" in html
    assert operator.user.get_full_name() in html
    assert "window 1" in html
    assert "4 min" in html and "7 min" in html
    assert html.count('class="score-low"') == 2, "waiting time 1 and comfort 2 are low"
    assert "To do (1)" in html and "Done (0)" in html
    assert "Lviv" not in html, "office B's follow-up is not the head of A's business"
    assert "Mark as done" in html


def test_the_head_closes_a_follow_up_with_a_note(signed_in, head, serve):
    follow_up = low_rating(serve()).follow_up
    browser = signed_in(head)
    with time_machine.travel(LATER, tick=False):
        response = browser.post(
            f"/en/staff/follow-ups/{follow_up.pk}/close", {"note": "Called back, apologised"}
        )
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.DONE
    assert follow_up.note == "Called back, apologised"
    assert follow_up.closed_by == head
    assert follow_up.closed_at == LATER
    open_list = browser.get(response["Location"]).content.decode()
    assert "The follow-up is done." in open_list
    assert "To do (0)" in open_list and "Done (1)" in open_list
    done_list = browser.get("/en/staff/follow-ups/?status=done").content.decode()
    assert "Called back, apologised" in done_list


def test_closing_without_a_note_is_refused(signed_in, head, serve):
    follow_up = low_rating(serve()).follow_up
    response = signed_in(head).post(f"/en/staff/follow-ups/{follow_up.pk}/close", {"note": " "})
    assert response.status_code == 400
    assert "Give the reason." in response.content.decode()
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.OPEN


def test_closing_twice_is_refused(signed_in, head, serve):
    follow_up = low_rating(serve()).follow_up
    browser = signed_in(head)
    browser.post(f"/en/staff/follow-ups/{follow_up.pk}/close", {"note": "Done"})
    again = browser.post(f"/en/staff/follow-ups/{follow_up.pk}/close", {"note": "Again"})
    assert again.status_code == 409
    follow_up.refresh_from_db()
    assert follow_up.note == "Done"


def test_another_offices_follow_up_is_a_404(signed_in, outsider, serve):
    follow_up = low_rating(serve()).follow_up
    browser = signed_in(outsider)
    assert browser.post(
        f"/en/staff/follow-ups/{follow_up.pk}/close", {"note": "x"}
    ).status_code == (404)
    assert "Waited far too long" not in browser.get("/en/staff/follow-ups/").content.decode()
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.OPEN


def test_an_analyst_reads_every_offices_follow_ups_but_closes_none(
    signed_in, analyst, serve, other_office_follow_up
):
    follow_up = low_rating(serve()).follow_up
    browser = signed_in(analyst)
    html = browser.get("/en/staff/follow-ups/").content.decode()
    assert html.count('class="follow-up"') == 2
    assert "Mark as done" not in html
    refused = browser.post(f"/en/staff/follow-ups/{follow_up.pk}/close", {"note": "x"})
    assert refused.status_code == 403


def test_an_operator_has_no_follow_ups_page(signed_in, operator):
    assert signed_in(operator).get("/en/staff/follow-ups/").status_code == 403


def test_a_score_is_low_by_the_offices_own_rule(signed_in, head, office_a, serve):
    FeedbackSettings.objects.create(office=office_a, low_score=3)
    low_rating(serve(), waiting_time=3)
    html = signed_in(head).get("/en/staff/follow-ups/").content.decode()
    assert html.count('class="score-low"') == 1


def test_signing_in_is_required(citizen):
    response = citizen.get("/en/staff/follow-ups/")
    assert response.status_code == 302
    assert "/staff/login/" in response["Location"]


# --- a rating by phone --------------------------------------------------------------------------

PHONE_SCORES = {k: str(v) for k, v in GOOD.items()}


def test_an_operator_enters_a_rating_given_by_phone_by_ticket_number_and_day(
    signed_in, operator, office_a, serve
):
    ticket = serve()
    data = {
        **PHONE_SCORES,
        "office": office_a.slug,
        "label": ticket.label.lower(),
        "day": ticket.service_day.isoformat(),
    }
    with time_machine.travel(LATER, tick=False):
        response = signed_in(operator).post("/en/staff/ratings/phone/", data)
    assert response.status_code == 200
    assert f"The rating of ticket {ticket.label} is recorded." in response.content.decode()
    rating = Rating.objects.get(ticket=ticket)
    assert rating.channel == Rating.Channel.PHONE
    assert rating.entered_by == operator
    assert rating.employee == ticket.employee


def test_a_head_enters_a_phone_rating_by_the_tickets_code(signed_in, head, office_a, serve):
    ticket = serve()
    data = {**PHONE_SCORES, "office": office_a.slug, "code": ticket.code.upper()}
    with time_machine.travel(LATER, tick=False):
        assert signed_in(head).post("/en/staff/ratings/phone/", data).status_code == 200
    assert Rating.objects.get(ticket=ticket).entered_by == head


def test_a_phone_rating_needs_the_visit_and_every_score(signed_in, operator, office_a, serve):
    ticket = serve()
    browser = signed_in(operator)
    with time_machine.travel(LATER, tick=False):
        no_visit = browser.post(
            "/en/staff/ratings/phone/", {**PHONE_SCORES, "office": office_a.slug}
        )
        no_score = browser.post(
            "/en/staff/ratings/phone/",
            {"office": office_a.slug, "code": ticket.code, "comfort": "3"},
        )
        unknown = browser.post(
            "/en/staff/ratings/phone/",
            {**PHONE_SCORES, "office": office_a.slug, "label": "Z999", "day": "2026-11-24"},
        )
    assert no_visit.status_code == no_score.status_code == 400
    assert "Give the ticket number and the day of the visit" in no_visit.content.decode()
    assert unknown.status_code == 404
    assert not Rating.objects.exists()


def test_a_phone_rating_of_a_visit_already_rated_is_refused(signed_in, operator, office_a, serve):
    ticket = serve()
    low_rating(ticket)
    data = {**PHONE_SCORES, "office": office_a.slug, "code": ticket.code}
    with time_machine.travel(LATER, tick=False):
        response = signed_in(operator).post("/en/staff/ratings/phone/", data)
    assert response.status_code == 409
    assert "already been rated" in response.content.decode()


def test_another_offices_visit_cannot_be_rated_by_phone(
    signed_in, b_operator, office_a, office_b, serve
):
    ticket = serve()
    browser = signed_in(b_operator)
    with time_machine.travel(LATER, tick=False):
        foreign_office = browser.post(
            "/en/staff/ratings/phone/",
            {**PHONE_SCORES, "office": office_a.slug, "code": ticket.code},
        )
        own_office = browser.post(
            "/en/staff/ratings/phone/",
            {**PHONE_SCORES, "office": office_b.slug, "code": ticket.code},
        )
    assert foreign_office.status_code == own_office.status_code == 404
    assert not Rating.objects.exists()


def test_a_back_office_clerk_does_not_enter_phone_ratings(signed_in, clerk):
    assert signed_in(clerk).get("/en/staff/ratings/phone/").status_code == 403


def test_the_phone_form_offers_the_employees_offices_only(signed_in, operator, office_b):
    html = signed_in(operator).get("/en/staff/ratings/phone/").content.decode()
    assert 'value="kyiv-centre"' in html
    assert 'value="lviv-centre"' not in html
    assert html.count('name="politeness"') == 5
