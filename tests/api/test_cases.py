"""The cases API: registering an application, a case and its next step for staff, the work
lists, and the applicant's status by the code on the receipt.

Scope reads like a story: the operator and the head of office A register and see its cases; the
migration unit's clerks see their unit's cases, not office B's registration unit's; the head of
office B (the outsider) gets 404 for everything of office A. Bad input is a JSON 4xx with a
message, never a 500; errors speak the requested language.
"""

# Fixtures imported from tests/cases/conftest.py are requested by name, which ruff reads as
# redefinitions of the imports.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import translation

from okno.api import cases as cases_api
from okno.cases import errors as case_errors
from okno.cases import selectors, services
from okno.cases.models import Case, CaseRules
from okno.catalog.models import RequiredDocument
from okno.notifications.backends import outbox
from okno.queueing import services as queue
from okno.staff import services as staff_services
from tests.cases.conftest import (  # noqa: F401 (fixtures)
    INTAKE,
    all_documents,
    clerk_2,
    documents,
    other_unit,
    pool_routing,
    register,
    unit,
    unit_head,
)
from tests.factories import EmployeeFactory, ServiceFactory, UserFactory

Status = Case.Status
#: Friday 4 December 2026, noon in Kyiv: a case registered at INTAKE is due on Tuesday the 8th,
#: two working days ahead — due soon, not yet overdue.
FRIDAY = dt.datetime(2026, 12, 4, 10, 0, tzinfo=dt.UTC)
#: Wednesday 9 December 2026: the same case is a day overdue.
PAST_DUE = dt.datetime(2026, 12, 9, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _at_intake(time_machine):
    time_machine.move_to(INTAKE, tick=False)


@pytest.fixture(autouse=True)
def _empty_outbox():
    outbox.clear()
    yield
    outbox.clear()


def bearer(employee) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {staff_services.issue_token(employee.user)}"}


def post(client: Client, path: str, body: object, **headers):
    headers.setdefault("HTTP_ACCEPT_LANGUAGE", "en")
    return client.post(path, json.dumps(body), content_type="application/json", **headers)


def get(client: Client, path: str, data: dict | None = None, **headers):
    headers.setdefault("HTTP_ACCEPT_LANGUAGE", "en")
    return client.get(path, data or {}, **headers)


def is_json_error(response, status: int, message: str | None = None) -> bool:
    if response.status_code != status or not response["Content-Type"].startswith(
        "application/json"
    ):
        return False
    text = response.json().get("message")
    return bool(text) and (message is None or text == message)


def english(message) -> str:
    with translation.override("en"):
        return str(message)


@pytest.fixture
def application(office_a, service_a, all_documents, pool_routing) -> dict:
    """What the front office sends for a complete passport application."""
    return {
        "service_id": service_a.pk,
        "office_id": office_a.pk,
        "documents_received": [
            {"document_id": doc_id, "form": form} for doc_id, form in all_documents.items()
        ],
        "applicant": {"name": "Iryna Koval", "contact": "+380501234567"},
    }


@pytest.fixture
def case(register) -> Case:
    """A passport application of office A in the migration unit's pool (status `sent`)."""
    return register()


@pytest.fixture
def case_b(office_b, service_b, other_unit) -> Case:
    """An application of office B, routed to its registration unit."""
    return services.register_case(
        office_b, service_b, employee=None, documents={}, applicant_name="Petro", now=INTAKE
    )


# --- registering --------------------------------------------------------------------------------


def test_an_operator_registers_an_application_which_goes_to_the_units_pool(
    citizen, operator, application, unit, documents, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(citizen, "/api/v1/cases", application, **bearer(operator))

    assert response.status_code == 201, response.content
    answer = response.json()
    case = Case.objects.get()
    assert answer["number"] == case.number == "KYIV-CENTRE-2026-00001"
    assert answer["code"] == case.code
    assert answer["status_url"].endswith(f"/case/{case.code}/")
    assert (answer["status"], answer["status_label"]) == ("sent", "sent to the provider")
    assert answer["unit"] == {"id": unit.pk, "name": "Migration unit"}
    assert answer["assignee"] is None
    # 10 working days from Tuesday 24 November 2026.
    assert (answer["deadline"], answer["days_left"], answer["term_unit"]) == (
        "2026-12-08",
        10,
        "working_days",
    )
    assert (answer["paused"], answer["overdue"]) == (False, False)
    assert answer["registered_by"] == str(operator)
    assert answer["applicant"]["name"] == "Iryna Koval"
    assert answer["applicant"]["contact"] != "+380501234567"
    assert answer["applicant"]["contact"].endswith("67")
    assert [d["document_id"] for d in answer["documents_received"]] == [
        documents[0].pk,
        documents[1].pk,
        documents[2].pk,
    ]
    # The operator (front office) may only withdraw a case the back office now holds.
    assert answer["allowed_steps"] == ["withdrawn"]
    assert [(e["action"], e["to_status"]) for e in answer["history"]] == [
        ("registered", "registered"),
        ("transition", "sent"),
    ]
    assert case.language == "uk"  # the office's, not the staff client's
    assert [m.to for m in outbox] == ["+380501234567"]


def test_without_send_the_case_stays_registered_and_keeps_the_visit(
    citizen, operator, office_a, service_a, application
):
    ticket = queue.issue_ticket(office_a, service_a)
    body = {**application, "send": False, "ticket_id": ticket.pk, "channel": "post"}
    response = post(citizen, "/api/v1/cases", body, **bearer(operator))

    assert response.status_code == 201, response.content
    answer = response.json()
    assert (answer["status"], answer["ticket"], answer["channel"]) == (
        "registered",
        ticket.label,
        "post",
    )
    assert answer["allowed_steps"] == ["sent", "withdrawn"]


def test_a_missing_mandatory_document_is_400_naming_it_in_the_requested_language(
    citizen, operator, application, documents
):
    body = {**application, "documents_received": [{"document_id": documents[0].pk, "form": "copy"}]}

    english_answer = post(citizen, "/api/v1/cases?lang=en", body, **bearer(operator))
    ukrainian_answer = post(
        citizen, "/api/v1/cases", body, HTTP_ACCEPT_LANGUAGE="uk", **bearer(operator)
    )

    assert is_json_error(english_answer, 400)
    assert english_answer.json()["missing_documents"] == ["Old passport"]
    assert "Old passport" in english_answer.json()["message"]
    assert ukrainian_answer.json()["missing_documents"] == ["Старий паспорт"]
    assert not Case.objects.exists()

    with_reason = {**body, "missing_documents_reason": "Lost; police note attached"}
    accepted = post(citizen, "/api/v1/cases", with_reason, **bearer(operator))
    assert accepted.status_code == 201
    assert accepted.json()["missing_documents_reason"] == "Lost; police note attached"


def test_the_applicant_details_the_service_requires_are_400_per_field(
    citizen, operator, application, service_a
):
    CaseRules.objects.create(service=service_a, identifier=CaseRules.Need.REQUIRED)
    missing = post(citizen, "/api/v1/cases", {**application, "applicant": {}}, **bearer(operator))
    bad_contact = post(
        citizen,
        "/api/v1/cases",
        {**application, "applicant": {"name": "I", "contact": "call me", "identifier": "12"}},
        **bearer(operator),
    )

    assert is_json_error(missing, 400)
    assert set(missing.json()["fields"]) == {"applicant_name", "identifier"}
    assert missing.json()["fields"]["applicant_name"] == "Give the applicant's name."
    assert is_json_error(bad_contact, 400)
    assert set(bad_contact.json()["fields"]) == {"contact"}
    assert not Case.objects.exists()


def test_only_the_front_office_heads_and_administrators_register(
    citizen, application, operator, head, administrator, clerk, analyst
):
    refused = [post(citizen, "/api/v1/cases", application, **bearer(p)) for p in (clerk, analyst)]
    taken = [
        post(citizen, "/api/v1/cases", application, **bearer(p))
        for p in (operator, head, administrator)
    ]

    message = english(case_errors.MayNotRegister.message)
    assert all(is_json_error(answer, 403, message) for answer in refused)
    assert [answer.status_code for answer in taken] == [201, 201, 201]
    assert Case.objects.count() == 3


def test_an_office_out_of_scope_is_404_and_nothing_is_registered(
    citizen, application, outsider, b_operator
):
    answers = [
        post(citizen, "/api/v1/cases", application, **bearer(outsider)),
        post(citizen, "/api/v1/cases", application, **bearer(b_operator)),
        post(citizen, "/api/v1/cases", {**application, "office_id": 999_999}, **bearer(outsider)),
    ]
    assert all(is_json_error(answer, 404, "Not found.") for answer in answers)
    assert not Case.objects.exists()


def test_a_service_not_offered_an_unknown_one_a_strange_document_or_visit_are_400(
    citizen, operator, application, office_b, service_b
):
    other_ticket = queue.issue_ticket(office_b, service_b)
    stranger = RequiredDocument.objects.create(service=service_b, name={"en": "Deed"}, order=1)
    answers = {
        "not offered": post(
            citizen,
            "/api/v1/cases",
            {**application, "service_id": service_b.pk},
            **bearer(operator),
        ),
        "unknown": post(
            citizen, "/api/v1/cases", {**application, "service_id": 999_999}, **bearer(operator)
        ),
        "visit": post(
            citizen,
            "/api/v1/cases",
            {**application, "ticket_id": other_ticket.pk},
            **bearer(operator),
        ),
        "document": post(
            citizen,
            "/api/v1/cases",
            {
                **application,
                "documents_received": [
                    *application["documents_received"],
                    {"document_id": stranger.pk, "form": "original"},
                ],
            },
            **bearer(operator),
        ),
    }
    assert is_json_error(
        answers["not offered"], 400, english(services.errors.ServiceNotOffered.message)
    )
    assert is_json_error(
        answers["unknown"], 400, english(services.errors.ServiceNotOffered.message)
    )
    assert is_json_error(answers["visit"], 400, english(case_errors.UnknownVisit.message))
    # A 4xx with the reason; the service answers it as a conflict (see the report on services).
    assert answers["document"].status_code == 400
    assert is_json_error(answers["document"], answers["document"].status_code)
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"service_id": 0},
        {"office_id": 2**70},
        {"office_id": "kyiv"},
        {"service_id": None},
        {"ticket_id": -1},
        {"channel": "fax"},
        {"language": "xx"},
        {"send": "maybe"},
        {"documents_received": [{"document_id": 1, "form": "photocopy"}]},
        {"documents_received": [{"form": "original"}]},
        {"documents_received": "all"},
        {"applicant": {"name": "Iryna\x00"}},
        {"applicant": {"contact": "x" * 255}},
        {"applicant": {"identifier": "1\n2"}},
        {"missing_documents_reason": "y" * 501},
    ],
)
def test_malformed_applications_are_422_with_the_errors(citizen, operator, application, change):
    response = post(citizen, "/api/v1/cases", {**application, **change}, **bearer(operator))
    assert is_json_error(response, 422, "The request is not valid.")
    assert response.json()["errors"]
    assert not Case.objects.exists()


