"""The client's address behind trusted reverse proxies, for the per-address limits
(the channels' rate limit, the console's sign-in limit).

Pure: no Rasa, no settings. The direct peer is the client unless it is one of the
trusted proxies (``TRUSTED_PROXIES``); then X-Forwarded-For is read from the right,
where each trusted proxy appended the peer it saw, and the first address that is not
itself a trusted proxy is the client. Anything to the left of it was written by the
client and is never believed.

The address is personal data: the channels keep it in memory for the limiter only,
never in a conversation or a log line.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# IPv6 clients usually get a whole /64 and can pick any address in it.
IPV6_CLIENT_PREFIX = 64


def parse_address(value: str | None) -> IPAddress | None:
    """An IP address as a peer or a proxy writes it (``[::1]:443``, ``1.2.3.4:80``
    included), or None if it is none. IPv4-mapped IPv6 addresses become IPv4."""
    if not value:
        return None
    text = value.strip().strip('"')
    if text.startswith("["):  # [v6] or [v6]:port
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:  # v4:port
        text = text.partition(":")[0]
    text = text.partition("%")[0]  # an IPv6 zone (fe80::1%eth0) says nothing of the host
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: IPAddress, proxies: Sequence[IPNetwork]) -> bool:
    return any(address.version == net.version and address in net for net in proxies)


def client_address(
    peer: str | None,
    forwarded_for: str | Iterable[str] | None,
    trusted_proxies: Sequence[IPNetwork],
) -> str | None:
    """The client's address: ``peer`` unless it is a trusted proxy, then the right-most
    address in X-Forwarded-For (all its headers, in order) that is not a trusted proxy.

    None when the peer is unknown. If every forwarded address is a trusted proxy, the
    left-most is the client; if a trusted proxy passed on something that is not an
    address, the last trusted hop stands in for the client (never the client's claim).
    """
    address = parse_address(peer)
    if address is None:
        return None
    if not _trusted(address, trusted_proxies) or not forwarded_for:
        return str(address)
    headers = [forwarded_for] if isinstance(forwarded_for, str) else list(forwarded_for)
    hops = [hop for header in headers for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        forwarded = parse_address(hop)
        if forwarded is None:
            break
        address = forwarded
        if not _trusted(address, trusted_proxies):
            break
    return str(address)


def limit_key(address: str) -> str | None:
    """The rate-limit bucket of an address: itself, or its /64 for IPv6; None for this
    machine (loopback), which is not limited per address.

    Loopback clients are this machine's own services (the evaluators, the tests, the
    advisor tools) or a local reverse proxy that is not in TRUSTED_PROXIES, whose
    patients would otherwise all share one allowance; the per-sender limit still holds.
    """
    parsed = parse_address(address)
    if parsed is None:
        return address
    if parsed.is_loopback:
        return None
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{parsed}/{IPV6_CLIENT_PREFIX}", strict=False))
    return str(parsed)
