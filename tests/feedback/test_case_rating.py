"""Rating a closed application: the invitation sent on closing, the link's page, and the rating
counted with the visits' ratings (follow-ups, satisfaction)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import translation

from okno.cases import services as cases
from okno.cases.models import Case, ProviderUnit, Routing
from okno.feedback import errors, selectors, services
from okno.feedback.models import FeedbackSettings, FollowUp, Rating
from okno.feedback.pains import satisfaction
from okno.notifications.backends import outbox
from tests.cases.conftest import INTAKE

pytestmark = pytest.mark.django_db

Status = Case.Status
#: The case is handed out four days after intake and closed a minute later: Saturday
#: 28 November 2026, 10:01 in Kyiv.
CLOSED = INTAKE + dt.timedelta(days=4, minutes=1)
SOON = CLOSED + dt.timedelta(hours=1)
GOOD = {
    "service_time": "5",
    "waiting_time": "4",
    "politeness": "5",
    "comfort": "4",
    "information": "5",
}
SCORES = {name: int(score) for name, score in GOOD.items()}


@pytest.fixture(autouse=True)
def empty_outbox():
    outbox.clear()


@pytest.fixture(autouse=True)
def default_language():
    """A page under /en/ leaves English active in the thread; the next test starts without it."""
    yield
    translation.deactivate()


@pytest.fixture
def register(office_a, service_a, operator, clerk):
    """`register()` takes a passport application at office A at INTAKE, for the unit the clerk
    works in (the passport service has no checklist here: nothing to hand in)."""
    unit = ProviderUnit.objects.create(name={"uk": "Міграційний відділ", "en": "Migration unit"})
    unit.offices.set([office_a])
    unit.members.set([clerk])
    Routing.objects.create(service=service_a, unit=unit)

    def register(**kwargs) -> Case:
        kwargs.setdefault("employee", operator)
        kwargs.setdefault("documents", {})
        kwargs.setdefault("applicant_name", "Iryna Koval")
        kwargs.setdefault("contact", "+380501234567")
        kwargs.setdefault("language", "en")
        kwargs.setdefault("now", INTAKE)
        return cases.register_case(office_a, service_a, **kwargs)

    return register


@pytest.fixture
def close(clerk, operator):
    """`close(case)` takes a registered case through the pipeline to CLOSED: the clerk decides
    it, the operator hands the result out and closes it."""

    def close(case: Case) -> Case:
        step = INTAKE + dt.timedelta(days=1)
        case = cases.transition(case, Status.IN_PROGRESS, employee=clerk, now=step)
        case = cases.transition(
            case, Status.DECIDED, employee=clerk, decision="granted", now=step + dt.timedelta(1)
        )
        case = cases.transition(case, Status.READY, employee=clerk, now=step + dt.timedelta(2))
        case = cases.transition(case, Status.ISSUED, employee=operator, now=step + dt.timedelta(3))
        return cases.transition(case, Status.CLOSED, employee=operator, now=CLOSED)

    return close


@pytest.fixture
def closed_case(register, close) -> Case:
    return close(register())


def rate_path(case: Case) -> str:
    with translation.override("en"):
        return reverse("feedback:rate_case", kwargs={"token": services.case_rating_token(case)})


# --- the invitation -----------------------------------------------------------------------------


def test_closing_a_case_sends_the_applicant_a_rating_link_in_their_language(
    register, close, django_capture_on_commit_callbacks
):
    case = register()
    outbox.clear()  # the receipt sent at intake
    with django_capture_on_commit_callbacks(execute=True):
        close(case)
    [invitation] = [m for m in outbox if "/rate/case/" in m.body]
    assert invitation.to == "+380501234567"
    assert case.number in invitation.body
    url = re.search(r"https?://\S+", invitation.body).group(0)
    assert url.startswith(settings.OKNO_PUBLIC_URL.rstrip("/") + "/en/rate/case/")
    assert url == services.case_rating_url(case)
    # The link is the case's own, and the contact it went to is wiped.
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert services.case_for_rating(token, now=SOON) == case
    case.refresh_from_db()
    assert case.contact == ""


def test_a_withdrawn_case_sends_no_rating_link(register, django_capture_on_commit_callbacks):
    case = register()
    outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        cases.transition(case, Status.WITHDRAWN, employee=None, reason="Changed my mind", now=SOON)
    assert not [m for m in outbox if "/rate/case/" in m.body]


# --- the link's page ----------------------------------------------------------------------------


def test_the_link_opens_the_rating_form_naming_the_application(citizen, closed_case):
    with time_machine.travel(SOON, tick=False):
        response = citizen.get(rate_path(closed_case))
    assert response.status_code == 200
    html = response.content.decode()
    heading = re.search(r"<h1>(.*?)</h1>", html, re.S).group(1)
    assert closed_case.number in heading
    assert "Passport" in heading
    assert "Closed on" in html
    for name in ("service_time", "waiting_time", "politeness", "comfort", "information"):
        assert html.count(f'name="{name}"') == 5, f"{name}: five radio buttons, 1 to 5"
    # Nothing personal on a page anyone with the link can open.
    assert "Iryna" not in html and "380501234567" not in html


def test_a_rating_through_the_link_is_stored_for_the_case_and_thanked(
    citizen, closed_case, office_a, service_a, clerk
):
    data = {**GOOD, "recommend": "9", "comment": "Ready on time", "age_band": "35_59"}
    with time_machine.travel(SOON, tick=False):
        response = citizen.post(rate_path(closed_case), data)
    assert response.status_code == 302
    assert response["Location"] == "/en/rate/thanks/"
    rating = Rating.objects.get()
    assert rating.case == closed_case
    assert rating.ticket is None
    assert (rating.office, rating.service) == (office_a, service_a)
    assert rating.employee == clerk  # who was responsible for the case
    assert rating.channel == Rating.Channel.MESSAGE  # the link only comes in the closing message
    assert rating.visited_on == dt.date(2026, 11, 28)  # the day it was closed, in Kyiv
    assert rating.scores() == SCORES
    assert (rating.recommend, rating.comment, rating.age_band) == (9, "Ready on time", "35_59")
    assert not FollowUp.objects.exists()  # nothing low
    with time_machine.travel(SOON, tick=False):
        thanks = citizen.get(response["Location"])
    assert "Thank you for your rating" in thanks.content.decode()


def test_a_case_is_rated_once(citizen, closed_case):
    with time_machine.travel(SOON, tick=False):
        citizen.post(rate_path(closed_case), GOOD)
        again = citizen.post(rate_path(closed_case), GOOD)
        reopened = citizen.get(rate_path(closed_case))
    for response in (again, reopened):
        assert response.status_code == 409
        html = response.content.decode()
        assert "This application cannot be rated" in html
        assert "This application has already been rated" in html
    assert Rating.objects.count() == 1


def test_an_incomplete_rating_shows_the_form_again(citizen, closed_case):
    with time_machine.travel(SOON, tick=False):
        response = citizen.post(rate_path(closed_case), {**GOOD, "comfort": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Please answer the marked questions." in html
    assert closed_case.number in html
    assert not Rating.objects.exists()


def test_a_case_that_is_not_closed_cannot_be_rated(citizen, register):
    case = register()
    with time_machine.travel(SOON, tick=False):
        response = citizen.get(rate_path(case))
    assert response.status_code == 409
    html = response.content.decode()
    assert "This application cannot be rated" in html
    assert "Only a closed application can be rated." in html


def test_a_forged_link_is_refused(citizen, closed_case):
    with translation.override("en"):
        forged = reverse("feedback:rate_case", kwargs={"token": f"{closed_case.code}:forged"})
        # A visit's link signs a ticket's code: the same signature over a case's code opens nothing.
        visit_salt = signing.Signer(salt=services.RATING_SALT).sign(closed_case.code)
        swapped = reverse("feedback:rate_case", kwargs={"token": visit_salt})
        case_on_visit_page = reverse(
            "feedback:rate", kwargs={"token": services.case_rating_token(closed_case)}
        )
    with time_machine.travel(SOON, tick=False):
        responses = [citizen.get(path) for path in (forged, swapped, case_on_visit_page)]
        posted = citizen.post(forged, GOOD)
    for response in [*responses, posted]:
        assert response.status_code == 404
        assert "This rating link is not valid" in response.content.decode()
    assert not Rating.objects.exists()


def test_the_window_counts_from_closing_by_the_offices_rule(citizen, closed_case, office_a):
    late = CLOSED + dt.timedelta(days=7, minutes=1)  # the default window is seven days
    with time_machine.travel(late, tick=False):
        response = citizen.get(rate_path(closed_case))
        posted = citizen.post(rate_path(closed_case), GOOD)
    for refused in (response, posted):
        assert refused.status_code == 410
        assert "The time to rate this application has passed." in refused.content.decode()
    assert not Rating.objects.exists()

    FeedbackSettings.objects.create(office=office_a, rating_window_days=14)
    with time_machine.travel(late, tick=False):
        assert citizen.get(rate_path(closed_case)).status_code == 200


# --- the service, and what reads ratings --------------------------------------------------------


def test_rate_case_refuses_what_the_link_refuses(closed_case, register):
    with pytest.raises(errors.InvalidScore):
        services.rate_case(closed_case, scores={**SCORES, "comfort": 6}, now=SOON)
    services.rate_case(closed_case, scores=SCORES, now=SOON)
    with pytest.raises(errors.AlreadyRated):
        services.rate_case(closed_case, scores=SCORES, now=SOON)
    with pytest.raises(errors.AlreadyRated):
        services.case_for_rating(services.case_rating_token(closed_case), now=SOON)
    with pytest.raises(errors.NotRateable):
        services.rate_case(register(), scores=SCORES, now=SOON)
    with pytest.raises(errors.InvalidRatingLink):
        services.case_for_rating("", now=SOON)


def test_a_low_rating_of_a_case_opens_a_follow_up_for_the_head(
    citizen, closed_case, office_a, head, signed_in
):
    data = {**GOOD, "politeness": "1", "comment": "Nobody explained the refusal"}
    with time_machine.travel(SOON, tick=False):
        citizen.post(rate_path(closed_case), data)
    follow_up = FollowUp.objects.get()
    assert follow_up.rating.case == closed_case
    assert follow_up.office == office_a
    assert list(selectors.follow_ups(head.user)) == [follow_up]
    with time_machine.travel(SOON, tick=False):
        page = signed_in(head).get("/en/staff/follow-ups/")
    assert page.status_code == 200
    assert "Nobody explained the refusal" in page.content.decode()


def test_case_ratings_count_in_the_offices_satisfaction(closed_case, office_a):
    services.rate_case(closed_case, scores={**SCORES, "waiting_time": 5, "comfort": 3}, now=SOON)
    summary = satisfaction(Rating.objects.filter(office=office_a))
    assert summary["ratings"] == 1
    assert summary["satisfied"] == 4  # every score of 4 or 5: all but comfort


def test_a_rating_outlives_its_case(closed_case):
    rating = services.rate_case(closed_case, scores=SCORES, now=SOON)
    closed_case.delete()
    rating.refresh_from_db()
    assert rating.case is None
    assert rating.scores() == SCORES