def test_a_body_without_the_required_fields_or_not_json_is_a_json_4xx(citizen, operator):
    empty = post(citizen, "/api/v1/cases", {}, **bearer(operator))
    assert is_json_error(empty, 422)
    locations = {error["location"] for error in empty.json()["errors"]}
    assert {"body.payload.service_id", "body.payload.office_id"} <= locations
    broken = citizen.post("/api/v1/cases", "{", content_type="application/json", **bearer(operator))
    assert broken.status_code in (400, 422)
    assert broken["Content-Type"].startswith("application/json")


# --- one case -----------------------------------------------------------------------------------


def test_staff_in_scope_read_a_case_with_its_history_and_notes(
    citizen, case, head, clerk, unit_head, analyst, administrator
):
    services.add_note(case, employee=clerk, note="Applicant called, will bring the photo")
    readers = (head, clerk, unit_head, analyst, administrator)
    answers = [get(citizen, f"/api/v1/cases/{case.number}", **bearer(p)) for p in readers]

    assert [answer.status_code for answer in answers] == [200] * len(readers)
    answer = answers[1].json()
    assert answer["number"] == case.number
    assert answer["code"] == case.code  # staff who see the case may print the receipt again
    assert answer["applicant"]["identifier"] == ""
    note = answer["history"][-1]
    assert (note["action"], note["note"], note["employee"]) == (
        "note",
        "Applicant called, will bring the photo",
        str(clerk),
    )
    # The clerk of the unit may start work on it; the head may take every step the table allows.
    assert answer["allowed_steps"] == ["in_progress", "withdrawn"]
    assert answers[0].json()["allowed_steps"] == ["in_progress", "withdrawn"]
    assert answers[3].json()["allowed_steps"] == []  # the analyst reads only


