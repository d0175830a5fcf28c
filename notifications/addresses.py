"""Checks that keep header values and addresses safe to put into an email.

Header injection is prevented by refusing, not by cleaning: a value with a line break or a
control character is a bug or an attack, and sending a "fixed" version would hide either.
"""

from __future__ import annotations

import re
import unicodedata
from email.errors import HeaderParseError
from email.headerregistry import Address, AddressHeader, HeaderRegistry

# Cc: C0/C1 controls (CR, LF, NUL, NEL...); Zl/Zp: U+2028/U+2029, which str.splitlines() and
# so the email package treat as line breaks; Cs: lone surrogates, which cannot be encoded.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOSTNAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
# A plain dot-atom local part: no quoted strings, comments or domain literals. Those are legal
# but rare, and every extra form is one more place for two parsers to disagree.
_LOCAL_PART = re.compile(rf"{_ATOM}(?:\.{_ATOM})*")
_MAX_LOCAL_PART = 64
_MAX_ADDRESS = 254
_MAX_HOSTNAME = 253

_REGISTRY = HeaderRegistry()


def check_header_text(value: str, field: str) -> None:
    """Refuse text that could end a header line early or smuggle in another header."""
    for char in value:
        if unicodedata.category(char) in _FORBIDDEN_CATEGORIES:
            raise ValueError(f"{field} contains a control character ({char!r})")


def is_hostname(value: str) -> bool:
    """True for an ASCII DNS name such as ``example.org`` or ``localhost``."""
    return len(value) <= _MAX_HOSTNAME and _HOSTNAME.fullmatch(value) is not None


def is_plain_addr_spec(value: str) -> bool:
    """True for ``local@domain`` in the plain ASCII form we are willing to send to."""
    local, at, domain = value.rpartition("@")
    return (
        bool(at)
        and len(value) <= _MAX_ADDRESS
        and len(local) <= _MAX_LOCAL_PART
        and _LOCAL_PART.fullmatch(local) is not None
        and is_hostname(domain)
    )


def parse_mailbox(value: str, field: str = "address") -> Address:
    """Parse ``name@example.org`` or ``Display Name <name@example.org>`` into one Address.

    Exactly one mailbox is accepted: no lists, groups, comments or trailing text. Non-ASCII
    display names are fine (policy.SMTP encodes them); non-ASCII addresses are refused, as they
    need SMTPUTF8 end to end and the email package cannot write them with policy.SMTP.
    """
    check_header_text(value, field)
    try:
        header = _REGISTRY("To", value)
    except (HeaderParseError, IndexError, ValueError) as exc:
        raise ValueError(f"{field} is not an email address") from exc
    if not isinstance(header, AddressHeader):  # always true for "To"; tells mypy the type
        raise TypeError("the To header parser changed")
    groups = header.groups
    if header.defects or len(groups) != 1 or groups[0].display_name is not None:
        raise ValueError(f"{field} must be exactly one email address")
    if len(header.addresses) != 1:
        raise ValueError(f"{field} must be exactly one email address")
    parsed = header.addresses[0]
    addr_spec = parsed.addr_spec
    if not is_plain_addr_spec(addr_spec):
        raise ValueError(f"{field} must be a plain address such as name@example.org")
    # The parser recovers from some malformed input (comments, trailing words) without a defect;
    # insisting on one of the two simple shapes means what we send is what the caller wrote.
    text = value.strip()
    if text != addr_spec and not text.endswith(f"<{addr_spec}>"):
        raise ValueError(f"{field} must be 'name@example.org' or 'Name <name@example.org>'")
    return Address(display_name=parsed.display_name, addr_spec=addr_spec)
