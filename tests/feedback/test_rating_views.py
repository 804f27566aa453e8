"""Rating a visit: the link's page, the tablet at the window, the ticket page's link and the
"rate your visit" message after a booked visit."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from okno.appointments import services as bookings
from okno.appointments.models import AppointmentSettings
from okno.catalog.models import ServicePoint
from okno.feedback import services
from okno.feedback.models import FollowUp, Rating, RatingInvitation
from okno.feedback.tasks import send_rating_invitations
from okno.feedback.views.rating import _ends_visit_at
from okno.notifications import backends
from okno.queueing import services as queue
from okno.queueing.models import Ticket
from tests.factories import StaffShiftFactory
from tests.feedback.conftest import VISIT

pytestmark = pytest.mark.django_db

#: The visit in `serve()` ends 12 minutes after VISIT.
FINISHED = VISIT + dt.timedelta(minutes=12)
GOOD = {
    "service_time": "5",
    "waiting_time": "4",
    "politeness": "5",
    "comfort": "4",
    "information": "5",
}


@pytest.fixture(autouse=True)
def empty_outbox():
    backends.outbox.clear()


def rate_path(ticket: Ticket, query: str = "") -> str:
    with translation.override("en"):
        path = reverse("feedback:rate", kwargs={"token": services.rating_token(ticket)})
    return path + query


def window(office, number: int = 1) -> ServicePoint:
    return ServicePoint.objects.get(office=office, number=number)


# --- the link -----------------------------------------------------------------------------------


def test_the_link_shows_the_five_criteria_with_their_anchor_words_and_the_voluntary_part(
    citizen, serve
):
    ticket = serve()
    with time_machine.travel(FINISHED + dt.timedelta(hours=1), tick=False):
        response = citizen.get(rate_path(ticket))
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("service_time", "waiting_time", "politeness", "comfort", "information"):
        assert html.count(f'name="{name}"') == 5, f"{name}: five radio buttons, 1 to 5"
    for word in ("Very bad", "Bad", "Normal", "Good", "Excellent"):
        assert word in html
    assert html.count('name="recommend"') == 11, "the recommendation from 0 to 10"
    assert "About you (voluntary)" in html
    assert "never linked to your name" in html
    assert html.count(">Prefer not to say</option>") == 3


def test_a_rating_sent_through_the_link_is_stored_and_thanked(citizen, serve):
    ticket = serve()
    data = {**GOOD, "recommend": "9", "comment": "Quick and kind", "age_band": "35_59"}
    with time_machine.travel(FINISHED + dt.timedelta(hours=1), tick=False):
        response = citizen.post(rate_path(ticket), data)
    assert response.status_code == 302
    assert response["Location"] == "/en/rate/thanks/"
    rating = Rating.objects.get(ticket=ticket)
    assert rating.channel == Rating.Channel.LINK
    assert rating.scores() == {name: int(score) for name, score in GOOD.items()}
    assert (rating.recommend, rating.comment, rating.age_band) == (9, "Quick and kind", "35_59")
    assert (rating.gender, rating.disability) == ("", "")
    assert citizen.get(response["Location"]).status_code == 200


def test_the_link_from_a_message_records_the_message_channel(citizen, serve):
    ticket = serve()
    with time_machine.travel(FINISHED + dt.timedelta(hours=1), tick=False):
        citizen.post(rate_path(ticket, "?via=message"), GOOD)
    assert Rating.objects.get(ticket=ticket).channel == Rating.Channel.MESSAGE


@pytest.mark.parametrize(
    "change",
    [
        {"politeness": None},  # a criterion not answered
        {"comfort": "0"},
        {"comfort": "6"},
        {"comfort": "five"},
        {"recommend": "11"},
        {"recommend": "-1"},
        {"age_band": "ancient"},
        {"comment": "x" * 2001},
    ],
)
def test_an_incomplete_or_out_of_range_rating_is_sent_back_with_the_question_marked(
    citizen, serve, change
):
    ticket = serve()
    data = {key: value for key, value in {**GOOD, **change}.items() if value is not None}
    with time_machine.travel(FINISHED + dt.timedelta(hours=1), tick=False):
        response = citizen.post(rate_path(ticket), data)
    assert response.status_code == 400
    assert "Please answer the marked questions." in response.content.decode()
    assert not Rating.objects.exists()


def test_a_missing_criterion_is_named_and_the_other_answers_are_kept(citizen, serve):
    ticket = serve()
    data = {**GOOD, "comment": "kept"}
    del data["waiting_time"]
    with time_machine.travel(FINISHED + dt.timedelta(hours=1), tick=False):
        html = citizen.post(rate_path(ticket), data).content.decode()
    assert 'id="waiting_time-error"' in html
    assert 'id="politeness-error"' not in html
    assert re.search(r'<input type="radio" name="politeness" value="5"[^>]* checked', html)
    assert ">kept</textarea>" in html


def test_a_link_that_is_not_valid_is_a_clear_404(citizen, serve):
    ticket = serve()
    response = citizen.get(f"/en/rate/v/{ticket.code}:forged/")
    assert response.status_code == 404
    assert "This rating link is not valid." in response.content.decode()
    assert citizen.post(f"/en/rate/v/{ticket.code}/", GOOD).status_code == 404
    assert not Rating.objects.exists()


def test_after_the_window_the_link_says_so_with_410(citizen, serve):
    ticket = serve()
    with time_machine.travel(FINISHED + dt.timedelta(days=7, minutes=1), tick=False):
        shown = citizen.get(rate_path(ticket))
        sent = citizen.post(rate_path(ticket), GOOD)
    assert shown.status_code == sent.status_code == 410
    assert "The time to rate this visit has passed." in shown.content.decode()
    assert not Rating.objects.exists()


def test_a_visit_already_rated_is_not_rated_again(citizen, serve):
    ticket = serve()
    with time_machine.travel(FINISHED + dt.timedelta(hours=1), tick=False):
        citizen.post(rate_path(ticket), GOOD)
        again = citizen.post(rate_path(ticket), {**GOOD, "comfort": "1"})
    assert again.status_code == 409
    assert "already been rated" in again.content.decode()
    assert Rating.objects.get().comfort == 4


def test_a_visit_that_was_not_served_cannot_be_rated(citizen, serve):
    ticket = serve(outcome=Ticket.Outcome.CANCELLED)
    with time_machine.travel(FINISHED, tick=False):
        response = citizen.get(rate_path(ticket))
    assert response.status_code == 409
    assert "Only a visit that has been served can be rated." in response.content.decode()


def test_a_low_rating_opens_a_follow_up(citizen, serve):
    ticket = serve()
    with time_machine.travel(FINISHED + dt.timedelta(hours=1), tick=False):
        citizen.post(rate_path(ticket), {**GOOD, "waiting_time": "2"})
    assert FollowUp.objects.get().rating.ticket == ticket


def test_rating_posts_are_rate_limited_per_address(citizen, serve):
    ticket = serve()
    with time_machine.travel(FINISHED + dt.timedelta(hours=1), tick=False):
        for _ in range(30):
            citizen.post(rate_path(ticket), {})
        refused = citizen.post(rate_path(ticket), GOOD)
    assert refused.status_code == 429
    assert not Rating.objects.exists()


# --- the tablet ---------------------------------------------------------------------------------


def tablet_path(point: ServicePoint, suffix: str = "") -> str:
    return f"/en/rate/{point.pk}/{suffix}"


def test_the_tablet_is_idle_until_a_visit_is_served_at_its_window(citizen, office_a, serve):
    point = window(office_a)
    with time_machine.travel(VISIT, tick=False):
        idle = citizen.get(tablet_path(point)).content.decode()
    assert "Thank you for your visit" in idle
    assert 'name="token"' not in idle

    ticket = serve()
    with time_machine.travel(FINISHED + dt.timedelta(minutes=1), tick=False):
        page = citizen.get(tablet_path(point)).content.decode()
        panel = citizen.get(tablet_path(point, "panel")).content.decode()
    token = services.rating_token(ticket)
    for html in (page, panel):
        assert f'name="token" value="{token}"' in html
        assert f"Ticket {ticket.label}" in html
        assert "Thank you for your visit" not in html
    assert "<html" in page and "<html" not in panel
    assert f"/en/rate/{point.pk}/events" in page


def test_the_tablet_of_another_window_stays_idle(citizen, office_a, serve):
    serve()
    with time_machine.travel(FINISHED + dt.timedelta(minutes=1), tick=False):
        html = citizen.get(tablet_path(window(office_a, 2), "panel")).content.decode()
    assert "Thank you for your visit" in html


@pytest.mark.parametrize("minutes", [9, 10])
def test_the_tablet_offers_the_visit_for_ten_minutes(citizen, office_a, serve, minutes):
    serve()
    with time_machine.travel(FINISHED + dt.timedelta(minutes=minutes, seconds=1), tick=False):
        html = citizen.get(tablet_path(window(office_a), "panel")).content.decode()
    assert ("Thank you for your visit" in html) == (minutes >= 10)


def test_the_tablet_goes_idle_when_the_next_visit_at_the_window_was_not_served(
    citizen, office_a, service_a, serve, operator
):
    serve()
    later = FINISHED + dt.timedelta(minutes=1)
    queue.issue_ticket(office_a, service_a, now=later, check_hours=False)
    called = queue.call_next(operator, now=later)
    queue.start_service(called, employee=operator, now=later)
    queue.finish_visit(
        called, employee=operator, outcome="cancelled", now=later + dt.timedelta(minutes=1)
    )
    with time_machine.travel(later + dt.timedelta(minutes=2), tick=False):
        html = citizen.get(tablet_path(window(office_a), "panel")).content.decode()
    assert "Thank you for your visit" in html


def test_a_visit_let_go_or_rated_is_not_offered_again(citizen, office_a, serve):
    ticket = serve()
    point = window(office_a)
    with time_machine.travel(FINISHED + dt.timedelta(minutes=2), tick=False):
        dismissed = citizen.get(tablet_path(point, f"panel?dismissed={ticket.pk}"))
        services.rate_visit(ticket, scores={k: int(v) for k, v in GOOD.items()}, channel="link")
        rated = citizen.get(tablet_path(point, "panel"))
    assert "Thank you for your visit" in dismissed.content.decode()
    assert "Thank you for your visit" in rated.content.decode()


def test_the_tablet_rates_the_visit_it_shows_and_thanks(citizen, office_a, serve):
    ticket = serve()
    point = window(office_a)
    data = {**GOOD, "token": services.rating_token(ticket), "politeness": "1"}
    with time_machine.travel(FINISHED + dt.timedelta(minutes=1), tick=False):
        response = citizen.post(tablet_path(point), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Thank you for your rating!" in html
    assert f'data-done="{ticket.pk}"' in html
    assert "<html" not in html, "htmx gets the panel only"
    rating = Rating.objects.get(ticket=ticket)
    assert rating.channel == Rating.Channel.TABLET
    assert rating.service_point == point
    assert FollowUp.objects.filter(rating=rating).exists(), "politeness 1 is low"


def test_the_tablet_sends_an_incomplete_form_back(citizen, office_a, serve):
    ticket = serve()
    data = {"token": services.rating_token(ticket), "comfort": "3"}
    with time_machine.travel(FINISHED + dt.timedelta(minutes=1), tick=False):
        response = citizen.post(tablet_path(window(office_a)), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert 'id="politeness-error"' in response.content.decode()
    assert not Rating.objects.exists()


def test_the_tablet_refuses_a_token_of_another_window_or_a_forged_one(citizen, office_a, serve):
    ticket = serve()
    with time_machine.travel(FINISHED + dt.timedelta(minutes=1), tick=False):
        other = citizen.post(
            tablet_path(window(office_a, 2)), {**GOOD, "token": services.rating_token(ticket)}
        )
        forged = citizen.post(tablet_path(window(office_a)), {**GOOD, "token": ticket.code})
    assert other.status_code == forged.status_code == 404
    assert "This rating link is not valid." in other.content.decode()
    assert not Rating.objects.exists()


def test_an_unknown_service_point_has_no_tablet(citizen, office_a):
    assert citizen.get("/en/rate/999999/").status_code == 404


def test_the_tablet_listens_only_to_visits_ending_at_its_window(office_a):
    point = window(office_a)
    accept = _ends_visit_at(point.pk)

    def event(action: str, point_id: int | None) -> dict:
        where = {"id": point_id, "number": 1, "label": "1"} if point_id else None
        return {"type": "ticket", "action": action, "ticket": {"service_point": where}}

    assert accept(event("finished", point.pk))
    assert accept(event("no_show", point.pk))
    assert not accept(event("called", point.pk))
    assert not accept(event("finished", point.pk + 1))
    assert not accept(event("issued", None))
    assert not accept({"type": "desk", "action": "finished", "service_point": point.pk})


# --- the ticket page ----------------------------------------------------------------------------


def test_the_ticket_page_offers_the_rating_only_once_the_visit_was_served(citizen, serve, office_a):
    served = serve()
    cancelled = serve(outcome=Ticket.Outcome.CANCELLED, at=VISIT + dt.timedelta(minutes=20))
    with time_machine.travel(FINISHED + dt.timedelta(hours=1), tick=False):
        waiting = queue.issue_ticket(office_a, served.service, check_hours=False)
        pages = {
            name: citizen.get(f"/en/t/{t.code}/").content.decode()
            for name, t in (("served", served), ("cancelled", cancelled), ("waiting", waiting))
        }
        status = citizen.get(f"/en/t/{served.code}/status").content.decode()
    link = rate_path(served)
    assert f'href="{link}"' in pages["served"]
    assert f'href="{link}"' in status, "the live swap shows it too"
    assert 'class="qr"' in pages["served"]
    assert "Rate your visit" not in pages["cancelled"]
    assert "Rate your visit" not in pages["waiting"]


def test_the_ticket_page_stops_offering_the_rating_once_rated(citizen, serve):
    ticket = serve()
    services.rate_visit(
        ticket,
        scores={k: int(v) for k, v in GOOD.items()},
        channel="tablet",
        now=FINISHED + dt.timedelta(minutes=1),
    )
    with time_machine.travel(FINISHED + dt.timedelta(hours=1), tick=False):
        html = citizen.get(f"/en/t/{ticket.code}/").content.decode()
    assert "Rate your visit" not in html


# --- the invitation after a booked visit --------------------------------------------------------

PHONE = "+380501234567"


@pytest.fixture
def booked_visit(office_a, service_a, operator, serve):
    """A visit booked by phone with a contact, checked in and served at window 1 (`serve` opened
    the operator's desk)."""

    def visit(*, contact: str = PHONE) -> Ticket:
        AppointmentSettings.objects.get_or_create(
            office=office_a, defaults={"online_share": 50, "phone_share": 50}
        )
        StaffShiftFactory(office=office_a, employee=operator, weekday=1, starts=dt.time(8, 0))
        start = VISIT  # Tuesday 10:00 in Kyiv
        booking = bookings.book_for_caller(
            office_a,
            service_a,
            start,
            employee=operator,
            contact=contact,
            language="en",
            now=VISIT - dt.timedelta(days=1),
        ).booking
        ticket = bookings.check_in(booking, office=office_a, now=VISIT - dt.timedelta(minutes=5))
        ticket = ticket.ticket
        called = queue.call_next(operator, now=VISIT)
        assert called == ticket
        queue.start_service(called, employee=operator, now=VISIT + dt.timedelta(minutes=1))
        queue.finish_visit(called, employee=operator, now=FINISHED)
        ticket.refresh_from_db()
        return ticket

    return visit


def test_a_booked_visit_gets_one_invitation_to_rate(
    booked_visit, django_capture_on_commit_callbacks
):
    ticket = booked_visit()
    with django_capture_on_commit_callbacks(execute=True):
        first = send_rating_invitations(FINISHED + dt.timedelta(minutes=1))
        again = send_rating_invitations(FINISHED + dt.timedelta(minutes=2))
    assert (first, again) == (1, 0)
    assert RatingInvitation.objects.get().ticket == ticket
    [message] = backends.outbox
    assert message.to == PHONE
    link = re.search(r"https?://\S+", message.body).group(0)
    assert link.endswith(rate_path(ticket, "?via=message"))
    assert "How was your visit" in message.body


def test_no_invitation_without_a_contact_or_an_hour_after(
    booked_visit, serve, django_capture_on_commit_callbacks
):
    walk_in = serve(at=VISIT - dt.timedelta(minutes=30))  # a kiosk ticket: no booking
    booked = booked_visit()
    with django_capture_on_commit_callbacks(execute=True):
        late = send_rating_invitations(FINISHED + dt.timedelta(hours=1, minutes=1))
    assert late == 0
    assert not RatingInvitation.objects.filter(ticket=walk_in).exists()
    assert not RatingInvitation.objects.filter(ticket=booked).exists()
    assert backends.outbox == []


def test_no_invitation_for_a_visit_rated_already(booked_visit, django_capture_on_commit_callbacks):
    ticket = booked_visit()
    services.rate_visit(
        ticket, scores={k: int(v) for k, v in GOOD.items()}, channel="tablet", now=FINISHED
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert send_rating_invitations(FINISHED + dt.timedelta(minutes=1)) == 0
    assert backends.outbox == []


def test_no_invitation_when_the_booking_had_no_contact(
    booked_visit, django_capture_on_commit_callbacks
):
    booked_visit(contact="")
    with django_capture_on_commit_callbacks(execute=True):
        assert send_rating_invitations(FINISHED + dt.timedelta(minutes=1)) == 0
    assert backends.outbox == []


def test_the_invitation_job_is_registered_to_run_every_minute():
    from okno.core import periodic

    assert "feedback.ratings" in periodic.registry.names()
