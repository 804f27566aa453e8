"""The appointments admin: each head sees and edits only their offices' booking rules and staff
schedule; bookings are an audit trail, read-only, with the contact masked."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission

from okno.appointments import services as bookings
from okno.appointments.models import AppointmentSettings, Booking, StaffShift
from okno.staff.models import Employee
from tests.factories import CompetencyFactory, StaffShiftFactory

KYIV = dt.timezone(dt.timedelta(hours=2))
BOOKED_AT = dt.datetime(2026, 11, 23, 7, 0, tzinfo=KYIV)
PHONE = "+380501234567"


def rows(response) -> list:
    return list(response.context["cl"].result_list)


def allow(employee: Employee, *codenames: str) -> Employee:
    """The appointments permissions a head's role should hold (see the report: roles.py)."""
    employee.user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="appointments", codename__in=codenames)
    )
    return employee


@pytest.fixture
def head_with_rights(head) -> Employee:
    return allow(
        head,
        *(f"{a}_appointmentsettings" for a in ("view", "add", "change", "delete")),
        *(f"{a}_staffshift" for a in ("view", "add", "change", "delete")),
        "view_booking",
        "view_bookingevent",
    )


@pytest.fixture
def shifts(office_a, office_b, operator, b_operator):
    return (
        StaffShiftFactory(office=office_a, employee=operator, weekday=0),
        StaffShiftFactory(office=office_b, employee=b_operator, weekday=0),
    )


@pytest.fixture
def booked(office_a, office_b, service_a, service_b, operator, b_operator):
    """A phone booking with a contact at each office, Monday 10:00 (with one person on shift,
    half of each hour may be booked by phone)."""
    made = []
    for office, service, employee in (
        (office_a, service_a, operator),
        (office_b, service_b, b_operator),
    ):
        CompetencyFactory(employee=employee, service=service)
        AppointmentSettings.objects.create(office=office, online_share=50, phone_share=50)
        StaffShiftFactory(office=office, employee=employee, weekday=0, starts=dt.time(8, 0))
        start = dt.datetime(2026, 11, 23, 10, 0, tzinfo=KYIV)
        made.append(
            bookings.book_for_caller(
                office, service, start, employee=employee, contact=PHONE, now=BOOKED_AT
            ).booking
        )
    return made


# --- booking rules ------------------------------------------------------------------------------


def test_a_head_sees_only_their_offices_booking_rules(
    signed_in, head_with_rights, office_a, office_b
):
    mine = AppointmentSettings.objects.create(office=office_a)
    theirs = AppointmentSettings.objects.create(office=office_b, online_share=50)
    browser = signed_in(head_with_rights)

    response = browser.get("/admin/appointments/appointmentsettings/")

    assert response.status_code == 200
    assert rows(response) == [mine]
    assert (
        browser.get(f"/admin/appointments/appointmentsettings/{theirs.pk}/change/").status_code
        == 302
    )
    form = browser.get("/admin/appointments/appointmentsettings/add/")
    assert list(form.context["adminform"].form.fields["office"].queryset) == [office_a]


def test_shares_over_100_percent_are_refused_by_the_form(signed_in, head_with_rights, office_a):
    data = {
        "office": office_a.pk,
        "online_share": 90,
        "phone_share": 20,
        "slot_step_minutes": 15,
        "horizon_days": 30,
        "release_time": "08:00",
        "min_lead_minutes": 30,
        "hold_minutes": 10,
        "arrival_before_minutes": 15,
        "arrival_after_minutes": 10,
        "late_policy": "walk_in",
        "booking_head_start_minutes": 30,
        "max_active_per_contact": 2,
        "one_per_service_per_day": "on",
        "no_show_limit": 3,
        "no_show_period_days": 90,
    }
    browser = signed_in(head_with_rights)

    refused = browser.post("/admin/appointments/appointmentsettings/add/", data)
    accepted = browser.post(
        "/admin/appointments/appointmentsettings/add/", {**data, "online_share": 70}
    )

    assert refused.status_code == 200  # the form again, with the error
    assert accepted.status_code == 302
    assert AppointmentSettings.objects.get().online_share == 70


