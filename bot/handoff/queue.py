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

# Waiting: queued, the assistant keeps answering. Active ("live"): an advisor has taken
# the conversation and the assistant is paused. Closed: handed back. Left: the patient
# stopped waiting (bot/handoff/leaving.py).
WAITING, ACTIVE, CLOSED, LEFT = "waiting", "active", "closed", "left"
OPEN_STATUSES = (WAITING, ACTIVE)
# The dialogue's view of the table (domain slots): a request is open, and how the
# advisor will make contact. The table stays the truth; these follow it.
HANDOFF_OPEN_SLOT = "handoff_open"
HANDOFF_CHANNEL_SLOT = "handoff_channel"


def open_row(session: Session, conversation_id: str) -> Handoff | None:
    """The conversation's waiting or active handoff, in the caller's transaction."""
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
                existing = open_row(session, conversation_id)
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
        return open_row(session, conversation_id)


def is_live(database_url: str, conversation_id: str) -> bool:
    """Whether an advisor has the conversation now (the assistant must stay paused)."""
    handoff = current_handoff(database_url, conversation_id)
    return handoff is not None and handoff.status == ACTIVE


def take_handoff(database_url: str, conversation_id: str, advisor: str) -> bool:
    """An advisor has taken the conversation: the handoff is live.

    Returns whether this took it (it was waiting), so that the patient is told once
    that a person has joined.
    """
    with session_scope(database_url) as session:
        handoff = open_row(session, conversation_id)
        if handoff is None:
            raise LookupError(f"no open handoff for {conversation_id}")
        taken = handoff.status == WAITING
        if taken:
            handoff.status = ACTIVE
            handoff.taken_at = datetime.now(timezone.utc)
        handoff.advisor = advisor
        return taken


def close_handoff(database_url: str, conversation_id: str, note: str) -> None:
    """The advisor handed back to the assistant."""
    with session_scope(database_url) as session:
        handoff = open_row(session, conversation_id)
        if handoff is None:
            raise LookupError(f"no open handoff for {conversation_id}")
        handoff.status = CLOSED
        handoff.closed_at = datetime.now(timezone.utc)
        handoff.note = note[:2000]
