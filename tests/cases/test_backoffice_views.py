"""Back-office pages as stories: who sees which cases, the work lists and their filters, the case
page with its actions (take, hand over, the pipeline's steps, notes, files) and its audit trail,
and junk input that must never be a 500."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from okno.cases import services
from okno.cases.models import Case, CaseFile, CaseSettings, Routing
from okno.notifications.backends import outbox
from tests.cases.conftest import INTAKE
from tests.factories import ServiceFactory

Status = Case.Status
pytestmark = pytest.mark.django_db

WORK = "/en/staff/cases/"
#: Wednesday 25 November 2026, 11:00 in Kyiv: the day after the intake.
NEXT_DAY = INTAKE + dt.timedelta(days=1, hours=1)
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(NEXT_DAY, tick=False)
    return time_machine


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def _language_restored():
    """A request under /en/ leaves English active in the thread, and the services read the active
    language (received documents' names): the next test must not inherit it."""
    language = translation.get_language()
    yield
    translation.activate(language)


@pytest.fixture
def case(register) -> Case:
    """A passport application of office A, sent to the migration unit's pool."""
    return register()


@pytest.fixture
def case_b(office_b, service_b, other_unit) -> Case:
    """A registration application of office B, in the Lviv unit's pool."""
    return services.register_case(
        office_b, service_b, employee=None, documents={}, applicant_name="Taras Lviv", now=INTAKE
    )


def page(case: Case) -> str:
    return f"/en/staff/cases/{case.number}/"


def text(response) -> str:
    plain = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(plain)).strip()


def numbers(response) -> list[str]:
    return re.findall(r'<tr data-number="([A-Z0-9-]+)"', response.content.decode())


def current_tab(response) -> str:
    [name] = re.findall(r'data-list="([a-z_]+)" aria-current="page"', response.content.decode())
    return name


def step(browser, case: Case, to: str, **fields: str):
    return browser.post(f"{page(case)}transition/", {"to": to, **fields})


def in_progress(case: Case, clerk) -> Case:
    return services.transition(case, Status.IN_PROGRESS, employee=clerk)


