"""The map of pains: planted topics are found, numbers follow their rules by hand."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from okno.feedback import pains
from okno.feedback.models import CRITERIA, Complaint, PainReport
from okno.feedback.services import file_complaint, record_rating
from tests.factories import EmployeeFactory, ServiceFactory

pytestmark = pytest.mark.django_db

#: Monday 30 November 2026, noon UTC: the period of 90 days ends that day.
NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
GOOD = dict.fromkeys(CRITERIA, 5)

QUEUE = [
    "Дуже довга черга, чекав дві години",
    "Черга величезна, ніхто не рухається",
    "Стояла в черзі півдня",
    "Черга як завжди довга",
    "Чекали в черзі годину і ще годину",
    "Bardzo długa kolejka, czekałem dwie godziny",
    "Kolejka się nie ruszała",
    "Stałam w kolejce pół dnia",
    "Znowu długa kolejka do okienka",
    "Kolejka, kolejka i jeszcze raz kolejka",
    "The queue was very long, waited two hours",
    "Long queue again, nobody moves",
    "Queue took half a day",
    "Terrible queue at the entrance",
    "Waited in the queue forever",
]
PARKING = [
    "Немає де припаркуватися, парковка завжди зайнята",
    "Парковка маленька, місць немає",
    "Паркування біля центру неможливе",
    "Немає парковки для людей з інвалідністю",
    "Парковка платна і зайнята",
    "Brak parkingu, nie ma gdzie zaparkować",
    "Parking zawsze pełny",
    "Nie było miejsca na parkingu",
    "Parking za mały",
    "Brak miejsc parkingowych przy urzędzie",
    "No parking anywhere near the office",
    "The parking lot is always full",
    "Parking is impossible here",
    "No free parking spaces",
    "Parking for disabled people is missing",
]
QUEUE_WORDS = re.compile(r"черг|черз|kolej|queue")
PARKING_WORDS = re.compile(r"парк|park")
CONTACTS = re.compile(r"@|\d{3}")


def rate(office, service, day: dt.date, *, comment: str = "", employee=None, **scores) -> None:
    record_rating(
        office,
        service,
        scores={**GOOD, **scores},
        channel="terminal",
        visited_on=day,
        comment=comment,
        employee=employee,
        now=dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC),
    )


# --- topics -------------------------------------------------------------------------------------


def test_planted_queue_and_parking_pains_come_out_as_separate_topics(office_a, service_a):
    day = dt.date(2026, 11, 20)
    texts = [*QUEUE, *QUEUE, *PARKING, *PARKING]  # 30 about each, in three languages
    texts[0] += " Дзвоніть +380 67 123 45 67"
    texts[31] += " napisz: jan.kowalski@example.com"
    for text in texts:
        rate(office_a, service_a, day, comment=text, waiting_time=2)

    report = pains.compute_pains(office=office_a, now=NOW)

    topics = report.result["topics"]
    queue = [t for t in topics if QUEUE_WORDS.search(" ".join(t["words"]))]
    parking = [t for t in topics if PARKING_WORDS.search(" ".join(t["words"]))]
    assert queue and parking
    assert not set(map(id, queue)) & set(map(id, parking)), "no topic mixes the two pains"
    # Nearly every planted text lands in a topic of its own pain.
    assert sum(t["count"] for t in queue) >= 27
    assert sum(t["count"] for t in parking) >= 27
    for topic in topics:
        assert 1 <= len(topic["examples"]) <= 3
        for example in topic["examples"]:
            assert not CONTACTS.search(example), example
    assert report.texts == 60
    assert report.result["corpus"] == {
        "texts": 60,
        "texts_in_period": 60,
        "ratings": 60,
        "complaints": 0,
        "assigned": sum(t["count"] for t in topics),
    }


def test_the_same_data_gives_the_same_topics(office_a, service_a):
    for text in [*QUEUE, *PARKING]:
        rate(office_a, service_a, dt.date(2026, 11, 20), comment=text)
    first = pains.compute_pains(office=office_a, now=NOW).result["topics"]
    second = pains.compute_pains(office=office_a, now=NOW).result["topics"]
    assert first == second


def test_contacts_are_removed_before_a_text_is_shown_or_analysed():
    cleaned = pains.clean_text(
        "Proszę oddzwonić: +48 600 123 456 albo (22) 555-12-34, mail a.b+x@urzad.gov.pl. Dzięki"
    )
    assert cleaned == "Proszę oddzwonić: […] albo […], mail […]. Dzięki"


def test_trend_and_concentration_follow_the_planted_texts(office_a, office_b, service_a):
    """Two pains with no word in common, placed by hand:

    parking: 6 texts at office A in the week of 2 November, 2 at office B in the week of 16
    November; queue: 2 at office A and 6 at office B, all in the week of 16 November. Texts
    per office overall: A 8, B 8 (share 0.5 each). Parking at A: 6/8 = 0.75, lift 1.5; parking
    at B: 2/8 = 0.25, lift 0.5. Only the six parking texts at A name an employee (Ivan), and
    shares count only texts with a value: 6/6 in the topic, 6/6 overall, lift 1. Criterion:
    every parking text scored comfort lowest, every queue text waiting: 8/8 against 8/16.
    """
    service_at_b = ServiceFactory(code="B09", offices=[office_b])
    ivan = EmployeeFactory(username="ivan", offices=[office_a])
    parking = [
        "parking full",
        "parking lot full again",
        "no parking space",
        "parking space missing",
        "parking lot small",
        "parking lot closed",
        "no parking space today",
        "parking garage full",
    ]
    queue = [
        "queue slow waiting",
        "long queue waiting",
        "waiting queue hours",
        "queue waiting forever",
        "slow queue again",
        "waiting hours queue",
        "queue hours long",
        "long waiting queue",
    ]
    week_2, week_16 = dt.date(2026, 11, 3), dt.date(2026, 11, 17)
    for text in parking[:6]:
        rate(office_a, service_a, week_2, comment=text, employee=ivan, comfort=2)
    for text in parking[6:]:
        rate(office_b, service_at_b, week_16, comment=text, comfort=1)
    for text in queue[:2]:
        rate(office_a, service_a, week_16, comment=text, waiting_time=2)
    for text in queue[2:]:
        rate(office_b, service_at_b, week_16, comment=text, waiting_time=3)

    report = pains.compute_pains(now=NOW, topics=2)

    topics = {
        ("parking" if "parking" in t["words"] else "queue"): t for t in report.result["topics"]
    }
    assert set(topics) == {"parking", "queue"}
    assert topics["parking"]["count"] == 8 and topics["queue"]["count"] == 8
    by_week = {row["start"]: row["count"] for row in topics["parking"]["trend"]}
    assert by_week["2026-11-02"] == 6 and by_week["2026-11-16"] == 2
    assert sum(by_week.values()) == 8
    assert topics["parking"]["trend"][-1]["start"] == "2026-11-30", "the week the period ends in"
    assert len(topics["parking"]["trend"]) == 14  # Monday 31 August … Monday 30 November
    offices = {row["key"]: row for row in topics["parking"]["concentration"]["office"]}
    assert offices[office_a.pk] == {
        "key": office_a.pk,
        "count": 6,
        "share": 0.75,
        "overall_share": 0.5,
        "lift": 1.5,
    }
    assert offices[office_b.pk]["lift"] == 0.5
    operator = topics["parking"]["concentration"]["operator"]
    assert operator == [
        {"key": ivan.pk, "count": 6, "share": 1.0, "overall_share": 1.0, "lift": 1.0}
    ], "only Ivan's texts name an employee: shares count texts that have one"
    criterion = topics["parking"]["concentration"]["criterion"]
    assert criterion == [
        {"key": "comfort", "count": 8, "share": 1.0, "overall_share": 0.5, "lift": 2.0}
    ]
    assert topics["parking"]["mean_score"] == round((6 * (4 * 5 + 2) + 2 * (4 * 5 + 1)) / 40, 2)


def test_complaints_are_texts_too_with_their_category(office_a, service_a):
    for index in range(12):
        file_complaint(
            office_a,
            text=f"Parking full again, no parking space ({index})"
            if index % 2
            else f"No free parking space, the parking is full ({index})",
            category=Complaint.Category.PREMISES,
            language="en",
            now=NOW - dt.timedelta(days=3),
        )
    report = pains.compute_pains(office=office_a, now=NOW, topics=2)
    assert report.result["corpus"]["complaints"] == 12
    topics = report.result["topics"]
    assert sum(t["complaints"] for t in topics) == 12
    for topic in topics:
        assert "parking" in " ".join(topic["words"])
        assert topic["mean_score"] is None, "complaints carry no scores"
        assert topic["concentration"]["category"][0]["key"] == "premises"
        assert topic["concentration"]["criterion"] == []


def test_too_few_texts_give_no_topics_but_still_a_report(office_a, service_a):
    rate(office_a, service_a, dt.date(2026, 11, 20), comment="Long queue")
    report = pains.compute_pains(office=office_a, now=NOW)
    assert report.result["topics"] == []
    assert report.result["params"]["note"] == "too_few_texts"
    assert report.result["satisfaction"]["ratings"] == 1


def test_texts_outside_the_period_or_office_are_left_out(office_a, office_b, service_a):
    old = NOW.date() - dt.timedelta(days=90)  # the period is the 90 days up to today
    rate(office_a, service_a, old, comment="too old")
    rate(office_a, service_a, old + dt.timedelta(days=1), comment="first day")
    rate(office_b, ServiceFactory(offices=[office_b]), NOW.date(), comment="other office")
    report = pains.compute_pains(office=office_a, now=NOW)
    assert report.texts == 1
    assert report.period_start == old + dt.timedelta(days=1)
    assert report.period_end == NOW.date()


def test_the_number_of_topics_grows_with_the_corpus_within_3_to_12():
    assert pains.topic_count(10) == 3
    assert pains.topic_count(60) == 5  # √30 ≈ 5.5 → 5 (banker's rounding leaves 5)
    assert pains.topic_count(200) == 10
    assert pains.topic_count(100_000) == 12


def test_the_lowest_criterion_is_the_first_of_the_lowest_and_none_when_all_are_equal():
    assert pains.lowest_criterion({**GOOD, "comfort": 2, "information": 2}) == "comfort"
    assert pains.lowest_criterion(dict.fromkeys(CRITERIA, 3)) is None


# --- numbers by hand ----------------------------------------------------------------------------


def test_wilson_lower_bound_matches_the_formula_by_hand():
    # 8 of 10, z = 1.96: (0.8 + 0.19208 − 1.96·√(0.016 + 0.009604)) / 1.38416 = 0.4902
    assert pains.wilson_lower_bound(8, 10) == pytest.approx(0.4902, abs=1e-4)
    # All satisfied: n / (n + z²)
    assert pains.wilson_lower_bound(20, 20) == pytest.approx(20 / (20 + 1.96**2), abs=1e-4)
    assert pains.wilson_lower_bound(0, 30) == 0.0
    assert pains.wilson_lower_bound(0, 0) == 0.0


def test_hotspots_put_the_confidently_worst_cell_first_and_skip_small_ones(office_a, service_a):
    """Service X, waiting: 10 of 20 satisfied (Wilson 0.2993). Service Y, comfort: 30 of 30 at 3
    (Wilson 0). Service Z, politeness: 0 of 19 (too few to count). Everything else is 5."""
    x, y, z = service_a, ServiceFactory(offices=[office_a]), ServiceFactory(offices=[office_a])
    day = dt.date(2026, 11, 20)
    for index in range(20):
        rate(office_a, x, day, waiting_time=2 if index < 10 else 5)
    for _index in range(30):
        rate(office_a, y, day, comfort=3)
    for _index in range(19):
        rate(office_a, z, day, politeness=1)

    result = pains.compute_pains(office=office_a, now=NOW).result

    hotspots = result["hotspots"]
    assert [(h["service"], h["criterion"]) for h in hotspots[:2]] == [
        (y.pk, "comfort"),
        (x.pk, "waiting_time"),
    ]
    assert all(h["service"] != z.pk for h in hotspots)
    assert result["hotspot_cells"] == 10  # X and Y × five criteria
    assert result["hotspot_cells_too_small"] == 5  # Z × five criteria
    waiting = hotspots[1]
    assert waiting["n"] == 20 and waiting["satisfied"] == 10 and waiting["share"] == 0.5
    assert waiting["wilson_low"] == pytest.approx(0.2993, abs=1e-4)
    assert waiting["mean"] == 3.5
    # Sample sd of ten 2s and ten 5s: √(20·2.25/19) = 1.5390; 1.96·1.5390/√20 = 0.6745.
    assert waiting["mean_low"] == pytest.approx(3.5 - 0.6745, abs=0.01)
    assert waiting["mean_high"] == pytest.approx(3.5 + 0.6745, abs=0.01)
    # The best cells come last: all satisfied, Wilson n / (n + z²), the larger n the higher.
    assert hotspots[-1]["wilson_low"] == pytest.approx(30 / (30 + 1.96**2), abs=1e-4)


def test_satisfaction_is_the_share_of_scores_of_4_or_5_against_90_percent(office_a, service_a):
    day = dt.date(2026, 11, 20)
    rate(office_a, service_a, day)  # 5 of 5 satisfied
    rate(office_a, service_a, day, waiting_time=3, comfort=2)  # 3 of 5
    rate(office_a, service_a, day, waiting_time=4)  # 5 of 5
    rate(office_a, service_a, day, waiting_time=1, politeness=3)  # 3 of 5

    satisfaction = pains.compute_pains(office=office_a, now=NOW).result["satisfaction"]

    assert satisfaction["ratings"] == 4 and satisfaction["scores"] == 20
    assert satisfaction["satisfied"] == 16
    assert satisfaction["share"] == 0.8
    assert satisfaction["meets_target"] is False
    waiting = next(c for c in satisfaction["by_criterion"] if c["criterion"] == "waiting_time")
    assert waiting == {
        "criterion": "waiting_time",
        "n": 4,
        "satisfied": 2,
        "share": 0.5,
        "mean": 3.25,
    }


def test_loyalty_index_is_promoters_minus_detractors(office_a, service_a):
    # 3 promoters (9, 10, 10), 2 passives (7, 8), 3 detractors (0, 5, 6): (3 − 3) / 8 = 0.
    assert pains.loyalty([9, 10, 10, 7, 8, 0, 5, 6]) == {
        "answers": 8,
        "promoters": 3,
        "passives": 2,
        "detractors": 3,
        "index": 0.0,
    }
    # 2 promoters of 3, no detractor: 66.7.
    assert pains.loyalty([10, 9, 8])["index"] == pytest.approx(66.7)
    assert pains.loyalty([])["index"] is None
    for value in (10, 10, 6, None):
        record_rating(
            office_a,
            service_a,
            scores=GOOD,
            channel="terminal",
            visited_on=dt.date(2026, 11, 20),
            recommend=value,
            now=NOW,
        )
    loyalty = pains.compute_pains(office=office_a, now=NOW).result["loyalty"]
    assert loyalty["answers"] == 3 and loyalty["index"] == pytest.approx(33.3)


# --- the periodic job ---------------------------------------------------------------------------


def test_the_periodic_job_computes_each_scope_once_per_six_hours(office_a, office_b):
    assert pains.recompute_due(NOW) == 3  # all offices, A, B
    assert pains.recompute_due(NOW + dt.timedelta(hours=1)) == 0
    assert pains.recompute_due(NOW + dt.timedelta(hours=6, minutes=1)) == 3
    assert PainReport.objects.count() == 6


def test_a_scope_claimed_elsewhere_is_not_computed_again(office_a):
    assert pains.claim_run(office_a, seconds=60)
    assert not pains.claim_run(office_a, seconds=60)
    assert pains.recompute_due(NOW) == 1, "only the all-offices scope was free"
    assert not PainReport.objects.filter(office=office_a).exists()
    pains.release_run(office_a)
    assert pains.claim_run(office_a, seconds=60)


def test_old_reports_are_dropped_by_the_periodic_job(office_a):
    pains.compute_pains(office=office_a, now=NOW - dt.timedelta(days=31))
    pains.recompute_due(NOW)
    assert not PainReport.objects.filter(computed_at__lt=NOW - dt.timedelta(days=30)).exists()
    assert PainReport.objects.count() == 2


# --- the command --------------------------------------------------------------------------------


def test_the_command_computes_one_office_and_says_what_it_found(office_a, service_a):
    from io import StringIO

    from django.core.management import CommandError, call_command

    rate(office_a, service_a, dt.date.today(), comment="Long queue", waiting_time=2)
    out = StringIO()
    call_command("compute_pains", office=office_a.slug, days=30, stdout=out)
    text = out.getvalue()
    assert "1 texts (1 comments, 0 complaints)" in text
    assert "no topics: fewer than 10 texts" in text
    assert "satisfied 80.0 % of scores" in text  # 4 of 5 scores are 5
    report = PainReport.objects.get()
    assert report.office == office_a and report.result["params"]["days"] == 30
    with pytest.raises(CommandError):
        call_command("compute_pains", office="nowhere", stdout=StringIO())