# --- staff schedule -----------------------------------------------------------------------------


def test_a_head_sees_and_schedules_only_their_offices_people(
    signed_in, head_with_rights, office_a, office_b, operator, b_operator, shifts
):
    mine, _theirs = shifts
    browser = signed_in(head_with_rights)

    listed = browser.get("/admin/appointments/staffshift/")
    form = browser.get("/admin/appointments/staffshift/add/")

    assert listed.status_code == 200
    assert rows(listed) == [mine]
    assert b_operator not in form.context["adminform"].form.fields["employee"].queryset
    assert operator in form.context["adminform"].form.fields["employee"].queryset
    data = {"weekday": 1, "starts": "08:00", "ends": "12:00"}
    refused = browser.post(
        "/admin/appointments/staffshift/add/",
        {**data, "office": office_a.pk, "employee": b_operator.pk},
    )
    assert refused.status_code == 200
    added = browser.post(
        "/admin/appointments/staffshift/add/",
        {**data, "office": office_a.pk, "employee": operator.pk},
    )
    assert added.status_code == 302
    assert StaffShift.objects.filter(office=office_a, weekday=1, employee=operator).exists()


def test_the_schedule_filters_by_office_weekday_and_employee(signed_in, head_with_rights, shifts):
    mine, theirs = shifts
    browser = signed_in(head_with_rights)

    response = browser.get("/admin/appointments/staffshift/?weekday__exact=0")
    nothing_on_tuesday = browser.get("/admin/appointments/staffshift/?weekday__exact=1")

    assert response.status_code == 200
    assert rows(response) == [mine]
    assert rows(nothing_on_tuesday) == []
    assert "weekday" in [spec.field_path for spec in response.context["cl"].filter_specs]
    # The sidebar never names another office.
    assert str(theirs.office) not in response.content.decode()


def test_a_shift_must_start_before_it_ends(signed_in, head_with_rights, office_a, operator):
    response = signed_in(head_with_rights).post(
        "/admin/appointments/staffshift/add/",
        {
            "office": office_a.pk,
            "employee": operator.pk,
            "weekday": 1,
            "starts": "12:00",
            "ends": "08:00",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "A shift must start before it ends." in response.content.decode()
    assert not StaffShift.objects.exists()


# --- bookings -----------------------------------------------------------------------------------


def test_bookings_are_read_only_scoped_and_show_the_contact_masked(
    signed_in, head_with_rights, booked
):
    mine, theirs = booked
    browser = signed_in(head_with_rights)

    listed = browser.get("/admin/appointments/booking/")
    detail = browser.get(f"/admin/appointments/booking/{mine.pk}/change/")

    assert listed.status_code == 200
    assert rows(listed) == [mine]
    assert PHONE not in listed.content.decode()
    assert "+380 •• ••• •• 67" in listed.content.decode()
    assert detail.status_code == 200
    page = detail.content.decode()
    assert PHONE not in page
    assert mine.otp_hash not in page or not mine.otp_hash
    assert "confirmed" in page.lower()  # the audit trail inline
    assert browser.get(f"/admin/appointments/booking/{theirs.pk}/change/").status_code == 302
    assert browser.get("/admin/appointments/booking/add/").status_code == 403
    assert browser.post(f"/admin/appointments/booking/{mine.pk}/delete/").status_code == 403
    assert Booking.objects.count() == 2


def test_bookings_are_found_by_code(signed_in, head_with_rights, booked):
    mine, _theirs = booked
    response = signed_in(head_with_rights).get(
        "/admin/appointments/booking/", {"q": mine.code.lower()}
    )
    assert rows(response) == [mine]


def test_an_administrator_who_sees_every_office_sees_every_booking(signed_in, booked, db):
    from okno.staff.models import Role
    from tests.factories import EmployeeFactory

    admin = allow(EmployeeFactory(username="root", role=Role.ADMINISTRATOR), "view_booking")
    response = signed_in(admin).get("/admin/appointments/booking/")
    assert sorted(b.pk for b in rows(response)) == sorted(b.pk for b in booked)
