"""Deletes conversations, and the data tied to them, after the retention period.

A conversation expires ``RETENTION_DAYS`` after its last event; its events (Rasa's
``events`` table) go together with its pre-check results and safety flags. Records
of our own tables are also deleted when they themselves are older than the period.
`make run` purges at start and once a day; ``python -m bot.privacy.retention`` (make purge)
does it by hand.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, func, insert, inspect, select
from sqlalchemy.engine import Engine

from bot.privacy.erasure import PERSONAL_TABLES
from bot.settings import load_settings
from bot.store.db import engine_for
from bot.store.models import PurgeRun
from bot.store.rasa_events import events


@dataclass(frozen=True)
class PurgeReport:
    """What a purge removed."""

    conversations: int
    events: int
    records: dict[str, int]


def purge_expired(engine: Engine, retention_days: int, now: datetime | None = None) -> PurgeReport:
    """Delete everything older than ``retention_days``, in one transaction."""
    now = now or datetime.now(timezone.utc)
    cutoff = now - timedelta(days=retention_days)
    records: dict[str, int] = {}
    expired: list[str] = []
    removed_events = 0
    with engine.begin() as connection:
        if inspect(connection).has_table(events.name):
            expired = list(
                connection.execute(
                    select(events.c.sender_id)
                    .group_by(events.c.sender_id)
                    .having(func.max(events.c.timestamp) < cutoff.timestamp())
                ).scalars()
            )
            for chunk in _chunks(expired, 500):
                removed_events += (
                    connection.execute(delete(events).where(events.c.sender_id.in_(chunk))).rowcount
                    or 0
                )
        for model in PERSONAL_TABLES:
            table = model.__table__
            # A summary row has no creation time of its own: it ends with its last message.
            stamp = table.c.created_at if "created_at" in table.c else table.c.last_message_at
            removed = connection.execute(delete(table).where(stamp < cutoff)).rowcount or 0
            for chunk in _chunks(expired, 500):
                removed += (
                    connection.execute(
                        delete(table).where(table.c.conversation_id.in_(chunk))
                    ).rowcount
                    or 0
                )
            records[table.name] = removed
        # The console shows when the purge last ran and what it removed.
        connection.execute(
            insert(PurgeRun.__table__).values(
                started_at=now,
                finished_at=datetime.now(timezone.utc),
                conversations=len(expired),
                rows={"events": removed_events, **records},
            )
        )
    return PurgeReport(conversations=len(expired), events=removed_events, records=records)


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def main(argv: list[str] | None = None) -> int:
    """``python -m bot.privacy.retention``: purge now and print what was removed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.parse_args(argv)
    settings = load_settings()
    report = purge_expired(engine_for(settings.database_url), settings.retention_days)
    print(
        f"retention ({settings.retention_days} days): {report.conversations} conversations, "
        f"{report.events} events, "
        + ", ".join(f"{count} {name}" for name, count in report.records.items())
        + " removed"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
