"""Ratings and complaints: the rules, worked out from the law and the issue, not the code."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import signing
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from okno.feedback import errors, services
from okno.feedback.models import Complaint, ComplaintEvent, DeadlineRule, FollowUp, Rating
from okno.notifications import backends
from tests.factories import OfficeFactory
from tests.feedback.conftest import VISIT

pytestmark = pytest.mark.django_db

GOOD = {"service_time": 5, "waiting_time": 4, "politeness": 5, "comfort": 4, "information": 5}


@pytest.fixture(autouse=True)
def empty_outbox():
    backends.outbox.clear()


# --- ratings ------------------------------------------------------------------------------------


def test_a_served_visit_is_rated_once_through_its_signed_link(serve):
    ticket = serve()
    token = services.rating_token(ticket)
    later = VISIT + dt.timedelta(days=1)
    assert services.ticket_for_rating(token, now=later) == ticket
    rating = services.rate_visit(
        ticket, scores=GOOD, recommend=9, comment=" Quick ", channel="link", now=later
    )
    assert rating.employee == ticket.employee
    assert rating.service_point == ticket.service_point
    assert rating.visited_on == ticket.service_day
    assert rating.comment == "Quick"
    assert not FollowUp.objects.exists()
    with pytest.raises(errors.AlreadyRated):
        services.ticket_for_rating(token, now=later)
    with pytest.raises(errors.AlreadyRated):
        services.rate_visit(ticket, scores=GOOD, channel="link", now=later)


def test_a_forged_or_altered_link_is_refused(serve):
    ticket = serve()
    with pytest.raises(errors.InvalidRatingLink):
        services.ticket_for_rating(ticket.code)
    forged = signing.Signer(salt="another-salt").sign(ticket.code)
    with pytest.raises(errors.InvalidRatingLink):
        services.ticket_for_rating(forged)


def test_the_window_to_rate_is_seven_days_after_the_visit_by_default(serve):
    ticket = serve()
    token = services.rating_token(ticket)
    finished = ticket.finished_at
    services.ticket_for_rating(token, now=finished + dt.timedelta(days=7))
    with pytest.raises(errors.RatingWindowClosed):
        services.ticket_for_rating(token, now=finished + dt.timedelta(days=7, seconds=1))


def test_only_a_served_visit_can_be_rated(serve):
    ticket = serve(outcome="cancelled")
    with pytest.raises(errors.NotRateable):
        services.rate_visit(ticket, scores=GOOD, channel="link", now=VISIT + dt.timedelta(hours=1))


@pytest.mark.parametrize("bad", [{"comfort": 0}, {"comfort": 6}, {"comfort": None}])
def test_scores_out_of_range_are_refused(serve, bad):
    ticket = serve()
    with pytest.raises(errors.InvalidScore):
        services.rate_visit(
            ticket, scores={**GOOD, **bad}, channel="tablet", now=VISIT + dt.timedelta(hours=1)
        )
    with pytest.raises(errors.InvalidScore):
        services.rate_visit(
            ticket, scores=GOOD, recommend=11, channel="tablet", now=VISIT + dt.timedelta(hours=1)
        )
    assert not Rating.objects.exists()


def test_a_score_of_two_or_less_opens_a_follow_up_for_the_head(serve, head):
    ticket = serve()
    rating = services.rate_visit(
        ticket, scores={**GOOD, "waiting_time": 2}, channel="tablet", now=VISIT
    )
    follow_up = FollowUp.objects.get(rating=rating)
    assert follow_up.office == ticket.office
    assert follow_up.status == "open"
    with pytest.raises(errors.ReasonRequired):
        services.close_follow_up(follow_up, employee=head, note=" ")
    services.close_follow_up(follow_up, employee=head, note="Called back, apologised")
    follow_up.refresh_from_db()
    assert follow_up.status == "done" and follow_up.closed_by == head


def test_a_terminal_sending_the_same_rating_twice_stores_it_once(office_a, service_a):
    first, created = services.record_rating(
        office_a,
        service_a,
        scores=GOOD,
        channel="terminal",
        visited_on=VISIT.date(),
        client_id="t1-0001",
    )
    again, created_again = services.record_rating(
        office_a,
        service_a,
        scores=GOOD,
        channel="terminal",
        visited_on=VISIT.date(),
        client_id="t1-0001",
    )
    assert created and not created_again
    assert first.pk == again.pk
    assert Rating.objects.count() == 1


# --- complaint deadlines ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "received", "due"),
    [
        # Ukraine: 30 calendar days; 24 Dec 2026 + 30 = 23 Jan 2027 (a Saturday) -> Monday 25th.
        ("UA", dt.date(2026, 12, 24), dt.date(2027, 1, 25)),
        # Russia: 30 days; 2 Nov 2026 + 30 = 2 Dec 2026 (a Wednesday).
        ("RU", dt.date(2026, 11, 2), dt.date(2026, 12, 2)),
        # Poland: one month; 30 Jan 2027 -> 28 Feb 2027 (a Sunday) -> Monday 1 March.
        ("PL", dt.date(2027, 1, 30), dt.date(2027, 3, 1)),
        # Kazakhstan: 15 working days from Monday 2 Nov 2026 -> Monday 23 Nov 2026.
        ("KZ", dt.date(2026, 11, 2), dt.date(2026, 11, 23)),
    ],
)
def test_the_answer_is_due_by_the_rule_of_the_office_country(country, received, due):
    zone = {"UA": "Europe/Kyiv", "RU": "Europe/Moscow", "PL": "Europe/Warsaw", "KZ": "Asia/Almaty"}
    office = OfficeFactory(country=country, time_zone=zone[country])
    rule = services.deadline_rule(country)
    assert services.due_date(office, received, rule.days, rule.unit) == due


def test_a_rule_in_the_table_overrides_the_law_default():
    office = OfficeFactory()
    DeadlineRule.objects.create(country="UA", days=15, unit="calendar_days")
    rule = services.deadline_rule("UA")
    # 2 Nov 2026 + 15 = 17 Nov 2026 (Tuesday).
    assert services.due_date(office, dt.date(2026, 11, 2), rule.days, rule.unit) == dt.date(
        2026, 11, 17
    )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    received=st.dates(dt.date(2026, 1, 1), dt.date(2028, 12, 31)),
    days=st.integers(1, 60),
    unit=st.sampled_from(["calendar_days", "working_days", "months"]),
)
def test_a_deadline_is_never_a_day_off_and_never_sooner_than_the_term(db, received, days, unit):
    office = OfficeFactory.build(country="PL", time_zone="Europe/Warsaw")
    office.save()
    try:
        from okno.core.calendar import WorkingCalendar

        due = services.due_date(office, received, min(days, 12) if unit == "months" else days, unit)
        cal = WorkingCalendar(office)
        assert cal.is_working_day(due)
        if unit == "calendar_days":
            assert due >= received + dt.timedelta(days=days)
        elif unit == "working_days":
            assert cal.working_days_between(received, due) == days
        else:
            assert due > received
    finally:
        office.delete()


# --- complaints ---------------------------------------------------------------------------------


def test_a_complaint_goes_to_the_head_with_a_code_a_deadline_and_an_audit_trail(
    office_a, service_a, head, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        complaint = services.file_complaint(
            office_a,
            text="Waited two hours",
            category="waiting",
            service=service_a,
            contact="067 123 45 67",
            language="en",
            now=VISIT,
        )
    assert complaint.assignee == head
    assert complaint.status == "received"
    assert complaint.deadline == dt.date(2026, 12, 24)  # 24 Nov + 30 days, a Thursday
    assert services.complaint_by_code(complaint.code.lower()) == complaint
    assert [e.action for e in complaint.events.all()] == ["received", "assigned"]
    assert complaint.code in backends.outbox[-1].body


def test_the_answer_reaches_the_citizen_and_closing_forgets_the_contact(
    office_a, head, django_capture_on_commit_callbacks
):
    complaint = services.file_complaint(
        office_a, text="Rude", category="staff", contact="someone@example.org", now=VISIT
    )
    services.start_review(complaint, employee=head, now=VISIT)
    with pytest.raises(errors.AnswerRequired):
        services.answer_complaint(complaint, employee=head, answer="  ")
    with django_capture_on_commit_callbacks(execute=True):
        services.answer_complaint(complaint, employee=head, answer="We are sorry.", now=VISIT)
    assert "We are sorry." in backends.outbox[-1].body
    services.close_complaint(complaint, employee=head, now=VISIT)
    complaint.refresh_from_db()
    assert complaint.status == "closed"
    assert complaint.contact == ""
    with pytest.raises(errors.TransitionNotAllowed):
        services.answer_complaint(complaint, employee=head, answer="Again")
    actions = list(complaint.events.values_list("action", flat=True))
    assert actions == ["received", "assigned", "review", "answered", "closed"]


def test_a_deadline_is_extended_once_by_the_rule_and_the_citizen_is_told(
    office_a, head, django_capture_on_commit_callbacks
):
    complaint = services.file_complaint(
        office_a, text="Slow", category="waiting", contact="067 123 45 67", now=VISIT
    )
    with pytest.raises(errors.ReasonRequired):
        services.extend_deadline(complaint, employee=head, reason="")
    with django_capture_on_commit_callbacks(execute=True):
        services.extend_deadline(complaint, employee=head, reason="Needs a study", now=VISIT)
    # Ukraine: 45 days at most: 24 Nov + 45 = 8 Jan 2027 (a Friday).
    assert complaint.deadline == dt.date(2027, 1, 8)
    assert backends.outbox[-1].kind == "feedback/notifications/extended"
    with pytest.raises(errors.ExtensionNotAllowed):
        services.extend_deadline(complaint, employee=head, reason="Again", now=VISIT)


def test_rejecting_or_forwarding_needs_a_reason(office_a, head):
    complaint = services.file_complaint(office_a, text="x", category="other", now=VISIT)
    with pytest.raises(errors.ReasonRequired):
        services.reject_complaint(complaint, employee=head, reason="")
    services.forward_complaint(complaint, employee=head, to="Regional police", now=VISIT)
    assert complaint.status == "forwarded"
    assert complaint.reason == "Regional police"


def test_reassigning_keeps_the_reason_in_the_audit_trail(office_a, head, operator):
    complaint = services.file_complaint(office_a, text="x", category="other", now=VISIT)
    services.assign_complaint(complaint, operator, employee=head, reason="Knows the case")
    event = complaint.events.get(action="assigned", employee=head)
    assert event.detail["reason"] == "Knows the case"
    assert complaint.assignee == operator


def test_alerts_go_before_the_deadline_and_once_it_has_passed(
    office_a, head, django_capture_on_commit_callbacks
):
    head.user.email = "head@example.org"
    head.user.save()
    complaint = services.file_complaint(office_a, text="x", category="other", now=VISIT)
    deadline = dt.datetime.combine(complaint.deadline, dt.time(12), tzinfo=office_a.zone)

    def sweep(moment):
        with django_capture_on_commit_callbacks(execute=True):
            return services.send_deadline_alerts(moment)

    assert sweep(deadline - dt.timedelta(days=5)) == 0
    assert sweep(deadline - dt.timedelta(days=3)) == 1
    assert sweep(deadline - dt.timedelta(days=2)) == 0
    assert sweep(deadline + dt.timedelta(days=1)) == 1
    assert sweep(deadline + dt.timedelta(days=2)) == 0
    assert [m.kind for m in backends.outbox] == [
        "feedback/notifications/alert_soon",
        "feedback/notifications/alert_overdue",
    ]
    assert ComplaintEvent.objects.filter(action="alerted").count() == 2


def test_an_empty_complaint_is_refused(office_a):
    with pytest.raises(errors.TextRequired):
        services.file_complaint(office_a, text="  ", category="other")
    assert not Complaint.objects.exists()
