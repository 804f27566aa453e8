"""The citizen's page of an application: the state in plain words in the visitor's language, the
deadline, the responsible person, the history, picking up the result (booking or a ticket now),
the rating link once closed, following by code with a rate limit; never the applicant's data."""

from __future__ import annotations

import datetime as dt
import html
import re
from urllib.parse import urlsplit

import pytest
from django.utils import translation
from django.utils.formats import date_format as format_date
from django.utils.translation import gettext, ngettext

from okno.cases import services
from okno.cases.models import Case, CaseSettings
from okno.catalog.models import ServicePoint
from okno.queueing.models import QueueSettings, Ticket
from tests.cases.conftest import INTAKE
from tests.factories import ServiceFactory

Status = Case.Status
pytestmark = pytest.mark.django_db

#: Monday 30 November 2026, 12:00 in Kyiv: office A is open (08:00-17:00 on weekdays), and
#: every case below has taken its last step (at most five days after intake on the 24th).
MONDAY_NOON = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)
#: Saturday 5 December 2026, 12:00 in Kyiv: office A is closed.
SATURDAY = dt.datetime(2026, 12, 5, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(MONDAY_NOON, tick=False)
    return time_machine


def later(**delta) -> dt.datetime:
    return INTAKE + dt.timedelta(**delta)


def text(response) -> str:
    """The page's text as a person reads it: tags gone, entities decoded, spaces collapsed."""
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(body)).strip()


def page(client, case: Case, language: str = "en"):
    return client.get(f"/{language}/case/{case.code}/")


def move(case: Case, *steps, employee) -> Case:
    """Apply (status, kwargs) steps a day apart from intake, as the back office would."""
    for day, (to, options) in enumerate(steps, start=1):
        case = services.transition(case, to, employee=employee, now=later(days=day), **options)
    return case


@pytest.fixture
def window_2(office_a) -> ServicePoint:
    return ServicePoint.objects.get(office=office_a, number=2)


@pytest.fixture
def pickup_service(office_a):
    """Office A's "issue of results" service, bookable, picked in its case settings."""
    service = ServiceFactory(
        code="R01",
        slug="issue-of-results",
        name={"uk": "Видача результатів", "en": "Issue of results"},
        offices=[office_a],
        term_unit="on_the_spot",
        term_value=0,
    )
    CaseSettings.objects.create(office=office_a, pickup_service=service)
    return service


@pytest.fixture
def states(register, clerk, operator, window_2):
    """A case in every status, by name (the plain words are checked for each)."""

    def in_status(name: str) -> Case:
        case = register()
        taken = (Status.IN_PROGRESS, {})
        granted = (Status.DECIDED, {"decision": "granted"})
        refused = (Status.DECIDED, {"decision": "refused", "reason": "Art. 7: photo too old"})
        ready = (Status.READY, {"pickup_point": window_2})
        paths = {
            "registered": None,
            "sent": [],
            "in_progress": [taken],
            "waiting_applicant": [taken, (Status.WAITING_APPLICANT, {"reason": "a clear photo"})],
            "waiting_agency": [taken, (Status.WAITING_AGENCY, {"reason": "Tax office"})],
            "granted": [taken, granted],
            "refused": [taken, refused],
            "ready": [taken, granted, ready],
            "issued": [taken, granted, ready, (Status.ISSUED, {})],
            "posted": [taken, granted, (Status.ISSUED, {"delivery": "post"})],
            "closed": [taken, granted, ready, (Status.ISSUED, {}), (Status.CLOSED, {})],
            "withdrawn": [(Status.WITHDRAWN, {"reason": "applicant changed their mind"})],
        }
        if paths[name] is None:
            return register(send=False)
        return move(case, *paths[name], employee=clerk)

    return in_status