def test_a_case_out_of_scope_is_404_as_if_it_did_not_exist(citizen, case, case_b, outsider, clerk):
    borys = case_b.unit.members.get()
    answers = [
        get(citizen, f"/api/v1/cases/{case.number}", **bearer(outsider)),
        get(citizen, f"/api/v1/cases/{case.number}", **bearer(borys)),
        get(citizen, f"/api/v1/cases/{case_b.number}", **bearer(clerk)),
        get(citizen, "/api/v1/cases/KYIV-CENTRE-2026-99999", **bearer(clerk)),
    ]
    assert all(is_json_error(answer, 404, "Not found.") for answer in answers)
    mine = get(citizen, f"/api/v1/cases/{case.number.lower()}", **bearer(clerk))
    assert mine.status_code == 200


# --- steps --------------------------------------------------------------------------------------


def test_the_clerk_takes_the_case_through_the_pipeline(
    citizen, case, clerk, operator, office_a, django_capture_on_commit_callbacks
):
    url = f"/api/v1/cases/{case.number}/transition"
    clerk_token, operator_token = bearer(clerk), bearer(operator)

    started = post(citizen, url, {"to": "in_progress"}, **clerk_token)
    assert started.status_code == 200, started.content
    assert (started.json()["status"], started.json()["assignee"]) == ("in_progress", str(clerk))

    with django_capture_on_commit_callbacks(execute=True):
        waiting = post(
            citizen, url, {"to": "waiting_applicant", "reason": "A photo 3.5×4.5"}, **clerk_token
        )
    assert waiting.json()["paused"] is True
    assert waiting.json()["waiting_for"] == "A photo 3.5×4.5"
    assert [m.kind for m in outbox]  # the applicant is told what is awaited
    assert "A photo 3.5×4.5" in outbox[-1].body

    post(citizen, url, {"to": "in_progress"}, **clerk_token)
    decided = post(citizen, url, {"to": "decided", "decision": "granted"}, **clerk_token)
    assert (decided.json()["decision"], decided.json()["decision_label"]) == ("granted", "granted")
    window = office_a.service_points.get(number=2)
    ready = post(citizen, url, {"to": "ready", "pickup_point_id": window.pk}, **operator_token)
    assert (ready.json()["status"], ready.json()["pickup_point"]) == ("ready", str(window))
    issued = post(citizen, url, {"to": "issued"}, **operator_token)
    closed = post(citizen, url, {"to": "closed"}, **operator_token)
    assert (issued.json()["delivery"], closed.json()["status"]) == ("at_centre", "closed")
    assert closed.json()["applicant"]["contact"] == ""  # wiped once closed
    steps = [e["to_status"] for e in closed.json()["history"] if e["action"] == "transition"]
    assert steps == [
        "sent",
        "in_progress",
        "waiting_applicant",
        "in_progress",
        "decided",
        "ready",
        "issued",
        "closed",
    ]


