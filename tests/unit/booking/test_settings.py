from __future__ import annotations

import importlib
from pathlib import Path

import pytest

import booking.app
import booking.settings
from booking.settings import (
    DEFAULT_DATABASE_URL,
    Settings,
    SettingsError,
    SmtpSecurity,
    load_settings,
)


def test_defaults_are_the_embedded_ones():
    settings = load_settings({})
    assert settings == Settings()
    assert settings.database.url == DEFAULT_DATABASE_URL
    assert settings.mail.smtp_host is None
    assert settings.mail.mail_dir == Path("./var/mail")
    assert settings.server.base_url == "http://127.0.0.1:8000"
    assert settings.timetable.allow_private_urls is False


def test_every_variable_is_read():
    settings = load_settings(
        {
            "BOOKING_DATABASE_URL": "postgresql+asyncpg://u@db/booking",
            "BOOKING_PORT": "8080",
            "BOOKING_BASE_URL": "https://training.example.org",
            "BOOKING_SMTP_HOST": "smtp.example.org",
            "BOOKING_SMTP_PORT": "587",
            "BOOKING_SMTP_USERNAME": "user",
            "BOOKING_SMTP_PASSWORD": "secret",
            "BOOKING_SMTP_SECURITY": "starttls",
            "BOOKING_MAIL_DIR": "/srv/mail",
            "BOOKING_MAIL_FROM": "Training <training@example.org>",
            "BOOKING_TIMETABLE_ALLOW_PRIVATE_URLS": "true",
        }
    )
    assert settings.database.url.startswith("postgresql+asyncpg://")
    assert settings.mail.smtp_port == 587
    assert settings.mail.smtp_security is SmtpSecurity.STARTTLS
    assert settings.mail.mail_dir == Path("/srv/mail")
    assert settings.timetable.allow_private_urls is True
    assert settings.server.base_url == "https://training.example.org"
    assert settings.server.port == 8080


def test_a_secret_key_refused_is_not_echoed():
    with pytest.raises(SettingsError) as caught:
        load_settings({"BOOKING_SECRET_KEY": "hunter2-but-short"})
    assert "hunter2" not in str(caught.value)


def test_empty_values_count_as_unset():
    assert load_settings({"BOOKING_SMTP_HOST": "", "BOOKING_SMTP_PORT": " "}) == Settings()


def test_other_variables_are_ignored():
    assert load_settings({"HOME": "/root", "BOOKING_NOT_A_SETTING": "x"}) == Settings()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BOOKING_SMTP_PORT", "abc"),
        ("BOOKING_SMTP_PORT", "70000"),
        ("BOOKING_PORT", "http"),
        ("BOOKING_PORT", "0"),
        ("BOOKING_SMTP_SECURITY", "ssl"),
        ("BOOKING_TIMETABLE_ALLOW_PRIVATE_URLS", "perhaps"),
        ("BOOKING_SECRET_KEY", "short"),
        ("BOOKING_SECRET_KEY", "x" * 31),
        ("BOOKING_BASE_URL", "not-a-url"),
        ("BOOKING_BASE_URL", "training.example.org"),
        ("BOOKING_BASE_URL", "javascript:alert(1)"),
        ("BOOKING_BASE_URL", "https://training example.org"),
        ("BOOKING_DATABASE_URL", "mysql://booking@db.example.org/booking"),
        ("BOOKING_DATABASE_URL", "postgresql://booking@db.example.org/booking"),
        ("BOOKING_DATABASE_URL", "sqlite:///booking.db"),
        ("BOOKING_DATABASE_URL", "not a url"),
        ("BOOKING_DATABASE_POOL_SIZE", "0"),
        ("BOOKING_SMTP_USERNAME", "booking"),
        ("BOOKING_SMTP_PASSWORD", "secret"),
    ],
)
def test_bad_values_name_the_variable(name, value):
    with pytest.raises(SettingsError, match=name):
        load_settings({name: value})


def test_nothing_reads_the_environment_at_import(monkeypatch):
    monkeypatch.setenv("BOOKING_SMTP_PORT", "not-a-port")
    importlib.reload(booking.settings)
    importlib.reload(booking.app)
