import ssl

import aiosmtplib
import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from booking.ports import MailUnavailableError
from notifications.messages import new_message
from notifications.transports import MailRejectedError, SmtpTransport


def message():
    return new_message(
        sender="bookings@example.org",
        to="teacher@school.example",
        subject="Secure",
        text="Body\n",
        html=None,
        domain="book.example.org",
    )


def authenticator(server, session, envelope, mechanism, auth_data):
    success = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        b"trainer",
        b"s3cret",
    )
    # auth_data becomes session.auth_data, which the handler records with each delivery;
    # handled=False makes aiosmtpd send the 535 reply itself.
    return AuthResult(success=success, handled=False, auth_data=auth_data if success else None)


def transport(port, *, security="none", username=None, password=None, tls_context=None):
    return SmtpTransport(
        "127.0.0.1",
        port,
        security=security,
        username=username,
        password=password,
        timeout=10.0,
        tls_context=tls_context,
    )


async def test_login_with_the_right_password_delivers(start_server):
    server = start_server(authenticator=authenticator, auth_require_tls=False)

    await transport(server.port, username="trainer", password="s3cret").send(message())

    (delivery,) = server.handler.deliveries
    assert delivery.login == b"trainer"


async def test_a_wrong_password_is_unavailable_not_rejected(start_server):
    server = start_server(authenticator=authenticator, auth_require_tls=False)

    with pytest.raises(MailUnavailableError) as caught:
        await transport(server.port, username="trainer", password="wrong").send(message())

    assert not isinstance(caught.value, MailRejectedError)
    assert isinstance(caught.value.__cause__, aiosmtplib.SMTPAuthenticationError)
    assert server.handler.deliveries == []


async def test_without_a_username_there_is_no_login(start_server):
    server = start_server(authenticator=authenticator, auth_require_tls=False)

    await transport(server.port).send(message())

    (delivery,) = server.handler.deliveries
    assert delivery.login is None


async def test_starttls_upgrades_before_login_and_sending(start_server, certificate):
    # auth_require_tls (aiosmtpd's default) only offers AUTH after STARTTLS.
    server = start_server(
        tls_context=certificate.server_context(),
        require_starttls=True,
        authenticator=authenticator,
    )

    await transport(
        server.port,
        security="starttls",
        username="trainer",
        password="s3cret",
        tls_context=certificate.client_context(),
    ).send(message())

    (delivery,) = server.handler.deliveries
    assert delivery.tls
    assert delivery.login == b"trainer"


async def test_security_none_does_not_upgrade_even_when_offered(start_server, certificate):
    server = start_server(tls_context=certificate.server_context())

    await transport(server.port, security="none").send(message())

    (delivery,) = server.handler.deliveries
    assert not delivery.tls


async def test_implicit_tls_delivers(start_server, certificate):
    server = start_server(ssl_context=certificate.server_context())

    results = await transport(
        server.port, security="tls", tls_context=certificate.client_context()
    ).send_batch([message(), message()])

    assert results == [None, None]
    assert [delivery.tls for delivery in server.handler.deliveries] == [True, True]
    assert server.handler.connections == 1


async def test_an_untrusted_certificate_is_refused_by_default(start_server, certificate):
    server = start_server(ssl_context=certificate.server_context())

    with pytest.raises(MailUnavailableError) as caught:
        await transport(server.port, security="tls").send(message())

    assert isinstance(caught.value.__cause__, ssl.SSLError | aiosmtplib.SMTPConnectError)
    assert server.handler.deliveries == []