def upload(name: str, content: bytes, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


# --- who sees what -------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(citizen, case):
    for url in (WORK, page(case), f"{page(case)}transition/"):
        response = citizen.get(url) if not url.endswith("transition/") else citizen.post(url)
        assert response.status_code == 302
        assert "/staff/login/" in response["Location"]


def test_the_back_office_of_a_unit_sees_only_its_units_cases(
    signed_in, clerk, case, case_b, other_unit
):
    browser = signed_in(clerk)
    response = browser.get(f"{WORK}?list=open")
    assert response.status_code == 200
    assert numbers(response) == [case.number]
    assert browser.get(page(case)).status_code == 200
    assert browser.get(page(case_b)).status_code == 404
    lviv_clerk = signed_in(other_unit.members.get())
    assert numbers(lviv_clerk.get(f"{WORK}?list=open")) == [case_b.number]
    assert lviv_clerk.get(page(case)).status_code == 404


def test_the_head_of_another_office_gets_a_404_for_office_as_case(signed_in, outsider, case):
    browser = signed_in(outsider)
    assert browser.get(page(case)).status_code == 404
    assert browser.get(f"{page(case)}files/1/").status_code == 404
    assert step(browser, case, Status.WITHDRAWN, reason="x").status_code == 404
    assert case.number not in numbers(browser.get(f"{WORK}?list=all"))


def test_the_operator_sees_the_office_cases_but_cannot_decide(signed_in, operator, clerk, case):
    case = in_progress(case, clerk)
    browser = signed_in(operator)
    assert case.number in numbers(browser.get(f"{WORK}?list=open"))
    response = browser.get(page(case))
    assert response.status_code == 200
    assert 'data-step="decided"' not in response.content.decode()
    assert 'data-step="withdrawn"' in response.content.decode()  # a front-office step
    refused = step(browser, case, Status.DECIDED, decision="granted")
    assert refused.status_code == 403
    assert "You cannot take this step on this application." in text(refused)
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS


def test_an_analyst_reads_the_case_but_has_no_actions(signed_in, analyst, case):
    browser = signed_in(analyst)
    response = browser.get(page(case))
    assert response.status_code == 200
    body = response.content.decode()
    assert "data-step=" not in body
    assert "/files/" not in body  # no attach form
    assert browser.post(f"{page(case)}note/", {"note": "hi"}).status_code == 403
    assert browser.post(f"{page(case)}take/").status_code == 403


def test_staff_without_an_employee_record_are_refused(db, django_user_model, case):
    from django.test import Client

    user = django_user_model.objects.create_user("nobody", password="x")
    browser = Client()
    browser.force_login(user)
    assert browser.get(WORK).status_code == 403
    assert browser.get(page(case)).status_code == 403


# --- routing -------------------------------------------------------------------------------------


def test_a_clerk_takes_a_case_from_the_pool_and_it_moves_to_their_list(
    signed_in, clerk, clerk_2, case
):
    browser = signed_in(clerk)
    assert numbers(browser.get(f"{WORK}?list=pool")) == [case.number]
    assert "Take from the pool" in text(browser.get(page(case)))
    response = browser.post(f"{page(case)}take/", follow=True)
    assert response.redirect_chain[-1][0] == page(case)
    assert "You took the application." in text(response)
    case.refresh_from_db()
    assert case.assignee == clerk
    assert numbers(browser.get(f"{WORK}?list=pool")) == []
    assert numbers(browser.get(f"{WORK}?list=mine")) == [case.number]
    late = signed_in(clerk_2).post(f"{page(case)}take/")
    assert late.status_code == 409
    assert "Somebody has already taken this case." in text(late)


def test_the_head_of_the_office_cannot_take_from_a_units_pool(signed_in, head, case):
    response = signed_in(head).post(f"{page(case)}take/")
    assert response.status_code == 403
    assert "Only a member of the case's back-office unit can take it." in text(response)


def test_handing_a_case_over_needs_a_reason(signed_in, clerk, clerk_2, case):
    case = services.take_case(case, employee=clerk)
    browser = signed_in(clerk)
    refused = browser.post(f"{page(case)}assign/", {"to": clerk_2.pk, "reason": "  "})
    assert refused.status_code == 400
    assert "Give the reason; it is kept in the case's history." in text(refused)
    case.refresh_from_db()
    assert case.assignee == clerk
    done = browser.post(f"{page(case)}assign/", {"to": clerk_2.pk, "reason": "On leave"})
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.assignee == clerk_2
    # The head of the unit sends it back to the pool.
    back = signed_in(case.unit.head).post(
        f"{page(case)}assign/", {"to": "", "reason": "Rebalancing"}, follow=True
    )
    assert "The application went back to the unit's pool." in text(back)
    case.refresh_from_db()
    assert case.assignee is None


def test_a_case_is_handed_only_to_members_of_its_unit(signed_in, clerk, operator, case):
    case = services.take_case(case, employee=clerk)
    browser = signed_in(clerk)
    for junk in (operator.pk, "abc", "99999999999999999999"):
        response = browser.post(f"{page(case)}assign/", {"to": junk, "reason": "x"})
        assert response.status_code == 400
    case.refresh_from_db()
    assert case.assignee == clerk


def test_only_the_assignee_the_unit_head_and_the_office_head_hand_over(
    signed_in, clerk, clerk_2, case
):
    case = services.take_case(case, employee=clerk)
    response = signed_in(clerk_2).post(f"{page(case)}assign/", {"to": "", "reason": "Mine now"})
    assert response.status_code == 403


# --- the pipeline --------------------------------------------------------------------------------


def test_a_clerk_starts_work_and_grants_the_application(signed_in, clerk, case):
    browser = signed_in(clerk)
    assert step(browser, case, Status.IN_PROGRESS).status_code == 302
    case.refresh_from_db()
    assert (case.status, case.assignee) == (Status.IN_PROGRESS, clerk)
    response = step(browser, case, Status.DECIDED, decision="granted")
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.decision) == (Status.DECIDED, "granted")
    assert "The decision was recorded." in text(browser.get(page(case)))


def test_a_refusal_needs_its_grounds(signed_in, clerk, case, service_a):
    service_a.refusal_grounds = {"en": "Documents are forged.", "uk": "Документи підроблені."}
    service_a.save()
    case = in_progress(case, clerk)
    browser = signed_in(clerk)
    form = browser.get(page(case))
    assert "Documents are forged." in text(form)  # the passport's grounds as help
    assert 'aria-describedby="refusal-grounds"' in form.content.decode()
    refused = step(browser, case, Status.DECIDED, decision="refused", reason="")
    assert refused.status_code == 400
    assert "A refusal needs its grounds, as listed in the service passport." in text(refused)
    assert 'aria-invalid="true"' in refused.content.decode()
    undecided = step(browser, case, Status.DECIDED, decision="", reason="")
    assert undecided.status_code == 400
    assert "Choose the decision: granted or refused." in text(undecided)
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    done = step(browser, case, Status.DECIDED, decision="refused", reason="Forged photo")
    assert done.status_code == 302
    case.refresh_from_db()
    assert (case.decision, case.grounds) == ("refused", "Forged photo")


