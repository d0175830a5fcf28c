"""Settings: one msgspec Struct per concern, built from the environment at start-up only."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import msgspec
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./var/booking.db"

MIN_TOKEN_TTL = timedelta(minutes=5)

Port = Annotated[int, msgspec.Meta(ge=1, le=65535)]


class SmtpSecurity(StrEnum):
    NONE = "none"
    STARTTLS = "starttls"
    TLS = "tls"


class DatabaseSettings(msgspec.Struct, frozen=True, kw_only=True):
    url: str = DEFAULT_DATABASE_URL
    pool_size: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 10
    echo: bool = False


class MailSettings(msgspec.Struct, frozen=True, kw_only=True):
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_security: SmtpSecurity = SmtpSecurity.NONE
    mail_dir: Path = Path("./var/mail")
    mail_from: str = "Book SEND training <bookings@localhost>"
    # Retries: the n-th failure waits about retry_base * 2**(n-1) seconds (capped at an hour,
    # with jitter); after max_attempts the delivery is failed and waits for an admin's retry.
    max_attempts: Annotated[int, msgspec.Meta(ge=1, le=100)] = 10
    retry_base_seconds: Annotated[float, msgspec.Meta(gt=0, le=3600)] = 30.0
    # How long a sender may hold a claimed mail before another process may take it over; a
    # process killed mid-send delays its claimed mails by at most this long.
    claim_seconds: Annotated[float, msgspec.Meta(ge=1, le=3600)] = 120.0


class ServerSettings(msgspec.Struct, frozen=True, kw_only=True):
    # The port `booking serve` listens on when --port is not given (the container sets it).
    port: Port = 8000
    base_url: str = "http://127.0.0.1:8000"
    # Derives personal feed URLs from the random values stored for them (services.feeds). Unset:
    # generated once and kept in secret_key_file, which suits one machine; set it for several.
    secret_key: str | None = None
    secret_key_file: Path = Path("./var/secret.key")
    # JSON bodies over 64 KiB are refused (docs/contract.md, Input rules).
    max_json_body: int = 64 * 1024
    # `booking serve` also runs the worker's jobs (outbox, mail, timers) in its own process:
    # the one-command quick start. Production runs `booking worker` beside it and sets false.
    run_worker: bool = True


class TimetableSettings(msgspec.Struct, frozen=True, kw_only=True):
    allow_private_urls: bool = False


class AccountSettings(msgspec.Struct, frozen=True, kw_only=True):
    # A sign-in token (email code, pages) ends after this long unused; each use slides it.
    token_ttl: timedelta = timedelta(days=30)
    # Tokens from POST /users and create-admin end this long after they were issued.
    api_token_ttl: timedelta = timedelta(days=365)


Networks = tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]


class LimitSettings(msgspec.Struct, frozen=True, kw_only=True):
    # Peers whose X-Forwarded-For is believed: addresses or CIDRs, comma-separated.
    trusted_proxies: str | None = None
    sign_in_per_address_per_hour: Annotated[int, msgspec.Meta(ge=1)] = 20
    requests_per_minute: Annotated[int, msgspec.Meta(ge=1)] = 600

    @property
    def proxy_networks(self) -> Networks:
        return parse_networks(self.trusted_proxies or "")


def parse_networks(text: str) -> Networks:
    """ "10.0.0.1, 192.168.0.0/16" -> networks; ValueError names the part that is not one."""
    networks = []
    for part in (p.strip() for p in text.split(",")):
        if part:
            try:
                networks.append(ipaddress.ip_network(part, strict=False))
            except ValueError:
                raise ValueError(f"not an address or CIDR: {part!r}") from None
    return tuple(networks)


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    accounts: AccountSettings = msgspec.field(default_factory=AccountSettings)
    limits: LimitSettings = msgspec.field(default_factory=LimitSettings)
    database: DatabaseSettings = msgspec.field(default_factory=DatabaseSettings)
    mail: MailSettings = msgspec.field(default_factory=MailSettings)
    server: ServerSettings = msgspec.field(default_factory=ServerSettings)
    timetable: TimetableSettings = msgspec.field(default_factory=TimetableSettings)


class SettingsError(ValueError):
    """An environment variable holds a value that cannot be used."""


# Environment variable -> (section, field). Anything not listed is ignored.
_ENVIRONMENT: dict[str, tuple[str, str]] = {
    "BOOKING_DATABASE_URL": ("database", "url"),
    "BOOKING_DATABASE_POOL_SIZE": ("database", "pool_size"),
    "BOOKING_PORT": ("server", "port"),
    "BOOKING_RUN_WORKER": ("server", "run_worker"),
    "BOOKING_BASE_URL": ("server", "base_url"),
    "BOOKING_SECRET_KEY": ("server", "secret_key"),
    "BOOKING_SECRET_KEY_FILE": ("server", "secret_key_file"),
    "BOOKING_SMTP_HOST": ("mail", "smtp_host"),
    "BOOKING_SMTP_PORT": ("mail", "smtp_port"),
    "BOOKING_SMTP_USERNAME": ("mail", "smtp_username"),
    "BOOKING_SMTP_PASSWORD": ("mail", "smtp_password"),
    "BOOKING_SMTP_SECURITY": ("mail", "smtp_security"),
    "BOOKING_MAIL_DIR": ("mail", "mail_dir"),
    "BOOKING_MAIL_FROM": ("mail", "mail_from"),
    "BOOKING_MAIL_MAX_ATTEMPTS": ("mail", "max_attempts"),
    "BOOKING_MAIL_RETRY_BASE_SECONDS": ("mail", "retry_base_seconds"),
    "BOOKING_MAIL_CLAIM_SECONDS": ("mail", "claim_seconds"),
    "BOOKING_TIMETABLE_ALLOW_PRIVATE_URLS": ("timetable", "allow_private_urls"),
    "BOOKING_TOKEN_TTL": ("accounts", "token_ttl"),
    "BOOKING_API_TOKEN_TTL": ("accounts", "api_token_ttl"),
    "BOOKING_TRUSTED_PROXIES": ("limits", "trusted_proxies"),
    "BOOKING_SIGN_IN_PER_ADDRESS_PER_HOUR": ("limits", "sign_in_per_address_per_hour"),
    "BOOKING_REQUESTS_PER_MINUTE": ("limits", "requests_per_minute"),
}


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Build Settings from BOOKING_* variables; empty values count as unset."""
    sections: dict[str, dict[str, str]] = {}
    for name, (section, field) in _ENVIRONMENT.items():
        value = environ.get(name, "").strip()
        if value:
            sections.setdefault(section, {})[field] = value
    try:
        # strict=False lets msgspec turn "587" into 587 and "true" into True.
        settings = msgspec.convert(sections, Settings, strict=False, dec_hook=_decode)
    except msgspec.ValidationError as exc:
        raise SettingsError(_explain(str(exc))) from exc
    if not 1 <= settings.mail.smtp_port <= 65535:  # noqa: PLR2004 - TCP port range
        raise SettingsError("BOOKING_SMTP_PORT must be between 1 and 65535")
    _check_values(settings)
    for name, ttl in (
        ("BOOKING_TOKEN_TTL", settings.accounts.token_ttl),
        ("BOOKING_API_TOKEN_TTL", settings.accounts.api_token_ttl),
    ):
        # Sliding sign-in tokens are written once a minute at most (services.tokens).
        if ttl < MIN_TOKEN_TTL:
            raise SettingsError(f"{name} must be at least 5 minutes (PT5M)")
    try:
        parse_networks(settings.limits.trusted_proxies or "")
    except ValueError as exc:
        raise SettingsError(f"BOOKING_TRUSTED_PROXIES: {exc}") from None
    return settings


