"""The pains page: who may see it, which offices, and recomputing on request."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from okno.feedback import pains
from okno.feedback.models import CRITERIA, PainReport
from okno.feedback.services import record_rating
from okno.staff.models import Role
from tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db

GOOD = dict.fromkeys(CRITERIA, 5)


def url(**query: str) -> str:
    with translation.override("en"):
        path = reverse("feedback:pains")
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.fixture
def rated(office_a, service_a):
    """Twenty-four ratings at office A: twelve about the queue, twelve about parking."""
    today = dt.date.today()
    for index in range(24):
        about_queue = index % 2 == 0
        record_rating(
            office_a,
            service_a,
            scores={**GOOD, ("waiting_time" if about_queue else "comfort"): 2},
            channel="terminal",
            visited_on=today - dt.timedelta(days=index % 10),
            recommend=10 if index % 3 else 3,
            comment=(
                f"The queue was long, waited hours ({index})"
                if about_queue
                else f"No parking space near the office ({index})"
            ),
        )


def test_the_signed_out_are_sent_to_sign_in(citizen):
    response = citizen.get(url())
    assert response.status_code == 302
    assert "/login/" in response["Location"]


@pytest.mark.parametrize("who", ["operator", "clerk"])
def test_operators_and_the_back_office_may_not_look(who, request, signed_in):
    employee = request.getfixturevalue(who)
    assert signed_in(employee).get(url()).status_code == 403
    assert signed_in(employee).post(url()).status_code == 403


def test_a_head_sees_the_newest_report_of_their_office_with_topics_and_hotspots(
    signed_in, head, office_a, rated
):
    pains.compute_pains(office=office_a, now=timezone.now() - dt.timedelta(hours=2))
    newest = pains.compute_pains(office=office_a)
    response = signed_in(head).get(url(), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.context["report"] == newest
    page = response.content.decode()
    assert "Map of pains" in page
    assert "Recompute now" in page
    topics = response.context["topics"]
    assert topics and any("queue" in t.words for t in topics)
    assert any("parking" in t.words for t in topics)
    assert "<svg" in page and "<title" in page, "charts with titles"
    assert response.context["hotspots"], "24 ratings in one cell: a hotspot"
    first = response.context["hotspots"][0]
    assert first.n == 24 and first.criterion in (
        "comfort of the premises",
        "waiting time in the queue",
    )
    # 12 of 24 satisfied (comfort and waiting alike; comfort first by name): Wilson 31.4 %.
    assert first.wilson_low == pytest.approx(31.4, abs=0.05)


def test_a_head_cannot_see_another_office(signed_in, head, office_b):
    pains.compute_pains(office=office_b)
    assert signed_in(head).get(url(office=office_b.slug)).status_code == 404
    assert signed_in(head).post(url(), {"office": office_b.slug}).status_code == 404
    assert not PainReport.objects.filter(office=office_b).count() > 1


def test_a_head_recomputes_their_office_only(signed_in, head, office_a, rated):
    browser = signed_in(head)
    response = browser.post(url(), {"office": office_a.slug})
    assert response.status_code == 302
    assert response["Location"] == url(office=office_a.slug, recomputed="1")
    assert list(PainReport.objects.values_list("office", flat=True)) == [office_a.pk]
    # Straight away again: the scope is still claimed, nothing is computed twice.
    again = browser.post(url(), {"office": office_a.slug})
    assert again["Location"] == url(office=office_a.slug, busy="1")
    assert PainReport.objects.count() == 1
    page = browser.get(again["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "recomputed less than a minute ago" in page


def test_a_head_without_a_choice_recomputes_their_first_office_not_all(signed_in, head, office_a):
    signed_in(head).post(url(), {"office": ""})
    assert list(PainReport.objects.values_list("office", flat=True)) == [office_a.pk]


def test_an_analyst_sees_all_offices_and_can_choose_one(signed_in, analyst, office_a, office_b):
    everywhere = pains.compute_pains()
    at_b = pains.compute_pains(office=office_b)
    browser = signed_in(analyst)
    response = browser.get(url())
    assert response.status_code == 200 and response.context["report"] == everywhere
    assert {o.slug for o in response.context["offices"]} >= {office_a.slug, office_b.slug}
    assert browser.get(url(office=office_b.slug)).context["report"] == at_b
    assert browser.get(url(office="no-such-office")).status_code == 404


def test_an_administrator_recomputes_all_offices(signed_in, administrator, office_a):
    response = signed_in(administrator).post(url(), {"office": ""})
    assert response["Location"] == url(recomputed="1")
    assert list(PainReport.objects.values_list("office", flat=True)) == [None]


def test_no_report_yet_says_so(signed_in, head, office_a):
    page = signed_in(head).get(url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No report has been computed for this scope yet" in page


def test_a_head_of_no_office_is_told_so(signed_in):
    lonely = EmployeeFactory(username="lonely", role=Role.HEAD, offices=[])
    response = signed_in(lonely).get(url(), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "do not work at any office" in response.content.decode()


def test_the_page_renders_in_ukrainian_with_dots_in_its_charts(signed_in, head, office_a, rated):
    pains.compute_pains(office=office_a)
    with translation.override("uk"):
        path = reverse("feedback:pains")
    page = signed_in(head).get(path).content.decode()
    assert 'lang="uk"' in page
    # Decimal commas belong in text, never in SVG geometry.
    for attribute in re.findall(r'(?:width|x1|x2|points)="([^"]*)"', page):
        assert "," not in attribute or " " in attribute, attribute
