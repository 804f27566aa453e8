"""The `okno` command: API tokens for staff, help, and refusing a bad configuration at start-up."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from okno import cli
from okno.staff.models import ApiToken
from okno.staff.services import authenticate_token
from tests.factories import UserFactory


def test_okno_token_prints_a_working_token_for_an_employee(operator, capsys):
    assert cli.main(["token", "olena", "--name", "kiosk 3"]) == 0
    out, err = capsys.readouterr()
    raw = out.strip()
    assert raw.startswith("okno_") and err == ""
    assert authenticate_token(raw) == operator.user
    assert ApiToken.objects.get().name == "kiosk 3"


def test_okno_token_refuses_an_unknown_user(db, capsys):
    assert cli.main(["token", "nobody"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "no user called 'nobody'" in err
    assert not ApiToken.objects.exists()


def test_okno_token_refuses_a_login_that_is_not_an_employee(db, capsys):
    UserFactory(username="visitor")
    assert cli.main(["token", "visitor"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "'visitor' is not an employee; tokens are for staff." in err
    assert not ApiToken.objects.exists()


def test_okno_without_a_command_prints_help(capsys):
    code = cli.main([])
    out, _err = capsys.readouterr()
    assert code != 0
    assert "usage: okno" in out
    for command in ("demo", "serve", "manage", "token"):
        assert command in out


def test_okno_token_needs_a_username(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["token"])
    assert exit_.value.code == 2
    assert "username" in capsys.readouterr().err


def run_okno(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, **env}
    environment.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "okno.cli", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("OKNO_DEBUG", "maybe", "OKNO_DEBUG='maybe' is not a boolean"),
        (
            "OKNO_TIME_ZONE",
            "Mars/Olympus",
            "OKNO_TIME_ZONE='Mars/Olympus' is not a known time zone",
        ),
        ("OKNO_SECRET_KEY", "short", "OKNO_SECRET_KEY must be at least 32 characters long"),
    ],
)
def test_a_malformed_setting_stops_start_up_with_a_message_naming_it(
    tmp_path, variable, value, message
):
    result = run_okno("manage", "check", OKNO_DATA_DIR=str(tmp_path), **{variable: value})
    assert result.returncode != 0
    assert "okno: configuration error:" in result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
