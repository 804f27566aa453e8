"""The queue's admin: heads set their own offices' priorities and rules; tickets and desk sessions
are an audit trail, read-only, and each person sees only their offices'."""

from __future__ import annotations

import datetime as dt

import pytest

from okno.queueing import services
from okno.queueing.models import DeskSession, PriorityCategory, QueueSettings, Ticket
from tests.factories import CompetencyFactory

NOON = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)


def rows(response) -> list:
    return list(response.context["cl"].result_list)


@pytest.fixture
def categories(office_a, office_b):
    return (
        PriorityCategory.objects.create(
            office=office_a, code="pregnancy", name={"en": "Pregnancy"}
        ),
        PriorityCategory.objects.create(office=office_b, code="veterans", name={"en": "Veterans"}),
    )


@pytest.fixture
def tickets(office_a, office_b, service_a, service_b, operator):
    """A served ticket in office A (with its history) and a waiting one in office B."""
    CompetencyFactory(employee=operator, service=service_a)
    services.open_desk(operator, office_a.service_points.get(number=1), now=NOON)
    served = services.issue_ticket(office_a, service_a, now=NOON, check_hours=False)
    services.call_next(operator, now=NOON)
    services.start_service(served, employee=operator, now=NOON)
    services.finish_visit(served, employee=operator, note="all good", now=NOON)
    waiting = services.issue_ticket(office_b, service_b, now=NOON, check_hours=False)
    return served, waiting


# --- priority categories and queue rules --------------------------------------------------------


def test_a_head_sees_and_edits_only_their_offices_priority_categories(signed_in, head, categories):
    mine, theirs = categories
    browser = signed_in(head)
    response = browser.get("/admin/queueing/prioritycategory/")
    assert response.status_code == 200
    assert rows(response) == [mine]
    assert browser.get(f"/admin/queueing/prioritycategory/{theirs.pk}/change/").status_code == 302
    assert not PriorityCategory.objects.filter(pk=theirs.pk, weight_minutes=30).exists()


def test_a_head_adds_a_priority_category_for_their_office_only(signed_in, head, office_a, office_b):
    browser = signed_in(head)
    form = browser.get("/admin/queueing/prioritycategory/add/")
    offices = list(form.context["adminform"].form.fields["office"].queryset)
    assert offices == [office_a]
    data = {
        "code": "elderly",
        "name_en": "Elderly",
        "weight_minutes": "15",
        "order": "1",
        "is_active": "on",
    }
    refused = browser.post("/admin/queueing/prioritycategory/add/", {**data, "office": office_b.pk})
    assert refused.status_code == 200  # the form again, with an error
    assert not PriorityCategory.objects.filter(code="elderly").exists()
    added = browser.post("/admin/queueing/prioritycategory/add/", {**data, "office": office_a.pk})
    assert added.status_code == 302
    category = PriorityCategory.objects.get(code="elderly")
    assert (category.office, category.name, category.weight_minutes) == (
        office_a,
        {"en": "Elderly"},
        15,
    )


def test_a_head_sets_the_queue_rules_of_their_office(signed_in, head, office_a, office_b):
    QueueSettings.objects.create(office=office_b, wait_norm_minutes=20)
    browser = signed_in(head)
    assert rows(browser.get("/admin/queueing/queuesettings/")) == []
    response = browser.post(
        "/admin/queueing/queuesettings/add/",
        {
            "office": office_a.pk,
            "no_show_after_recalls": "2",
            "no_show_after_minutes": "5",
            "wait_norm_minutes": "12",
            "booked_wait_norm_minutes": "4",
        },
    )
    assert response.status_code == 302
    assert services.queue_settings(office_a).wait_norm_minutes == 12
    assert services.queue_settings(office_a).booked_wait_norm_minutes == 4
    assert [s.office for s in rows(browser.get("/admin/queueing/queuesettings/"))] == [office_a]


def test_an_operator_cannot_touch_priorities_or_rules(signed_in, operator, categories):
    browser = signed_in(operator)
    assert browser.get("/admin/queueing/prioritycategory/").status_code == 403
    assert browser.get("/admin/queueing/queuesettings/").status_code == 403


