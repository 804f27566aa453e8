"""Staff complaint pages: who may open them, the list and its filters and deadlines, filing a
paper or phone complaint, the detail page (audit trail, who sees the contact) and every action
with its error paths."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from okno.feedback import services
from okno.feedback.models import Complaint
from tests.factories import EmployeeFactory
from tests.feedback.conftest import VISIT

LIST = "/en/staff/complaints/"
NEW = "/en/staff/complaints/new/"
EMAIL = "someone@example.org"


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(VISIT, tick=False)
    return time_machine


@pytest.fixture
def complaint(office_a, head) -> Complaint:
    """A complaint at office A (routed to its head), with an e-mail for the answer."""
    return services.file_complaint(
        office_a, text="Rude at window 2", category="staff", contact=EMAIL
    )


@pytest.fixture
def complaint_b(office_b, outsider) -> Complaint:
    return services.file_complaint(office_b, text="Cold hall in Lviv", category="premises")


def text(response) -> str:
    plain = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(plain)).strip()


def codes(response) -> list[str]:
    return re.findall(r'<tr data-code="([A-Z0-9]+)"', response.content.decode())


def detail(complaint: Complaint) -> str:
    return f"/en/staff/complaints/{complaint.code}/"


def act(browser, complaint: Complaint, action: str, **fields: str):
    data = {f"{action}-{name}": value for name, value in fields.items()}
    return browser.post(f"{detail(complaint)}{action}/", data)


# --- who may open them --------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(citizen, complaint):
    for url in (LIST, NEW, detail(complaint)):
        response = citizen.get(url)
        assert response.status_code == 302
        assert "/staff/login/" in response["Location"]


def test_operators_and_back_office_do_not_read_complaints(signed_in, operator, clerk, complaint):
    for employee in (operator, clerk):
        browser = signed_in(employee)
        assert browser.get(LIST).status_code == 403
        assert browser.get(detail(complaint)).status_code == 403
    assert signed_in(clerk).get(NEW).status_code == 403
    assert signed_in(operator).get(NEW).status_code == 200


def test_each_head_sees_the_complaints_of_their_office_only(
    signed_in, head, outsider, complaint, complaint_b
):
    assert codes(signed_in(head).get(LIST)) == [complaint.code]
    assert codes(signed_in(outsider).get(LIST)) == [complaint_b.code]
    assert signed_in(outsider).get(detail(complaint)).status_code == 404
    assert signed_in(outsider).get(f"{LIST}?office=kyiv-centre").status_code == 404
    assert act(signed_in(outsider), complaint, "review").status_code == 404


def test_analysts_read_every_office_but_change_nothing(signed_in, analyst, complaint, complaint_b):
    browser = signed_in(analyst)
    assert sorted(codes(browser.get(LIST))) == sorted([complaint.code, complaint_b.code])
    page = browser.get(detail(complaint))
    assert page.status_code == 200
    assert 'class="complaint-action"' not in page.content.decode()
    assert act(browser, complaint, "review").status_code == 403
    complaint.refresh_from_db()
    assert complaint.status == "received"


# --- the list -----------------------------------------------------------------------------------


def test_the_list_shows_what_is_still_to_answer_with_the_days_left(signed_in, head, complaint):
    answered = services.file_complaint(head.offices.get(), text="Thanks", category="other")
    services.answer_complaint(answered, employee=head, answer="You are welcome.")
    browser = signed_in(head)
    response = browser.get(LIST)
    assert codes(response) == [complaint.code]
    # Received Tuesday 24 November 2026; due 30 days later, on 24 December.
    assert "30 days left" in text(response)
    assert sorted(codes(browser.get(LIST, {"status": "all"}))) == sorted(
        [complaint.code, answered.code]
    )
    assert codes(browser.get(LIST, {"status": "answered"})) == [answered.code]


def test_overdue_complaints_are_flagged_and_filtered(signed_in, head, office_a, complaint, clock):
    later = services.file_complaint(
        office_a, text="Later", category="waiting", now=VISIT + dt.timedelta(days=20)
    )
    clock.move_to(dt.datetime(2026, 12, 26, 10, 0, tzinfo=dt.UTC), tick=False)
    response = signed_in(head).get(LIST, {"overdue": "1"})
    assert codes(response) == [complaint.code]
    assert "overdue by 2 days" in text(response)
    assert 'class="row--warning"' in response.content.decode()
    assert later.code not in response.content.decode()


def test_mine_shows_only_what_is_assigned_to_the_person(signed_in, head, office_a, complaint):
    other_head = EmployeeFactory(username="hanna", role="head", offices=[office_a])
    services.assign_complaint(complaint, other_head, employee=head, reason="On leave")
    mine = services.file_complaint(office_a, text="Mine", category="waiting")
    assert codes(signed_in(head).get(LIST, {"mine": "1"})) == [mine.code]
    assert codes(signed_in(other_head).get(LIST, {"mine": "1"})) == [complaint.code]


# --- filing a paper or phone complaint ----------------------------------------------------------


def staff_form(office, **changes) -> dict[str, str]:
    data = {
        "channel": "phone",
        "kind": "complaint",
        "category": "waiting",
        "office": office.slug,
        "service": "",
        "text": "Called to say the queue took three hours.",
        "contact": "",
        "language": "uk",
    }
    data.update(changes)
    return data


def test_an_operator_registers_a_phone_complaint_and_gets_the_reference(
    signed_in, operator, office_a, head
):
    response = signed_in(operator).post(NEW, staff_form(office_a))
    assert response.status_code == 200
    complaint = Complaint.objects.get()
    assert complaint.channel == "phone"
    assert complaint.language == "uk"
    assert complaint.assignee == head
    assert complaint.code in text(response)
    received = complaint.events.get(action="received")
    assert received.employee == operator


def test_a_head_registering_a_paper_complaint_lands_on_its_page(signed_in, head, office_a):
    response = signed_in(head).post(NEW, staff_form(office_a, channel="paper"))
    complaint = Complaint.objects.get()
    assert complaint.channel == "paper"
    assert response.status_code == 302
    assert response["Location"] == f"{detail(complaint)}?done=filed"


def test_filing_for_another_office_or_through_another_channel_is_refused(
    signed_in, operator, office_b
):
    browser = signed_in(operator)
    assert browser.post(NEW, staff_form(office_b)).status_code == 400
    office_a = operator.offices.get()
    assert browser.post(NEW, staff_form(office_a, channel="portal")).status_code == 400
    assert browser.post(NEW, staff_form(office_a, text=" ")).status_code == 400
    assert not Complaint.objects.exists()


# --- the detail page ----------------------------------------------------------------------------


def test_the_head_sees_the_contact_and_the_whole_trail(signed_in, head, complaint):
    services.add_note(complaint, employee=head, note="Checked the camera")
    response = signed_in(head).get(detail(complaint))
    assert response.status_code == 200
    page = text(response)
    assert EMAIL in page
    actions = re.findall(r'<tr data-action="([a-z]+)"', response.content.decode())
    assert actions == ["received", "assigned", "note"]
    assert "Checked the camera" in page
    assert "by the office's routing rule" in page


def test_administrators_see_the_contact_analysts_see_it_masked(
    signed_in, administrator, analyst, complaint
):
    assert EMAIL in text(signed_in(administrator).get(detail(complaint)))
    page = text(signed_in(analyst).get(detail(complaint)))
    assert EMAIL not in page
    assert "s•••@example.org" in page


def test_an_assignee_who_is_not_a_head_reads_handles_and_sees_the_contact(
    signed_in, head, operator, complaint
):
    services.assign_complaint(complaint, operator, employee=head, reason="Knows the case")
    browser = signed_in(operator)
    assert EMAIL in text(browser.get(detail(complaint)))
    assert act(browser, complaint, "review").status_code == 302


# --- actions ------------------------------------------------------------------------------------


def test_a_complaint_goes_from_review_to_answer_to_closed(signed_in, head, complaint):
    browser = signed_in(head)
    response = act(browser, complaint, "review")
    assert response.status_code == 302
    assert response["Location"] == f"{detail(complaint)}?done=review"
    assert "Review started." in text(browser.get(response["Location"]))
    assert act(browser, complaint, "answer", answer="We are sorry.").status_code == 302
    assert act(browser, complaint, "close").status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == "closed"
    assert complaint.answer == "We are sorry."
    assert complaint.contact == ""
    events = list(complaint.events.values_list("action", "employee"))
    assert events[-3:] == [("review", head.pk), ("answered", head.pk), ("closed", head.pk)]


@pytest.mark.parametrize(
    ("action", "fields", "status", "message"),
    [
        ("answer", {"answer": ""}, 400, "This field is required."),
        ("assign", {"reason": "Busy"}, 400, "This field is required."),
        ("extend", {"reason": ""}, 400, "This field is required."),
        ("forward", {"to": ""}, 400, "This field is required."),
        ("reject", {"reason": "   "}, 400, "This field is required."),
        ("note", {"note": ""}, 400, "This field is required."),
        ("close", {}, 409, "This complaint cannot do that in its current state."),
        ("launch", {}, 400, "This complaint cannot do that in its current state."),
    ],
)
def test_an_action_refused_says_why_and_changes_nothing(
    signed_in, head, complaint, action, fields, status, message
):
    response = act(signed_in(head), complaint, action, **fields)
    assert response.status_code == status
    assert message in text(response)
    complaint.refresh_from_db()
    assert complaint.status == "received"
    assert list(complaint.events.values_list("action", flat=True)) == ["received", "assigned"]


def test_handing_over_goes_only_to_staff_of_the_office_with_a_reason(
    signed_in, head, operator, b_operator, complaint
):
    browser = signed_in(head)
    refused = act(browser, complaint, "assign", to=str(b_operator.pk), reason="Lviv knows")
    assert refused.status_code == 400
    response = act(browser, complaint, "assign", to=str(operator.pk), reason="Was at window 2")
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.assignee == operator
    page = text(browser.get(detail(complaint)))
    assert f"to {operator}: Was at window 2" in page


def test_the_deadline_is_extended_once(signed_in, head, complaint):
    browser = signed_in(head)
    assert act(browser, complaint, "extend", reason="Needs a study").status_code == 302
    complaint.refresh_from_db()
    # Ukraine: 30 + 15 days from 24 November 2026 -> Friday 8 January 2027.
    assert complaint.deadline == dt.date(2027, 1, 8)
    again = act(browser, complaint, "extend", reason="Still studying")
    assert again.status_code == 409
    assert "cannot be extended further" in text(again)


def test_forwarding_and_rejecting_record_where_and_why(signed_in, head, office_a, complaint):
    browser = signed_in(head)
    assert act(browser, complaint, "forward", to="State Migration Service").status_code == 302
    complaint.refresh_from_db()
    assert (complaint.status, complaint.reason) == ("forwarded", "State Migration Service")
    assert act(browser, complaint, "reject", reason="Too late").status_code == 409
    other = services.file_complaint(office_a, text="Insult", category="other")
    assert act(browser, other, "reject", reason="Anonymous insult").status_code == 302
    other.refresh_from_db()
    assert (other.status, other.reason) == ("rejected", "Anonymous insult")


def test_a_note_stays_in_the_trail(signed_in, head, complaint):
    assert act(signed_in(head), complaint, "note", note="Called the citizen").status_code == 302
    note = complaint.events.get(action="note")
    assert note.detail == {"note": "Called the citizen"}
    assert note.employee == head
