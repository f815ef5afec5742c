"""Whether a turn costs more as the conversation grows: turn latency at turns 1, 100, 500.

One conversation of FAQ questions, one message at a time, against a stack whose SQL
tracker store is SQLite or PostgreSQL (a throwaway database, dropped afterwards). A
checkpoint's latency is the median of five turns, so that one slow sample (the machine
is shared) does not decide it: turns 1-5 for the first, the five turns ending at each
later one (96-100, 496-500).
"""

from __future__ import annotations

import statistics
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from bench.load import Target, TurnResult, conversation
from bench.scripts import long_conversation

CHECKPOINTS = (1, 100, 500)
WINDOW = 5
POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class LongRun:
    """One long conversation on one tracker store."""

    database: str
    turns: int
    at_turn_ms: dict[int, float] = field(default_factory=dict)
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)  # per turn; NaN for a failed one
    note: str = ""

    @property
    def growth(self) -> float | None:
        """Latency at the last checkpoint over the first's."""
        if len(self.at_turn_ms) < 2:
            return None
        first, last = min(self.at_turn_ms), max(self.at_turn_ms)
        return self.at_turn_ms[last] / self.at_turn_ms[first] if self.at_turn_ms[first] else None


def window_of(checkpoint: int, total: int, size: int = WINDOW) -> range:
    """The turns (1-based) whose median stands for ``checkpoint``."""
    if checkpoint <= 1:
        return range(1, min(size, total) + 1)
    return range(max(1, checkpoint - size + 1), min(checkpoint, total) + 1)


def checkpoint_latencies(
    latencies_ms: Sequence[float], checkpoints: Sequence[int], size: int = WINDOW
) -> dict[int, float]:
    """Median latency around each checkpoint reached (failed turns, NaN, left out)."""
    found = {}
    for checkpoint in checkpoints:
        if checkpoint > len(latencies_ms):
            continue
        window = [latencies_ms[t - 1] for t in window_of(checkpoint, len(latencies_ms), size)]
        answered = [v for v in window if v == v]
        if answered:
            found[checkpoint] = statistics.median(answered)
    return found


def measure(target: Target, database: str, checkpoints: Sequence[int] = CHECKPOINTS) -> LongRun:
    """Send ``max(checkpoints)`` turns in one conversation; latencies at the checkpoints."""
    turns = max(checkpoints)
    results: list[TurnResult] = conversation(target, long_conversation(turns))
    latencies = [r.latency_ms if r.error is None else float("nan") for r in results]
    return LongRun(
        database=database,
        turns=turns,
        at_turn_ms=checkpoint_latencies(latencies, checkpoints),
        errors=sum(r.error is not None for r in results),
        latencies_ms=latencies,
    )


@contextmanager
def throwaway_postgres(server_url: str = POSTGRES_SERVER) -> Iterator[str]:
    """A new, empty database on ``server_url``'s server; its URL, dropped afterwards."""
    name = f"bench_{uuid.uuid4().hex[:12]}"
    # No pool: the DROP must not wait for a connection this process keeps.
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield server_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        try:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        except SQLAlchemyError as exc:
            print(f"bench: could not drop the throwaway database {name}: {type(exc).__name__}")
        admin.dispose()
