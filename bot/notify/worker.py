"""The outbox worker (``python -m bot.notify.worker``, started by ``make run``).

Each due row goes through three steps, so that no database lock is held while a relay
is slow and no two workers send the same row at the same time:

1. claim, in a short transaction: the row becomes ``sending`` with a lease
   (``LEASE_SECONDS``). On PostgreSQL the claim skips rows another worker has locked
   (``FOR UPDATE SKIP LOCKED``), so several workers may run; on SQLite only one may
   (``main`` holds a lock file next to the database).
2. send, outside any transaction.
3. record the result in another short transaction: ``delivered``; or ``pending`` again
   with a doubling pause; or ``dead`` after ``OUTBOX_MAX_ATTEMPTS`` tries, or at once for
   a row that cannot be sent at all (a bug, not a relay that is down). Dead rows stay
   for staff to see.

A worker that dies between 1 and 3 leaves its row leased; when the lease is over the
row is claimed again. Delivery is therefore at least once, and every try of a row
carries the same delivery id so that receivers can drop a repeat. A relay that is down
delays a notification; it never loses the lead. No module imports this one: it is a
process of its own.
"""

from __future__ import annotations

import argparse
import fcntl
import logging
import os
import signal
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import IO, Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql.elements import ColumnElement

from bot.notify.transports import SENDERS, DeliveryError
from bot.privacy.log_redaction import install as install_log_redaction
from bot.settings import NotifySettings, load_settings
from bot.store.db import session_scope
from bot.store.models import OutboxMessage

logger = logging.getLogger(__name__)

MAX_RETRY_SECONDS = 3600
BATCH = 50
# Far longer than one send may take (transports time out after 10 s per step), so a
# live worker keeps its row; short enough that a crashed worker's row is soon retried.
LEASE_SECONDS = 60


def retry_delay(attempts: int, base_seconds: int) -> timedelta:
    """Pause before the next try after ``attempts`` failed ones."""
    return timedelta(seconds=min(MAX_RETRY_SECONDS, base_seconds * 2 ** max(0, attempts - 1)))


@dataclass(frozen=True)
class DeliveryReport:
    """One pass of the worker."""

    delivered: int
    failed: int  # tries that failed, including those given up
    dead: int = 0  # of the failed, the rows given up (status "dead")


@dataclass(frozen=True)
class _Claim:
    """A row this worker holds the lease of: what it needs to send and record it."""

    id: int
    kind: str
    payload: dict[str, Any]
    delivery_id: str
    attempts: int  # before this try
    lease_until: datetime


def _claimable(now: datetime) -> ColumnElement:
    return or_(
        and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
        # Its worker died mid-send (or overran): the row is free again.
        and_(OutboxMessage.status == "sending", OutboxMessage.lease_until <= now),
    )


def _claim_next(
    database_url: str, now: datetime, lease: timedelta, skip: set[int]
) -> _Claim | None:
    """Lease the oldest due row that nobody holds; committed before anything is sent."""
    while True:
        with session_scope(database_url) as session:
            query = (
                select(OutboxMessage)
                .where(_claimable(now))
                .order_by(OutboxMessage.id)
                .limit(1)
                .with_for_update(skip_locked=True)  # PostgreSQL; SQLite has no row locks
            )
            if skip:
                query = query.where(OutboxMessage.id.not_in(skip))
            row = session.execute(query).scalar_one_or_none()
            if row is None:
                return None
            lease_until = now + lease
            # The condition again, in the write: on SQLite another worker may have
            # claimed the row since the read, and then this changes nothing.
            claimed = session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id, _claimable(now))
                .values(status="sending", lease_until=lease_until)
                .execution_options(synchronize_session=False)
            ).rowcount
            if claimed == 1:
                session.refresh(row)  # attempts as of the claim, not of the read
                return _Claim(
                    row.id, row.kind, row.payload, row.delivery_id, row.attempts, lease_until
                )
        # Another worker was quicker; that row is no longer claimable, look again.


def _send(claim: _Claim, settings: NotifySettings) -> Exception | None:
    try:
        SENDERS[claim.kind](claim.payload, settings, claim.delivery_id)
    except Exception as exc:  # noqa: BLE001 - one bad row must not block the rest
        return exc
    return None


def _record_delivered(database_url: str, claim: _Claim) -> None:
    with session_scope(database_url) as session:
        # Whoever holds the row now: it has reached the receiver.
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == claim.id)
            .values(
                status="delivered",
                delivered_at=datetime.now(timezone.utc),
                attempts=OutboxMessage.attempts + 1,
                lease_until=None,
            )
            .execution_options(synchronize_session=False)
        )


