"""The feedback demo: ratings, follow-ups, complaints and a map of pains, loaded once however
often it runs."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.db.models import Q
from django.test import override_settings

from okno.feedback.demo import VOLUME, load_feedback_demo
from okno.feedback.models import Complaint, FollowUp, PainReport, Rating
from okno.staff.demo import load_demo

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo_once(django_db_setup, django_db_blocker):
    """The whole demo, loaded once for this module (it takes a few seconds)."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        load_demo()
        counts = {
            "ratings": Rating.objects.count(),
            "complaints": Complaint.objects.count(),
            "follow_ups": FollowUp.objects.count(),
            "follow_ups_done": FollowUp.objects.filter(status="done").count(),
            "reports": PainReport.objects.count(),
        }
        again = load_feedback_demo()
        after = {
            "ratings": Rating.objects.count(),
            "complaints": Complaint.objects.count(),
            "follow_ups": FollowUp.objects.count(),
            "follow_ups_done": FollowUp.objects.filter(status="done").count(),
            "reports": PainReport.objects.count(),
        }
        latest = {
            report.office.slug if report.office else None: report.result
            for report in PainReport.objects.select_related("office").order_by("computed_at")
        }
        statuses = set(Complaint.objects.values_list("status", flat=True))
        # The rule of record_rating: a score of 2 or less (the default low score) opens one.
        low = Rating.objects.filter(
            Q(service_time__lte=2)
            | Q(waiting_time__lte=2)
            | Q(politeness__lte=2)
            | Q(comfort__lte=2)
            | Q(information__lte=2)
        )
        statuses = (statuses, low.count(), low.filter(follow_up__isnull=False).count())
        transaction.set_rollback(True)
    return counts, again, after, latest, statuses


def test_the_demo_rates_each_demo_office_and_files_complaints_in_every_status(demo_once):
    counts, _again, _after, _latest, statuses = demo_once
    assert counts["ratings"] == sum(VOLUME.values())
    assert 15 <= counts["complaints"] <= 25
    assert counts["follow_ups"] > counts["follow_ups_done"] > 0, "some called back, some not"
    statuses, low, low_followed = statuses
    assert statuses == {"received", "in_review", "answered", "closed", "forwarded", "rejected"}
    assert low == low_followed == counts["follow_ups"] > 0


def test_loading_the_feedback_demo_again_changes_nothing(demo_once):
    counts, again, after, _latest, _statuses = demo_once
    assert not again.changed
    assert after == counts


def test_the_demo_leaves_a_map_of_pains_with_its_planted_pains(demo_once):
    counts, _again, _after, latest, _statuses = demo_once
    assert counts["reports"] == 4, "all offices together, and each of the three"
    rynek = latest["przemysl-rynek"]
    assert rynek["topics"], "topics found in the comments"
    words = " ".join(" ".join(t["words"]) for t in rynek["topics"])
    assert "kolejka" in words or "kolejce" in words
    assert rynek["hotspots"], "some office × service × criterion has 20 ratings"
    assert rynek["hotspots"][0]["criterion"] == "waiting_time"
    zasanie_words = " ".join(" ".join(t["words"]) for t in latest["przemysl-zasanie"]["topics"])
    assert "parking" in zasanie_words or "zaparkować" in zasanie_words
    assert latest[None]["satisfaction"]["ratings"] == sum(VOLUME.values())
