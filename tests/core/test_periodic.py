"""Periodic jobs: each runs when its interval has passed, a failing one neither stops the others
nor leaks its message into the log, and the loop stops when asked."""

from __future__ import annotations

import datetime as dt
import logging
import threading

import pytest

from okno.core import periodic
from okno.core.periodic import Registry

T0 = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def registry() -> Registry:
    return Registry()


def recorder(calls: list, name: str):
    def job(now: dt.datetime) -> None:
        calls.append((name, now))

    return job


def test_a_job_runs_at_once_then_each_time_its_interval_has_passed(registry):
    calls: list = []
    registry.register("reminders", recorder(calls, "reminders"), every=MINUTE)
    registry.register("rollup", recorder(calls, "rollup"), every=60 * MINUTE)

    assert registry.run_due(T0) == ["reminders", "rollup"]
    assert registry.run_due(T0 + dt.timedelta(seconds=59)) == []
    assert registry.run_due(T0 + MINUTE) == ["reminders"]
    assert registry.run_due(T0 + 2 * MINUTE) == ["reminders"]
    assert registry.run_due(T0 + 60 * MINUTE) == ["reminders", "rollup"]
    assert calls[:3] == [("reminders", T0), ("rollup", T0), ("reminders", T0 + MINUTE)]


def test_the_interval_counts_from_the_last_run_not_from_the_start(registry):
    calls: list = []
    registry.register("sweep", recorder(calls, "sweep"), every=10 * MINUTE)
    registry.run_due(T0)
    registry.run_due(T0 + 25 * MINUTE)  # late: the process was busy or asleep
    assert registry.run_due(T0 + 30 * MINUTE) == []
    assert registry.run_due(T0 + 35 * MINUTE) == ["sweep"]


def test_a_failing_job_is_logged_without_its_message_and_the_others_still_run(registry, caplog):
    calls: list = []

    def broken(now: dt.datetime) -> None:
        raise ValueError("duplicate key (phone)=(+380671234567)")

    registry.register("broken", broken, every=MINUTE)
    registry.register("healthy", recorder(calls, "healthy"), every=MINUTE)
    with caplog.at_level(logging.ERROR, logger="okno.core.periodic"):
        assert registry.run_due(T0) == ["broken", "healthy"]
    assert calls == [("healthy", T0)]
    (record,) = caplog.records
    assert "broken" in record.getMessage()
    assert "ValueError" in record.getMessage()
    assert "671234567" not in record.getMessage()
    assert record.exc_info is None


def test_a_failing_job_waits_for_its_next_interval_like_any_other(registry):
    attempts: list = []

    def broken(now: dt.datetime) -> None:
        attempts.append(now)
        raise RuntimeError("down")

    registry.register("broken", broken, every=5 * MINUTE)
    registry.run_due(T0)
    registry.run_due(T0 + MINUTE)
    registry.run_due(T0 + 5 * MINUTE)
    assert attempts == [T0, T0 + 5 * MINUTE]


def test_registering_a_name_again_replaces_its_job(registry):
    calls: list = []
    registry.register("sweep", recorder(calls, "old"), every=MINUTE)
    registry.register("sweep", recorder(calls, "new"), every=MINUTE)
    registry.run_due(T0)
    assert registry.names() == ["sweep"]
    assert calls == [("new", T0)]


@pytest.mark.parametrize("every", [dt.timedelta(0), -MINUTE])
def test_a_job_needs_a_positive_interval(registry, every):
    with pytest.raises(ValueError):
        registry.register("never", recorder([], "never"), every=every)


def test_the_loop_runs_jobs_until_it_is_told_to_stop(registry):
    ran = threading.Event()
    calls: list = []

    def job(now: dt.datetime) -> None:
        calls.append(now)
        ran.set()

    registry.register("tick", job, every=dt.timedelta(microseconds=1))
    stop = threading.Event()
    thread = threading.Thread(
        target=registry.run_forever, args=(stop,), kwargs={"tick_seconds": 0.01}
    )
    thread.start()
    assert ran.wait(5)
    stop.set()
    thread.join(5)
    assert not thread.is_alive()
    assert calls
    assert all(now.tzinfo is not None for now in calls)


def test_the_process_registry_holds_what_apps_registered_at_start_up():
    # okno.notifications registers its jobs in AppConfig.ready().
    assert "notifications.prune" in periodic.registry.names()
