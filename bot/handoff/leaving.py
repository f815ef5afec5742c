"""A patient who leaves the advisors' queue: "stop waiting", "I'd rather talk to the bot".

The handoff closes (status ``left``) and the advisors are told through the outbox, in
one transaction; the channels then hand the conversation back to the assistant.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from sqlalchemy import select

from bot.handoff.queue import LEFT, open_row
from bot.leads.store import lead_json
from bot.notify.outbox import enqueue
from bot.settings import Settings
from bot.store.db import session_scope
from bot.store.models import Lead

_LEAVING = [
    re.compile(p)
    for p in (
        r"\bstop waiting\b",
        r"\b(?:cancel|withdraw|drop|call off)\b[^.?!]{0,20}\b(?:request|handoff|advisor|"
        r"call ?back|consultation)\b",
        r"\b(?:i'?d|i would|i'?ll|i will) rather\b[^.?!]{0,20}\b(?:talk|chat|speak|continue|"
        r"stay|go on)\b[^.?!]{0,20}\b(?:bot|assistant|chatbot|you)\b",
        r"\bback to the (?:bot|assistant|chatbot)\b",
        r"\b(?:don'?t|do not|no longer) (?:need|want)\b[^.?!]{0,15}\b(?:an? |the )?(?:advisor|"
        r"person|human|someone|call|callback)\b",
        r"\bnever ?mind\b[^.?!]{0,20}\b(?:advisor|person|human|call)\b",
    )
]

LEFT_NOTE = "the patient left the queue"


def wants_to_leave(text: str) -> bool:
    """Whether ``text`` asks to stop waiting for an advisor and go back to the assistant."""
    lowered = " ".join(text.lower().replace("’", "'").split())
    return any(pattern.search(lowered) for pattern in _LEAVING)


def leave_handoff(settings: Settings, conversation_id: str) -> bool:
    """Close the conversation's open handoff as left and notify the advisors.

    Returns False when no handoff was open (the message is then an ordinary one).
    """
    with session_scope(settings.database_url) as session:
        handoff = open_row(session, conversation_id)
        if handoff is None:
            return False
        was = handoff.status
        handoff.status = LEFT
        handoff.closed_at = datetime.now(timezone.utc)
        handoff.note = LEFT_NOTE
        lead = session.execute(
            select(Lead).where(Lead.conversation_id == conversation_id)
        ).scalar_one_or_none()
        payload = {
            "event": "handoff.left",
            "conversation_id": conversation_id,
            "conversation_url": f"{settings.handoff.console_url}/conversations/{conversation_id}",
            "handoff_status": was,
            "lead": lead_json(lead) if lead is not None else None,
        }
        enqueue(session, conversation_id, payload, settings.notify)
        return True
