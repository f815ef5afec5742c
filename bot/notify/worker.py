"""The outbox worker (``python -m bot.notify.worker``, started by ``make run``).

It delivers due notifications through ``bot.notify.transports`` and retries failures
with a doubling pause. A relay that is down delays a notification; it never loses the
lead. No module imports this one: it is a process of its own.
"""

from __future__ import annotations

import argparse
import logging
import signal
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from bot.notify.transports import SENDERS, DeliveryError
from bot.privacy.log_redaction import install as install_log_redaction
from bot.settings import NotifySettings, load_settings
from bot.store.db import session_scope
from bot.store.models import OutboxMessage

logger = logging.getLogger(__name__)

MAX_RETRY_SECONDS = 3600
BATCH = 50


def retry_delay(attempts: int, base_seconds: int) -> timedelta:
    """Pause before the next try after ``attempts`` failed ones."""
    return timedelta(seconds=min(MAX_RETRY_SECONDS, base_seconds * 2 ** max(0, attempts - 1)))


@dataclass(frozen=True)
class DeliveryReport:
    """One pass of the worker."""

    delivered: int
    failed: int


def deliver_due(
    database_url: str, settings: NotifySettings, now: datetime | None = None
) -> DeliveryReport:
    """Try every due notification once; each row in its own transaction."""
    now = now or datetime.now(timezone.utc)
    with session_scope(database_url) as session:
        due = list(
            session.execute(
                select(OutboxMessage.id)
                .where(OutboxMessage.delivered_at.is_(None), OutboxMessage.next_attempt_at <= now)
                .order_by(OutboxMessage.id)
                .limit(BATCH)
            ).scalars()
        )
    delivered = failed = 0
    for row_id in due:
        with session_scope(database_url) as session:
            row = session.get(OutboxMessage, row_id, with_for_update={"skip_locked": True})
            if row is None or row.delivered_at is not None:
                continue
            try:
                SENDERS[row.kind](row.payload, settings)
            except Exception as exc:  # noqa: BLE001 - one bad row must not block the rest
                if not isinstance(exc, DeliveryError):
                    exc = DeliveryError(type(exc).__name__)
                row.attempts += 1
                row.last_error = str(exc)[:200]
                row.next_attempt_at = now + retry_delay(row.attempts, settings.retry_seconds)
                failed += 1
                logger.warning("notification %d (%s) failed: %s", row.id, row.kind, exc)
            else:
                row.attempts += 1
                row.delivered_at = datetime.now(timezone.utc)
                delivered += 1
    return DeliveryReport(delivered, failed)


def main(argv: list[str] | None = None) -> int:
    """``python -m bot.notify.worker [--once]``: deliver due notifications, every few seconds."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--once", action="store_true", help="one pass, then exit")
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between passes")
    args = parser.parse_args(argv)
    install_log_redaction()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = load_settings()
    stopping = False

    def _stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    while True:
        try:
            deliver_due(settings.database_url, settings.notify)
        except Exception as exc:  # noqa: BLE001 - the worker must outlive a bad pass
            logger.error("outbox pass failed: %s", type(exc).__name__)
        if args.once or stopping:
            return 0
        deadline = time.monotonic() + args.interval
        while not stopping and time.monotonic() < deadline:
            time.sleep(0.2)


if __name__ == "__main__":
    raise SystemExit(main())
