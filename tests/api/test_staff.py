"""The staff API: bearer tokens or a staff session, always office-scoped, 401 JSON otherwise."""

from __future__ import annotations

import pytest
from django.test import Client

from okno.staff import services
from okno.staff.models import ApiToken
from tests.factories import EmployeeFactory, UserFactory


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_a_token_works_as_a_bearer_header(citizen, head, office_a):
    raw = services.issue_token(head.user)
    response = citizen.get("/api/v1/staff/me", **bearer(raw))
    assert response.status_code == 200
    assert response.json() == {
        "username": "halyna",
        "full_name": head.user.get_full_name(),
        "role": "head",
        "sees_all_offices": False,
        "offices": [{"id": office_a.pk, "slug": "kyiv-centre", "name": "ЦНАП Київ"}],
    }


def test_the_scheme_is_case_insensitive(citizen, head):
    raw = services.issue_token(head.user)
    assert citizen.get("/api/v1/staff/me", HTTP_AUTHORIZATION=f"bearer {raw}").status_code == 200


def test_a_staff_session_works_too(signed_in, analyst, office_a, office_b):
    response = signed_in(analyst).get("/api/v1/staff/me")
    assert response.status_code == 200
    body = response.json()
    assert body["role"] == "analyst" and body["sees_all_offices"] is True
    assert [office["slug"] for office in body["offices"]] == ["kyiv-centre", "lviv-centre"]


def refused(response) -> bool:
    return (
        response.status_code == 401
        and response["Content-Type"].startswith("application/json")
        and "Bearer" in response.json()["message"]
    )


def test_no_credentials_are_refused_with_a_json_message(citizen, db):
    assert refused(citizen.get("/api/v1/staff/me"))


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer ",
        "Bearer okno_not-a-real-token",
        "Basic aGFseW5hOnB3",
        "Token okno_x",
        "okno_x",
    ],
)
def test_a_malformed_or_unknown_authorization_is_refused(citizen, head, header):
    services.issue_token(head.user)
    assert refused(citizen.get("/api/v1/staff/me", HTTP_AUTHORIZATION=header))


def test_a_revoked_token_is_refused(citizen, head):
    raw = services.issue_token(head.user)
    services.revoke_token(ApiToken.objects.get())
    assert refused(citizen.get("/api/v1/staff/me", **bearer(raw)))


def test_a_deactivated_employees_token_is_refused(citizen, head):
    raw = services.issue_token(head.user)
    head.user.is_active = False
    head.user.save()
    assert refused(citizen.get("/api/v1/staff/me", **bearer(raw)))


def test_a_deactivated_employees_session_is_refused(signed_in, head):
    browser = signed_in(head)
    head.user.is_active = False
    head.user.save()
    assert refused(browser.get("/api/v1/staff/me"))


def test_each_endpoint_refuses_strangers(citizen, db):
    for path in ("/api/v1/staff/me", "/api/v1/staff/offices", "/api/v1/staff/employees"):
        assert refused(citizen.get(path)), path


def test_a_signed_in_login_that_is_not_an_employee_sees_no_offices(office_a):
    browser = Client()
    browser.force_login(UserFactory(username="visitor"))
    me = browser.get("/api/v1/staff/me").json()
    assert me["role"] is None and me["offices"] == [] and me["sees_all_offices"] is False
    assert browser.get("/api/v1/staff/offices").json() == []
    assert browser.get("/api/v1/staff/employees").json() == []


def test_my_offices(citizen, outsider, office_a):
    raw = services.issue_token(outsider.user)
    offices = citizen.get("/api/v1/staff/offices", **bearer(raw)).json()
    assert [office["slug"] for office in offices] == ["lviv-centre"]
    assert set(offices[0]) == {"id", "slug", "name"}


def test_employees_in_my_office_with_their_competencies(
    citizen, head, operator, clerk, service_a, b_operator
):
    services.grant_competency(operator, service=service_a)
    raw = services.issue_token(head.user)
    employees = citizen.get("/api/v1/staff/employees", **bearer(raw)).json()
    by_name = {employee["username"]: employee for employee in employees}
    assert set(by_name) == {"halyna", "olena", "bohdan"}
    assert by_name["olena"] == {
        "username": "olena",
        "full_name": operator.user.get_full_name(),
        "role": "operator",
        "position": "",
        "offices": ["kyiv-centre"],
        "competencies": ["A01"],
    }


def test_employees_filtered_by_one_of_my_offices(citizen, head, operator, office_a, office_b):
    EmployeeFactory(username="shared", role="head", offices=[office_a, office_b])
    raw = services.issue_token(head.user)
    response = citizen.get("/api/v1/staff/employees", {"office": office_a.pk}, **bearer(raw))
    assert response.status_code == 200
    assert {e["username"] for e in response.json()} == {"halyna", "olena", "shared"}


def test_employees_of_another_office_are_404(citizen, head, office_b, b_operator):
    raw = services.issue_token(head.user)
    for office_id in (office_b.pk, 999999):
        response = citizen.get("/api/v1/staff/employees", {"office": office_id}, **bearer(raw))
        assert response.status_code == 404
        assert response.json()["message"]


def test_an_analyst_sees_employees_of_every_office(citizen, analyst, operator, b_operator):
    raw = services.issue_token(analyst.user)
    employees = citizen.get("/api/v1/staff/employees", **bearer(raw)).json()
    assert {"olena", "bozhena"} <= {e["username"] for e in employees}
