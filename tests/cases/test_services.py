"""Cases through their services: intake, routing, the status table, pauses, files and alerts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from okno.cases import errors, services
from okno.cases.models import Case, CaseEvent, CasePause, CaseSettings, Routing
from okno.notifications.backends import outbox
from tests.cases.conftest import INTAKE

Status = Case.Status
pytestmark = pytest.mark.django_db


def later(**delta) -> dt.datetime:
    return INTAKE + dt.timedelta(**delta)


# --- intake --------------------------------------------------------------------------------------


def test_a_complete_application_is_numbered_routed_to_the_pool_and_sent(register, unit):
    case = register()
    assert case.number == "KYIV-CENTRE-2026-00001"
    assert len(case.code) == services.CODE_LENGTH
    assert case.unit == unit
    assert case.assignee is None  # the unit's pool
    assert case.status == Status.SENT
    # 10 working days from Tuesday 24 November (Ukraine keeps no public days off in 2026).
    assert case.deadline == dt.date(2026, 12, 8)
    assert [d.name for d in case.documents.all()] == ["Заява", "Старий паспорт", "Фото"]
    actions = list(case.events.values_list("action", "to_status"))
    assert actions == [("registered", "registered"), ("transition", "sent")]


def test_numbers_run_per_office_and_per_year(register, office_b, service_b, other_unit):
    first, second = register(), register()
    new_year = register(now=dt.datetime(2027, 1, 5, 8, tzinfo=dt.UTC))
    elsewhere = services.register_case(
        office_b, service_b, employee=None, documents={}, applicant_name="X", now=INTAKE
    )
    assert [first.sequence, second.sequence, new_year.sequence] == [1, 2, 1]
    assert new_year.number.endswith("-2027-00001")
    assert elsewhere.number == "LVIV-CENTRE-2026-00001"


def test_a_missing_mandatory_document_is_refused_without_a_reason(register, documents):
    with translation.override("uk"), pytest.raises(errors.MissingDocuments) as refused:
        register(documents={documents[0].pk: "original"})
    assert refused.value.documents == ["Старий паспорт"]  # named in the operator's language
    assert not Case.objects.exists()


def test_with_a_reason_the_application_is_accepted_and_the_reason_kept(register, documents):
    with translation.override("uk"):
        case = register(
            documents={documents[0].pk: "original"},
            missing_reason="Old passport lost; police note",
        )
    assert case.missing_documents_reason == "Old passport lost; police note"
    registered = case.events.get(action=CaseEvent.Action.REGISTERED)
    assert registered.detail["missing"] == ["Старий паспорт"]


def test_the_optional_and_centre_obtained_documents_are_not_demanded(register, documents):
    case = register(documents={documents[0].pk: "original", documents[1].pk: "copy"})
    assert case.missing_documents_reason == ""


def test_a_document_from_another_service_is_refused(register, service_b):
    from tests.factories import RequiredDocumentFactory

    stranger = RequiredDocumentFactory(service=service_b)
    with pytest.raises(errors.CaseError):
        register(documents={stranger.pk: "original"})


def test_the_applicant_data_follows_the_service_rules(register, service_a):
    from okno.cases.models import CaseRules

    CaseRules.objects.create(
        service=service_a,
        applicant_name=CaseRules.Need.REQUIRED,
        applicant_contact=CaseRules.Need.NO,
        identifier=CaseRules.Need.REQUIRED,
    )
    with pytest.raises(errors.InvalidApplicant) as refused:
        register(applicant_name="", identifier="")
    assert set(refused.value.fields) == {"applicant_name", "identifier"}
    case = register(identifier="1234567890", contact="+380501234567")
    assert case.identifier == "1234567890"
    assert case.contact == ""  # not asked by this service, so not stored


def test_a_bad_contact_is_a_clear_error(register):
    with pytest.raises(errors.InvalidApplicant) as refused:
        register(contact="not a phone")
    assert "contact" in refused.value.fields


def test_a_service_the_office_does_not_offer_is_refused(office_a, service_b, operator):
    with pytest.raises(errors.ServiceNotOffered):
        services.register_case(office_a, service_b, employee=operator, documents={})


def test_without_a_routing_rule_the_case_stays_registered(office_a, service_a, operator):
    case = services.register_case(
        office_a, service_a, employee=operator, documents={}, applicant_name="X", now=INTAKE
    )
    assert case.status == Status.REGISTERED
    assert case.unit is None


def test_an_office_rule_wins_over_the_rule_for_every_office(
    register, service_a, office_a, unit, clerk_2
):
    from okno.cases.models import ProviderUnit

    local = ProviderUnit.objects.create(name={"en": "Local"})
    local.members.set([clerk_2])
    Routing.objects.create(service=service_a, office=office_a, unit=local, assignee=clerk_2)
    case = register()
    assert (case.unit, case.assignee) == (local, clerk_2)


def test_the_applicant_is_sent_the_receipt_link_in_their_language(
    register, django_capture_on_commit_callbacks
):
    outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        case = register(language="en")
    [message] = [m for m in outbox if m.reference == f"case:{case.number}"]
    assert case.code in message.body
    assert "/en/case/" in message.body


# --- the pipeline --------------------------------------------------------------------------------


def test_the_whole_pipeline_from_intake_to_closing(register, clerk, operator):
    case = register()
    case = services.transition(case, Status.IN_PROGRESS, employee=clerk, now=later(days=1))
    assert case.assignee == clerk  # taking it up claims it
    case = services.transition(
        case, Status.DECIDED, employee=clerk, decision="granted", now=later(days=2)
    )
    case = services.transition(case, Status.READY, employee=clerk, now=later(days=3))
    case = services.transition(case, Status.ISSUED, employee=operator, now=later(days=4))
    case = services.transition(case, Status.CLOSED, employee=operator, now=later(days=4, minutes=1))
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert case.contact == ""  # wiped: no message will follow
    steps = list(case.events.filter(action="transition").values_list("from_status", "to_status"))
    assert steps == [
        ("registered", "sent"),
        ("sent", "in_progress"),
        ("in_progress", "decided"),
        ("decided", "ready"),
        ("ready", "issued"),
        ("issued", "closed"),
    ]


@pytest.mark.parametrize("source", Status.values)
@pytest.mark.parametrize("target", Status.values)
def test_the_transition_table_decides_every_step(register, clerk, source, target):
    """Every (from, to) pair: allowed exactly when the table says so."""
    case = register(send=False)
    Case.objects.filter(pk=case.pk).update(
        status=source,
        decision="granted" if source in ("decided", "ready", "issued", "closed") else "",
        paused_on=INTAKE.date() if source in ("waiting_applicant", "waiting_agency") else None,
    )
    case.refresh_from_db()
    allowed = target in services.TRANSITIONS[source]
    try:
        services.transition(
            case, target, employee=clerk, reason="why", decision="granted", now=later(days=1)
        )
    except errors.TransitionNotAllowed:
        assert not allowed
    else:
        assert allowed
        case.refresh_from_db()
        assert case.status == target


def test_a_refusal_needs_its_grounds(register, clerk):
    case = services.transition(register(), Status.IN_PROGRESS, employee=clerk, now=later(days=1))
    with pytest.raises(errors.DecisionRequired):
        services.transition(case, Status.DECIDED, employee=clerk, now=later(days=1))
    with pytest.raises(errors.GroundsRequired):
        services.transition(
            case, Status.DECIDED, employee=clerk, decision="refused", now=later(days=1)
        )
    case = services.transition(
        case,
        Status.DECIDED,
        employee=clerk,
        decision="refused",
        reason="Art. 5: photo missing",
        now=later(days=1),
    )
    assert (case.decision, case.grounds) == ("refused", "Art. 5: photo missing")


def test_waiting_for_the_applicant_pauses_the_term_and_moves_the_deadline(register, clerk):
    case = services.transition(register(), Status.IN_PROGRESS, employee=clerk, now=later(days=1))
    with pytest.raises(errors.ReasonRequired):
        services.transition(case, Status.WAITING_APPLICANT, employee=clerk, now=later(days=1))
    # Paused on Wednesday 25 November, resumed on Monday 30 November: Thursday and Friday were
    # working days spent waiting (the weekend does not count in working days anyway).
    case = services.transition(
        case, Status.WAITING_APPLICANT, employee=clerk, reason="A clearer photo", now=later(days=1)
    )
    assert case.paused_on == dt.date(2026, 11, 25)
    assert case.waiting_for == "A clearer photo"
    case = services.transition(case, Status.IN_PROGRESS, employee=clerk, now=later(days=6))
    assert case.paused_on is None
    assert case.deadline == dt.date(2026, 12, 10)
    pause = CasePause.objects.get(case=case)
    assert (pause.started_on, pause.ended_on) == (dt.date(2026, 11, 25), dt.date(2026, 11, 30))


def test_a_service_whose_term_does_not_pause_keeps_its_deadline(register, clerk, service_a):
    from okno.cases.models import CaseRules

    CaseRules.objects.create(service=service_a, pause_for_agency=False)
    case = services.transition(register(), Status.IN_PROGRESS, employee=clerk, now=later(days=1))
    case = services.transition(
        case, Status.WAITING_AGENCY, employee=clerk, reason="Tax office", now=later(days=1)
    )
    assert case.paused_on is None
    case = services.transition(case, Status.IN_PROGRESS, employee=clerk, now=later(days=6))
    assert case.deadline == dt.date(2026, 12, 8)


def test_two_clerks_moving_the_same_case_at_once_do_not_both_succeed(register, clerk, clerk_2):
    case = register()
    stale = Case.objects.get(pk=case.pk)
    services.transition(case, Status.IN_PROGRESS, employee=clerk, now=later(days=1))
    with pytest.raises(errors.TransitionNotAllowed):
        services.transition(stale, Status.IN_PROGRESS, employee=clerk_2, now=later(days=1))
    assert Case.objects.get(pk=case.pk).assignee == clerk


def test_a_member_takes_a_case_from_the_pool_once(register, clerk, clerk_2, operator):
    case = register()
    with pytest.raises(errors.NotInUnit):
        services.take_case(case, employee=operator)
    services.take_case(case, employee=clerk)
    with pytest.raises(errors.AlreadyTaken):
        services.take_case(Case.objects.get(pk=case.pk), employee=clerk_2)


def test_reassigning_needs_a_reason_and_a_member_of_the_unit(
    register, clerk, clerk_2, operator, head
):
    case = services.take_case(register(), employee=clerk)
    with pytest.raises(errors.ReasonRequired):
        services.assign_case(case, clerk_2, employee=head, reason=" ")
    with pytest.raises(errors.NotInUnit):
        services.assign_case(case, operator, employee=head, reason="holiday")
    case = services.assign_case(case, clerk_2, employee=head, reason="holiday")
    event = case.events.get(action="assigned")
    assert event.detail == {"from": clerk.pk, "to": clerk_2.pk, "reason": "holiday"}


def test_ready_tells_the_applicant_where_to_come(
    register, clerk, office_a, django_capture_on_commit_callbacks
):
    from okno.catalog.models import ServicePoint

    window = ServicePoint.objects.get(office=office_a, number=2)
    case = services.transition(
        register(language="en"), Status.IN_PROGRESS, employee=clerk, now=later(days=1)
    )
    case = services.transition(
        case, Status.DECIDED, employee=clerk, decision="granted", now=later(days=2)
    )
    outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        case = services.transition(
            case, Status.READY, employee=clerk, pickup_point=window, now=later(days=3)
        )
    [message] = outbox
    assert case.number in message.body
    assert "window 2" in message.body


# --- files ---------------------------------------------------------------------------------------


def test_a_pdf_scan_is_attached_under_a_random_name(register, clerk, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = register()
    upload = SimpleUploadedFile(
        "Koval passport.pdf", b"%PDF-1.4 scan", content_type="application/pdf"
    )
    attached = services.attach_file(case, upload, kind="scan", employee=clerk, now=later(hours=1))
    assert attached.name == "Koval passport.pdf"
    assert "Koval" not in attached.file.name
    assert attached.content_type == "application/pdf"
    assert case.events.filter(action="file").exists()


def test_a_file_that_is_not_a_pdf_or_image_is_refused_whatever_it_is_called(
    register, clerk, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile(
        "scan.pdf", b"MZ\x90\x00 an executable", content_type="application/pdf"
    )
    with pytest.raises(errors.FileTypeNotAllowed):
        services.attach_file(register(), upload, kind="scan", employee=clerk)


def test_a_file_over_the_office_limit_is_refused(register, clerk, office_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    CaseSettings.objects.create(office=office_a, max_file_mb=1)
    upload = SimpleUploadedFile("big.pdf", b"%PDF" + b"0" * (1024 * 1024 + 1))
    with pytest.raises(errors.FileTooLarge):
        services.attach_file(register(), upload, kind="scan", employee=clerk)


# --- alerts --------------------------------------------------------------------------------------


def test_alerts_go_before_the_deadline_and_once_it_has_passed(
    register, clerk, head, unit_head, django_capture_on_commit_callbacks
):
    for person, email in (
        (clerk, "clerk@example.org"),
        (head, "head@example.org"),
        (unit_head, "unit@example.org"),
    ):
        person.user.email = email
        person.user.save()
    case = register()  # due Tuesday 8 December; alerts two working days before
    outbox.clear()
    # Due Tuesday 8 December. Thursday 3 December: 3 working days left (Fri, Mon, Tue).
    assert services.send_deadline_alerts(later(days=9)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_deadline_alerts(later(days=10)) == 1  # Friday: 2 left (Mon, Tue)
    # The unit's head (nobody has taken the case from the pool) and the office's head.
    assert sorted(m.to for m in outbox) == ["head@example.org", "unit@example.org"]
    assert services.send_deadline_alerts(later(days=10, hours=1)) == 0  # once
    assert services.send_deadline_alerts(later(days=15)) == 1  # Wednesday 9 December: overdue
    assert list(case.events.filter(action="alerted").values_list("detail__which", flat=True)) == [
        "soon",
        "overdue",
    ]


def test_the_same_intake_key_registers_one_application(register):
    first = register(intake_key="form-1")
    again = register(intake_key="form-1", applicant_name="Someone else")
    assert again.pk == first.pk
    assert Case.objects.count() == 1


def test_the_running_condition_of_the_partial_indexes_names_exactly_the_open_statuses():
    from okno.cases.models import OPEN_STATUSES, RUNNING

    assert dict(RUNNING.children)["status__in"] == list(OPEN_STATUSES)
