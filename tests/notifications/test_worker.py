"""`okno worker`: sends what the web process queued in the database, and stops cleanly on Ctrl+C."""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time

import pytest

ENQUEUE = """
from django.db import transaction
from okno.notifications.models import Notification
from okno.notifications.services import _queue_on_commit
with transaction.atomic():
    n = Notification.objects.create(
        channel="sms", recipient="+380671234567", recipient_masked="+380 •• ••• •• 67",
        language="en", kind="worker-test", body="Your code: 482913", sensitive=True,
    )
    _queue_on_commit(n.pk)
print("queued", n.pk, Notification.objects.get(pk=n.pk).status)
"""

CHECK = """
from okno.notifications.models import Notification
n = Notification.objects.get()
print(n.status, repr(n.body), repr(n.recipient))
"""


def okno(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "okno.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        check=False,
    )


@pytest.fixture
def environment(tmp_path) -> dict[str, str]:
    env = {
        **os.environ,
        "OKNO_DATA_DIR": str(tmp_path),
        "OKNO_TASKS_BACKEND": "database",
        "OKNO_SMS_BACKEND": "console",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DATABASE_URL", None)
    return env


def test_the_worker_refuses_an_unmigrated_database(environment):
    result = okno("worker", env=environment)
    assert result.returncode == 2
    assert "needs migrating" in result.stderr


def test_the_worker_sends_queued_notifications_and_stops_on_ctrl_c(environment):
    assert okno("manage", "migrate", "--verbosity=0", env=environment).returncode == 0
    queued = okno("manage", "shell", "-c", ENQUEUE, env=environment)
    assert queued.stdout.split()[-1] == "queued", queued.stderr  # nothing ran it yet

    worker = subprocess.Popen(
        [sys.executable, "-m", "okno.cli", "worker"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=environment,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(
        target=lambda: [lines.put(line) for line in worker.stdout], daemon=True
    ).start()
    seen: list[str] = []
    deadline = time.monotonic() + 60
    try:
        while not any("Your code: 482913" in line for line in seen):
            assert time.monotonic() < deadline, "".join(seen)
            with contextlib.suppress(queue.Empty):
                seen.append(lines.get(timeout=1))
        worker.send_signal(signal.SIGINT)
        assert worker.wait(30) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
    time.sleep(0.2)
    while not lines.empty():
        seen.append(lines.get())
    output = "".join(seen)
    jobs_line = next(line for line in output.splitlines() if "periodic jobs:" in line)
    assert {"notifications.prune", "notifications.retry"} <= set(
        jobs_line.split(":", 1)[1].replace(",", " ").split()
    )
    assert "queued tasks:  from the database" in output
    assert "+380 •• ••• •• 67" in output
    assert "671234567" not in output.replace("+380 •• ••• •• 67", "")
    assert "Stopped." in output

    checked = okno("manage", "shell", "-c", CHECK, env=environment)
    assert checked.stdout.strip().splitlines()[-1] == "sent '—' ''", checked.stderr