#: status -> the plain-words sentence (msgid) and its parameters, as the issue words them.
SENTENCES = {
    "registered": (
        "Your application has been registered. It will be passed to the office that decides it.",
        {},
    ),
    "sent": ("Your application has been passed to %(unit)s, which decides it.", {"unit": "unit"}),
    "in_progress": ("%(unit)s is examining your application.", {"unit": "unit"}),
    "waiting_applicant": (
        "We need something from you: %(needed)s. Contact the centre or bring it to the office.",
        {"needed": "needed"},
    ),
    "waiting_agency": (
        "We are waiting for an answer from another agency; the term is paused.",
        {},
    ),
    "granted": (
        "Your application has been granted. We will let you know when the result is ready.",
        {},
    ),
    "refused": (
        "Your application has been refused; the grounds are below. We will let you know when "
        "you can receive the decision.",
        {},
    ),
    "ready": (
        "Your result is ready at %(office_name)s, window %(window)s. Bring your identity document.",
        {"office_name": "office", "window": "window"},
    ),
    "issued": ("The result was handed out on %(date)s.", {"date": "date"}),
    "posted": ("The result was sent to you by post on %(date)s.", {"date": "date"}),
    "closed": ("Your application is closed. Thank you for coming to the centre.", {}),
    "withdrawn": (
        "Your application was withdrawn on %(date)s; it will not be decided.",
        {"date": "date"},
    ),
}

#: What the placeholders stand for, per language (names from the fixtures).
VALUES = {
    "en": {"unit": "Migration unit", "office": "Kyiv service centre"},
    "uk": {"unit": "Міграційний відділ", "office": "ЦНАП Київ"},
}


def sentence(name: str, language: str, case: Case) -> str:
    """The status's sentence as the language's catalogue words it, with the case's values."""
    msgid, params = SENTENCES[name]
    with translation.override(language):
        translated = gettext(msgid)
        moment = case.closed_at or case.issued_at
        day = format_date(moment.astimezone(case.office.zone).date()) if moment else ""
    if language != "en" and translated == msgid:
        pytest.skip(f"the {language} catalogue does not translate the case page yet")
    values = {**VALUES[language], "window": "2", "needed": "a clear photo", "date": day}
    return translated % {key: values[source] for key, source in params.items()}


@pytest.mark.parametrize("name", list(SENTENCES))
@pytest.mark.parametrize("language", ["en", "uk"])
def test_every_status_is_said_in_plain_words_in_the_visitors_language(
    citizen, states, name, language
):
    case = states(name)
    response = page(citizen, case, language)
    assert response.status_code == 200
    assert f'<html lang="{language}">' in response.content.decode()
    assert sentence(name, language, case) in text(response)


def test_the_ukrainian_page_names_the_office_the_service_and_the_date_in_ukrainian(
    citizen, register
):
    body = text(page(citizen, register(), "uk"))
    assert "ЦНАП Київ" in body and "Паспорт" in body
    assert "грудня 2026" in body  # due on 8 December, in Ukrainian


def test_waiting_shows_what_is_needed_and_how_to_bring_it(citizen, states, office_a):
    office_a.phone = "+380 44 000 00 00"
    office_a.save()
    body = text(page(citizen, states("waiting_applicant")))
    assert "We need something from you: a clear photo." in body
    assert "The term is paused until then." in body
    assert "+380 44 000 00 00" in body  # the centre's public phone, not a person's
    assert (
        f"/en/offices/{office_a.slug}/"
        in page(citizen, states("waiting_applicant")).content.decode()
    )


def test_a_refusal_shows_its_grounds(citizen, states):
    body = text(page(citizen, states("refused")))
    assert "Grounds of the refusal" in body
    assert "Art. 7: photo too old" in body


def test_a_granted_case_shows_no_grounds(citizen, states):
    assert "Grounds of the refusal" not in text(page(citizen, states("granted")))


# --- the deadline --------------------------------------------------------------------------------


def test_the_deadline_and_the_working_days_left(citizen, register):
    # Due Tuesday 8 December; from Monday 30 November: 1-4 and 7-8 December, 6 working days.
    body = text(page(citizen, register()))
    assert "The decision is due by Dec. 8, 2026." in body
    assert "6 working days left." in body


def test_a_paused_term_says_so(citizen, states):
    body = text(page(citizen, states("waiting_agency")))
    assert "The term is paused while we wait" in body
    assert "working days left" not in body


