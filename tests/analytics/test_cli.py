"""`okno rollups`: one command rebuilds the rollups of any range, with progress and a summary."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from okno import cli
from okno.analytics.models import ServiceDay
from tests.analytics.conftest import make_visit

NOW = dt.datetime(2026, 11, 19, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_rollups_rebuilds_the_range_and_says_how_much(office_a, service_a, capsys):
    make_visit(office_a, service_a, dt.date(2026, 11, 17), "09:00", waited=3, served=5)
    make_visit(office_a, service_a, dt.date(2026, 11, 19), "09:00", waited=3, served=5)
    assert cli.main(["rollups", "--from", "2026-11-16", "--to", "2026-11-30"]) == 0
    out = capsys.readouterr().out
    # 16, 17 and 18 November: today (the 19th) and later are read live, never rolled up.
    assert "3 office-days rebuilt" in out
    assert list(ServiceDay.objects.values_list("day", "visits")) == [(dt.date(2026, 11, 17), 1)]


def test_rollups_refuses_a_backwards_range_and_an_unknown_office(office_a, capsys):
    assert cli.main(["rollups", "--from", "2026-11-10", "--to", "2026-11-01"]) == 2
    assert "--from must not be after --to" in capsys.readouterr().err
    assert cli.main(["rollups", "--office", "atlantis"]) == 1
    assert "no active office called 'atlantis'" in capsys.readouterr().err


def test_rollups_refuses_a_malformed_date(capsys):
    with pytest.raises(SystemExit):
        cli.main(["rollups", "--from", "last tuesday"])
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_simulate_offices_writes_a_bulk_history_and_its_rollups(db, capsys):
    from okno.analytics.models import RollupState
    from okno.queueing.models import Ticket

    assert (
        cli.main(
            [
                "simulate",
                "--history",
                "7",
                "--offices",
                "2",
                "--visits-per-day",
                "20",
                "--seed",
                "3",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "Creating 2 synthetic offices" in out and "KPI rollups built" in out
    tickets = Ticket.objects.count()
    assert tickets > 0 and f"Wrote {tickets:,} tickets" in out
    # Their rollups are complete up to yesterday: the periodic job goes on from there.
    yesterday = dt.date(2026, 11, 18)
    assert set(RollupState.objects.values_list("complete_until", flat=True)) == {yesterday}
    assert (
        sum(ServiceDay.objects.values_list("visits", flat=True))
        == Ticket.objects.filter(transferred_from__isnull=True).count()
    )


def test_simulate_offices_needs_history(capsys):
    assert cli.main(["simulate", "--offices", "2"]) == 2
    assert "--offices needs --history" in capsys.readouterr().err