# The drivers the service is built on: async ones (docs/architecture.md, Locks).
DATABASE_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")
MIN_SECRET_KEY_LENGTH = 32


def _check_values(settings: Settings) -> None:
    """Rules msgspec's types cannot say; each message names the variable and never echoes a
    secret. Paths (writable or not) are checked at start-up by booking.preflight."""
    database = settings.database.url
    try:
        driver = make_url(database).drivername
    except ArgumentError:
        driver = None
    if driver not in DATABASE_DRIVERS:
        schemes = " or ".join(f"{d}://" for d in DATABASE_DRIVERS)
        raise SettingsError(
            f"BOOKING_DATABASE_URL must start with {schemes}"
            f" (given: {driver or 'not a database URL'})"
        )
    base = urlsplit(settings.server.base_url)
    if base.scheme not in {"http", "https"} or not base.hostname or not _is_plain(base.geturl()):
        raise SettingsError(
            "BOOKING_BASE_URL must be an absolute http(s) address such as"
            f" https://training.example.org, not {settings.server.base_url!r}"
        )
    key = settings.server.secret_key
    if key is not None and len(key) < MIN_SECRET_KEY_LENGTH:
        raise SettingsError(
            f"BOOKING_SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} characters"
        )
    mail = settings.mail
    if (mail.smtp_username is None) != (mail.smtp_password is None):
        raise SettingsError("BOOKING_SMTP_USERNAME and BOOKING_SMTP_PASSWORD go together")


def _is_plain(text: str) -> bool:
    return text.isprintable() and " " not in text


def _decode(type_: type, value: object) -> object:
    if type_ is Path and isinstance(value, str):
        return Path(value)
    raise NotImplementedError


def _explain(message: str) -> str:
    for name, (section, field) in _ENVIRONMENT.items():
        if f"$.{section}.{field}" in message:
            return f"{name}: {message.split(' - at ', maxsplit=1)[0]}"
    return message