def test_an_overdue_case_is_honestly_called_overdue(citizen, register, clock):
    case = register()
    clock.move_to(dt.datetime(2026, 12, 9, 10, 0, tzinfo=dt.UTC), tick=False)
    body = text(page(citizen, case))
    assert "The decision is overdue" in body
    assert "left." not in body


def test_a_decision_says_whether_it_came_in_time(citizen, states):
    body = text(page(citizen, states("granted")))
    assert "Decided on Nov. 26, 2026, within the deadline of Dec. 8, 2026." in body


# --- who, and what happened ----------------------------------------------------------------------


def test_the_responsible_person_is_named_with_their_role_and_no_contact(
    citizen, register, unit_head
):
    unit_head.user.email = "mykola.unit@example.org"
    unit_head.user.save()
    body = text(page(citizen, register()))  # in the pool: the unit's head answers for it
    assert "Responsible for your application Mykola Unit, Head of the migration unit" in body
    assert "mykola.unit@example.org" not in body
    assert "mykola" not in body.replace("Mykola", "")  # not even the login name


def test_the_assignee_answers_once_they_take_the_case(citizen, states, clerk):
    case = states("in_progress")
    assert case.assignee == clerk
    assert f"{clerk}" in text(page(citizen, case))


def test_the_page_never_shows_the_applicants_name_contact_or_identifier(
    citizen, register, service_a
):
    from okno.cases.models import CaseRules

    CaseRules.objects.create(service=service_a, identifier=CaseRules.Need.REQUIRED)
    case = register(identifier="3141592653", contact="iryna@example.org")
    content = page(citizen, case).content.decode()
    for private in ("Iryna", "Koval", "iryna@example.org", "3141592653"):
        assert private not in content


def test_the_history_lists_the_status_changes_without_notes_or_reasons(
    citizen, states, clerk, clerk_2, head
):
    case = states("waiting_applicant")
    services.add_note(case, employee=clerk, note="Applicant was rude on the phone")
    services.assign_case(case, clerk_2, employee=head, reason="Bohdan on sick leave")
    content = page(citizen, case).content.decode()
    history = re.search(r'<ol class="case-history">(.*?)</ol>', content, re.S).group(1)
    steps = re.findall(r'data-status="([a-z_]+)"', history)
    assert steps == ["registered", "sent", "in_progress", "waiting_applicant"]
    assert "Nov. 24, 2026" in history
    assert "waiting for the applicant" in history.lower()
    for internal in ("rude", "sick leave", "Bohdan"):
        assert internal not in content


def test_the_page_is_not_indexed_nor_cached(citizen, register):
    response = page(citizen, register())
    assert '<meta name="robots" content="noindex">' in response.content.decode()
    assert "no-store" in response["Cache-Control"]


# --- picking up the result -----------------------------------------------------------------------


def test_ready_shows_the_window_and_both_pick_up_options(citizen, states, pickup_service):
    case = states("ready")
    content = page(citizen, case).content.decode()
    body = text(page(citizen, case))
    assert "Your result is ready at Kyiv service centre, window 2." in body
    assert "Bring your identity document." in body
    assert (
        '/en/book/?service=issue-of-results&amp;office=kyiv-centre">Book a time to pick it up'
        in content
    )
    assert f'action="/en/case/{case.code}/ticket/"' in content
    assert "Take a ticket now" in body


def test_without_a_bookable_pickup_service_there_is_no_booking_link(
    citizen, states, pickup_service
):
    pickup_service.bookable = False
    pickup_service.save()
    body = text(page(citizen, states("ready")))
    assert "Book a time to pick it up" not in body
    assert "Take a ticket now" in body


def test_without_a_pickup_service_the_applications_own_queue_is_offered(citizen, states, service_a):
    body = text(page(citizen, states("ready")))
    assert "Take a ticket now" in body
    assert "A ticket for the queue “Passport”" in body


def test_without_any_queue_to_join_the_citizen_is_told_to_come(citizen, states, service_a):
    case = states("ready")
    service_a.offices.clear()  # no longer served at the office: no queue of its own there
    body = text(page(citizen, case))
    assert "Take a ticket now" not in body and "Book a time" not in body
    assert "Come to the centre during its opening hours." in body


