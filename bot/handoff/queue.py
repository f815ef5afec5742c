"""The handoff queue: which conversations wait for, or are with, a human advisor.

``action_submit_lead`` stores the lead (``bot.leads.store``), opens a handoff here and
pauses the conversation (ConversationPaused); the advisor's tools (``bot.handoff.advisor``)
reply through Rasa's HTTP API and hand back (ConversationResumed). While paused, Rasa
records the user's messages without answering them.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.store.db import session_scope
from bot.store.models import Handoff

OPEN_STATUSES = ("waiting", "active")


def _open_row(session: Session, conversation_id: str) -> Handoff | None:
    return session.execute(
        select(Handoff).where(
            Handoff.conversation_id == conversation_id, Handoff.status.in_(OPEN_STATUSES)
        )
    ).scalar_one_or_none()


def open_handoff(database_url: str, conversation_id: str, channel: str | None, reason: str) -> int:
    """Queue the conversation for an advisor; an open handoff is reused, not doubled.

    The database keeps it single (a unique index over open handoffs): when a concurrent
    request inserted first, ours is refused and the one it opened is returned.
    """
    for _ in range(3):
        try:
            with session_scope(database_url) as session:
                existing = _open_row(session, conversation_id)
                if existing is not None:
                    return existing.id
                handoff = Handoff(conversation_id=conversation_id, channel=channel, reason=reason)
                session.add(handoff)
                session.flush()
                return handoff.id
        except IntegrityError:
            # Lost the race; the winner's handoff is found on the next round (unless it
            # was closed in between, and then this request opens a new one).
            continue
    raise RuntimeError(f"could not open a handoff for {conversation_id}")


def open_handoffs(database_url: str) -> list[Handoff]:
    """Waiting and active handoffs, oldest first (the advisors' queue)."""
    with session_scope(database_url) as session:
        return list(
            session.execute(
                select(Handoff).where(Handoff.status.in_(OPEN_STATUSES)).order_by(Handoff.id)
            ).scalars()
        )


def current_handoff(database_url: str, conversation_id: str) -> Handoff | None:
    """The conversation's open handoff, if any."""
    with session_scope(database_url) as session:
        return _open_row(session, conversation_id)


def take_handoff(database_url: str, conversation_id: str, advisor: str) -> None:
    """An advisor has answered: the handoff is active."""
    with session_scope(database_url) as session:
        handoff = _open_row(session, conversation_id)
        if handoff is None:
            raise LookupError(f"no open handoff for {conversation_id}")
        if handoff.status == "waiting":
            handoff.status = "active"
            handoff.taken_at = datetime.now(timezone.utc)
        handoff.advisor = advisor


def close_handoff(database_url: str, conversation_id: str, note: str) -> None:
    """The advisor handed back to the assistant."""
    with session_scope(database_url) as session:
        handoff = _open_row(session, conversation_id)
        if handoff is None:
            raise LookupError(f"no open handoff for {conversation_id}")
        handoff.status = "closed"
        handoff.closed_at = datetime.now(timezone.utc)
        handoff.note = note[:2000]