def test_a_step_the_role_does_not_take_is_403_one_the_table_refuses_409(
    citizen, case, operator, clerk, analyst
):
    url = f"/api/v1/cases/{case.number}/transition"
    not_front_office = post(citizen, url, {"to": "in_progress"}, **bearer(operator))
    not_analyst = post(citizen, url, {"to": "withdrawn", "reason": "x"}, **bearer(analyst))
    not_from_sent = post(citizen, url, {"to": "decided", "decision": "granted"}, **bearer(clerk))

    message = english(case_errors.StepNotYours.message)
    assert is_json_error(not_front_office, 403, message)
    assert is_json_error(not_analyst, 403, message)
    assert is_json_error(not_from_sent, 409, english(services.errors.TransitionNotAllowed.message))
    case.refresh_from_db()
    assert case.status == Status.SENT


def test_a_step_without_what_it_needs_is_400(citizen, case, clerk, operator, office_b):
    url = f"/api/v1/cases/{case.number}/transition"
    token = bearer(clerk)
    no_reason = post(citizen, url, {"to": "withdrawn", "reason": "  "}, **token)
    post(citizen, url, {"to": "in_progress"}, **token)
    no_decision = post(citizen, url, {"to": "decided"}, **token)
    no_grounds = post(citizen, url, {"to": "decided", "decision": "refused"}, **token)
    post(citizen, url, {"to": "decided", "decision": "granted"}, **token)
    elsewhere = office_b.service_points.get()
    foreign_window = post(
        citizen, url, {"to": "ready", "pickup_point_id": elsewhere.pk}, **bearer(operator)
    )

    assert is_json_error(no_reason, 400, english(services.errors.ReasonRequired.message))
    assert is_json_error(no_decision, 400, english(services.errors.DecisionRequired.message))
    assert is_json_error(no_grounds, 400, english(services.errors.GroundsRequired.message))
    assert is_json_error(foreign_window, 400, english(case_errors.UnknownServicePoint.message))
    case.refresh_from_db()
    assert case.status == Status.DECIDED


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"to": "done"},
        {"to": "decided", "decision": "maybe"},
        {"to": "issued", "delivery": "pigeon"},
        {"to": "ready", "pickup_point_id": 0},
        {"to": "withdrawn", "reason": "a\x00b"},
        {"to": "withdrawn", "reason": "r" * 5001},
    ],
)
def test_malformed_steps_are_422(citizen, case, head, body):
    url = f"/api/v1/cases/{case.number}/transition"
    assert is_json_error(post(citizen, url, body, **bearer(head)), 422)


