"""The front office's intake pages: registering an application at the window (or without a
ticket), the checklist and the applicant's details the service asks for, who may do it, and the
printed receipt in the applicant's language."""

from __future__ import annotations

import html
import re

import pytest
from django.utils import translation

from okno.cases.models import Case, CaseRules
from okno.catalog.models import ServicePoint
from okno.queueing import services as queue
from okno.queueing.models import Ticket
from tests.cases.conftest import INTAKE
from tests.factories import CompetencyFactory, ServiceFactory

pytestmark = pytest.mark.django_db

NEW = "/{lang}/staff/cases/new/"


@pytest.fixture(autouse=True)
def _at_intake(time_machine, settings):
    """Tuesday 24 November 2026, 10:00 in Kyiv; the public address the receipt prints.

    A request leaves its page's language active in the thread; it is put back afterwards, so that
    tests run after these do not depend on which page these last asked for.
    """
    time_machine.move_to(INTAKE, tick=False)
    settings.OKNO_PUBLIC_URL = "https://okno.example"
    language = translation.get_language()
    yield
    translation.activate(language)


@pytest.fixture
def desk(signed_in, operator):
    return signed_in(operator)


@pytest.fixture
def ticket_in_service(office_a, service_a, operator) -> Ticket:
    """A visitor for the passport service at the operator's window 1, being served."""
    CompetencyFactory(employee=operator, service=service_a)
    queue.open_desk(operator, ServicePoint.objects.get(office=office_a, number=1))
    queue.issue_ticket(office_a, service_a, check_hours=False)
    ticket = queue.call_next(operator)
    return queue.start_service(ticket, employee=operator)


@pytest.fixture
def complete(documents) -> dict[str, str]:
    """The form of a complete passport application, in English."""
    application, old_passport, photo, _tax_record = documents
    return {
        "channel": "in_person",
        f"doc_{application.pk}": "original",
        f"doc_{old_passport.pk}": "original_and_copy",
        f"doc_{photo.pk}": "",
        "missing_reason": "",
        "applicant_name": "Iryna Koval",
        "contact": "+380501234567",
        "language": "en",
        "send": "on",
    }