def _record_failure(
    database_url: str, claim: _Claim, error: Exception, settings: NotifySettings, now: datetime
) -> bool:
    """Schedule the retry or give the row up; returns whether it was given up."""
    attempts = claim.attempts + 1
    # Transports raise DeliveryError for what a later try may not meet; anything else
    # (a payload the email cannot be made from ...) would fail the same way hourly.
    retryable = isinstance(error, DeliveryError)
    dead = not retryable or attempts >= settings.max_attempts
    values: dict[str, Any] = {
        "attempts": attempts,
        # DeliveryError texts are safe to store; other messages may quote the payload.
        "last_error": (str(error) if retryable else type(error).__name__)[:200],
        "status": "dead" if dead else "pending",
        "lease_until": None,
    }
    if not dead:
        values["next_attempt_at"] = now + retry_delay(attempts, settings.retry_seconds)
    with session_scope(database_url) as session:
        recorded = session.execute(
            update(OutboxMessage)
            # Only while the lease is still ours: after it, another worker has the row.
            .where(
                OutboxMessage.id == claim.id,
                OutboxMessage.status == "sending",
                OutboxMessage.lease_until == claim.lease_until,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
    if not recorded:
        logger.warning("notification %d (%s): row erased or taken over", claim.id, claim.kind)
        return False
    if dead:
        # The class only: the row id and kind find the rest; messages may hold the lead.
        logger.error(
            "notification %d (%s) given up after %d attempt(s): %s",
            claim.id,
            claim.kind,
            attempts,
            type(error).__name__,
        )
    else:
        logger.warning(
            "notification %d (%s) failed: %s", claim.id, claim.kind, values["last_error"]
        )
    return dead


def deliver_due(
    database_url: str,
    settings: NotifySettings,
    now: datetime | None = None,
    lease: timedelta = timedelta(seconds=LEASE_SECONDS),
) -> DeliveryReport:
    """Claim, send and record due notifications one at a time (at most ``BATCH``).

    ``now`` fixes the clock (tests); by default each claim reads the time, so that a
    long pass does not hand out leases that are already running out.
    """
    if lease <= timedelta(0):
        raise ValueError("the lease must be positive")

    def clock() -> datetime:
        return now or datetime.now(timezone.utc)

    delivered = failed = dead = 0
    # Rows this pass has tried: never twice in one pass, even if recording a result
    # failed and the row's lease would allow it.
    tried: set[int] = set()
    while len(tried) < BATCH:
        claim = _claim_next(database_url, clock(), lease, tried)
        if claim is None:
            break
        tried.add(claim.id)
        error = _send(claim, settings)
        try:
            if error is None:
                _record_delivered(database_url, claim)
                delivered += 1
            else:
                failed += 1
                dead += _record_failure(database_url, claim, error, settings, clock())
        except SQLAlchemyError as exc:
            # The row stays leased; it is tried again (same delivery id) after the lease.
            logger.error(
                "notification %d (%s): result not stored: %s",
                claim.id,
                claim.kind,
                type(exc).__name__,
            )
    return DeliveryReport(delivered, failed, dead)


class WorkerAlreadyRunning(RuntimeError):
    """Another worker holds this SQLite database's worker lock."""


def sqlite_lock_path(database_url: str) -> Path | None:
    """The worker lock file of a SQLite database file; None for other databases."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(f"{Path(url.database).resolve()}.worker.lock")


def hold_sqlite_lock(path: Path) -> IO[str]:
    """Take the worker lock (kept while the returned file is open, released at exit).

    SQLite has no SKIP LOCKED and one writer at a time: a second worker would only
    contend with the first and with the Rasa server for the write lock.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise WorkerAlreadyRunning(str(path)) from None
    return handle


def main(argv: list[str] | None = None) -> int:
    """``python -m bot.notify.worker [--once]``: deliver due notifications, every few seconds."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--once", action="store_true", help="one pass, then exit")
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between passes")
    args = parser.parse_args(argv)
    install_log_redaction()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = load_settings()
    lock_path = sqlite_lock_path(settings.database_url)
    lock = None
    if lock_path is not None:
        try:
            lock = hold_sqlite_lock(lock_path)
        except WorkerAlreadyRunning:
            # Not through logging: the redaction could mask digits in the path.
            print(
                f"another outbox worker is running on this SQLite database (it holds "
                f"{lock_path}); only one may run on SQLite. Stop it, or use PostgreSQL "
                "for several workers.",
                file=sys.stderr,
            )
            return 1
    logger.info(
        "outbox worker running (pid %d; %s)",
        os.getpid(),
        "one per SQLite database" if lock else "several may share the database",
    )
    stopping = False

    def _stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
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
    finally:
        if lock is not None:
            lock.close()


if __name__ == "__main__":
    raise SystemExit(main())
