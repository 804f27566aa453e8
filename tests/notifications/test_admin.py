"""The admin shows what was sent, to a masked address, and nobody can write or delete there."""

from __future__ import annotations

import pytest
from django.urls import reverse

from okno.notifications.models import Notification
from tests.factories import UserFactory

LIST = reverse("admin:notifications_notification_changelist")


@pytest.fixture
def superuser_browser(db, client):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


@pytest.fixture
def code_message(db) -> Notification:
    """A one-time code still waiting to go: address and text are still on the row."""
    return Notification.objects.create(
        channel=Notification.Channel.SMS,
        recipient="+380671234567",
        recipient_masked="+380 •• ••• •• 67",
        language="uk",
        kind="appointments/notifications/code",
        subject="",
        body="Your code: 482913",
        sensitive=True,
        reference="booking:ABC123",
    )


def test_staff_find_messages_by_reference_and_see_only_masked_addresses(
    superuser_browser, code_message
):
    response = superuser_browser.get(LIST, {"q": "ABC123"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [code_message]
    page = response.content.decode()
    assert "+380 •• ••• •• 67" in page
    assert "671234567" not in page


def test_the_detail_page_hides_the_address_and_a_one_time_code(superuser_browser, code_message):
    response = superuser_browser.get(
        reverse("admin:notifications_notification_change", args=[code_message.pk])
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "appointments/notifications/code" in page
    assert "671234567" not in page
    assert "482913" not in page


def test_the_list_filters_by_status_and_channel(superuser_browser, code_message):
    assert superuser_browser.get(LIST, {"status__exact": "sent"}).context["cl"].result_count == 0
    assert superuser_browser.get(LIST, {"channel__exact": "sms"}).context["cl"].result_count == 1


def test_nobody_adds_changes_or_deletes_messages_in_the_admin(superuser_browser, code_message):
    add = superuser_browser.get(reverse("admin:notifications_notification_add"))
    delete = superuser_browser.post(
        reverse("admin:notifications_notification_delete", args=[code_message.pk]),
        {"post": "yes"},
    )
    change = superuser_browser.post(
        reverse("admin:notifications_notification_change", args=[code_message.pk]),
        {"body": "changed", "status": "sent"},
    )
    assert add.status_code == 403
    assert delete.status_code == 403
    assert change.status_code == 403
    code_message.refresh_from_db()
    assert code_message.body == "Your code: 482913"
    assert code_message.status == Notification.Status.QUEUED
