"""The outbox API: queue an advisor notification in the caller's transaction.

The lead and its outbox rows are committed together (``bot.leads.store``), so a lead
never exists without its notification queued. Delivery is the worker's job
(``bot.notify.worker``); nothing here sends anything.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from bot.settings import NotifySettings
from bot.store.models import OutboxMessage

logger = logging.getLogger(__name__)


def enqueue(
    session: Session, conversation_id: str, payload: dict[str, Any], settings: NotifySettings
) -> int:
    """Add one outbox row per configured transport; returns how many."""
    kinds = [
        k
        for k, on in (("webhook", settings.webhook_enabled), ("email", settings.email_enabled))
        if on
    ]
    if not kinds:
        # The lead is stored and visible to staff; only the push is missing.
        logger.warning("no notification transport configured (NOTIFY_WEBHOOK_URL / SMTP_HOST)")
    for kind in kinds:
        session.add(OutboxMessage(conversation_id=conversation_id, kind=kind, payload=payload))
    return len(kinds)
