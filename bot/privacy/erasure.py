"""The patient's rights over their data: erasure and withdrawal of consent.

Everything is keyed by the conversation (Rasa's sender id), the only identifier a
website or messaging user has with us. Functions take an open session so that the
caller decides the transaction: the action server commits its own, and the tracker
store (``components/erasing_tracker_store.py``) uses Rasa's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.store.models import (
    AdvisorDelivery,
    Consent,
    ConversationSummary,
    Correction,
    Erasure,
    Handoff,
    Lead,
    LeadStatusChange,
    OutboxMessage,
    PrecheckResult,
    SafetyFlag,
    TrackerCheckpoint,
)

# Every table holding personal data of a conversation. A new one must be added here,
# or "delete my data" would silently leave it behind (a test checks the list).
PERSONAL_TABLES = (
    PrecheckResult,
    SafetyFlag,
    Lead,
    Consent,
    Handoff,
    OutboxMessage,
    AdvisorDelivery,
    ConversationSummary,
    LeadStatusChange,
    Correction,
    TrackerCheckpoint,
)
# What the patient agreed to store; withdrawing consent removes these (undelivered
# notifications carry the lead's contact details; staff's notes on the lead go with it).
CONSENTED_TABLES = (PrecheckResult, Lead, OutboxMessage, LeadStatusChange)


@dataclass(frozen=True)
class ErasureReport:
    """How many rows of each table were removed."""

    removed: dict[str, int]

    @property
    def total(self) -> int:
        """All removed rows together."""
        return sum(self.removed.values())


def _remove(session: Session, tables: tuple[type, ...], conversation_id: str) -> ErasureReport:
    removed = {}
    for model in tables:
        result = session.execute(delete(model).where(model.conversation_id == conversation_id))
        removed[model.__tablename__] = result.rowcount or 0
    return ErasureReport(removed)


def erase_conversation(session: Session, conversation_id: str) -> ErasureReport:
    """Remove the conversation's personal data and record the erasure.

    The recorded ``Erasure`` tells the tracker store to remove the conversation's
    events when it saves the current turn.
    """
    report = _remove(session, PERSONAL_TABLES, conversation_id)
    session.add(Erasure(conversation_id=conversation_id, requested_at=datetime.now(timezone.utc)))
    return report


def withdraw_consent(session: Session, conversation_id: str) -> ErasureReport:
    """Remove what was stored on the strength of the patient's consent.

    The consent records stay, marked as withdrawn: they show what was agreed and when
    it ended.
    """
    now = datetime.now(timezone.utc)
    for consent in session.execute(
        select(Consent).where(
            Consent.conversation_id == conversation_id, Consent.withdrawn_at.is_(None)
        )
    ).scalars():
        consent.withdrawn_at = now
    return _remove(session, CONSENTED_TABLES, conversation_id)


def pending_event_erasure(session: Session, conversation_id: str) -> Erasure | None:
    """An erasure whose conversation events are still to be removed, if any."""
    return session.execute(
        select(Erasure)
        .where(Erasure.conversation_id == conversation_id, Erasure.events_erased_at.is_(None))
        .order_by(Erasure.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def mark_events_erased(session: Session, conversation_id: str) -> None:
    """Close every pending erasure of the conversation."""
    now = datetime.now(timezone.utc)
    for erasure in session.execute(
        select(Erasure).where(
            Erasure.conversation_id == conversation_id, Erasure.events_erased_at.is_(None)
        )
    ).scalars():
        erasure.events_erased_at = now
