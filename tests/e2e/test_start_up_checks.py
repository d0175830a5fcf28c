"""A bad setting or path stops `booking serve` with exit status 2 and one line on stderr naming
the setting, before "Serving on" and without a traceback (docs/operations.md, Commands). They used
to print "Serving on …" and then a 47-62-line traceback; an unwritable mail directory started
fine and made every sign-in a silent 503."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from booking.cli import main
from tests.support.processes import booking_env, free_port, run_booking


@pytest.fixture
def env(tmp_path):
    return booking_env(
        BOOKING_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'var' / 'booking.db'}",
        BOOKING_MAIL_DIR=str(tmp_path / "mail"),
        BOOKING_SECRET_KEY_FILE=str(tmp_path / "var" / "secret.key"),
    )


@pytest.fixture
def a_file(tmp_path) -> Path:
    """A regular file where a directory would have to be: nobody, root included, can create
    anything under it."""
    path = tmp_path / "not-a-directory"
    path.write_text("x")
    return path


@pytest.fixture
def read_only_dir(tmp_path) -> Path:
    """A directory nothing can be written in. Root writes anywhere permissions allow, so as
    root a read-only file system stands in (sysfs, on Linux)."""
    if os.geteuid() != 0:
        path = tmp_path / "read-only"
        path.mkdir(mode=0o500)
        return path
    sysfs = Path("/sys")
    try:
        (sysfs / "booking-write-check").touch()
    except OSError:
        return sysfs
    pytest.skip("no directory here refuses writes to root")
    raise AssertionError  # unreachable


def cases(tmp_path: Path, a_file: Path, read_only_dir: Path) -> list[tuple[dict[str, str], str]]:
    """(the bad environment, the variable the line must name)."""
    sqlite = "sqlite+aiosqlite:///"
    return [
        ({"BOOKING_SECRET_KEY": "short"}, "BOOKING_SECRET_KEY"),
        ({"BOOKING_BASE_URL": "not-a-url"}, "BOOKING_BASE_URL"),
        ({"BOOKING_BASE_URL": "ftp://training.example.org"}, "BOOKING_BASE_URL"),
        (
            {"BOOKING_DATABASE_URL": "mysql://booking@db.example.org/booking"},
            "BOOKING_DATABASE_URL",
        ),
        ({"BOOKING_DATABASE_URL": "sqlite:///booking.db"}, "BOOKING_DATABASE_URL"),
        ({"BOOKING_DATABASE_URL": f"{sqlite}{a_file}/var/booking.db"}, "BOOKING_DATABASE_URL"),
        ({"BOOKING_DATABASE_URL": f"{sqlite}{read_only_dir}/booking.db"}, "BOOKING_DATABASE_URL"),
        ({"BOOKING_SECRET_KEY_FILE": str(a_file / "secret.key")}, "BOOKING_SECRET_KEY_FILE"),
        ({"BOOKING_SECRET_KEY_FILE": str(read_only_dir / "secret.key")}, "BOOKING_SECRET_KEY_FILE"),
        ({"BOOKING_MAIL_DIR": str(a_file / "mail")}, "BOOKING_MAIL_DIR"),
        ({"BOOKING_MAIL_DIR": str(read_only_dir)}, "BOOKING_MAIL_DIR"),
        ({"BOOKING_MAIL_FROM": "bookings at example.org"}, "BOOKING_MAIL_FROM"),
        ({"BOOKING_SMTP_USERNAME": "booking"}, "BOOKING_SMTP_USERNAME"),
        ({"BOOKING_DATABASE_POOL_SIZE": "0"}, "BOOKING_DATABASE_POOL_SIZE"),
    ]


def test_serve_with_a_short_secret_key_exits_2_with_one_line_before_serving(env):
    """One real process shows the exit status, the output and that nothing was served; the other
    cases run the same `main` in this process (each `booking` start costs seconds)."""
    result = run_booking(
        "serve", "--port", str(free_port()), env=env | {"BOOKING_SECRET_KEY": "short"}
    )
    assert result.returncode == 2
    assert "Serving on" not in result.stdout
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "booking: BOOKING_SECRET_KEY must be at least 32 characters"
    ]


def test_every_bad_setting_and_path_is_one_line_naming_it(
    env, tmp_path, a_file, read_only_dir, monkeypatch, capsys
):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    wrong = {}
    for bad, variable in cases(tmp_path, a_file, read_only_dir):
        with monkeypatch.context() as patch:
            for name, value in bad.items():
                patch.setenv(name, value)
            status = main(["serve", "--port", "1"])
        out, err = capsys.readouterr()
        lines = err.strip().splitlines()
        if status != 2 or "Serving on" in out or len(lines) != 1 or variable not in lines[0]:
            wrong[variable + " " + str(bad)] = (status, out[-200:], err[-500:])
    assert wrong == {}


def test_db_upgrade_and_create_admin_name_an_unusable_data_directory(env, a_file):
    bad = env | {"BOOKING_DATABASE_URL": f"sqlite+aiosqlite:///{a_file}/var/booking.db"}
    for args in (["db", "upgrade"], ["create-admin", "ops@example.org"]):
        result = run_booking(*args, env=bad)
        assert result.returncode == 2, result.stderr
        [line] = result.stderr.strip().splitlines()
        assert "BOOKING_DATABASE_URL" in line
        assert "Traceback" not in result.stderr


def test_an_unreachable_database_is_one_line_not_a_traceback(env):
    # Nothing listens on port 1: the connection is refused at once.
    bad = env | {"BOOKING_DATABASE_URL": "postgresql+asyncpg://booking@127.0.0.1:1/booking"}
    result = run_booking("db", "upgrade", env=bad)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert "BOOKING_DATABASE_URL" in line
