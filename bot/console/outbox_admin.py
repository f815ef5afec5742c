"""Advisor notifications that did not go out: the failed and dead outbox rows, and a retry.

Flask-free. ``bot.notify.worker`` delivers the outbox; this module only reads its rows
and puts one back in the queue. Nothing here sends anything, and the console never
imports the worker (it is a process of its own).

"Failed" rows are still ``pending``, with an error from their last try and a later
``next_attempt_at``; "dead" rows were given up (``OUTBOX_MAX_ATTEMPTS`` tries, or a row
that cannot be sent at all). The payload holds the lead's contact details, so the page
shows only what staff need to act: kind, event, conversation, attempts, error, times.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from bot.store.models import Lead, OutboxMessage

PENDING, SENDING, DELIVERED, DEAD = "pending", "sending", "delivered", "dead"
# A retry is possible for these; a "sending" row is leased by a worker right now and a
# delivered one has arrived.
RETRYABLE = (PENDING, DEAD)


class RetryError(RuntimeError):
    """A retry that was refused; the message is for the admin."""


@dataclass(frozen=True)
class ProblemRow:
    """A notification that failed at least once and has not been delivered since."""

    id: int
    conversation_id: str
    kind: str
    event: str | None
    status: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    lead_id: int | None

    @property
    def state(self) -> str:
        """What the row's state means for staff."""
        if self.status == DEAD:
            return "Given up"
        if self.attempts == 0:
            return "Retry queued"
        return "Failed, will retry"


def _problem() -> object:
    return or_(
        OutboxMessage.status == DEAD,
        and_(OutboxMessage.status == PENDING, OutboxMessage.last_error.is_not(None)),
    )


def problems(session: Session, limit: int = 200) -> list[ProblemRow]:
    """Dead rows and failed rows waiting for their next try, newest first."""
    result = session.execute(
        select(OutboxMessage, Lead.id)
        .outerjoin(Lead, Lead.conversation_id == OutboxMessage.conversation_id)
        .where(_problem())
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    rows = []
    for message, lead_id in result:
        payload = message.payload if isinstance(message.payload, dict) else {}
        rows.append(
            ProblemRow(
                id=message.id,
                conversation_id=message.conversation_id,
                kind=message.kind,
                event=payload.get("event"),
                status=message.status,
                attempts=message.attempts,
                last_error=message.last_error,
                next_attempt_at=None if message.status == DEAD else message.next_attempt_at,
                created_at=message.created_at,
                lead_id=lead_id,
            )
        )
    return rows


def counts(session: Session) -> dict[str, int]:
    """How many rows of each status the outbox holds (an overview above the list)."""
    return dict(
        session.execute(
            select(OutboxMessage.status, func.count(OutboxMessage.id)).group_by(
                OutboxMessage.status
            )
        ).all()
    )


@dataclass(frozen=True)
class Retried:
    """What a retried row was before the retry (for the audit entry)."""

    id: int
    kind: str
    conversation_id: str
    status: str
    attempts: int
    last_error: str | None


def retry(session: Session, message_id: int, now: datetime | None = None) -> Retried:
    """Put a failed or dead notification back in the queue, due now.

    The attempts start again from zero: the worker gives a row up once ``attempts``
    reaches ``OUTBOX_MAX_ATTEMPTS``, so a dead row that kept its count would die again
    on its first new failure, without the doubling pauses that give a relay time to come
    back. The old count and error go into the audit entry (the caller's), and the last
    error stays on the row until the next try replaces it.
    The UPDATE is conditional, so a row a worker has just leased is left alone.
    """
    now = now or datetime.now(timezone.utc)
    message = session.get(OutboxMessage, message_id)
    if message is None:
        raise LookupError(f"no notification {message_id}")
    if message.status not in RETRYABLE:
        raise RetryError(
            f"Notification {message_id} is {message.status}: only failed or dead ones are retried."
        )
    before = Retried(
        message.id,
        message.kind,
        message.conversation_id,
        message.status,
        message.attempts,
        message.last_error,
    )
    changed = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status.in_(RETRYABLE))
        .values(status=PENDING, attempts=0, next_attempt_at=now, lease_until=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise RetryError(f"Notification {message_id} changed meanwhile; nothing was retried.")
    session.expire(message)
    return before
