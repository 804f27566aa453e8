"""The bulk history generator: counts that match the tables, tickets the services could have left,
and the same history for the same seed."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter, defaultdict

import pytest
from django.db import connection, transaction
from django.db.models import Count, Q

from okno.analytics import history
from okno.analytics.history import generate_history
from okno.appointments.models import Booking, Slot
from okno.catalog.models import Office
from okno.feedback.models import Complaint, FollowUp, Rating
from okno.queueing.models import DeskSession, QueueSettings, Ticket, TicketSequence
from okno.staff.models import Employee, Role

#: A Saturday: the five days before it are Monday 9 to Friday 13 March 2026, no public holiday
#: in Poland or Ukraine among them.
END = dt.date(2026, 3, 14)
SMALL = {"offices": 2, "days": 5, "visits_per_day": 30, "seed": 7, "end": END}
Outcome = Ticket.Outcome


@pytest.fixture
def summary(db):
    made = generate_history(**SMALL)
    _check_foreign_keys()
    return made


def _check_foreign_keys() -> None:
    """Foreign keys are checked at commit, which a test never reaches: check them now."""
    connection.check_constraints()


def test_the_summary_counts_every_row_written(summary):
    assert summary.offices == Office.objects.count() == 2
    assert summary.days == 5
    # 2 offices x 5 weekdays.
    assert summary.office_days == 10
    assert Ticket.objects.values("office", "service_day").distinct().count() == 10
    assert summary.tickets == Ticket.objects.count()
    assert summary.ratings == Rating.objects.count()
    assert summary.follow_ups == FollowUp.objects.count()
    assert summary.bookings == Booking.objects.count()
    assert summary.slots == Slot.objects.count()
    assert summary.complaints == Complaint.objects.count()
    assert summary.ticket_sequences == TicketSequence.objects.count()
    # One session per operator per day: 2 offices x 10 operators x 5 days.
    assert summary.desk_sessions == DeskSession.objects.count() == 100
    # Ten operators and a head per office.
    assert summary.employees == Employee.objects.count() == 22
    assert Employee.objects.filter(role=Role.OPERATOR).count() == 20
    assert QueueSettings.objects.count() == 2
    # About 30 visitors a day (Poisson-ish), plus ~2 % transfer successors.
    assert 200 <= summary.tickets <= 420


def test_offices_are_polish_and_ukrainian_with_generated_logins(summary):
    assert set(Office.objects.values_list("country", "time_zone")) == {
        ("UA", "Europe/Kyiv"),
        ("PL", "Europe/Warsaw"),
    }
    usernames = set(Employee.objects.values_list("user__username", flat=True))
    assert "gen-001-01" in usernames and "gen-002-10" in usernames


def test_every_ticket_is_done_with_times_in_order(summary):
    for ticket in Ticket.objects.all():
        assert ticket.state == Ticket.State.DONE
        assert ticket.outcome in Outcome.values
        assert ticket.queue_key <= ticket.waiting_since
        if ticket.transferred_from_id is None:
            assert ticket.waiting_since == ticket.issued_at
        else:
            assert ticket.waiting_since < ticket.issued_at
        if ticket.outcome == Outcome.CANCELLED:
            assert ticket.called_at is None and ticket.employee_id is None
            assert ticket.finished_at >= ticket.issued_at
            continue
        assert ticket.called_at >= ticket.issued_at >= ticket.waiting_since
        assert ticket.last_called_at >= ticket.called_at
        assert ticket.employee_id is not None and ticket.service_point_id is not None
        if ticket.outcome == Outcome.NO_SHOW:
            assert ticket.started_at is None and ticket.recall_count >= 1
            assert ticket.finished_at >= ticket.called_at + dt.timedelta(minutes=3)
        else:
            assert ticket.started_at >= ticket.last_called_at
            assert ticket.finished_at > ticket.started_at


def test_the_day_is_the_offices_local_date_of_issue(summary):
    for ticket in Ticket.objects.select_related("office"):
        local = ticket.issued_at.astimezone(ticket.office.zone)
        assert ticket.service_day == local.date()
        assert dt.date(2026, 3, 9) <= ticket.service_day <= dt.date(2026, 3, 13)


def test_numbers_run_from_one_per_office_day_and_letter_with_their_labels(summary):
    numbers = defaultdict(list)
    for ticket in Ticket.objects.filter(transferred_from__isnull=True).order_by("issued_at"):
        assert ticket.label == f"{ticket.prefix}{ticket.number:03d}"
        numbers[(ticket.office_id, ticket.service_day, ticket.prefix)].append(ticket.number)
    for group, issued in numbers.items():
        # Handed out in the order of issue: 1, 2, 3, ...
        assert issued == list(range(1, len(issued) + 1)), group
    sequences = {
        (s.office_id, s.service_day, s.prefix): s.last_number for s in TicketSequence.objects.all()
    }
    assert sequences == {group: len(issued) for group, issued in numbers.items()}
    codes = Ticket.objects.filter(transferred_from__isnull=True).values_list("code", flat=True)
    assert len(set(codes)) == len(codes)


def test_a_transfer_leaves_a_closed_ticket_and_a_successor_as_the_service_would(db):
    generate_history(offices=1, days=5, visits_per_day=200, seed=3, end=END)
    _check_foreign_keys()
    successors = Ticket.objects.filter(transferred_from__isnull=False).select_related(
        "transferred_from", "service__group"
    )
    assert successors.exists()
    for successor in successors:
        original = successor.transferred_from
        assert original.outcome == Outcome.TRANSFERRED
        assert original.started_at is not None
        assert successor.issued_at == original.finished_at
        assert successor.waiting_since == original.waiting_since
        assert successor.queue_key == original.queue_key
        assert (successor.number, successor.label, successor.code) == (
            original.number,
            original.label,
            original.code,
        )
        assert successor.service_id != original.service_id
        assert successor.prefix == successor.service.group.prefix
        assert successor.service_day == original.service_day
    # ~2 % of about 1,000 visitors.
    assert 5 <= successors.count() <= 45


def test_outcomes_have_roughly_the_asked_shares(db):
    generate_history(offices=1, days=5, visits_per_day=400, seed=5, end=END)
    originals = Ticket.objects.filter(transferred_from__isnull=True)
    shares = Counter(originals.values_list("outcome", flat=True))
    total = sum(shares.values())
    assert 0.86 <= shares[Outcome.SERVED] / total <= 0.94
    assert 0.03 <= shares[Outcome.NO_SHOW] / total <= 0.07
    assert 0.015 <= shares[Outcome.CANCELLED] / total <= 0.045
    assert 0.008 <= shares[Outcome.TRANSFERRED] / total <= 0.035
    booked = originals.filter(source=Ticket.Source.BOOKING).count()
    assert 0.25 <= booked / total <= 0.35
    waits = sorted(
        (t.called_at - t.waiting_since).total_seconds() / 60
        for t in originals.filter(source=Ticket.Source.KIOSK, called_at__isnull=False)
    )
    median = waits[len(waits) // 2]
    assert 6 <= median <= 12
    assert waits[-1] > 30


def test_an_operator_serves_one_visitor_at_a_time_inside_their_desk_session(summary):
    visits = defaultdict(list)
    for ticket in Ticket.objects.filter(called_at__isnull=False):
        visits[(ticket.employee_id, ticket.service_day)].append(ticket)
    sessions = {
        (s.employee_id, s.opened_at.astimezone(s.service_point.office.zone).date()): s
        for s in DeskSession.objects.select_related("service_point__office")
    }
    for (employee_id, day), tickets in visits.items():
        session = sessions[(employee_id, day)]
        tickets.sort(key=lambda t: t.called_at)
        for before, after in itertools.pairwise(tickets):
            assert after.called_at >= before.finished_at
        assert session.opened_at <= tickets[0].called_at
        assert session.closed_at >= tickets[-1].finished_at
        assert all(t.service_point_id == session.service_point_id for t in tickets)
    for session in sessions.values():
        local = session.opened_at.astimezone(session.service_point.office.zone)
        assert local.time() == dt.time(8, 0)
        assert session.closed_at.astimezone(local.tzinfo).time() >= dt.time(18, 0)


def test_ratings_belong_to_served_visits_only(summary):
    assert summary.ratings > 0
    for rating in Rating.objects.select_related("ticket"):
        ticket = rating.ticket
        assert ticket.outcome == Outcome.SERVED
        assert rating.visited_on == ticket.service_day
        assert (rating.employee_id, rating.service_point_id, rating.service_id) == (
            ticket.employee_id,
            ticket.service_point_id,
            ticket.service_id,
        )
        assert rating.rated_at >= ticket.finished_at
        assert all(1 <= score <= 5 for score in rating.scores().values())
        assert rating.recommend is None or 0 <= rating.recommend <= 10
    # A follow-up exactly for the ratings with a score of 2 or lower.
    low = Rating.objects.filter(
        Q(service_time__lte=2)
        | Q(waiting_time__lte=2)
        | Q(politeness__lte=2)
        | Q(comfort__lte=2)
        | Q(information__lte=2)
    )
    assert set(FollowUp.objects.values_list("rating_id", flat=True)) == set(
        low.values_list("pk", flat=True)
    )


def test_a_rating_share_of_one_rates_every_served_visit(db):
    summary = generate_history(**{**SMALL, "offices": 1}, rating_share=1.0)
    served = Ticket.objects.filter(outcome=Outcome.SERVED).count()
    assert summary.ratings == served == Rating.objects.count()


def test_bookings_match_their_tickets_and_slots(summary):
    checked_in = Booking.objects.filter(status=Booking.Status.CHECKED_IN).select_related("ticket")
    assert checked_in.exists()
    booked_tickets = Ticket.objects.filter(
        source=Ticket.Source.BOOKING, transferred_from__isnull=True
    )
    assert checked_in.count() == booked_tickets.count()
    for booking in checked_in:
        ticket = booking.ticket
        assert ticket.source == Ticket.Source.BOOKING
        assert (ticket.office_id, ticket.service_id) == (booking.office_id, booking.service_id)
        # Inside the arrival window: 15 minutes before to 10 minutes after the slot's start.
        assert booking.start - dt.timedelta(minutes=15) <= ticket.issued_at
        assert ticket.issued_at <= booking.start + dt.timedelta(minutes=10)
        # Placed as if waiting since the slot's start minus the 30-minute head start.
        assert ticket.queue_key == booking.start - dt.timedelta(minutes=30)
        assert booking.created_at < booking.start
    assert not Booking.objects.filter(
        status__in=[Booking.Status.NO_SHOW, Booking.Status.CANCELLED], ticket__isnull=False
    ).exists()
    holding = Count(
        "bookings", filter=Q(bookings__status__in=[Booking.Status.CHECKED_IN, "no_show"])
    )
    for slot in Slot.objects.annotate(holding=holding):
        assert slot.booked == slot.holding <= slot.capacity
        assert slot.start < slot.end
    assert not Booking.objects.exclude(contact="").exists()


def test_complaints_have_deadlines_and_answers_by_their_status(db, monkeypatch):
    monkeypatch.setattr(history, "COMPLAINT_SHARE", 0.2)
    summary = generate_history(**SMALL)
    _check_foreign_keys()
    assert summary.complaints == Complaint.objects.count() > 0
    for complaint in Complaint.objects.select_related("office", "ticket"):
        received = complaint.received_at.astimezone(complaint.office.zone).date()
        # UA: 30 calendar days; PL: one month; either moved off a day off: never sooner.
        assert complaint.deadline >= received + dt.timedelta(days=28)
        assert complaint.received_at >= complaint.ticket.finished_at
        assert complaint.contact == "" and complaint.contact_kind == ""
        if complaint.status in (Complaint.Status.ANSWERED, Complaint.Status.CLOSED):
            assert complaint.answer and complaint.answered_at >= complaint.received_at
        else:
            assert complaint.answered_at is None
        assert complaint.events.filter(action="received").count() == 1


def test_progress_is_reported_after_each_office(db):
    calls = []
    generate_history(**SMALL, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 2), (2, 2)]


def test_the_same_seed_gives_the_same_history(db):
    def run() -> tuple[int, float, list[str]]:
        generate_history(**SMALL)
        tickets = list(Ticket.objects.filter(called_at__isnull=False))
        waits = sum((t.called_at - t.waiting_since).total_seconds() for t in tickets)
        labels = sorted(Ticket.objects.values_list("label", flat=True))
        return Ticket.objects.count(), waits, labels

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        first = run()
        raise Undo
    assert not Ticket.objects.exists()
    assert run() == first


def test_a_second_run_adds_offices_next_to_the_first(db):
    generate_history(**{**SMALL, "offices": 1})
    generate_history(**{**SMALL, "offices": 1})
    assert list(Office.objects.values_list("slug", flat=True).order_by("slug")) == [
        "gen-001",
        "gen-002",
    ]
