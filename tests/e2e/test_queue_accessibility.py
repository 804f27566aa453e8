"""The live queue's screens for everyone: axe-core finds nothing serious or critical, the kiosk
works with the keyboard alone, and the ticket page fits a 320 px phone.

Each screen is checked in the states people meet it in (an empty board and one calling a
ticket; a waiting and a called ticket; the console idle and with a visitor called), since the
live parts are swapped in by htmx after the page has loaded.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e import support

pytestmark = pytest.mark.e2e

OFFICE = support.QUEUE_OFFICE
OPERATOR = support.employee("operator.olena")
HEAD = support.employee("head.rynek")
SERVICE = support.service("A04")
GROUP = support.group_name(SERVICE["group"])
WINDOW = OPERATOR["home_service_point"]


def test_a_visitor_takes_a_priority_ticket_with_the_keyboard_alone_on_accessible_screens(
    open_page,
):
    kiosk = open_page(f"/en/kiosk/{OFFICE}/")
    violations = support.accessibility_violations(kiosk)  # the start screen

    _tab_to(kiosk, kiosk.get_by_role("link", name=re.compile(GROUP)))
    kiosk.keyboard.press("Enter")
    expect(kiosk.locator("h1")).to_have_text(GROUP)
    violations += support.accessibility_violations(kiosk)
    _tab_to(kiosk, kiosk.get_by_role("link", name=re.compile(re.escape(SERVICE["name"]["en"]))))
    kiosk.keyboard.press("Enter")
    expect(kiosk.locator("h1")).to_have_text(SERVICE["name"]["en"])
    violations += support.accessibility_violations(kiosk)
    _tab_to(kiosk, kiosk.get_by_role("link", name="I need priority service"))
    kiosk.keyboard.press("Enter")
    expect(kiosk.locator("h1")).to_have_text("Priority service")
    violations += support.accessibility_violations(kiosk)
    _tab_to(kiosk, kiosk.get_by_role("button", name="Aged 75 or over"))
    kiosk.keyboard.press("Enter")

    expect(kiosk.locator(".slip__number")).to_have_text("A001")
    expect(kiosk.locator(".slip__priority")).to_have_text("Priority: Aged 75 or over")
    violations += support.accessibility_violations(kiosk)  # the ticket, with its QR code
    _tab_to(kiosk, kiosk.get_by_role("link", name="Done"))
    kiosk.keyboard.press("Enter")
    expect(kiosk.locator("h1")).to_have_text("Take a ticket")
    assert not violations, "axe-core found:\n" + "\n".join(violations)


def test_the_board_and_the_ticket_page_are_accessible_and_the_ticket_fits_a_320_pixel_phone(
    open_page,
):
    board = open_page(f"/en/board/{OFFICE}/")
    violations = support.accessibility_violations(board)  # nobody called yet
    support.wait_until_listening(board)
    ticket, operator = _waiting_ticket_and_operator_at_work()

    phone = open_page(f"/en/t/{ticket.code}/", viewport={"width": 320, "height": 640})
    expect(phone.locator(".ticket-state__headline")).to_have_text("You are in the queue.")
    violations += support.accessibility_violations(phone)
    assert support.horizontal_overflow(phone) == 0, "waiting: no sideways scrolling at 320 px"
    support.wait_until_listening(phone)

    from okno.queueing import services

    services.call_next(operator)
    expect(board.locator(f".board-call[data-label='{ticket.label}']")).to_be_visible()
    violations += support.accessibility_violations(board)
    expect(phone.locator(".ticket-state__headline")).to_have_text(f"Go to window {WINDOW}")
    expect(phone.locator(".ticket-state--called")).to_have_attribute("role", "alert")
    violations += support.accessibility_violations(phone)
    assert support.horizontal_overflow(phone) == 0, "called: no sideways scrolling at 320 px"

    assert not violations, "axe-core found:\n" + "\n".join(violations)


def test_the_console_and_the_monitor_are_accessible_in_each_state(open_page):
    desk = open_page("/en/desk/")
    support.sign_in(desk, OPERATOR["username"])
    expect(desk.locator("h1")).to_have_text("Choose your service point")
    violations = support.accessibility_violations(desk)
    desk.get_by_role("button", name=f"Work at service point {WINDOW}").click()
    expect(desk.locator("#desk-ticket-heading")).to_have_text("No visitor at the window")
    violations += support.accessibility_violations(desk)

    support.wait_until_listening(desk)
    _issue_ticket()
    expect(desk.locator("#desk-counts")).to_contain_text("1 visitor waiting")

    desk.get_by_role("button", name="Call next").click()
    expect(desk.locator(".desk-ticket__label")).to_have_text("A001")
    violations += support.accessibility_violations(desk)
    desk.get_by_role("button", name="Start service").click()
    expect(desk.get_by_role("button", name="Finish")).to_be_visible()
    desk.locator(".desk-more summary").click()  # the transfer form, opened
    violations += support.accessibility_violations(desk)

    monitor = open_page(f"/en/monitor/{OFFICE}/")
    support.sign_in(monitor, HEAD["username"])
    expect(monitor.locator(".monitor-desks")).to_contain_text("Serving")
    violations += support.accessibility_violations(monitor)

    assert not violations, "axe-core found:\n" + "\n".join(violations)


# --- helpers ------------------------------------------------------------------------------------


def _tab_to(page, target, *, limit: int = 30) -> None:
    """Press Tab until `target` has the focus, and check that the focus can be seen."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            assert target.evaluate(support.FOCUS_INDICATOR), "the focus is visible"
            return
    raise AssertionError(f"{limit} presses of Tab did not reach {target}")


def _issue_ticket():
    """A ticket for the service, issued as the kiosk issues it (the kiosk's own screens have a
    test of their own)."""
    from okno.catalog.models import Office, Service
    from okno.queueing import services

    office = Office.objects.get(slug=OFFICE)
    return services.issue_ticket(office, Service.objects.get(code=SERVICE["code"]))


def _waiting_ticket_and_operator_at_work():
    """A ticket waiting for the service, and the operator at their window, ready to call it."""
    from okno.queueing import services
    from okno.staff.models import Employee

    ticket = _issue_ticket()
    operator = Employee.objects.get(user__username=OPERATOR["username"])
    services.open_desk(operator, ticket.office.service_points.get(number=WINDOW))
    return ticket, operator