def text_of(response) -> str:
    """The response's visible text with tags removed and spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def receipt_text(response) -> str:
    """Only the receipt itself (the printed part), as text."""
    page = response.content.decode()
    return text_of_html(page[page.index("<article") : page.index("</article>")])


def text_of_html(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def office_url(office, *, lang: str = "en", **extra: str) -> str:
    query = "&".join(f"{key}={value}" for key, value in {"office": office.slug, **extra}.items())
    return f"{NEW.format(lang=lang)}?{query}"


# --- registering at the window -------------------------------------------------------------------


def test_the_console_offers_to_register_an_application_for_the_ticket_in_service(
    desk, ticket_in_service, office_a
):
    page = desk.get("/en/desk/").content.decode()
    assert f'href="/en/staff/cases/new/?ticket={ticket_in_service.pk}"' in page
    assert f'href="/en/staff/cases/new/?office={office_a.slug}"' in page


def test_the_idle_console_offers_an_application_without_a_ticket(desk, office_a, operator):
    queue.open_desk(operator, ServicePoint.objects.get(office=office_a, number=1))
    page = desk.get("/en/desk/")
    assert "Application without a ticket" in text_of(page)
    assert "?ticket=" not in page.content.decode()


def test_the_form_for_a_ticket_shows_the_service_checklist_and_only_the_in_person_channel(
    desk, ticket_in_service, documents, pool_routing
):
    response = desk.get(f"/en/staff/cases/new/?ticket={ticket_in_service.pk}")
    assert response.status_code == 200
    text = text_of(response)
    assert "Passport" in text and f"ticket {ticket_in_service.label}" in text
    assert "Migration unit" in text  # where the application goes
    # The documents the applicant brings, with their marks; the one the centre obtains is not asked.
    for name in ("Application form", "Old passport", "Photo"):
        assert name in text
    assert "Tax record" not in text
    page = response.content.decode()
    assert page.count('tag--strong">mandatory<') == 2 and 'class="tag">optional<' in page
    assert "The passport asks for: original and copy." in text
    assert 'value="in_person"' in page and 'value="post"' not in page
    # Nothing is ticked as received until the operator says so.
    assert re.search(rf'name="doc_{documents[0].pk}" value="" [^>]*checked', page)
    assert re.search(r'name="send"[^>]*checked', page)
    assert re.search(r'<option value="en" selected>', page)  # the page's language


def test_an_operator_registers_the_application_of_the_visitor_at_the_window(
    desk, ticket_in_service, complete, operator, unit, pool_routing, documents
):
    response = desk.post(f"/en/staff/cases/new/?ticket={ticket_in_service.pk}", complete)
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/en/staff/cases/{case.number}/receipt/?registered=1"
    assert case.number == "KYIV-CENTRE-2026-00001"
    assert case.ticket == ticket_in_service
    assert case.channel == Case.Channel.IN_PERSON
    assert case.registered_by == operator
    assert case.language == "en"
    assert case.applicant_name == "Iryna Koval"
    assert case.unit == unit and case.status == Case.Status.SENT  # sent to the unit's pool
    received = {(d.document_id, d.form) for d in case.documents.all()}
    assert received == {(documents[0].pk, "original"), (documents[1].pk, "original_and_copy")}


def test_pressing_register_twice_registers_one_application(
    desk, ticket_in_service, complete, unit, pool_routing
):
    form = desk.get(f"/en/staff/cases/new/?ticket={ticket_in_service.pk}").content.decode()
    key = re.search(r'name="intake_key" value="([0-9a-f]+)"', form).group(1)
    url = f"/en/staff/cases/new/?ticket={ticket_in_service.pk}"
    first = desk.post(url, {**complete, "intake_key": key})
    second = desk.post(url, {**complete, "intake_key": key})
    assert Case.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_print_now_opens_the_print_dialogue_on_the_receipt(desk, ticket_in_service, complete):
    response = desk.post(
        f"/en/staff/cases/new/?ticket={ticket_in_service.pk}", {**complete, "print_now": "on"}
    )
    assert response["Location"].endswith("?registered=1&autoprint=1")
    receipt = desk.get(response["Location"])
    assert 'data-autoprint="1"' in receipt.content.decode()
    assert "is registered" in text_of(receipt)


def test_without_send_the_application_stays_at_the_office(
    desk, office_a, service_a, complete, pool_routing
):
    complete.pop("send")
    response = desk.post(office_url(office_a, service=service_a.slug), complete)
    assert response.status_code == 302
    assert Case.objects.get().status == Case.Status.REGISTERED


def test_an_application_by_post_without_a_ticket(desk, office_a, service_a, complete, unit):
    chooser = desk.get(NEW.format(lang="en"))  # one office: it is chosen already
    assert chooser.status_code == 200
    assert f'<option value="{service_a.slug}"' in chooser.content.decode()
    form = desk.get(office_url(office_a, service=service_a.slug))
    assert 'value="post"' in form.content.decode()
    response = desk.post(
        office_url(office_a, service=service_a.slug), {**complete, "channel": "post"}
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.channel == Case.Channel.POST and case.ticket is None


def test_another_service_than_the_ticket_s_can_be_chosen(
    desk, ticket_in_service, office_a, operator
):
    other = ServiceFactory(
        code="A02", name={"uk": "Довідка", "en": "Certificate"}, offices=[office_a]
    )
    chooser = desk.get(f"/en/staff/cases/new/?ticket={ticket_in_service.pk}&service=")
    assert chooser.status_code == 200
    assert "Certificate" in text_of(chooser)
    response = desk.post(
        f"/en/staff/cases/new/?ticket={ticket_in_service.pk}&service={other.slug}",
        {"channel": "in_person", "applicant_name": "Iryna Koval", "language": "uk"},
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.service == other and case.ticket == ticket_in_service


# --- the checklist and the applicant -------------------------------------------------------------


def test_a_missing_mandatory_document_is_refused_then_accepted_with_a_reason(
    desk, office_a, service_a, complete, documents, pool_routing
):
    url = office_url(office_a, service=service_a.slug)
    without_passport = {**complete, f"doc_{documents[1].pk}": ""}
    refused = desk.post(url, without_passport)
    assert refused.status_code == 400
    assert "Mandatory documents are missing: Old passport." in text_of(refused)
    assert not Case.objects.exists()
    # Nothing typed or ticked is lost.
    page = refused.content.decode()
    assert 'value="Iryna Koval"' in page
    assert re.search(rf'name="doc_{documents[0].pk}" value="original" [^>]*checked', page)
    assert re.search(r'<textarea name="missing_reason"[^>]*aria-invalid="true"', page)

    accepted = desk.post(url, {**without_passport, "missing_reason": "Lost; police report"})
    assert accepted.status_code == 302
    case = Case.objects.get()
    assert case.missing_documents_reason == "Lost; police report"


def test_the_applicant_fields_are_those_the_service_asks_for(
    desk, office_a, service_a, complete, pool_routing
):
    CaseRules.objects.create(
        service=service_a,
        applicant_name=CaseRules.Need.NO,
        applicant_contact=CaseRules.Need.OPTIONAL,
        identifier=CaseRules.Need.REQUIRED,
        identifier_label={"uk": "РНОКПП", "en": "Tax number"},
    )
    url = office_url(office_a, service=service_a.slug)
    form = desk.get(url)
    page = form.content.decode()
    assert 'name="applicant_name"' not in page
    assert 'name="contact"' in page
    assert re.search(r'<label for="id_identifier">Tax number <span[^>]*>\(required\)', page)

    refused = desk.post(url, complete)
    assert refused.status_code == 400
    assert re.search(
        r'id="id_identifier_error">Give the identifier this service needs.',
        refused.content.decode(),
    )
    accepted = desk.post(url, {**complete, "identifier": "3012345678"})
    assert accepted.status_code == 302
    case = Case.objects.get()
    assert case.identifier == "3012345678"
    assert case.applicant_name == ""  # not asked, so not kept even though it was sent


def test_a_contact_that_is_neither_a_phone_nor_an_e_mail_is_shown_on_its_field(
    desk, office_a, service_a, complete, pool_routing
):
    response = desk.post(
        office_url(office_a, service=service_a.slug), {**complete, "contact": "call me maybe"}
    )
    assert response.status_code == 400
    assert 'id="id_contact_error"' in response.content.decode()
    assert 'value="call me maybe"' in response.content.decode()
    assert not Case.objects.exists()


# --- who may register ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["clerk", "analyst"])
def test_back_office_and_analysts_do_not_register_applications(
    who, request, signed_in, office_a, service_a, register
):
    browser = signed_in(request.getfixturevalue(who))
    case = register()
    assert browser.get(office_url(office_a, service=service_a.slug)).status_code == 403
    assert browser.post(office_url(office_a, service=service_a.slug), {}).status_code == 403
    assert browser.get(f"/en/staff/cases/{case.number}/receipt/").status_code == 403


def test_another_office_its_tickets_and_its_receipts_are_not_found(
    signed_in, outsider, office_a, service_a, ticket_in_service, register
):
    browser = signed_in(outsider)
    case = register()
    assert browser.get(office_url(office_a)).status_code == 404
    assert browser.get(f"/en/staff/cases/new/?ticket={ticket_in_service.pk}").status_code == 404
    assert browser.post(office_url(office_a, service=service_a.slug), {}).status_code == 404
    assert browser.get(f"/en/staff/cases/{case.number}/receipt/").status_code == 404


def test_the_head_and_the_administrator_register_too(
    signed_in, head, administrator, office_a, service_a, complete, pool_routing
):
    for employee in (head, administrator):
        response = signed_in(employee).post(office_url(office_a, service=service_a.slug), complete)
        assert response.status_code == 302
    assert Case.objects.count() == 2


def test_the_administrator_first_chooses_the_office(signed_in, administrator, office_a, office_b):
    response = signed_in(administrator).get(NEW.format(lang="en"))
    assert response.status_code == 200
    page = response.content.decode()
    assert f"?office={office_a.slug}" in page and f"?office={office_b.slug}" in page


def test_anonymous_visitors_are_sent_to_sign_in(citizen, office_a, register):
    case = register()
    response = citizen.get(office_url(office_a))
    assert response.status_code == 302 and response["Location"].startswith("/en/staff/login/")
    receipt = citizen.get(f"/en/staff/cases/{case.number}/receipt/")
    assert receipt.status_code == 302 and receipt["Location"].startswith("/en/staff/login/")


# --- bad input is a 4xx, never a 500 -------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "ticket=abc",
        "ticket=999999",
        "ticket=-1",
        "ticket=99999999999999999999999999",
        "ticket=%C2%B2",
        "office=nowhere",
        "office=" + "x" * 500,
    ],
)
def test_an_unknown_ticket_or_office_is_not_found(desk, office_a, query):
    assert desk.get(f"/en/staff/cases/new/?{query}").status_code == 404


def test_a_service_the_office_does_not_offer_is_refused(desk, office_a, service_b, complete):
    chooser = desk.get(office_url(office_a, service=service_b.slug))
    assert chooser.status_code == 400
    assert "This office does not accept applications for this service." in text_of(chooser)
    assert desk.post(office_url(office_a, service="%00"), complete).status_code == 400
    inactive = ServiceFactory(is_active=False, offices=[office_a])
    assert desk.get(office_url(office_a, service=inactive.slug)).status_code == 400
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    "junk",
    [
        {"channel": "fax"},
        {"language": "xx"},
        {"applicant_name": "x" * 500},
        {"missing_reason": "x" * 5000},
        {"DOC": "stolen"},
    ],
)
def test_junk_in_the_form_is_a_400_with_nothing_registered(
    desk, office_a, service_a, complete, documents, junk
):
    if "DOC" in junk:
        junk = {f"doc_{documents[0].pk}": junk["DOC"]}
    response = desk.post(office_url(office_a, service=service_a.slug), {**complete, **junk})
    assert response.status_code == 400
    assert "Please correct the marked fields." in text_of(response)
    assert not Case.objects.exists()


def test_with_a_ticket_the_channel_is_in_person(desk, ticket_in_service, complete):
    response = desk.post(
        f"/en/staff/cases/new/?ticket={ticket_in_service.pk}", {**complete, "channel": "post"}
    )
    assert response.status_code == 400
    assert not Case.objects.exists()


def test_an_unknown_receipt_is_not_found(desk):
    assert desk.get("/en/staff/cases/NOWHERE-2026-00001/receipt/").status_code == 404


# --- the receipt ---------------------------------------------------------------------------------


def test_the_receipt_says_what_was_received_by_when_and_how_to_follow(
    desk, register, operator, unit_head
):
    case = register(language="en")
    response = desk.get(f"/uk/staff/cases/{case.number}/receipt/")
    assert response.status_code == 200
    text = receipt_text(response)
    assert "Kyiv service centre" in text
    assert f"Application No. {case.number}" in text
    assert "Passport" in text and "Iryna Koval" in text
    assert "Application form original" in text
    assert "Old passport original and copy" in text
    assert "Photo original" in text
    # Ten working days from Tuesday 24 November 2026.
    assert "Decision due by Dec. 8, 2026 (10 working days)" in text
    assert "Responsible unit Migration unit" in text
    assert "Mykola Unit, Head of the migration unit" in text  # the pool's head answers for it
    assert f"https://okno.example/en/case/{case.code}/" in text
    assert f"Your code: {case.code}" in text
    assert str(operator) in text
    page = response.content.decode()
    assert re.search(
        r'<svg [^>]*role="img"[^>]*aria-label="QR code: the page of this application"', page
    )
    assert '<article class="receipt" lang="en"' in page
    assert "+380501234567" not in page  # the contact is for messages, not for paper


def test_the_receipt_is_in_the_applicant_s_language_whatever_the_page_s(desk, register):
    # Registered by operators whose pages were in the other language.
    with translation.override("en"):
        ukrainian = register(language="uk")
    with translation.override("uk"):
        english = register(language="en")
    text = receipt_text(desk.get(f"/en/staff/cases/{ukrainian.number}/receipt/"))
    assert "ЦНАП Київ" in text and "Паспорт" in text and "Міграційний відділ" in text
    assert "Заява" in text and "оригінал" in text
    assert "08 грудня 2026" in text
    assert "Kyiv service centre" not in text and "Passport" not in text
    text = receipt_text(desk.get(f"/uk/staff/cases/{english.number}/receipt/"))
    assert "Passport" in text and "Migration unit" in text and "original" in text
    assert "Паспорт" not in text and "оригінал" not in text


def test_the_receipt_lists_the_mandatory_documents_not_received_and_why(desk, register, documents):
    case = register(
        language="en",
        documents={documents[0].pk: "original"},
        missing_reason="Old passport lost; police report",
    )
    text = receipt_text(desk.get(f"/en/staff/cases/{case.number}/receipt/"))
    assert "Mandatory documents not received Old passport" in text
    assert "because: Old passport lost; police report" in text
    complete = register(language="en")
    text = receipt_text(desk.get(f"/en/staff/cases/{complete.number}/receipt/"))
    assert "not received" not in text


def test_the_receipt_can_be_printed(desk, register):
    case = register(language="en")
    page = desk.get(f"/en/staff/cases/{case.number.lower()}/receipt/").content.decode()
    assert "data-receipt-print" in page and "window.print()" in page
    assert "okno/cases.css" in page
    assert 'data-autoprint="1"' not in page
