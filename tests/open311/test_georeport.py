"""Open311 GeoReport v2, as a plain HTTP client following the specification's examples uses it:
the services list, POST a request (form-encoded) and GET it back by id in JSON and in XML
(parsed with ElementTree), the filtered list, and the errors in the specification's format."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.utils import translation

from okno.feedback import services
from okno.feedback.models import Complaint
from okno.staff.services import issue_token
from tests.feedback.conftest import VISIT

BASE = "/open311/v2"
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(VISIT, tick=False)
    return time_machine


def post(client, fmt: str = "json", **fields: str):
    data = {
        "jurisdiction_id": "kyiv-centre",
        "service_code": "waiting",
        "description": "Two hours in the queue <and> no seats & no water",
        "lat": "50.450100",
        "long": "30.523400",
        "email": "someone@example.org",
    }
    data.update(fields)
    return client.post(f"{BASE}/requests.{fmt}", {k: v for k, v in data.items() if v is not None})


def xml(response) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    return ET.fromstring(response.content)


# --- services -----------------------------------------------------------------------------------


def test_services_list_one_realtime_service_per_category_in_json_and_xml(client, db):
    response = client.get(f"{BASE}/services.json", {"locale": "en"})
    assert response.status_code == 200
    rows = response.json()
    assert [row["service_code"] for row in rows] == Complaint.Category.values
    waiting = rows[0]
    assert waiting["service_name"] == "waiting and queue"
    assert waiting["type"] == "realtime"
    assert waiting["metadata"] is False
    assert waiting["group"] == "complaints and suggestions"
    assert "suggestion" in waiting["keywords"]

    root = xml(client.get(f"{BASE}/services.xml", {"locale": "en_GB"}))
    assert root.tag == "services"
    first = root.findall("service")[0]
    assert first.findtext("service_code") == "waiting"
    assert first.findtext("metadata") == "false"
    assert first.findtext("type") == "realtime"
    assert len(root.findall("service")) == len(Complaint.Category.values)


@pytest.mark.parametrize(
    ("params", "headers", "language"),
    [
        ({"locale": "pl_PL"}, {"HTTP_ACCEPT_LANGUAGE": "uk"}, "pl"),
        ({}, {"HTTP_ACCEPT_LANGUAGE": "ru"}, "ru"),
        ({"locale": "xx"}, {"HTTP_ACCEPT_LANGUAGE": "kk"}, "kk"),
    ],
)
def test_service_names_follow_the_locale_or_the_accept_language(
    client, db, params, headers, language
):
    rows = client.get(f"{BASE}/services.json", params, **headers).json()
    with translation.override(language):
        expected = [str(label) for label in Complaint.Category.labels]
    assert [row["service_name"] for row in rows] == expected


# --- a round trip -------------------------------------------------------------------------------


def test_a_request_posted_is_filed_and_read_back_by_id_in_json_and_xml(client, office_a, head):
    response = post(client, locale="en")
    assert response.status_code == 201
    [created] = response.json()
    assert set(created) == {"service_request_id", "service_notice", "account_id"}
    assert created["account_id"] is None
    code = created["service_request_id"]
    complaint = Complaint.objects.get(code=code)
    assert complaint.channel == "open311"
    assert complaint.office == office_a and complaint.category == "waiting"
    assert complaint.contact == "someone@example.org"
    assert str(complaint.latitude) == "50.450100"
    # Ukraine: 30 calendar days from 24 November 2026.
    assert "2026-12-24" in created["service_notice"]

    [request] = client.get(f"{BASE}/requests/{code}.json").json()
    assert list(request) == REQUEST_FIELDS
    assert request["service_request_id"] == code
    assert request["status"] == "open"
    assert request["service_code"] == "waiting"
    assert request["requested_datetime"] == "2026-11-24T10:00:00+02:00"
    assert request["expected_datetime"] == "2026-12-24T23:59:59+02:00"
    assert request["lat"] == 50.4501 and request["long"] == 30.5234
    assert "someone@example.org" not in str(request)

    services.answer_complaint(
        complaint, employee=head, answer="Seats <and> water are there now.", now=VISIT
    )
    root = xml(client.get(f"{BASE}/requests/{code.lower()}.xml"))
    assert root.tag == "service_requests"
    [element] = root.findall("request")
    assert [child.tag for child in element] == REQUEST_FIELDS
    assert element.findtext("status") == "closed"
    assert element.findtext("status_notes") == "Seats <and> water are there now."
    assert element.findtext("updated_datetime") == "2026-11-24T10:00:00+02:00"


def test_a_request_posted_for_xml_answers_in_xml(client, office_a):
    response = post(client, fmt="xml", email=None, phone="067 123 45 67")
    assert response.status_code == 201
    root = xml(response)
    request = root.find("request")
    code = request.findtext("service_request_id")
    assert Complaint.objects.get(code=code).contact == "+380671234567"
    assert request.findtext("account_id") == ""


def test_posting_needs_no_csrf_token(office_a):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert post(strict).status_code == 201


# --- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "status", "words"),
    [
        ({"jurisdiction_id": ""}, 400, "jurisdiction_id is required"),
        ({"jurisdiction_id": "atlantis"}, 404, "jurisdiction_id was not found"),
        ({"service_code": "potholes"}, 404, "service_code was not found"),
        ({"description": "  "}, 400, "description is required"),
        ({"lat": "91"}, 400, "lat is not a valid coordinate"),
        ({"long": "east"}, 400, "long is not a valid coordinate"),
        ({"long": ""}, 400, "lat and long go together"),
        ({"email": "not an address"}, 400, ""),
    ],
)
def test_a_bad_post_is_answered_with_the_errors_format(client, office_a, fields, status, words):
    response = post(client, locale="en", **fields)
    assert response.status_code == status
    [error] = response.json()
    assert error["code"] == status
    assert words in error["description"]
    root = xml(post(client, fmt="xml", locale="en", **fields))
    assert root.tag == "errors"
    assert root.find("error").findtext("code") == str(status)
    assert not Complaint.objects.exists()


def test_an_unknown_request_is_a_404_in_the_errors_format(client, db):
    response = client.get(f"{BASE}/requests/ABCDEFGHJK.json")
    assert response.status_code == 404
    assert response.json()[0]["code"] == 404
    root = xml(client.get(f"{BASE}/requests/ABCDEFGHJK.xml"))
    assert root.find("error").findtext("code") == "404"


def test_anonymous_posts_are_rate_limited(client, office_a):
    for _ in range(20):
        assert post(client).status_code == 201
    response = post(client)
    assert response.status_code == 429
    assert response.json()[0]["code"] == 429


# --- the list -----------------------------------------------------------------------------------


@pytest.fixture
def filed(office_a, office_b, head):
    """Three complaints: open waiting and answered staff at office A, open premises at B."""
    waiting = services.file_complaint(office_a, text="Slow", category="waiting")
    staff = services.file_complaint(office_a, text="Rude", category="staff", now=VISIT)
    services.answer_complaint(staff, employee=head, answer="Sorry.")
    premises = services.file_complaint(office_b, text="Cold", category="premises")
    return {"waiting": waiting, "staff": staff, "premises": premises}


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return sorted(row["service_request_id"] for row in response.json())


def test_anybody_reads_requests_by_their_ids(client, filed):
    wanted = f"{filed['waiting'].code},{filed['premises'].code}, NOPE"
    response = client.get(f"{BASE}/requests.json", {"service_request_id": wanted})
    assert ids(response) == sorted([filed["waiting"].code, filed["premises"].code])


def test_listing_by_filters_needs_a_staff_key_and_stays_in_its_offices(
    client, filed, head, operator, analyst
):
    refused = client.get(f"{BASE}/requests.json", {"status": "open"})
    assert refused.status_code == 403
    assert refused.json()[0]["code"] == 403
    key = issue_token(operator.user)
    assert client.get(f"{BASE}/requests.json", {"api_key": key}).status_code == 403

    key = issue_token(head.user)
    everything = client.get(f"{BASE}/requests.json", {"api_key": key})
    assert ids(everything) == sorted([filed["waiting"].code, filed["staff"].code])
    closed = client.get(f"{BASE}/requests.json", {"api_key": key, "status": "closed"})
    assert ids(closed) == [filed["staff"].code]
    by_code = client.get(f"{BASE}/requests.json", {"api_key": key, "service_code": "waiting"})
    assert ids(by_code) == [filed["waiting"].code]

    key = issue_token(analyst.user)
    assert len(ids(client.get(f"{BASE}/requests.json", {"api_key": key}))) == 3
    later = (VISIT + dt.timedelta(hours=1)).isoformat()
    assert ids(client.get(f"{BASE}/requests.json", {"api_key": key, "start_date": later})) == []
    root = xml(client.get(f"{BASE}/requests.xml", {"api_key": key, "end_date": later}))
    assert len(root.findall("request")) == 3


@pytest.mark.parametrize(
    "params", [{"status": "pending"}, {"start_date": "yesterday"}, {"end_date": "2026-13-01"}]
)
def test_bad_filters_are_answered_with_the_errors_format(client, filed, analyst, params):
    key = issue_token(analyst.user)
    response = client.get(f"{BASE}/requests.json", {"api_key": key, **params})
    assert response.status_code == 400
    assert response.json()[0]["code"] == 400
