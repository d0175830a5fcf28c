"""Which addresses a server-side fetch may reach (SSRF): public unicast ones only.

Decided by what an address means, not by how it is spelled. An IPv6 address that carries an
IPv4 address (IPv4-mapped and -translated, the deprecated IPv4-compatible form, NAT64's
well-known prefix, 6to4, Teredo) reaches that IPv4 host, so it is judged by it: `[::7f00:1]`,
`[64:ff9b::a00:1]` and `[2002:7f00:1::]` are loopback and private space in disguise. Any other
IPv6 address must be global unicast (2000::/3) and outside the blocks IANA marks as not
globally reachable; site-local (fec0::/10), unique-local, link-local, multicast and the rest
of the reserved space are refused. Python's own `is_global` is not used for IPv6: before
3.12.4 and 3.11.10 it let several of these through, and it never looked inside 6to4 or NAT64.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address, IPv6Network

_MAPPED = IPv6Network("::ffff:0:0/96")  # RFC 4291 2.5.5.2
_TRANSLATED = IPv6Network("::ffff:0:0:0/96")  # RFC 2765 (SIIT)
_COMPATIBLE = IPv6Network("::/96")  # RFC 4291 2.5.5.1, deprecated; holds :: and ::1 too
_NAT64 = IPv6Network("64:ff9b::/96")  # RFC 6052 well-known prefix
_SIXTOFOUR = IPv6Network("2002::/16")  # RFC 3056
_TEREDO = IPv6Network("2001::/32")  # RFC 4380
_LOW_32_BITS = (_MAPPED, _TRANSLATED, _COMPATIBLE, _NAT64)

_GLOBAL_UNICAST = IPv6Network("2000::/3")
# Inside 2000::/3 but not globally reachable (IANA IPv6 special-purpose registry). 64:ff9b:1::/48
# (RFC 8215, local-use NAT64) lies outside 2000::/3: where its IPv4 sits depends on the local
# operator's prefix length, so it cannot be judged by it and is refused with the rest.
_NOT_GLOBAL = (
    IPv6Network("2001::/23"),  # IETF protocol assignments (Teredo is judged before this)
    IPv6Network("2001:db8::/32"),  # documentation
    IPv6Network("3fff::/20"),  # documentation (RFC 9637)
)


def embedded_ipv4(address: IPv6Address) -> list[IPv4Address] | None:
    """The IPv4 addresses an IPv6 address reaches, or None when it carries none."""
    if address.teredo is not None:
        return list(address.teredo)  # the Teredo server and the (de-obfuscated) client
    if address.sixtofour is not None:
        return [address.sixtofour]
    for network in _LOW_32_BITS:
        if address in network:
            return [IPv4Address(int(address) & 0xFFFFFFFF)]
    return None


def is_public(address: IPv4Address | IPv6Address) -> bool:
    """True when a fetch may connect to `address`."""
    if isinstance(address, IPv4Address):
        return address.is_global and not address.is_multicast
    inner = embedded_ipv4(address)
    if inner is not None:
        return all(is_public(v4) for v4 in inner)
    return address in _GLOBAL_UNICAST and not any(address in block for block in _NOT_GLOBAL)