def test_waiting_for_the_applicant_pauses_the_term_and_tells_them(
    signed_in, clerk, case, django_capture_on_commit_callbacks
):
    case = in_progress(case, clerk)
    browser = signed_in(clerk)
    refused = step(browser, case, Status.WAITING_APPLICANT, reason="")
    assert refused.status_code == 400
    assert "Give the reason" in text(refused)
    outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = step(browser, case, Status.WAITING_APPLICANT, reason="A clearer photo")
    assert response.status_code == 302
    assert [m.to for m in outbox if m.reference == f"case:{case.number}"] == ["+380501234567"]
    case.refresh_from_db()
    assert case.status == Status.WAITING_APPLICANT
    assert case.paused_on == dt.date(2026, 11, 25)
    shown = text(browser.get(page(case)))
    assert "paused" in shown
    assert "A clearer photo" in shown
    row = browser.get(f"{WORK}?list=mine").content.decode()
    assert 'class="tag case-paused"' in row
    assert step(browser, case, Status.IN_PROGRESS).status_code == 302
    case.refresh_from_db()
    assert case.paused_on is None


def test_the_result_is_made_ready_at_a_window_and_handed_out_by_post(
    signed_in, clerk, operator, case, office_a, office_b
):
    case = in_progress(case, clerk)
    case = services.transition(case, Status.DECIDED, employee=clerk, decision="granted")
    browser = signed_in(operator)
    window = office_a.service_points.get(number=2)
    lviv_window = office_b.service_points.get()
    assert step(browser, case, Status.READY, pickup_point=lviv_window.pk).status_code == 400
    assert step(browser, case, Status.READY, pickup_point="abc").status_code == 400
    assert step(browser, case, Status.READY, pickup_point=window.pk).status_code == 302
    case.refresh_from_db()
    assert case.pickup_point == window
    assert step(browser, case, Status.ISSUED, delivery="by pigeon").status_code == 400
    assert step(browser, case, Status.ISSUED, delivery="post").status_code == 302
    case.refresh_from_db()
    assert (case.status, case.delivery) == (Status.ISSUED, "post")


def test_a_step_from_a_stale_page_is_refused_with_the_page(signed_in, clerk, case):
    browser = signed_in(clerk)
    assert step(browser, case, Status.IN_PROGRESS).status_code == 302
    again = step(browser, case, Status.IN_PROGRESS)
    assert again.status_code == 403
    assert "In progress" in text(again)


# --- work lists ----------------------------------------------------------------------------------


def test_the_head_sees_the_overdue_list(signed_in, head, case):
    assert numbers(signed_in(head).get(f"{WORK}?list=overdue")) == []
    # 10 working days from Tuesday 24 November: due Tuesday 8 December; on the 10th it is late.
    with time_machine.travel(dt.datetime(2026, 12, 10, 8, tzinfo=dt.UTC), tick=False):
        response = signed_in(head).get(WORK)
    assert current_tab(response) == "overdue"  # a head's first list, when it has cases
    assert numbers(response) == [case.number]
    assert "overdue by 2 working days" in text(response)
    assert 'class="row--over"' in response.content.decode()


def test_due_soon_lists_cases_within_the_alert_lead(signed_in, head, case):
    assert numbers(signed_in(head).get(f"{WORK}?list=due_soon")) == []
    with time_machine.travel(dt.datetime(2026, 12, 4, 8, tzinfo=dt.UTC), tick=False):
        response = signed_in(head).get(f"{WORK}?list=due_soon")
    assert numbers(response) == [case.number]
    assert "2 working days left" in text(response)


def test_the_clerk_opens_their_cases_first_and_the_pool_when_they_have_none(signed_in, clerk, case):
    browser = signed_in(clerk)
    assert current_tab(browser.get(WORK)) == "pool"
    services.take_case(case, employee=clerk)
    response = browser.get(WORK)
    assert current_tab(response) == "mine"
    assert numbers(response) == [case.number]


def test_the_tabs_count_their_cases(signed_in, clerk, register):
    register()
    services.take_case(register(), employee=clerk)
    body = signed_in(clerk).get(WORK).content.decode()
    counts = dict(
        re.findall(r'data-list="([a-z_]+)"[^>]*>[^<]*<span class="work-tabs__count">(\d+)<', body)
    )
    assert counts == {
        "mine": "1",
        "pool": "1",
        "due_soon": "0",
        "overdue": "0",
        "open": "2",
        "all": "2",
    }