# --- tickets and sessions: the audit trail ------------------------------------------------------


def test_a_head_sees_only_their_offices_tickets(signed_in, head, tickets):
    served, _waiting = tickets
    response = signed_in(head).get("/admin/queueing/ticket/")
    assert response.status_code == 200
    assert rows(response) == [served]


def test_an_analyst_sees_every_offices_tickets(signed_in, analyst, tickets):
    response = signed_in(analyst).get("/admin/queueing/ticket/")
    assert set(rows(response)) == set(tickets)


def test_tickets_are_found_by_label_and_filtered_by_state_and_outcome(signed_in, analyst, tickets):
    served, waiting = tickets
    browser = signed_in(analyst)
    assert rows(browser.get("/admin/queueing/ticket/", {"q": waiting.label})) == [waiting]
    assert rows(browser.get("/admin/queueing/ticket/", {"state": "waiting"})) == [waiting]
    assert rows(browser.get("/admin/queueing/ticket/", {"outcome": "served"})) == [served]
    assert rows(
        browser.get("/admin/queueing/ticket/", {"office__id__exact": served.office_id})
    ) == [served]
    day = {"service_day__gte": "2026-11-24", "service_day__lt": "2026-11-25"}
    assert set(rows(browser.get("/admin/queueing/ticket/", day))) == set(tickets)


def test_a_ticket_is_read_only_with_its_history(signed_in, head, tickets):
    served, waiting = tickets
    browser = signed_in(head)
    response = browser.get(f"/admin/queueing/ticket/{served.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="_save"' not in page
    assert "all good" in page
    events = response.context["inline_admin_formsets"][0]
    assert [form.original.action for form in events] == [
        "issued",
        "called",
        "started",
        "finished",
    ]
    assert served.code not in page  # the citizen's key stays out of the audit view
    refused = browser.post(f"/admin/queueing/ticket/{served.pk}/change/", {"note": "changed"})
    assert refused.status_code == 403
    served.refresh_from_db()
    assert served.note == "all good"
    assert browser.get("/admin/queueing/ticket/add/").status_code == 403
    assert browser.post(f"/admin/queueing/ticket/{served.pk}/delete/").status_code == 403
    other = browser.get(f"/admin/queueing/ticket/{waiting.pk}/change/")
    assert other.status_code == 302  # not in their offices: "does not exist"
    assert Ticket.objects.count() == 2


def test_an_operator_may_look_tickets_up_in_their_office(signed_in, operator, tickets):
    served, _waiting = tickets
    response = signed_in(operator).get("/admin/queueing/ticket/")
    assert rows(response) == [served]
    assert signed_in(operator).get("/admin/queueing/desksession/").status_code == 403


def test_a_head_sees_their_offices_desk_sessions_with_pauses(
    signed_in, head, operator, office_a, office_b, b_operator
):
    services.open_desk(operator, office_a.service_points.get(number=1), now=NOON)
    services.pause_desk(operator, reason="lunch", now=NOON)
    services.open_desk(b_operator, office_b.service_points.get(), now=NOON)
    browser = signed_in(head)
    response = browser.get("/admin/queueing/desksession/")
    assert [s.employee for s in rows(response)] == [operator]
    mine = DeskSession.objects.get(employee=operator)
    detail = browser.get(f"/admin/queueing/desksession/{mine.pk}/change/")
    assert detail.status_code == 200
    pauses = detail.context["inline_admin_formsets"][0]
    assert [form.original.reason for form in pauses] == ["lunch"]
    assert 'name="_save"' not in detail.content.decode()
    theirs = DeskSession.objects.get(employee=b_operator)
    assert browser.get(f"/admin/queueing/desksession/{theirs.pk}/change/").status_code == 302


def test_the_office_filter_lists_only_the_heads_offices(signed_in, head, tickets, office_b):
    page = signed_in(head).get("/admin/queueing/ticket/").content.decode()
    assert "ЦНАП Київ" in page
    assert "ЦНАП Львів" not in page
