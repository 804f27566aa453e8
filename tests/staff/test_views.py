"""Staff pages: sign in, my offices, an office's team and who can deliver what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from okno.staff import services
from okno.staff.models import ApiToken, Competency
from tests.factories import EmployeeFactory, ServiceFactory, UserFactory

PASSWORD = "correct horse battery staple"


def test_the_sign_in_page_is_a_plain_form(citizen, db):
    response = citizen.get("/uk/staff/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="uk">' in html
    assert 'method="post"' in html and 'name="username"' in html and 'name="password"' in html


def test_anonymous_visitors_are_sent_to_sign_in(citizen, db):
    response = citizen.get("/uk/staff/")
    assert response.status_code == 302
    assert response["Location"] == "/uk/staff/login/?next=/uk/staff/"


def test_an_office_page_sends_anonymous_visitors_to_sign_in(citizen, office_a):
    response = citizen.get("/pl/staff/offices/kyiv-centre/")
    assert response.status_code == 302
    assert response["Location"].startswith("/pl/staff/login/?next=")


def test_an_employee_signs_in_and_lands_on_their_offices(citizen, head):
    response = citizen.post("/uk/staff/login/", {"username": "halyna", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/uk/staff/"
    home = citizen.get("/uk/staff/")
    assert home.status_code == 200
    assert "ЦНАП Київ" in home.content.decode()


def test_a_wrong_password_is_refused_on_the_same_page(citizen, head):
    response = citizen.post("/uk/staff/login/", {"username": "halyna", "password": "wrong"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert "_auth_user_id" not in citizen.session


def test_a_signed_in_employee_visiting_sign_in_goes_home(signed_in, head):
    response = signed_in(head).get("/uk/staff/login/")
    assert response.status_code == 302 and response["Location"] == "/uk/staff/"


def test_signing_out_takes_a_post(signed_in, head):
    browser = signed_in(head)
    assert browser.get("/uk/staff/logout/").status_code == 405
    response = browser.post("/uk/staff/logout/")
    assert response.status_code == 302 and response["Location"] == "/uk/"
    assert browser.get("/uk/staff/").status_code == 302


def test_the_head_of_office_a_sees_office_a_on_their_home_page(signed_in, head, office_b):
    html = signed_in(head).get("/en/staff/").content.decode()
    assert "Kyiv service centre" in html
    assert "Lviv service centre" not in html and "lviv-centre" not in html


def test_an_analyst_sees_every_office_on_their_home_page(signed_in, analyst, office_a, office_b):
    html = signed_in(analyst).get("/en/staff/").content.decode()
    assert "Kyiv service centre" in html and "Lviv service centre" in html


def test_a_login_without_an_employee_profile_is_told_to_ask_for_offices(db):
    browser = Client()
    browser.force_login(UserFactory())
    response = browser.get("/en/staff/")
    assert response.status_code == 200
    assert "You are not assigned to any office yet" in response.content.decode()


def test_the_office_page_shows_the_team_and_who_can_deliver_each_service(
    signed_in, head, operator, clerk, b_operator, office_a
):
    passport = ServiceFactory(code="A01", name={"en": "Passport"}, offices=[office_a])
    registration = ServiceFactory(code="A02", name={"en": "Registration"}, offices=[office_a])
    for employee in (operator, clerk):
        services.grant_competency(employee, service=passport)
    services.grant_competency(operator, service=registration)

    response = signed_in(head).get("/en/staff/offices/kyiv-centre/")

    assert response.status_code == 200
    team = [employee.user.username for employee in response.context["employees"]]
    assert sorted(team) == ["bohdan", "halyna", "olena"]
    assert dict((s.code, n) for s, n in response.context["coverage"]) == {"A01": 2, "A02": 1}
    assert [s.code for s in response.context["thin"]] == ["A02"]
    html = response.content.decode()
    assert "bozhena" not in html
    assert "1 service has one person or nobody able to deliver it." in html


def test_an_employee_of_both_offices_appears_in_both_teams(signed_in, analyst, office_a, office_b):
    EmployeeFactory(
        username="roaming", first_name="Roman", last_name="Roaming", offices=[office_a, office_b]
    )
    browser = signed_in(analyst)
    for slug in ("kyiv-centre", "lviv-centre"):
        response = browser.get(f"/en/staff/offices/{slug}/")
        assert "roaming" in [e.user.username for e in response.context["employees"]]


@pytest.mark.parametrize("actor", ["operator", "clerk", "head"])
def test_office_a_staff_cannot_open_office_b(request, signed_in, office_b, actor):
    employee = request.getfixturevalue(actor)
    assert signed_in(employee).get("/en/staff/offices/lviv-centre/").status_code == 404


def test_the_head_of_office_b_cannot_open_office_a(signed_in, outsider, office_a):
    assert signed_in(outsider).get("/en/staff/offices/kyiv-centre/").status_code == 404


def test_an_unknown_office_is_404_like_a_foreign_one(signed_in, head):
    assert signed_in(head).get("/en/staff/offices/atlantis/").status_code == 404


# --- staff constraints -------------------------------------------------------------------------


def test_a_competency_is_held_once(operator, service_a):
    Competency.objects.create(employee=operator, service=service_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Competency.objects.create(employee=operator, service=service_a)


def test_a_token_cannot_be_revoked_before_it_was_created(operator):
    services.issue_token(operator.user)
    token = ApiToken.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        ApiToken.objects.filter(pk=token.pk).update(
            revoked_at=token.created_at - dt.timedelta(days=1)
        )
