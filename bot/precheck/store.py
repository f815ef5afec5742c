"""Stores pre-check results; only ever called when the patient consented."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone

from bot.precheck.rules import QUESTIONS, PrecheckResult
from bot.store.db import conversation_rows, session_scope
from bot.store.models import PrecheckResult as PrecheckRow

# Bump when the consent question's wording changes, so each record shows what was agreed to.
CONSENT_TEXT_VERSION = "precheck-consent-v1"


def save_precheck(
    database_url: str,
    conversation_id: str,
    answers: Mapping[str, str],
    result: PrecheckResult,
    consented_at: datetime | None = None,
) -> int:
    """Store one completed pre-check and return its id."""
    row = PrecheckRow(
        conversation_id=conversation_id,
        answers={q: str(answers[q]) for q in QUESTIONS},
        outcome=result.outcome.value,
        reasons=result.reasons,
        consent_text_version=CONSENT_TEXT_VERSION,
        consented_at=consented_at or datetime.now(timezone.utc),
    )
    with session_scope(database_url) as session:
        session.add(row)
        session.flush()
        return row.id


def prechecks_of(database_url: str, conversation_id: str) -> list[PrecheckRow]:
    """All stored pre-checks of one conversation, oldest first."""
    return conversation_rows(database_url, PrecheckRow, conversation_id)
