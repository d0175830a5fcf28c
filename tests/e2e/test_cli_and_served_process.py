"""The two commands of the README and the CLI of docs/operations.md, run as real processes."""

from __future__ import annotations

import httpx
import pytest

from booking.cli import main
from tests.support.mail import last_code
from tests.support.processes import (
    booking_env,
    free_port,
    run_booking,
    start_booking,
    stop,
    wait_ready,
)

# Every test here runs `booking` on a SQLite file of its own.
pytestmark = pytest.mark.sqlite


@pytest.fixture
def env(tmp_path):
    return booking_env(
        BOOKING_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'var' / 'booking.db'}",
        BOOKING_MAIL_DIR=str(tmp_path / "mail"),
    )


def test_db_upgrade_then_create_admin_prints_a_working_token_last(env, tmp_path):
    assert run_booking("db", "upgrade", env=env).returncode == 0
    first = run_booking("create-admin", "Ops@Example.org", "--name", "Ops", env=env)
    assert first.returncode == 0, first.stderr
    token = first.stdout.strip().splitlines()[-1]
    second = run_booking("create-admin", "ops@example.org", env=env)
    fresh = second.stdout.strip().splitlines()[-1]
    assert fresh != token

    port = free_port()
    log = tmp_path / "serve.log"
    process = start_booking("serve", "--port", str(port), env=env, log=log)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(base, process, log)
        me = httpx.get(f"{base}/api/v1/me", headers={"Authorization": f"Bearer {fresh}"})
        assert me.json()["role"] == "admin"
        assert me.json()["name"] == "Ops"
        # A fresh token revokes the earlier ones: a lost one stops working.
        old = httpx.get(f"{base}/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert old.status_code == 401
    finally:
        stop(process)


def test_serve_demo_migrates_seeds_and_signs_a_teacher_in(env, tmp_path):
    port = free_port()
    log = tmp_path / "serve.log"
    process = start_booking("serve", "--demo", "--port", str(port), env=env, log=log)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(base, process, log)
        hubs = httpx.get(f"{base}/api/v1/hubs").json()["items"]
        assert len(hubs) == 1
        venues = httpx.get(f"{base}/api/v1/venues", params={"hub_id": hubs[0]["id"]}).json()[
            "items"
        ]
        assert len(venues) == 3
        assert all(v["accessibility"] for v in venues)
        assert len(httpx.get(f"{base}/api/v1/courses").json()["items"]) >= 3
        assert httpx.get(f"{base}/schema/openapi.json").status_code == 200

        email = "teacher@school.example"
        assert (
            httpx.post(f"{base}/api/v1/auth/email-code", json={"email": email}).status_code == 202
        )
        code = last_code(tmp_path / "mail", email)
        token = httpx.post(f"{base}/api/v1/auth/token", json={"email": email, "code": code}).json()[
            "api_token"
        ]
        me = httpx.get(f"{base}/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
        assert me["role"] == "teacher"
    finally:
        stop(process)
    text = log.read_text()
    assert "Demo trainer" in text
    # The timer ran (at start and for the sign-in mail) without its two INFO lines a run,
    # every 2 seconds, burying the demo's tokens and real events.
    assert "apscheduler" not in text
    assert "Running job" not in text


def test_bad_settings_exit_with_a_clear_message(env):
    result = run_booking("db", "upgrade", env=env | {"BOOKING_SMTP_PORT": "twenty-five"})
    assert result.returncode == 2
    assert "BOOKING_SMTP_PORT" in result.stderr


def test_a_served_teacher_feed_fetch_leaves_no_token_in_the_logs(env, tmp_path):
    port = free_port()
    log = tmp_path / "serve.log"
    process = start_booking("serve", "--port", str(port), env=env, log=log)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(base, process, log)
        email = "teacher@school.example"
        httpx.post(f"{base}/api/v1/auth/email-code", json={"email": email})
        code = last_code(tmp_path / "mail", email)
        token = httpx.post(f"{base}/api/v1/auth/token", json={"email": email, "code": code}).json()[
            "api_token"
        ]
        url = httpx.get(f"{base}/api/v1/me/feed", headers={"Authorization": f"Bearer {token}"})
        feed_token = url.json()["https_url"].rsplit("/", 1)[1].removesuffix(".ics")
        statuses = [
            httpx.get(f"{base}/feeds/{feed_token}{suffix}").status_code
            for suffix in (".ics", "", ".ICS", ".ics?utm_source=x", "?x=1")
        ]
        assert statuses[0] == 200
        assert all(s in {200, 404} for s in statuses)
    finally:
        stop(process)
    text = log.read_text()
    assert "/feeds/[redacted].ics" in text  # the access log is on, and redacted
    assert feed_token not in text


def only_line_of(result):
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


REFUSED = [
    (["ops@localhost"], "not a valid email address"),
    (["ops@example.org\n"], "not a valid email address"),
    (["ops@example.org", "--name", "Ops\x07"], "--name"),
    (["ops@example.org", "--name", "Ops\x85"], "--name"),
    (["ops@example.org", "--name", "Ops\nRoot"], "--name"),
    (["ops@example.org", "--name", "   "], "--name"),
]


def test_create_admin_refuses_what_the_api_refuses(env, monkeypatch, capsys):
    """One real process shows the exit status and the single stderr line; the other refusals
    run the same `main` in this process (each `booking` start costs seconds)."""
    assert run_booking("db", "upgrade", env=env).returncode == 0
    result = run_booking("create-admin", "not-an-email", env=env)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert "not a valid email address" in only_line_of(result)

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for args, complaint in REFUSED:
        assert main(["create-admin", *args]) == 2, args
        out, err = capsys.readouterr()
        assert out == ""
        [line] = err.strip().splitlines()
        assert complaint in line, args


def test_create_admin_on_an_unmigrated_database_says_to_upgrade(env):
    result = run_booking("create-admin", "ops@example.org", env=env)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "booking db upgrade" in only_line_of(result)
    # Nothing was created behind the operator's back: upgrading then works as documented.
    assert run_booking("db", "upgrade", env=env).returncode == 0
    again = run_booking("create-admin", "ops@example.org", env=env)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip().splitlines()[-1]