def test_outside_opening_hours_no_ticket_button_is_offered(citizen, states, pickup_service, clock):
    case = states("ready")
    clock.move_to(SATURDAY, tick=False)
    body = text(page(citizen, case))
    assert "Take a ticket now" not in body
    assert "Tickets for the queue are issued during opening hours." in body
    assert "Book a time to pick it up" in body


def test_taking_a_ticket_leads_to_the_ticket_page_and_a_second_press_to_the_same(
    citizen, states, pickup_service
):
    case = states("ready")
    response = citizen.post(f"/uk/case/{case.code}/ticket/")
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.office, ticket.service) == (case.office, pickup_service)
    assert ticket.source == Ticket.Source.KIOSK
    assert response["Location"] == f"/uk/t/{ticket.code}/"
    again = citizen.post(f"/uk/case/{case.code}/ticket/")
    assert again["Location"] == f"/uk/t/{ticket.code}/"
    assert Ticket.objects.count() == 1


def test_once_the_ticket_is_done_a_new_one_can_be_taken(citizen, states, pickup_service):
    case = states("ready")
    citizen.post(f"/en/case/{case.code}/ticket/")
    from okno.queueing.services import cancel_ticket

    cancel_ticket(Ticket.objects.get())  # the citizen gave up their place
    response = citizen.post(f"/en/case/{case.code}/ticket/")
    assert response.status_code == 302
    assert Ticket.objects.count() == 2


def test_a_closed_office_refuses_the_ticket_with_a_message(citizen, states, pickup_service, clock):
    case = states("ready")
    clock.move_to(SATURDAY, tick=False)
    response = citizen.post(f"/en/case/{case.code}/ticket/")
    assert response.status_code == 409
    assert "The office is closed now" in text(response)
    assert "Your result is ready" in text(response)  # back on the case page
    assert not Ticket.objects.exists()


def test_an_office_issuing_outside_hours_gives_the_ticket_then(
    citizen, states, pickup_service, clock, office_a
):
    QueueSettings.objects.create(office=office_a, issue_outside_hours=True)
    case = states("ready")
    clock.move_to(SATURDAY, tick=False)
    assert "Take a ticket now" in text(page(citizen, case))
    assert citizen.post(f"/en/case/{case.code}/ticket/").status_code == 302


def test_no_ticket_before_the_result_is_ready(citizen, states, pickup_service):
    case = states("granted")
    response = citizen.post(f"/en/case/{case.code}/ticket/")
    assert response.status_code == 409
    assert "once the result is ready" in text(response)
    assert not Ticket.objects.exists()


def test_a_pickup_service_the_office_does_not_offer_is_refused_plainly(
    citizen, states, pickup_service, office_a
):
    pickup_service.offices.clear()
    response = citizen.post(f"/en/case/{states('ready').code}/ticket/")
    assert response.status_code == 400
    assert "This service is not offered at this office." in text(response)


def test_tickets_are_rate_limited_per_address(citizen, states, pickup_service, settings):
    from okno.cases.views import status

    cases = [states("ready") for _ in range(status.TICKET_LIMIT[1] + 1)]
    codes = [citizen.post(f"/en/case/{case.code}/ticket/").status_code for case in cases]
    assert codes == [302] * status.TICKET_LIMIT[1] + [429]
    assert "Too many tickets" in text(citizen.post(f"/en/case/{cases[-1].code}/ticket/"))


def test_the_ticket_address_takes_only_a_post(citizen, states, pickup_service):
    assert citizen.get(f"/en/case/{states('ready').code}/ticket/").status_code == 405


def test_a_ticket_for_an_unknown_code_is_not_found(citizen, db):
    assert citizen.post("/en/case/ABCDEFGHJK/ticket/").status_code == 404


# --- closing ---------------------------------------------------------------------------------------


