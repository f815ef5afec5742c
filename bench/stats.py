"""Pure figures of a load run: percentiles and one concurrency level's summary."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) of ``values``, interpolated linearly between the
    two nearest ranks (numpy's default), or NaN when there are none."""
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0-100, got {q}")
    if not values:
        return math.nan
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class LevelStats:
    """One bot at one concurrency: latencies of the answered turns, in milliseconds."""

    users: int
    turns: int  # turns sent, answered or not
    errors: int  # failed turns: no answer, an HTTP error, a timeout, a "try again later"
    off_script: int  # answered, but not with what the script expected (the flow changed?)
    wall_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    conversations: int = 0  # conversations finished to their last turn

    @property
    def throughput(self) -> float:
        """Answered turns per second of the level's wall time."""
        answered = self.turns - self.errors
        return answered / self.wall_s if self.wall_s > 0 else math.nan

    @classmethod
    def of(
        cls,
        users: int,
        latencies_ms: Sequence[float],
        *,
        errors: int,
        off_script: int,
        wall_s: float,
        conversations: int = 0,
    ) -> LevelStats:
        """Summarise the latencies of a level's answered turns (errors excluded: a
        timeout's latency is the timeout, not the server's)."""
        return cls(
            users=users,
            turns=len(latencies_ms) + errors,
            errors=errors,
            off_script=off_script,
            wall_s=wall_s,
            p50_ms=percentile(latencies_ms, 50),
            p95_ms=percentile(latencies_ms, 95),
            p99_ms=percentile(latencies_ms, 99),
            conversations=conversations,
        )


def ratio(ours: float | None, theirs: float | None) -> float | None:
    """``ours / theirs``, or None when either is missing, not a number, or ``theirs`` is 0."""
    if ours is None or theirs is None or math.isnan(ours) or math.isnan(theirs) or theirs == 0:
        return None
    return ours / theirs