def test_a_step_on_a_case_out_of_scope_is_404(citizen, case, outsider):
    url = f"/api/v1/cases/{case.number}/transition"
    response = post(citizen, url, {"to": "withdrawn", "reason": "x"}, **bearer(outsider))
    assert is_json_error(response, 404)
    assert Case.objects.get().status == Status.SENT


# --- work lists ---------------------------------------------------------------------------------


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["number"] for row in response.json()["items"]]


def test_the_overdue_and_due_soon_lists_follow_the_deadline(
    citizen, register, head, clerk, time_machine
):
    due_8th = register()
    later_case = register(now=INTAKE + dt.timedelta(days=7))  # due on 15 December
    paused = register()
    services.transition(paused, Status.IN_PROGRESS, employee=clerk, now=INTAKE)
    services.transition(
        paused, Status.WAITING_APPLICANT, employee=clerk, reason="photo", now=INTAKE
    )

    time_machine.move_to(FRIDAY, tick=False)
    soon = get(citizen, "/api/v1/cases", {"list": "due_soon"}, **bearer(head))
    overdue_on_friday = get(citizen, "/api/v1/cases", {"list": "overdue"}, **bearer(head))
    assert numbers(soon) == [due_8th.number]
    assert numbers(overdue_on_friday) == []
    row = soon.json()["items"][0]
    assert (row["deadline"], row["days_left"], row["overdue"]) == ("2026-12-08", 2, False)

    time_machine.move_to(PAST_DUE, tick=False)
    token = bearer(clerk)
    overdue = get(citizen, "/api/v1/cases", {"list": "overdue"}, **token)
    assert numbers(overdue) == [due_8th.number]
    assert overdue.json()["items"][0]["overdue"] is True
    assert overdue.json()["items"][0]["days_left"] == -1
    everything_open = numbers(get(citizen, "/api/v1/cases", {"list": "open"}, **token))
    assert everything_open == [due_8th.number, paused.number, later_case.number]


def test_the_back_office_lists_only_its_units_cases(citizen, case, case_b, clerk, head, outsider):
    borys = case_b.unit.members.get()
    assert numbers(get(citizen, "/api/v1/cases", {"list": "pool"}, **bearer(clerk))) == [
        case.number
    ]
    assert numbers(get(citizen, "/api/v1/cases", {"list": "all"}, **bearer(borys))) == [
        case_b.number
    ]
    assert numbers(get(citizen, "/api/v1/cases", {"list": "all"}, **bearer(head))) == [case.number]
    assert numbers(get(citizen, "/api/v1/cases", {"list": "all"}, **bearer(outsider))) == [
        case_b.number
    ]
    mine = get(citizen, "/api/v1/cases", {"list": "mine"}, **bearer(clerk))
    assert numbers(mine) == []


def test_work_lists_are_filtered_and_paginated(
    citizen, register, head, administrator, office_a, office_b, service_a, monkeypatch
):
    monkeypatch.setattr(cases_api, "PAGE_SIZE", 2)
    made = [register(now=INTAKE + dt.timedelta(minutes=n)) for n in range(3)]
    services.transition(made[1], Status.WITHDRAWN, employee=None, reason="changed mind")
    token = bearer(head)

    first = get(citizen, "/api/v1/cases", {"list": "all"}, **token)
    second = get(citizen, "/api/v1/cases", {"list": "all", "page": 2}, **token)
    assert (numbers(first), first.json()["has_next"]) == ([made[2].number, made[1].number], True)
    assert (numbers(second), second.json()["has_next"]) == ([made[0].number], False)
    assert first.json()["page_size"] == 2

    withdrawn = get(citizen, "/api/v1/cases", {"list": "all", "status": "withdrawn"}, **token)
    assert numbers(withdrawn) == [made[1].number]
    other = ServiceFactory(code="A02", offices=[office_a])
    by_service = get(citizen, "/api/v1/cases", {"list": "all", "service_id": other.pk}, **token)
    assert numbers(by_service) == []
    in_b = get(
        citizen, "/api/v1/cases", {"list": "all", "office_id": office_b.pk}, **bearer(administrator)
    )
    assert numbers(in_b) == []
    unknown_office = get(citizen, "/api/v1/cases", {"office_id": 999_999}, **token)
    assert is_json_error(unknown_office, 404)


