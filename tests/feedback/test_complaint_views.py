"""The citizen's complaint pages: filing (validation, honeypot, the visit's ticket code, the
optional contact, the rate limit), following by reference, and the status page, which shows the
public steps and the answer but never staff names, internal notes or the contact."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from okno.feedback import services
from okno.feedback.models import Complaint
from okno.notifications import backends
from tests.feedback.conftest import VISIT

NEW = "/en/complaints/new/"


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(VISIT, tick=False)
    return time_machine


@pytest.fixture(autouse=True)
def empty_outbox():
    backends.outbox.clear()
    yield
    backends.outbox.clear()


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())).strip()


def form(place, **changes) -> dict[str, str]:
    data = {
        "kind": "complaint",
        "category": "waiting",
        "office": place.slug,
        "service": "",
        "ticket_code": "",
        "text": "I waited two hours although I had booked.",
        "contact": "",
        "website": "",
    }
    data.update(changes)
    return data


# --- filing -------------------------------------------------------------------------------------


def test_the_form_offers_the_kinds_categories_and_the_office_from_its_page(citizen, office_a):
    response = citizen.get(f"{NEW}?office={office_a.slug}")
    assert response.status_code == 200
    page = response.content.decode()
    for value in ("complaint", "suggestion", "gratitude"):
        assert f'value="{value}"' in page
    for category in Complaint.Category.values:
        assert f'value="{category}"' in page
    assert re.search(rf'<option value="{office_a.slug}" selected>', page)
    assert "Used only to send you the answer" in page


def test_a_complaint_without_contact_is_filed_and_confirmed_with_reference_and_deadline(
    citizen, office_a, service_a, head
):
    response = citizen.post(NEW, form(office_a, service=service_a.slug))
    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/en/complaints/{complaint.code}/received/"
    assert complaint.channel == "portal"
    assert complaint.office == office_a and complaint.service == service_a
    assert complaint.language == "en"
    assert complaint.contact == ""
    assert complaint.assignee == head
    confirmation = citizen.get(response["Location"])
    assert confirmation.status_code == 200
    page = text(confirmation)
    assert complaint.code in page
    # Ukraine: 30 calendar days from Tuesday 24 November 2026 -> Thursday 24 December 2026.
    assert "Dec. 24, 2026" in page
    assert f'href="/en/complaints/{complaint.code}/"' in confirmation.content.decode()
    assert backends.outbox == []  # nowhere to send anything


def test_a_contact_is_normalised_and_gets_the_reference(
    citizen, office_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = citizen.post(NEW, form(office_a, contact="067 123 45 67"))
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.contact == "+380671234567"
    assert complaint.code in backends.outbox[-1].body


def test_an_unusable_contact_is_refused_by_the_field(citizen, office_a):
    response = citizen.post(NEW, form(office_a, contact="call me maybe"))
    assert response.status_code == 400
    assert 'id="id_contact_error"' in response.content.decode()
    assert not Complaint.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"text": "   "}, "text", "Describe what happened or what you suggest."),
        ({"category": "weather"}, "category", "Select a valid choice."),
        ({"kind": "threat"}, "kind", "Select a valid choice."),
        ({"office": "nowhere"}, "office", "Select a valid choice."),
        ({"text": "x" * 5001}, "text", "at most 5000 characters"),
    ],
)
def test_a_form_with_mistakes_is_shown_again_with_the_reasons(
    citizen, office_a, changes, field, message
):
    response = citizen.post(NEW, form(office_a, **changes))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Please correct the marked fields." in page
    assert f'id="id_{field}_error"' in page
    assert message in page
    assert not Complaint.objects.exists()


def test_a_service_not_offered_at_the_office_is_refused(citizen, office_a, service_b):
    response = citizen.post(NEW, form(office_a, service=service_b.slug))
    assert response.status_code == 400
    assert 'id="id_service_error"' in response.content.decode()
    assert not Complaint.objects.exists()


def test_a_bot_filling_the_hidden_field_is_refused(citizen, office_a):
    response = citizen.post(NEW, form(office_a, website="http://spam.example"))
    assert response.status_code == 400
    assert "a field that must stay empty was filled in" in response.content.decode()
    assert not Complaint.objects.exists()


def test_the_visit_is_attached_by_its_ticket_code(citizen, serve, office_a, operator):
    ticket = serve()
    spaced = f"  {ticket.code[:6].upper()} {ticket.code[6:]} "
    response = citizen.post(NEW, form(office_a, category="staff", ticket_code=spaced))
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.ticket == ticket
    assert complaint.employee_concerned == operator


def test_a_ticket_of_another_office_is_refused_like_an_unknown_one(citizen, serve, office_b):
    ticket = serve()  # a visit to office A
    for code in (ticket.code, "zzzzzzzzzzzz"):
        response = citizen.post(NEW, form(office_b, ticket_code=code))
        assert response.status_code == 400
        assert "No visit with this ticket code was found." in response.content.decode()
    assert not Complaint.objects.exists()


def test_filing_is_rate_limited_per_address(citizen, office_a):
    for _ in range(10):
        assert citizen.post(NEW, form(office_a)).status_code == 302
    response = citizen.post(NEW, form(office_a))
    assert response.status_code == 429
    assert "Too many appeals" in response.content.decode()
    assert Complaint.objects.count() == 10
    other = citizen.post(NEW, form(office_a), REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 302


def test_the_form_speaks_the_default_language(citizen, office_a):
    response = citizen.get("/uk/complaints/new/")
    assert response.status_code == 200
    assert '<html lang="uk">' in response.content.decode()


# --- following ----------------------------------------------------------------------------------


def test_following_by_reference_leads_to_the_status_page(citizen, office_a):
    complaint = services.file_complaint(office_a, text="Slow", category="waiting")
    typed = f" {complaint.code[:5].lower()} {complaint.code[5:]} "
    response = citizen.get("/en/complaints/", {"code": typed})
    assert response.status_code == 302
    assert response["Location"] == f"/en/complaints/{complaint.code}/"


@pytest.mark.parametrize("typed", ["ABCDEFGHJK", "no such thing!", "A" * 40])
def test_an_unknown_reference_is_said_plainly(citizen, office_a, typed):
    response = citizen.get("/en/complaints/", {"code": typed})
    assert response.status_code == 404
    assert "No appeal with this reference was found." in text(response) or (
        "No complaint with this reference was found." in text(response)
    )


def test_an_unknown_status_page_is_not_found(citizen, db):
    assert citizen.get("/en/complaints/ABCDEFGHJK/").status_code == 404
    assert citizen.get("/en/complaints/ABCDEFGHJK/received/").status_code == 404


# --- the status page ----------------------------------------------------------------------------


def test_the_status_page_shows_the_public_steps_and_the_answer_and_nothing_internal(
    citizen, office_a, head, operator
):
    complaint = services.file_complaint(
        office_a, text="Rude at window 2", category="staff", contact="someone@example.org"
    )
    services.add_note(complaint, employee=head, note="Spoke to the operator privately")
    services.assign_complaint(complaint, operator, employee=head, reason="Knows the case well")
    services.start_review(complaint, employee=operator, now=VISIT + dt.timedelta(days=1))
    services.extend_deadline(
        complaint,
        employee=operator,
        reason="Internal audit needed",
        now=VISIT + dt.timedelta(days=2),
    )
    services.answer_complaint(
        complaint,
        employee=operator,
        answer="We apologise; training is planned.",
        now=VISIT + dt.timedelta(days=3),
    )
    response = citizen.get(f"/en/complaints/{complaint.code}/")
    assert response.status_code == 200
    page = text(response)
    assert "Status: Answered" in page
    assert "We apologise; training is planned." in page
    steps = re.findall(r'<li data-action="([a-z]+)"', response.content.decode())
    assert steps == ["received", "review", "extended", "answered"]
    # Ukraine: 30 days + 15 of extension from 24 November 2026 -> 8 January 2027 (a Friday).
    assert "the answer is now due by Jan. 8, 2027" in page
    assert "Staff behaviour or competence" in page
    for secret in (
        str(head),
        str(operator),
        "Spoke to the operator privately",
        "Knows the case well",
        "Internal audit needed",
        "someone@example.org",
        "s•••@example.org",
    ):
        assert secret not in page


def test_a_rejected_appeal_shows_the_reason_given_to_the_citizen(citizen, office_a, head):
    complaint = services.file_complaint(office_a, text="Spam", category="other")
    services.reject_complaint(complaint, employee=head, reason="Anonymous insult")
    page = text(citizen.get(f"/en/complaints/{complaint.code}/"))
    assert "Status: Rejected" in page
    assert "Reason: Anonymous insult" in page
