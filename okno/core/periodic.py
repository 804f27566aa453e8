"""Periodic jobs (reminder sweeps, retries, clean-up): a small registry and the loop that runs them.

Apps register their jobs in `AppConfig.ready()`:

    periodic.register("appointments.reminders", send_due_reminders, every=timedelta(minutes=1))

A job is called with the current time (aware, UTC) and should do what has become due by then.
`okno serve`/`okno demo` run the jobs in a background thread of the web process, and
`okno worker` runs them next to the task worker. A region with several app servers therefore
runs each job in several processes at once, and the registry keeps no lock across processes:
**every job must be safe to run concurrently and twice**. Claim work with a conditional
`update()` (state A -> B, act only on the rows you changed) or `select_for_update(skip_locked=True)`,
never with a check-then-write; a job that sends something must mark it sent in the same claim.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import close_old_connections, connections
from django.utils import timezone

logger = logging.getLogger(__name__)

Job = Callable[[dt.datetime], Any]


@dataclass
class PeriodicJob:
    name: str
    func: Job
    every: dt.timedelta
    last_run: dt.datetime | None = None


class Registry:
    """Jobs by name, and when each last ran in this process."""

    def __init__(self) -> None:
        self._jobs: dict[str, PeriodicJob] = {}
        self._lock = threading.Lock()

    def register(self, name: str, func: Job, *, every: dt.timedelta) -> None:
        """Run `func(now)` every `every`; registering a name again replaces its job."""
        if every <= dt.timedelta(0):
            raise ValueError(f"periodic job {name!r} needs a positive interval")
        with self._lock:
            self._jobs[name] = PeriodicJob(name, func, every)

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._jobs)

    def run_due(self, now: dt.datetime) -> list[str]:
        """Run every job whose interval has passed since it last ran here (or that never ran) and
        return their names. A failing job is logged and waits for its next interval like the
        others: it neither stops them nor runs again at every tick."""
        with self._lock:
            due = [
                job
                for job in self._jobs.values()
                if job.last_run is None or now - job.last_run >= job.every
            ]
            for job in due:
                job.last_run = now
        for job in due:
            try:
                job.func(now)
            except Exception as error:
                # The message of an error may quote the data it choked on (a database error
                # quotes the row), so the log gets its type and place, not its text.
                logger.error(
                    "periodic job %s failed: %s at %s",
                    job.name,
                    type(error).__name__,
                    _where(error),
                )
        return [job.name for job in due]

    def run_forever(self, stop: threading.Event, *, tick_seconds: float = 30) -> None:
        """Run due jobs every `tick_seconds` until `stop` is set."""
        try:
            while not stop.is_set():
                # A thread keeps its own database connection: drop it if it went stale while
                # sleeping, as Django does between requests.
                close_old_connections()
                try:
                    self.run_due(timezone.now())
                except Exception as error:  # a bug here must not end the thread silently
                    logger.error("periodic jobs: %s at %s", type(error).__name__, _where(error))
                close_old_connections()
                stop.wait(tick_seconds)
        finally:
            connections.close_all()


#: The process's registry; apps register into it.
registry = Registry()


def register(name: str, func: Job, *, every: dt.timedelta) -> None:
    """Run `func(now)` every `every` in each process that runs periodic jobs (see module doc)."""
    registry.register(name, func, every=every)


def run_due(now: dt.datetime) -> list[str]:
    return registry.run_due(now)


def run_forever(stop: threading.Event, *, tick_seconds: float = 30) -> None:
    registry.run_forever(stop, tick_seconds=tick_seconds)


def start_thread(*, tick_seconds: float = 30) -> tuple[threading.Thread, threading.Event]:
    """Run the registered jobs in a daemon thread; set the returned event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(
        target=run_forever,
        args=(stop,),
        kwargs={"tick_seconds": tick_seconds},
        name="okno-periodic",
        daemon=True,
    )
    thread.start()
    return thread, stop


def _where(error: BaseException) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return "?"
    last = frames[-1]
    return f"{last.filename}:{last.lineno} in {last.name}"