def test_the_front_office_has_no_mine_or_pool_tab(signed_in, operator, case):
    body = signed_in(operator).get(WORK).content.decode()
    assert 'data-list="mine"' not in body
    assert 'data-list="all"' in body


def test_filters_by_service_status_deadline_and_office(
    signed_in, head, clerk, register, office_a, service_a, unit, all_documents
):
    other_service = ServiceFactory(code="A02", name={"en": "Driving licence"}, offices=[office_a])
    Routing.objects.create(service=other_service, unit=unit)
    passport = register()
    licence = services.register_case(
        office_a, other_service, employee=None, documents={}, applicant_name="X", now=INTAKE
    )
    started = in_progress(register(), clerk)
    browser = signed_in(head)
    everything = numbers(browser.get(f"{WORK}?list=all"))
    assert sorted(everything) == sorted([passport.number, licence.number, started.number])
    by_service = numbers(browser.get(f"{WORK}?list=all&service={other_service.pk}"))
    assert by_service == [licence.number]
    by_status = numbers(browser.get(f"{WORK}?list=all&status=in_progress"))
    assert by_status == [started.number]
    due = passport.deadline.isoformat()
    assert len(numbers(browser.get(f"{WORK}?list=open&due_by={due}"))) == 3
    early = (passport.deadline - dt.timedelta(days=30)).isoformat()
    assert numbers(browser.get(f"{WORK}?list=open&due_by={early}")) == []
    assert len(numbers(browser.get(f"{WORK}?list=all&office=kyiv-centre"))) == 3