@pytest.mark.parametrize(
    "query",
    [
        {"list": "everything"},
        {"status": "done"},
        {"page": 0},
        {"page": "two"},
        {"service_id": 2**70},
        {"office_id": "kyiv"},
    ],
)
def test_malformed_work_list_queries_are_422(citizen, head, query):
    assert is_json_error(get(citizen, "/api/v1/cases", query, **bearer(head)), 422)


# --- the applicant's status ---------------------------------------------------------------------


def test_the_applicant_reads_the_status_by_the_code_without_personal_data(
    citizen, case, clerk, unit_head
):
    services.add_note(case, employee=clerk, note="Secret staff remark")
    services.transition(case, Status.IN_PROGRESS, employee=clerk, now=INTAKE)

    response = get(citizen, f"/api/v1/case-status/{case.code.lower()}", {"lang": "en"})

    assert response.status_code == 200, response.content
    answer = response.json()
    assert (answer["status"], answer["status_label"]) == ("in_progress", "in progress")
    assert (answer["deadline"], answer["days_left"], answer["paused"]) == ("2026-12-08", 10, False)
    assert answer["responsible"]["name"] == str(clerk)
    assert answer["office"]["name"] == "Kyiv service centre"
    assert answer["service"]["name"] == "Passport"
    assert [change["status"] for change in answer["history"]] == [
        "registered",
        "sent",
        "in_progress",
    ]
    text = response.content.decode()
    for private in ("Iryna", "Koval", "380501234567", "Secret staff remark", case.code):
        assert private not in text


def test_a_pool_case_names_the_units_head_and_a_paused_one_says_so(citizen, case, clerk, unit_head):
    assert get(citizen, f"/api/v1/case-status/{case.code}").json()["responsible"] == {
        "name": str(unit_head),
        "role": "Head of the migration unit",
    }
    services.transition(case, Status.IN_PROGRESS, employee=clerk, now=INTAKE)
    services.transition(
        case, Status.WAITING_AGENCY, employee=clerk, reason="Tax office asked", now=INTAKE
    )
    assert get(citizen, f"/api/v1/case-status/{case.code}").json()["paused"] is True


def test_an_unknown_code_is_404_and_a_malformed_one_422(citizen, case):
    unknown = get(citizen, "/api/v1/case-status/ZZZZZZZZZZ")
    assert is_json_error(
        unknown, 404, "No application has this code. Check the code on your receipt."
    )
    assert is_json_error(get(citizen, "/api/v1/case-status/AB-CD"), 422)
    assert is_json_error(get(citizen, f"/api/v1/case-status/{'A' * 17}"), 422)
    assert is_json_error(get(citizen, "/api/v1/case-status/ABCDEFGHJKLMN"), 404)


def test_status_look_ups_from_one_address_are_limited(citizen, case, monkeypatch):
    monkeypatch.setattr(cases_api, "LOOKUPS_PER_ADDRESS", 2)
    url = f"/api/v1/case-status/{case.code}"
    answers = [get(citizen, url) for _ in range(3)]
    another_address = get(citizen, url, REMOTE_ADDR="10.0.0.9")

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert is_json_error(answers[2], 429, english(case_errors.TooManyLookups.message))
    assert another_address.status_code == 200


# --- authentication and language ----------------------------------------------------------------


STAFF_ENDPOINTS = [
    ("post", "/api/v1/cases"),
    ("get", "/api/v1/cases"),
    ("get", "/api/v1/cases/KYIV-CENTRE-2026-00001"),
    ("post", "/api/v1/cases/KYIV-CENTRE-2026-00001/transition"),
]


