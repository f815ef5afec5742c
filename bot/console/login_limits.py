"""The per-address limit on sign-in attempts, in memory.

The per-account lockout (``max_failed_logins``) stops guessing one account's password;
this limit stops one address from trying many accounts (credential stuffing) or from
locking every account out in turn. Both hold: a locked account stays locked whatever the
address, and an address over its limit is refused whatever the account.

In memory, per console process, because the console is one process (``make run``
starts one); a restart forgets the counts, which only gives an attacker one more
minute. The client's address behind trusted reverse proxies is read as the channels
read it (``bot/client_address.py``): from the right of X-Forwarded-For, never believing
what the client wrote itself. Unlike the channels, loopback is limited too: staff sign
in from this machine or through a local proxy.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence

from bot.client_address import IPV6_CLIENT_PREFIX, IPNetwork, client_address, parse_address

# Ten attempts a minute is far above a person mistyping, far below a script.
MAX_ATTEMPTS = 10
WINDOW_SECONDS = 60.0
# Forget idle addresses once this many are remembered (memory stays bounded).
_PRUNE_ABOVE = 10_000


def client_key(
    peer: str | None, forwarded_for: str | None, trusted_proxies: Sequence[IPNetwork]
) -> str:
    """The bucket of the client: its address (its /64 for IPv6), behind trusted proxies.

    "unknown" when the peer is not an address: those share one bucket.
    """
    address = parse_address(client_address(peer, forwarded_for, trusted_proxies))
    if address is None:
        return "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{address}/{IPV6_CLIENT_PREFIX}", strict=False))
    return str(address)


class LoginLimiter:
    """At most ``max_attempts`` sign-in attempts per client key in any ``window`` seconds.

    Thread-safe: waitress serves requests from several threads.
    """

    def __init__(
        self,
        max_attempts: int = MAX_ATTEMPTS,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_attempts = max_attempts
        self.window = window
        self._clock = clock
        self._attempts: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def attempt(self, key: str) -> float | None:
        """Count an attempt from ``key``: None if allowed, else the seconds to wait.

        A refused attempt is not counted, so a client that waits is let in again.
        """
        now = self._clock()
        with self._lock:
            if len(self._attempts) > _PRUNE_ABOVE:
                self._prune(now)
            times = self._attempts.setdefault(key, deque())
            while times and times[0] <= now - self.window:
                times.popleft()
            if len(times) >= self.max_attempts:
                return max(1.0, times[0] + self.window - now)
            times.append(now)
            return None

    def _prune(self, now: float) -> None:
        stale = [
            k for k, times in self._attempts.items() if not times or times[-1] <= now - self.window
        ]
        for key in stale:
            del self._attempts[key]