def test_an_htmx_request_gets_the_table_only(signed_in, head, case):
    response = signed_in(head).get(f"{WORK}?list=open", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    assert 'id="work-list-field"' in body and 'hx-swap-oob="true"' in body
    assert numbers(response) == [case.number]
    full = signed_in(head).get(f"{WORK}?list=open").content.decode()
    assert "<html" in full and 'hx-get="/en/staff/cases/"' in full


def test_junk_filters_are_a_400_with_the_reason_never_a_500(signed_in, head, case):
    browser = signed_in(head)
    for query in (
        "due_by=yesterday",
        "due_by=2026-13-45",
        "status=lost",
        "service=abc",
        "service=99999999999999999999",
        "office=atlantis",
        "office=lviv-centre",  # not one of the head's offices
    ):
        response = browser.get(f"{WORK}?list=open&{query}")
        assert response.status_code == 400, query
        assert "Some filters could not be read" in text(response)
    for query in ("list=everything", "page=zzz", "page=-1", "list="):
        assert browser.get(f"{WORK}?{query}").status_code == 200, query


def test_junk_on_the_case_pages_is_never_a_500(signed_in, clerk, case):
    browser = signed_in(clerk)
    assert browser.get("/en/staff/cases/NO-SUCH-CASE/").status_code == 404
    assert browser.get(f"{page(case)}files/abc/").status_code == 404
    assert browser.get(f"{page(case)}files/999999/").status_code == 404
    assert step(browser, case, "teleported").status_code == 403
    assert step(browser, case, "").status_code == 403
    assert browser.post(f"{page(case)}note/", {"note": ""}).status_code == 400
    assert browser.post(f"{page(case)}files/", {"kind": "scan"}).status_code == 400
    assert browser.get(f"{page(case)}transition/").status_code == 405


# --- files ---------------------------------------------------------------------------------------


def test_a_pdf_is_attached_and_downloaded_by_staff_who_see_the_case(
    signed_in, clerk, analyst, outsider, case
):
    browser = signed_in(clerk)
    response = browser.post(
        f"{page(case)}files/", {"kind": "scan", "file": upload("Паспорт скан.pdf", PDF)}
    )
    assert response.status_code == 302
    attachment = CaseFile.objects.get(case=case)
    assert attachment.content_type == "application/pdf"
    url = f"{page(case)}files/{attachment.pk}/"
    assert url in browser.get(page(case)).content.decode()
    download = browser.get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''" in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == "application/pdf"
    assert signed_in(analyst).get(url).status_code == 200
    assert signed_in(outsider).get(url).status_code == 404


def test_a_file_is_reached_only_through_its_own_case(signed_in, clerk, register):
    first, second = register(), register()
    attachment = services.attach_file(first, upload("a.pdf", PDF), kind="scan", employee=clerk)
    response = signed_in(clerk).get(f"{page(second)}files/{attachment.pk}/")
    assert response.status_code == 404


def test_a_program_renamed_to_pdf_is_refused(signed_in, clerk, case):
    response = signed_in(clerk).post(
        f"{page(case)}files/",
        {"kind": "scan", "file": upload("invoice.pdf", b"MZ\x90\x00\x03" + b"\x00" * 100)},
    )
    assert response.status_code == 400
    assert "Attach a PDF, JPEG, PNG or TIFF file." in text(response)
    assert not CaseFile.objects.exists()


def test_a_file_over_the_offices_limit_is_refused(signed_in, clerk, case, office_a):
    CaseSettings.objects.create(office=office_a, max_file_mb=1)
    big = PDF + b"0" * (1024 * 1024)
    response = signed_in(clerk).post(
        f"{page(case)}files/", {"kind": "decision", "file": upload("big.pdf", big)}
    )
    assert response.status_code == 400
    assert "The file is larger than 1 MB." in text(response)
    assert not CaseFile.objects.exists()


# --- the case page and its trail -----------------------------------------------------------------


def test_the_case_page_shows_the_data_documents_deadline_and_responsible(
    signed_in, clerk, case, unit
):
    response = signed_in(clerk).get(page(case))
    shown = text(response)
    assert f"Application {case.number}" in shown
    assert "Iryna Koval" in shown
    # The documents as the front office recorded them, with the form received in.
    for document in case.documents.all():
        assert f"{document.name} ({document.get_form_display()})" in shown
    assert case.documents.count() == 3
    assert "Decision due Dec. 8, 2026" in shown
    assert "9 working days left" in shown
    assert "Mykola Unit" in shown  # nobody took it yet: the unit's head answers for it
    assert "in the unit's pool" in shown


def test_the_audit_trail_tells_each_step_in_words(signed_in, clerk, clerk_2, operator, case):
    browser = signed_in(clerk)
    browser.post(f"{page(case)}take/")
    browser.post(f"{page(case)}assign/", {"to": clerk_2.pk, "reason": "Speaks Polish"})
    second = signed_in(clerk_2)
    step(second, case, Status.IN_PROGRESS)
    step(second, case, Status.WAITING_AGENCY, reason="Police record")
    step(second, case, Status.IN_PROGRESS)
    step(second, case, Status.DECIDED, decision="granted")
    second.post(f"{page(case)}note/", {"note": "Called the applicant"})
    second.post(f"{page(case)}files/", {"kind": "decision", "file": upload("decision.pdf", PDF)})
    step(signed_in(operator), case, Status.READY)
    response = browser.get(page(case))
    body = response.content.decode()
    actions = re.findall(r'<tr data-action="([a-z]+)"', body)
    assert actions == [
        "registered",
        "transition",
        "taken",
        "assigned",
        "transition",
        "transition",
        "transition",
        "transition",
        "note",
        "file",
        "transition",
    ]
    shown = text(response)
    for words in (
        "Received in person",
        "3 documents received",
        "Routed to Migration unit",
        f"Taken by {clerk}",
        f"From {clerk} to {clerk_2}",
        "Reason: Speaks Polish",
        "From “in progress” to “waiting for another agency”",
        "Waiting for: Police record",
        "Decision: granted",
        "Called the applicant",
        "decision.pdf (decision,",
        "From “decided” to “result ready”",
    ):
        assert words in shown, words


def test_the_page_is_in_english_under_en_and_ukrainian_under_uk(signed_in, clerk, case):
    browser = signed_in(clerk)
    english = text(browser.get(page(case)))
    assert "Audit trail" in english and "Documents received" in english
    ukrainian = browser.get(f"/uk/staff/cases/{case.number}/")
    assert ukrainian.status_code == 200
    assert '<html lang="uk">' in ukrainian.content.decode()


# --- the staff home ------------------------------------------------------------------------------


def test_the_staff_home_links_to_the_work_lists(signed_in, operator, clerk, analyst):
    from django.urls import NoReverseMatch, reverse

    try:
        new_case = reverse("cases:new")
    except NoReverseMatch:  # built by the intake pages; not there yet
        new_case = None
    front = signed_in(operator).get("/en/staff/").content.decode()
    assert 'href="/en/staff/cases/"' in front
    if new_case:
        assert "Register an application" in front
    for employee in (clerk, analyst):
        home = signed_in(employee).get("/en/staff/").content.decode()
        assert 'href="/en/staff/cases/"' in home
        assert "Register an application" not in home
