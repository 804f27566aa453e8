"""An application in a real browser, from the window to the back office and back to the citizen.

The operator serves a visitor for a copy of a civil-status record, registers the application from
the console with the documents handed in and prints the receipt; the civil registry's clerk takes
it up, grants it and sends the result to window 2; the citizen's page says where to pick it up;
the operator hands it out and closes it; the citizen rates how it was handled. axe-core checks
every page on the way.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e import support

pytestmark = pytest.mark.e2e

OFFICE = support.QUEUE_OFFICE
OPERATOR = support.employee("operator.anna")
CLERK = support.employee("clerk.civil")
SERVICE = support.service("C02")
WINDOW = 1
PICKUP_WINDOW = 2


def test_an_application_goes_from_the_window_to_the_back_office_and_back_to_the_citizen(
    open_page,
):
    from okno.cases.models import Case
    from okno.catalog.models import Office, Service
    from okno.feedback.models import Rating
    from okno.queueing import services as queue

    office = Office.objects.get(slug=OFFICE)
    ticket = queue.issue_ticket(office, Service.objects.get(code=SERVICE["code"]))

    # The operator calls the visitor and registers the application from the console.
    desk = open_page("/en/desk/")
    support.sign_in(desk, OPERATOR["username"])
    # She works in two offices; her usual window, in this office, is offered first.
    desk.get_by_role("button", name=f"Work at service point {WINDOW}").first.click()
    desk.get_by_role("button", name="Call next").click()
    desk.get_by_role("button", name="Start service").click()
    desk.get_by_role("link", name="Register an application").click()
    expect(desk.locator("h1")).to_have_text("Register an application")
    expect(desk.locator("main")).to_contain_text(SERVICE["name"]["en"])
    violations = support.accessibility_violations(desk)
    mandatory = desk.locator("fieldset.intake-doc--mandatory")
    assert mandatory.count() >= 1, "the passport's checklist is shown"
    for document in mandatory.all():
        document.get_by_role("radio").nth(1).check()  # the first form after "not received"
    desk.get_by_label("Applicant's name").fill("Jan Testowy")
    desk.get_by_label("Phone or e-mail").fill("jan.testowy@example.org")
    desk.get_by_label("Open the print dialogue for the receipt").uncheck()
    desk.get_by_role("button", name="Register the application").click()
    expect(desk.locator("h1")).to_have_text("Receipt for documents received")
    case = Case.objects.get(ticket=ticket)
    expect(desk.locator("main")).to_contain_text(case.number)
    expect(desk.locator("main")).to_contain_text(case.code)
    violations += support.accessibility_violations(desk)

    # The civil registry's clerk finds it, takes it up, grants it and sends it to window 2.
    clerk = open_page("/en/staff/cases/")
    support.sign_in(clerk, CLERK["username"])
    clerk.goto("/en/staff/cases/?list=open")
    clerk.get_by_role("link", name=case.number).click()
    expect(clerk.locator("h1")).to_have_text(f"Application {case.number}")
    violations += support.accessibility_violations(clerk)
    take = clerk.get_by_role("button", name="Take from the pool")
    if take.count():
        take.click()
    clerk.get_by_role("button", name="Start work").click()
    expect(clerk.locator("main")).to_contain_text("in progress")
    decision = clerk.locator("form", has=clerk.get_by_role("button", name="Record the decision"))
    decision.get_by_role("radio", name="Granted").check()
    decision.get_by_role("button", name="Record the decision").click()
    ready = clerk.locator("form", has=clerk.get_by_role("button", name="Result ready for pick-up"))
    window = office.service_points.get(number=PICKUP_WINDOW)
    ready.get_by_label("Window where the result is handed out").select_option(str(window.pk))
    ready.get_by_role("button", name="Result ready for pick-up").click()
    expect(clerk.locator(".case-trail")).to_contain_text("result ready")
    violations += support.accessibility_violations(clerk)

    # The citizen's page, opened with the code from the receipt, says where to go.
    phone = open_page(f"/en/case/{case.code}/", viewport={"width": 360, "height": 740})
    expect(phone.locator(".case-state__text")).to_contain_text(
        f"window {window}. Bring your identity document."
    )
    assert support.horizontal_overflow(phone) == 0, "the page fits a 360 px phone"
    violations += support.accessibility_violations(phone)

    # The operator hands the result out and closes the application.
    desk.goto(f"/en/staff/cases/{case.number}/")
    desk.get_by_role("button", name="Result handed out").click()
    desk.get_by_role("button", name="Close the application").click()
    expect(desk.locator(".case-trail")).to_contain_text("closed")

    # The citizen rates how the application was handled.
    phone.reload()
    expect(phone.locator(".case-state__text")).to_contain_text("Your application is closed.")
    phone.get_by_role("link", name="Rate how your application was handled").click()
    violations += support.accessibility_violations(phone)
    for name in ("service_time", "waiting_time", "politeness", "comfort", "information"):
        question = phone.get_by_role("group", name=_question(name))
        question.get_by_role("radio", name="5 ").check()
    phone.get_by_role("button", name="Send my rating").click()
    expect(phone.locator("h1")).to_have_text("Thank you for your rating")
    rating = Rating.objects.get(case=case)
    assert (rating.office, rating.politeness) == (office, 5)
    assert violations == []


def _question(name: str) -> str:
    from tests.e2e.test_rating_journey import _question as question

    return question(name)
