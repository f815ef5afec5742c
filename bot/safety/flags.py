"""Records emergency messages for staff (``safety_flags``)."""

from __future__ import annotations

from bot.store.db import conversation_rows, session_scope
from bot.store.models import SafetyFlag


def flag_emergency(database_url: str, conversation_id: str, category: str, detected_by: str) -> int:
    """Store one flag and return its id."""
    with session_scope(database_url) as session:
        row = SafetyFlag(
            conversation_id=conversation_id, category=category, detected_by=detected_by
        )
        session.add(row)
        session.flush()
        return row.id


def flags_of(database_url: str, conversation_id: str) -> list[SafetyFlag]:
    """The conversation's flags, oldest first."""
    return conversation_rows(database_url, SafetyFlag, conversation_id)
