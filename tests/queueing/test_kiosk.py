"""The kiosk: groups, services, the priority step, taking a ticket, and every refusal explained."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import segno
import time_machine
from django.test import Client

from okno.core.qr import qr_svg
from okno.queueing import services
from okno.queueing.models import PriorityCategory, QueueSettings, Ticket
from tests.factories import OfficeFactory, ServiceFactory, ServiceGroupFactory

LANGUAGES = ["uk", "ru", "pl", "kk", "en"]
NOON = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)  # a Tuesday, 12:00 in Kyiv: open
SUNDAY = dt.datetime(2026, 11, 29, 10, 0, tzinfo=dt.UTC)  # 12:00 in Kyiv: closed all day


@pytest.fixture
def at_noon():
    with time_machine.travel(NOON, tick=False):
        yield


@pytest.fixture
def documents(office_a, office_b):
    """Group A "Documents" at office A: a passport (in person) and a certificate (online only)."""
    group = ServiceGroupFactory(prefix="A", name={"uk": "Документи", "en": "Documents"}, order=1)
    passport = ServiceFactory(
        group=group, name={"uk": "Паспорт", "en": "Passport"}, offices=[office_a]
    )
    ServiceFactory(
        group=group,
        name={"uk": "Довідка онлайн", "en": "Online certificate"},
        in_person=False,
        bookable=False,
        online=True,
        online_url="https://example.org/online",
        offices=[office_a],
    )
    ServiceFactory(
        group=group, name={"uk": "Архівна", "en": "Archived service"}, is_active=False
    ).offices.set([office_a])
    ServiceFactory(group=group, name={"uk": "Львівська", "en": "Lviv-only"}, offices=[office_b])
    return passport


@pytest.fixture
def pregnancy(office_a):
    return PriorityCategory.objects.create(
        office=office_a, code="pregnancy", name={"uk": "Вагітність", "en": "Pregnancy"}
    )


def _kiosk(office, lang="en"):
    return f"/{lang}/kiosk/{office.slug}/"


def _take(citizen: Client, office, data, lang="en"):
    return citizen.post(f"{_kiosk(office, lang)}take", data)


# --- choosing -----------------------------------------------------------------------------------


def test_the_start_screen_shows_the_groups_with_in_person_services_of_this_office(
    citizen, office_a, documents, service_b
):
    online_only = ServiceGroupFactory(prefix="O", name={"en": "Online things"})
    ServiceFactory(
        group=online_only,
        in_person=False,
        bookable=False,
        online=True,
        online_url="https://example.org/x",
        offices=[office_a],
    )

    page = citizen.get(_kiosk(office_a)).content.decode()

    assert "Documents" in page
    assert service_b.group.name["en"] not in page  # a group of office B only
    assert "Online things" not in page  # nothing in it can be taken in person
    assert f'href="/en/kiosk/{office_a.slug}/group/{documents.group_id}/"' in page


def test_each_group_button_tells_how_many_are_waiting(citizen, office_a, documents, at_noon):
    services.issue_ticket(office_a, documents)
    services.issue_ticket(office_a, documents)

    start = citizen.get(_kiosk(office_a)).content.decode()
    partial = citizen.get(f"{_kiosk(office_a)}groups").content.decode()

    assert "2 people waiting" in start
    assert "2 people waiting" in partial
    assert "<html" not in partial


def test_a_group_screen_lists_only_its_services_offered_in_person_here(
    citizen, office_a, documents
):
    page = citizen.get(f"{_kiosk(office_a)}group/{documents.group_id}/").content.decode()

    assert "Passport" in page
    assert "Online certificate" not in page
    assert "Archived service" not in page
    assert "Lviv-only" not in page
    assert f"/en/kiosk/{office_a.slug}/service/{documents.pk}/" in page


def test_a_group_with_nothing_to_take_here_is_not_found(citizen, office_a, service_b):
    assert citizen.get(f"{_kiosk(office_a)}group/{service_b.group_id}/").status_code == 404
    assert citizen.get(f"{_kiosk(office_a)}group/987654/").status_code == 404


def test_an_unknown_or_inactive_office_has_no_kiosk(citizen, db):
    closed = OfficeFactory(slug="closed", is_active=False)
    assert citizen.get("/en/kiosk/no-such-office/").status_code == 404
    assert citizen.get(_kiosk(closed)).status_code == 404


def test_the_service_screen_offers_priority_only_when_the_office_has_categories(
    citizen, office_a, documents
):
    url = f"{_kiosk(office_a)}service/{documents.pk}/"
    without = citizen.get(url).content.decode()
    PriorityCategory.objects.create(office=office_a, code="elderly", name={"en": "Elderly"})
    with_priority = citizen.get(url).content.decode()

    assert "Take a ticket" in without
    assert "priority/" not in without
    assert f"{url}priority/" in with_priority


def test_a_service_not_offered_here_is_refused_with_a_message(citizen, office_a, service_b):
    response = citizen.get(f"{_kiosk(office_a)}service/{service_b.pk}/")

    assert response.status_code == 400
    assert "This service is not offered at this office." in response.content.decode()


def test_the_priority_step_lists_this_offices_active_categories_and_asks_nothing_personal(
    citizen, office_a, office_b, documents, pregnancy
):
    PriorityCategory.objects.create(
        office=office_a, code="old", name={"en": "Retired category"}, is_active=False
    )
    PriorityCategory.objects.create(office=office_b, code="veteran", name={"en": "Lviv veterans"})

    page = citizen.get(f"{_kiosk(office_a)}service/{documents.pk}/priority/").content.decode()

    assert re.search(r'<button type="submit" name="priority" value="pregnancy"', page)
    assert "Retired category" not in page
    assert "Lviv veterans" not in page
    assert "take a regular ticket" in page
    assert "<input" in page and 'type="text"' not in page  # hidden fields only: no questions


# --- taking a ticket ----------------------------------------------------------------------------


def test_taking_a_ticket_issues_the_next_number_from_the_kiosk(
    citizen, office_a, documents, at_noon
):
    services.issue_ticket(office_a, documents)  # A001, already waiting

    response = _take(citizen, office_a, {"service": documents.pk})

    ticket = Ticket.objects.get(label="A002")
    assert ticket.source == Ticket.Source.KIOSK
    assert ticket.service == documents
    assert ticket.priority is None
    assert response.status_code == 302
    assert response["Location"] == f"/en/kiosk/{office_a.slug}/ticket/{ticket.code}/"


def test_the_ticket_screen_shows_the_number_people_ahead_and_a_qr_code_to_the_ticket_page(
    citizen, office_a, documents, at_noon
):
    services.issue_ticket(office_a, documents)
    page = _take(citizen, office_a, {"service": documents.pk})
    ticket = Ticket.objects.get(label="A002")

    screen = citizen.get(page["Location"]).content.decode()

    ticket_page = f"http://testserver/en/t/{ticket.code}/"
    assert '<span class="slip__number">A002</span>' in screen
    people_ahead = re.search(r"People ahead of you</dt><dd>(\d+)</dd>", screen)
    assert people_ahead and people_ahead.group(1) == "1"
    # Nobody serves group A yet: one server assumed, 1 ahead + this one = 2 × 15 minutes.
    assert "about 30 min" in screen
    assert ticket_page in screen
    svg = re.search(r"<svg [^>]*>.*?</svg>", screen, re.S).group(0)
    assert 'role="img"' in svg and "aria-label=" in svg
    expected = segno.make(ticket_page, error="m").svg_inline(omitsize=True, border=4, light="#fff")
    assert re.search(r' d="([^"]+)"', svg).group(1) in expected  # the same modules: that URL


def test_the_qr_code_encodes_exactly_the_url_given(db):
    url = "http://testserver/uk/t/abcdefghjkmn/"
    svg = qr_svg(url, label="QR")
    other = qr_svg("http://testserver/uk/t/abcdefghjkmp/", label="QR")

    assert svg.startswith('<svg role="img" aria-label="QR" ')
    assert svg != other


def test_a_priority_request_stores_the_category_and_its_head_start(
    citizen, office_a, documents, pregnancy, at_noon
):
    _take(citizen, office_a, {"service": documents.pk, "priority": "pregnancy"})

    ticket = Ticket.objects.get()
    assert ticket.priority == pregnancy
    assert ticket.priority_weight == pregnancy.weight_minutes
    assert ticket.queue_key == NOON - dt.timedelta(minutes=pregnancy.weight_minutes)


def test_the_ticket_screen_names_the_priority(citizen, office_a, documents, pregnancy, at_noon):
    response = _take(citizen, office_a, {"service": documents.pk, "priority": "pregnancy"})

    assert "Priority: Pregnancy" in citizen.get(response["Location"]).content.decode()


def test_a_closed_office_refuses_and_says_when_it_opens(citizen, office_a, documents):
    with time_machine.travel(SUNDAY, tick=False):
        response = _take(citizen, office_a, {"service": documents.pk})

    page = response.content.decode()
    assert response.status_code == 409
    assert "The office is closed now" in page
    assert "The office opens tomorrow at 08:00." in page
    assert not Ticket.objects.exists()


def test_an_office_that_issues_outside_hours_gives_a_ticket_on_sunday(citizen, office_a, documents):
    QueueSettings.objects.create(office=office_a, issue_outside_hours=True)
    with time_machine.travel(SUNDAY, tick=False):
        response = _take(citizen, office_a, {"service": documents.pk})

    assert response.status_code == 302
    assert Ticket.objects.get().label == "A001"


NOT_OFFERED = "This service is not offered at this office."
NO_SUCH_PRIORITY = "This priority category does not exist at this office."


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param({"service": "987654"}, NOT_OFFERED, id="unknown-service"),
        pytest.param({"service": "other-office"}, NOT_OFFERED, id="service-of-another-office"),
        pytest.param({"service": "online-only"}, NOT_OFFERED, id="service-not-in-person"),
        pytest.param({"service": "abc"}, NOT_OFFERED, id="garbage-service"),
        pytest.param({"service": "-1"}, NOT_OFFERED, id="negative-service"),
        pytest.param({"service": "9" * 20}, NOT_OFFERED, id="huge-service"),
        pytest.param({}, NOT_OFFERED, id="no-service"),
        pytest.param({"service": "passport", "priority": "veteran"}, NO_SUCH_PRIORITY, id="b-s"),
        pytest.param({"service": "passport", "priority": "no-such"}, NO_SUCH_PRIORITY, id="none"),
        pytest.param({"service": "passport", "priority": "<b>"}, NO_SUCH_PRIORITY, id="garbage"),
        pytest.param({"service": "passport", "priority": "x" * 41}, NO_SUCH_PRIORITY, id="long"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_no_ticket(
    citizen, office_a, office_b, documents, service_b, data, message, at_noon
):
    PriorityCategory.objects.create(office=office_b, code="veteran", name={"en": "Veteran"})
    online = ServiceFactory(
        in_person=False,
        bookable=False,
        online=True,
        online_url="https://example.org/",
        offices=[office_a],
    )
    names = {"passport": documents.pk, "other-office": service_b.pk, "online-only": online.pk}
    if "service" in data:
        data = {**data, "service": names.get(data["service"], data["service"])}

    response = _take(citizen, office_a, data)

    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert "Back to the start" in page
    assert not Ticket.objects.exists()


def test_opening_the_take_address_without_a_form_explains_what_to_do(citizen, office_a):
    response = citizen.get(f"{_kiosk(office_a)}take")

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert "Choose a service on the kiosk screen" in response.content.decode()


def test_taking_a_ticket_needs_the_csrf_token(office_a, documents, at_noon):
    strict = Client(enforce_csrf_checks=True)

    assert _take(strict, office_a, {"service": documents.pk}).status_code == 403
    assert not Ticket.objects.exists()
    form = strict.get(f"{_kiosk(office_a)}service/{documents.pk}/").content.decode()
    assert "csrfmiddlewaretoken" in form


def test_another_offices_ticket_is_not_shown_on_this_kiosk(
    citizen, office_a, office_b, service_b, at_noon
):
    ticket = services.issue_ticket(office_b, service_b)

    assert citizen.get(f"{_kiosk(office_a)}ticket/{ticket.code}/").status_code == 404
    assert citizen.get(f"{_kiosk(office_a)}ticket/nosuchcode/").status_code == 404


def test_an_old_ticket_screen_goes_back_to_the_start(citizen, office_a, documents):
    ticket = services.issue_ticket(office_a, documents, now=NOON, check_hours=False)

    with time_machine.travel(NOON + dt.timedelta(minutes=16), tick=False):
        response = citizen.get(f"{_kiosk(office_a)}ticket/{ticket.code}/")

    assert response.status_code == 302
    assert response["Location"] == _kiosk(office_a)


def test_the_kiosk_keeps_its_autoprint_setting_from_screen_to_screen(
    citizen, office_a, documents, at_noon
):
    start = citizen.get(f"{_kiosk(office_a)}?autoprint=1").content.decode()
    taken = _take(citizen, office_a, {"service": documents.pk}, lang="en")
    taken_auto = citizen.post(f"{_kiosk(office_a)}take?autoprint=1", {"service": documents.pk})

    assert f"/group/{documents.group_id}/?autoprint=1" in start
    assert "?autoprint" not in taken["Location"]
    assert taken_auto["Location"].endswith("/?autoprint=1")
    assert 'data-kiosk-autoprint="1"' in citizen.get(taken_auto["Location"]).content.decode()


def test_the_language_buttons_keep_the_kiosk_screen(citizen, office_a, documents):
    page = citizen.get(f"{_kiosk(office_a)}group/{documents.group_id}/").content.decode()

    for code in LANGUAGES:
        assert f'href="/{code}/kiosk/{office_a.slug}/group/{documents.group_id}/"' in page


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_kiosk_screen_renders_in_each_language(
    citizen, office_a, documents, pregnancy, lang, at_noon
):
    ticket = services.issue_ticket(office_a, documents)
    base = _kiosk(office_a, lang)
    screens = [
        base,
        f"{base}groups",
        f"{base}group/{documents.group_id}/",
        f"{base}service/{documents.pk}/",
        f"{base}service/{documents.pk}/priority/",
        f"{base}ticket/{ticket.code}/",
    ]
    for url in screens:
        response = citizen.get(url)
        assert response.status_code == 200, url
        if not url.endswith("groups"):
            assert f'<html lang="{lang}">' in response.content.decode(), url
    refusal = citizen.get(f"{base}take")
    assert refusal.status_code == 405
    assert f'<html lang="{lang}">' in refusal.content.decode()
