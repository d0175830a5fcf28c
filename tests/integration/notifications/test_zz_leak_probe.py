import gc
import pytest
from aiosmtpd.smtp import AuthResult
from booking.ports import MailUnavailableError
from notifications.messages import new_message
from notifications.transports import SmtpTransport

def authenticator(server, session, envelope, mechanism, auth_data):
    return AuthResult(success=False)  # handled=True: server sends nothing -> client read timeout

async def test_leak(start_server):
    server = start_server(authenticator=authenticator, auth_require_tls=False)
    m = new_message(sender="a@b.example", to="c@d.example", subject="s", text="t\n", html=None, domain="x.example")
    with pytest.raises(MailUnavailableError):
        await SmtpTransport("127.0.0.1", server.port, security="none", username="u", password="p", timeout=2.0).send(m)
    gc.collect()
