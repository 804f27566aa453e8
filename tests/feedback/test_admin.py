"""The feedback admin: heads edit their offices' feedback rules; ratings, follow-ups and
complaints are read-only and narrowed to the viewer's offices."""

from __future__ import annotations

import datetime as dt

import pytest

from okno.catalog.models import ServicePoint
from okno.feedback import services
from okno.feedback.models import Complaint, FeedbackSettings, FollowUp, Rating
from okno.queueing import services as queue
from tests.factories import CompetencyFactory
from tests.feedback.conftest import VISIT

pytestmark = pytest.mark.django_db

LOW = {"service_time": 1, "waiting_time": 1, "politeness": 3, "comfort": 3, "information": 3}
PHONE = "+380501234567"


def rows(response) -> list:
    return list(response.context["cl"].result_list)


@pytest.fixture
def ratings(serve, office_b, service_b, b_operator) -> tuple[Rating, Rating]:
    """A low rating at office A and one at office B."""
    mine = services.rate_visit(
        serve(), scores=LOW, channel="link", now=VISIT + dt.timedelta(hours=1)
    )
    CompetencyFactory(employee=b_operator, service=service_b)
    queue.open_desk(b_operator, ServicePoint.objects.get(office=office_b), now=VISIT)
    ticket = queue.issue_ticket(office_b, service_b, now=VISIT, check_hours=False)
    queue.call_next(b_operator, now=VISIT)
    queue.start_service(ticket, employee=b_operator, now=VISIT)
    queue.finish_visit(ticket, employee=b_operator, now=VISIT + dt.timedelta(minutes=5))
    ticket.refresh_from_db()
    theirs = services.rate_visit(
        ticket, scores=LOW, channel="tablet", now=VISIT + dt.timedelta(hours=1)
    )
    return mine, theirs


@pytest.fixture
def complaints(office_a, office_b) -> tuple[Complaint, Complaint]:
    now = VISIT
    return (
        services.file_complaint(
            office_a, text="Rude at window 1", category="staff", contact=PHONE, now=now
        ),
        services.file_complaint(office_b, text="Queue too long", category="waiting", now=now),
    )


def test_a_head_sees_only_their_offices_ratings_read_only(signed_in, head, ratings):
    mine, theirs = ratings
    browser = signed_in(head)
    listed = browser.get("/admin/feedback/rating/")
    assert listed.status_code == 200
    assert rows(listed) == [mine]
    page = browser.get(f"/admin/feedback/rating/{mine.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert mine.ticket.label in html
    assert mine.ticket.code not in html, "the ticket's secret code is not shown"
    assert 'name="_save"' not in html, "read-only"
    assert browser.get(f"/admin/feedback/rating/{theirs.pk}/change/").status_code == 302
    assert browser.get("/admin/feedback/rating/add/").status_code == 403


def test_follow_ups_are_listed_by_office_and_read_only(signed_in, head, analyst, ratings):
    mine, _theirs = ratings
    listed = signed_in(head).get("/admin/feedback/followup/")
    assert rows(listed) == [mine.follow_up]
    page = signed_in(head).get(f"/admin/feedback/followup/{mine.follow_up.pk}/change/")
    assert 'name="_save"' not in page.content.decode()
    everywhere = signed_in(analyst).get("/admin/feedback/followup/")
    assert set(rows(everywhere)) == set(FollowUp.objects.all())


def test_complaints_are_read_only_with_their_trail_and_the_contact_masked(
    signed_in, head, complaints
):
    mine, theirs = complaints
    browser = signed_in(head)
    assert rows(browser.get("/admin/feedback/complaint/")) == [mine]
    page = browser.get(f"/admin/feedback/complaint/{mine.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Rude at window 1" in html
    assert PHONE not in html, "the contact is masked"
    assert "received" in html, "the trail is shown"
    assert 'name="_save"' not in html
    assert browser.get(f"/admin/feedback/complaint/{theirs.pk}/change/").status_code == 302


def test_a_head_sets_their_offices_feedback_rules_only(
    signed_in, head, office_a, office_b, operator, outsider
):
    theirs = FeedbackSettings.objects.create(office=office_b, low_score=3)
    browser = signed_in(head)
    form = browser.get("/admin/feedback/feedbacksettings/add/")
    assert form.status_code == 200
    fields = form.context["adminform"].form.fields
    assert list(fields["office"].queryset) == [office_a]
    handlers = set(fields["complaints_handler"].queryset)
    assert operator in handlers and head in handlers
    assert outsider not in handlers, "office B's head cannot be handed office A's complaints"
    added = browser.post(
        "/admin/feedback/feedbacksettings/add/",
        {"office": office_a.pk, "rating_window_days": 14, "low_score": 2},
    )
    assert added.status_code == 302
    assert FeedbackSettings.objects.get(office=office_a).rating_window_days == 14
    assert rows(browser.get("/admin/feedback/feedbacksettings/")) == [
        FeedbackSettings.objects.get(office=office_a)
    ]
    assert browser.get(f"/admin/feedback/feedbacksettings/{theirs.pk}/change/").status_code == 302


def test_the_deadline_table_is_the_administrators(signed_in, head, administrator):
    assert signed_in(administrator).get("/admin/feedback/deadlinerule/add/").status_code == 200
    assert signed_in(head).get("/admin/feedback/deadlinerule/").status_code == 200
    assert signed_in(head).get("/admin/feedback/deadlinerule/add/").status_code == 403


def test_an_operator_has_no_feedback_admin(signed_in, operator, ratings):
    assert signed_in(operator).get("/admin/feedback/rating/").status_code in (302, 403)