def test_once_closed_the_citizen_is_invited_to_rate(citizen, states):
    from okno.feedback.services import case_rating_token

    case = states("closed")
    content = page(citizen, case).content.decode()
    assert "Rate how your application was handled" in content
    # On this site and in this page's language (the message carries the absolute link).
    assert html.escape(f'href="/en/rate/case/{case_rating_token(case)}/"', quote=False) in content


def test_an_open_case_has_no_rating_link(citizen, states):
    assert "Rate how your application" not in text(page(citizen, states("ready")))


# --- following by code ---------------------------------------------------------------------------


def test_the_follow_form_has_a_labelled_code_field(citizen, db):
    response = citizen.get("/en/case/")
    assert response.status_code == 200
    content = response.content.decode()
    assert '<label for="id_code">' in content
    assert 'name="code"' in content


def test_following_by_code_leads_to_the_page(citizen, register):
    case = register()
    typed = f" {case.code[:5].lower()} {case.code[5:]} "
    response = citizen.get("/en/case/", {"code": typed})
    assert response.status_code == 302
    assert response["Location"] == f"/en/case/{case.code}/"


@pytest.mark.parametrize("typed", ["ABCDEFGHJK", "no such thing!", "A" * 40, "<script>"])
def test_an_unknown_or_garbage_code_is_said_plainly(citizen, db, typed):
    response = citizen.get("/en/case/", {"code": typed})
    assert response.status_code == 404
    assert "No application has this code. Check the code on your receipt." in text(response)
    assert 'aria-invalid="true"' in response.content.decode()


@pytest.mark.parametrize("code", ["ABCDEFGHJK", "x" * 13, "%20"])
def test_an_unknown_status_page_is_not_found_with_the_message(citizen, db, code):
    response = citizen.get(f"/en/case/{code}/")
    assert response.status_code == 404
    assert "No application has this code." in text(response)


def test_looking_codes_up_is_rate_limited_per_address(citizen, register):
    from okno.cases.views import status

    case = register()
    for _ in range(status.LOOKUP_LIMIT[1]):
        citizen.get("/en/case/", {"code": "ABCDEFGHJK"})
    response = citizen.get("/en/case/", {"code": case.code})
    assert response.status_code == 429
    assert "Too many look-ups" in text(response)
    elsewhere = citizen.get("/en/case/", {"code": case.code}, REMOTE_ADDR="192.0.2.7")
    assert elsewhere.status_code == 302


def test_guessing_codes_in_the_address_runs_into_the_limit(citizen, register):
    from okno.cases.views import status

    case = register()
    codes = [
        citizen.get("/en/case/ABCDEFGHJK/").status_code for _ in range(status.LOOKUP_LIMIT[1] + 1)
    ]
    assert codes[-1] == 429 and set(codes[:-1]) == {404}
    assert page(citizen, case).status_code == 200  # a known code still opens


def test_the_ukrainian_sentences_are_the_catalogues(citizen, states):
    """The plural of days left follows the language's rule (a guard for the catalogue step)."""
    with translation.override("uk"):
        # Due on 8 December, six working days after Monday 30 November (see above).
        translated = ngettext("%(days)s working day left.", "%(days)s working days left.", 6)
    if translated == "%(days)s working days left.":
        pytest.skip("the uk catalogue does not translate the case page yet")
    assert translated % {"days": 6} in text(page(citizen, states("sent"), "uk"))


# --- the messages lead here ----------------------------------------------------------------------


def test_the_waiting_message_says_what_to_do_and_links_this_page_in_the_applicants_language(
    citizen, register, clerk, django_capture_on_commit_callbacks
):
    from okno.notifications.backends import outbox

    case = move(register(language="en"), (Status.IN_PROGRESS, {}), employee=clerk)
    outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.transition(
            case,
            Status.WAITING_APPLICANT,
            employee=clerk,
            reason="a clear photo",
            now=later(days=2),
        )
    [message] = outbox
    assert "needs something from you:\na clear photo\n" in message.body
    assert "Contact the centre or bring it to Kyiv service centre." in message.body
    link = re.search(r"https?://\S+", message.body).group(0)
    assert link.endswith(f"/en/case/{case.code}/")
    assert "a clear photo" in text(citizen.get(urlsplit(link).path))
