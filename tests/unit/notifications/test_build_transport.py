import pytest

from notifications.transports import (
    FileTransport,
    SmtpTransport,
    build_transport,
    parse_security,
)


def build(tmp_path, **overrides):
    fields = {
        "smtp_host": None,
        "smtp_port": 25,
        "security": "none",
        "username": None,
        "password": None,
        "mail_dir": tmp_path,
    }
    fields.update(overrides)
    return build_transport(**fields)


def test_without_a_host_mail_goes_to_files(tmp_path):
    transport = build(tmp_path)

    assert isinstance(transport, FileTransport)
    assert transport.directory == tmp_path


def test_an_empty_host_counts_as_unset(tmp_path):
    assert isinstance(build(tmp_path, smtp_host=""), FileTransport)


def test_with_a_host_mail_goes_over_smtp(tmp_path):
    transport = build(
        tmp_path,
        smtp_host="smtp.example.org",
        smtp_port=587,
        security="starttls",
        username="u",
        password="p",
    )

    assert isinstance(transport, SmtpTransport)
    assert (transport.hostname, transport.port, transport.security) == (
        "smtp.example.org",
        587,
        "starttls",
    )


@pytest.mark.parametrize("value", ["none", "starttls", "tls"])
def test_parse_security_accepts_the_three_modes(value):
    assert parse_security(value) == value


@pytest.mark.parametrize("value", ["", "ssl", "TLS", "start_tls"])
def test_parse_security_refuses_anything_else(value):
    with pytest.raises(ValueError, match="security"):
        parse_security(value)


def test_an_unknown_security_mode_fails_at_construction():
    with pytest.raises(ValueError, match="security"):
        SmtpTransport("smtp.example.org", 25, security="ssl", username=None, password=None)


@pytest.mark.parametrize(("username", "password"), [("u", None), (None, "p")])
def test_username_and_password_go_together(username, password):
    with pytest.raises(ValueError, match="together"):
        SmtpTransport("smtp.example.org", 25, security="none", username=username, password=password)


@pytest.mark.parametrize(
    ("security", "use_tls", "start_tls"),
    [("none", False, False), ("starttls", False, True), ("tls", True, False)],
)
def test_security_mode_maps_to_the_aiosmtplib_options(security, use_tls, start_tls):
    transport = SmtpTransport(
        "smtp.example.org", 2525, security=security, username=None, password=None, timeout=5.0
    )

    client = transport._new_client()

    assert (client.use_tls, client._start_tls_on_connect) == (use_tls, start_tls)
    assert (client.hostname, client.port, client.timeout) == ("smtp.example.org", 2525, 5.0)
