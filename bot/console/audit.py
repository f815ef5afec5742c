"""The audit log: who viewed, exported, changed or erased what, and when."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bot.store.models import AuditEntry


def record(
    session: Session,
    staff_email: str,
    action: str,
    target_type: str | None = None,
    target_id: str | None = None,
    **detail: Any,
) -> None:
    """Add an entry in ``session``: it commits with the change it describes."""
    session.add(
        AuditEntry(
            staff_email=staff_email,
            action=action,
            target_type=target_type,
            target_id=target_id,
            detail=detail or None,
        )
    )
