"""Erasure and consent withdrawal remove exactly one conversation's data."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from bot.privacy.erasure import (
    CONSENTED_TABLES,
    PERSONAL_TABLES,
    erase_conversation,
    mark_events_erased,
    pending_event_erasure,
    withdraw_consent,
)
from bot.store.db import session_scope
from bot.store.models import Base, Erasure, PrecheckResult, SafetyFlag


@pytest.fixture
def url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'erasure.db'}"


def _add_data(url: str, conversation_id: str) -> None:
    with session_scope(url) as session:
        session.add(
            PrecheckResult(
                conversation_id=conversation_id,
                answers={"active_infection": "no"},
                outcome="clear",
                reasons=[],
                consent_text_version="v1",
                consented_at=datetime.now(timezone.utc),
            )
        )
        session.add(
            SafetyFlag(conversation_id=conversation_id, category="chest_pain", detected_by="rule")
        )


def _count(url: str, model: type, conversation_id: str) -> int:
    with session_scope(url) as session:
        return len(
            session.execute(select(model).where(model.conversation_id == conversation_id)).all()
        )


def test_every_table_with_a_conversation_id_is_erased() -> None:
    # A new table keyed by conversation must join PERSONAL_TABLES, or erasure misses it.
    keyed = {
        table.name
        for table in Base.metadata.sorted_tables
        if "conversation_id" in table.c and table.name != Erasure.__tablename__
    }
    assert keyed == {model.__tablename__ for model in PERSONAL_TABLES}
    assert set(CONSENTED_TABLES) <= set(PERSONAL_TABLES)


def test_erasure_removes_the_conversation_and_leaves_the_others(url: str) -> None:
    _add_data(url, "alice")
    _add_data(url, "bob")
    with session_scope(url) as session:
        report = erase_conversation(session, "alice")
    assert (report.removed["precheck_results"], report.removed["safety_flags"]) == (1, 1)
    assert report.total == 2
    for model in (PrecheckResult, SafetyFlag):
        assert _count(url, model, "alice") == 0
        assert _count(url, model, "bob") == 1


def test_erasure_is_recorded_until_the_events_are_gone(url: str) -> None:
    with session_scope(url) as session:
        erase_conversation(session, "alice")
    with session_scope(url) as session:
        pending = pending_event_erasure(session, "alice")
        assert pending is not None and pending.events_erased_at is None
        assert pending_event_erasure(session, "bob") is None
        mark_events_erased(session, "alice")
    with session_scope(url) as session:
        assert pending_event_erasure(session, "alice") is None
        done = session.execute(select(Erasure)).scalar_one()
        assert done.events_erased_at is not None


def test_erasing_a_conversation_without_data_still_records_the_request(url: str) -> None:
    with session_scope(url) as session:
        assert erase_conversation(session, "nobody").total == 0
    with session_scope(url) as session:
        assert pending_event_erasure(session, "nobody") is not None


def test_withdrawing_consent_removes_the_consented_records_only(url: str) -> None:
    _add_data(url, "alice")
    with session_scope(url) as session:
        report = withdraw_consent(session, "alice")
    assert report.removed["precheck_results"] == 1 and report.total == 1
    assert _count(url, PrecheckResult, "alice") == 0
    # The emergency flag was not stored on consent (vital interest); it stays.
    assert _count(url, SafetyFlag, "alice") == 1
    with session_scope(url) as session:
        assert pending_event_erasure(session, "alice") is None
