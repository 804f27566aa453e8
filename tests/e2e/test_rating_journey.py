"""Rating a visit in a real browser: the tablet at window 1 wakes up by itself when the operator
finishes a visit there, the visitor gives a low score, and the head finds it to follow up.

The tablet runs against okno's ASGI application (`queue_site`), so the "visit finished" event
reaches it through the same Server-Sent Events stream as in an office; it is first waited for
until its stream is open. axe-core checks every screen the visitor and the head meet.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e import support

pytestmark = pytest.mark.e2e

OFFICE = support.QUEUE_OFFICE
OPERATOR = support.employee("operator.olena")
HEAD = support.employee("head.rynek")
SERVICE = support.service("A04")
WINDOW = 1
COMMENT = "Forty minutes in the queue with no seats"


def test_the_tablet_shows_the_visit_just_served_and_a_low_rating_reaches_the_head(open_page):
    from okno.catalog.models import Office, Service
    from okno.feedback import services as feedback
    from okno.queueing import services as queue
    from okno.staff.models import Employee

    office = Office.objects.get(slug=OFFICE)
    point = office.service_points.get(number=WINDOW)
    tablet = open_page(f"/en/rate/{point.pk}/", viewport={"width": 1024, "height": 768})
    support.mark_loaded(tablet)
    expect(tablet.locator("h1")).to_have_text("Thank you for your visit")
    violations = support.accessibility_violations(tablet)  # idle
    support.wait_until_listening(tablet)

    # The operator serves a visitor at window 1 (through the queue's services, as the desk does).
    operator = Employee.objects.get(user__username=OPERATOR["username"])
    ticket = queue.issue_ticket(office, Service.objects.get(code=SERVICE["code"]))
    queue.open_desk(operator, point)
    called = queue.call_next(operator)
    assert called == ticket
    queue.start_service(called, employee=operator)
    queue.finish_visit(called, employee=operator, outcome="served")

    expect(tablet.locator("h1")).to_have_text("Rate your visit", timeout=3000)
    expect(tablet.locator(".tablet-rate .lead")).to_contain_text(f"Ticket {ticket.label}")
    assert support.still_same_document(tablet), "the form came live, without a reload"
    violations += support.accessibility_violations(tablet)  # the form

    # The same visit's link (the ticket page's QR code) opens the same questions on a phone.
    phone = open_page(
        f"/en/rate/v/{feedback.rating_token(ticket)}/", viewport={"width": 360, "height": 740}
    )
    expect(phone.locator("h1")).to_have_text("Rate your visit")
    violations += support.accessibility_violations(phone)
    assert support.horizontal_overflow(phone) == 0, "the form fits a 360 px phone"

    scores = {"service_time": 4, "waiting_time": 1, "politeness": 5, "comfort": 2, "information": 4}
    for name, score in scores.items():
        question = tablet.get_by_role("group", name=_question(name))
        question.get_by_role("radio", name=f"{score} ").check()
    tablet.get_by_role("radio", name="3", exact=True).check()  # would recommend: 3 of 10
    tablet.get_by_label("What should we keep or change? (optional)").fill(COMMENT)
    tablet.get_by_role("button", name="Send my rating").click()
    expect(tablet.locator("h1")).to_have_text("Thank you for your rating!")
    violations += support.accessibility_violations(tablet)  # thanks
    # Back to the idle screen by itself after ten seconds.
    expect(tablet.locator("h1")).to_have_text("Thank you for your visit", timeout=13_000)
    assert support.still_same_document(tablet)

    head = open_page("/en/staff/follow-ups/")
    support.sign_in(head, HEAD["username"])
    item = head.locator("article.follow-up", has_text=COMMENT)
    expect(item).to_be_visible()
    expect(item).to_contain_text(f"ticket {ticket.label}")
    expect(item).to_contain_text(f"window {point}")
    expect(item.locator(".score-low")).to_have_count(2)  # waiting time 1, comfort 2
    violations += support.accessibility_violations(head)
    item.get_by_label("What was done").fill("Called back; more seats ordered")
    item.get_by_role("button", name="Mark as done").click()
    expect(head.get_by_role("status")).to_have_text("The follow-up is done.")
    expect(head.locator("article.follow-up", has_text=COMMENT)).to_have_count(0)
    assert not violations, "axe-core found:\n" + "\n".join(violations)


def _question(name: str) -> str:
    """The question as the /en/ tablet asks it (the label is lazy: read it in English)."""
    from django.utils import translation

    from okno.feedback.forms import QUESTIONS

    with translation.override("en"):
        return str(QUESTIONS[name])
