"""Per-sender rate limit (token bucket), so one sender cannot flood the assistant.

Pure and clock-injected for tests; the channels apply it (``bot.channels.limits``).
Each process keeps its own buckets: behind a load balancer with sticky sessions a
sender stays on one server, which is enough for politeness, not a security boundary.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

# What a sender who is over the limit hears (data/responses/safety.yml).
RATE_LIMITED = "utter_rate_limited"

# Memory bound: beyond this many senders the least recently active are forgotten
# (their buckets would long be full again).
_MAX_SENDERS = 50_000


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Allows ``burst`` messages at once per sender, refilled at ``per_minute``."""

    def __init__(
        self, burst: int, per_minute: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if burst < 1 or per_minute < 1:
            raise ValueError("burst and per_minute must be at least 1")
        self.burst = burst
        self.rate = per_minute / 60.0
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def allow(self, sender: str) -> bool:
        """Take one message from the sender's bucket; False when it is empty."""
        now = self._clock()
        bucket = self._buckets.pop(sender, None)
        if bucket is None:
            bucket = _Bucket(tokens=float(self.burst), updated=now)
        else:
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
        allowed = bucket.tokens >= 1.0
        if allowed:
            bucket.tokens -= 1.0
        # Most recently used last: the oldest (least recently active) are dropped first.
        self._buckets[sender] = bucket
        while len(self._buckets) > _MAX_SENDERS:
            self._buckets.popitem(last=False)
        return allowed

    def retry_after(self, sender: str) -> float:
        """Seconds until the sender may send one more message."""
        bucket = self._buckets.get(sender)
        if bucket is None or bucket.tokens >= 1.0:
            return 0.0
        return (1.0 - bucket.tokens) / self.rate

    def __len__(self) -> int:
        return len(self._buckets)