@pytest.mark.parametrize(("method", "path"), STAFF_ENDPOINTS)
def test_staff_endpoints_refuse_anonymous_and_forged_tokens(citizen, db, method, path):
    anonymous = getattr(citizen, method)(path)
    forged = getattr(citizen, method)(path, HTTP_AUTHORIZATION="Bearer okno_forged")
    assert is_json_error(anonymous, 401)
    assert "Bearer" in anonymous.json()["message"]
    assert is_json_error(forged, 401)


def test_a_login_that_is_not_an_employee_is_403_in_the_requested_language(db, case):
    browser = Client()
    browser.force_login(UserFactory(username="visitor"))
    english_answer = browser.get("/api/v1/cases?lang=en", HTTP_ACCEPT_LANGUAGE="uk")
    ukrainian_answer = browser.get("/api/v1/cases", HTTP_ACCEPT_LANGUAGE="uk")

    assert is_json_error(english_answer, 403, "Only employees of a centre can do this.")
    assert is_json_error(ukrainian_answer, 403, "Це можуть робити лише працівники центру.")
    detail = browser.get(f"/api/v1/cases/{case.number}", HTTP_ACCEPT_LANGUAGE="en")
    assert is_json_error(detail, 403)


def test_a_staff_session_works_too(signed_in, case, clerk):
    browser = signed_in(clerk)
    response = browser.get(f"/api/v1/cases/{case.number}")
    assert response.status_code == 200
    assert numbers(browser.get("/api/v1/cases", {"list": "pool"})) == [case.number]


def test_errors_follow_accept_language_and_lang(citizen, outsider, case):
    uk = get(citizen, f"/api/v1/cases/{case.number}", HTTP_ACCEPT_LANGUAGE="uk", **bearer(outsider))
    en = get(citizen, f"/api/v1/cases/{case.number}", HTTP_ACCEPT_LANGUAGE="en", **bearer(outsider))
    assert (uk.json()["message"], en.json()["message"]) == ("Не знайдено.", "Not found.")
    invalid = get(citizen, "/api/v1/case-status/a-b", HTTP_ACCEPT_LANGUAGE="uk")
    assert invalid.json()["message"] == "Некоректний запит."


def test_the_schema_literals_follow_the_models():
    assert set(cases_api.StatusName.__args__) == set(Status.values)
    assert set(cases_api.DocumentForm.__args__) == set(RequiredDocument.Form.values)
    assert cases_api.WorkListName.__args__ == selectors.WORK_LISTS
    assert set(cases_api.TransitionIn.model_fields["delivery"].annotation.__args__[0].__args__) == (
        set(Case.Delivery.values)
    )


def test_the_openapi_spec_documents_every_case_endpoint(citizen, db):
    spec = citizen.get("/api/v1/openapi.json").json()
    paths = {
        (method.upper(), path.removeprefix("/api/v1"))
        for path, operations in spec["paths"].items()
        for method in operations
    }
    assert {
        ("POST", "/cases"),
        ("GET", "/cases"),
        ("GET", "/cases/{number}"),
        ("POST", "/cases/{number}/transition"),
        ("GET", "/case-status/{code}"),
    } <= paths
    create = spec["paths"]["/api/v1/cases"]["post"]
    assert create["description"] and create["security"]
    assert {"201", "400", "401", "403", "404", "409", "422"} <= set(create["responses"])
    assert create["requestBody"]["content"]["application/json"]["example"]["documents_received"]
    listing = spec["paths"]["/api/v1/cases"]["get"]
    assert {"list", "service_id", "status", "office_id", "page"} <= {
        p["name"] for p in listing["parameters"]
    }
    public = spec["paths"]["/api/v1/case-status/{code}"]["get"]
    assert "security" not in public
    assert {"200", "404", "429"} <= set(public["responses"])


def test_a_head_of_another_office_does_not_learn_a_code_opens_anything_more(
    citizen, case, outsider
):
    # The code alone is the applicant's key: staff of another office get the public answer only.
    public = get(citizen, f"/api/v1/case-status/{case.code}", **bearer(outsider))
    assert public.status_code == 200
    assert "applicant" not in public.json()


def test_a_new_employee_with_a_token_but_no_office_sees_nothing(citizen, case):
    nobody = EmployeeFactory(username="nadia", role="operator", offices=[])
    assert numbers(get(citizen, "/api/v1/cases", {"list": "all"}, **bearer(nobody))) == []
    assert is_json_error(get(citizen, f"/api/v1/cases/{case.number}", **bearer(nobody)), 404)
