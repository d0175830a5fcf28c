"""The mail side of sign-in: implements booking.ports.SignInMailer over a MailTransport."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from notifications.addresses import is_hostname, is_plain_addr_spec, parse_mailbox
from notifications.messages import DEFAULT_SERVICE_NAME, check_base_url, sign_in_code_message
from notifications.transports import MailRejectedError

if TYPE_CHECKING:
    from booking.ports import SignInMailer
    from notifications.transports import MailTransport


class Mailer:
    """Composes and sends the mail booking asks for; raises MailUnavailableError when it can't."""

    def __init__(
        self,
        transport: MailTransport,
        *,
        sender: str,
        base_url: str,
        service_name: str = DEFAULT_SERVICE_NAME,
    ) -> None:
        # Bad configuration fails at start-up rather than on the first sign-in.
        parse_mailbox(sender, "sender")
        check_base_url(base_url)
        self._transport = transport
        self._sender = sender
        self._base_url = base_url
        self._service_name = service_name
        self._domain = message_id_domain(base_url)

    async def send_sign_in_code(self, email: str, code: str, valid_minutes: int) -> None:
        # The port promises MailUnavailableError only; an address we will never be able to
        # send to is a final refusal, so it must not surface as a ValueError (a 500).
        if not is_plain_addr_spec(email):
            raise MailRejectedError(f"cannot send mail to {email!r}: not a plain address")
        message = sign_in_code_message(
            sender=self._sender,
            to=email,
            code=code,
            valid_minutes=valid_minutes,
            service_name=self._service_name,
            base_url=self._base_url,
            domain=self._domain,
        )
        await self._transport.send(message)


def message_id_domain(base_url: str) -> str:
    """The service's host name, for Message-IDs; "localhost" when it has none (or an IPv6)."""
    host = urlsplit(base_url).hostname
    return host if host is not None and is_hostname(host) else "localhost"


if TYPE_CHECKING:
    # mypy proves here that Mailer satisfies the port booking.app will inject it as.
    _port_check: type[SignInMailer] = Mailer
