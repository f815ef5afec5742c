"""The retention purge deletes expired conversations with everything tied to them."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, insert, select

from bot.privacy.retention import main, purge_expired
from bot.store.db import engine_for, session_scope
from bot.store.models import PrecheckResult, SafetyFlag
from bot.store.rasa_events import events, rasa_metadata

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)


def _event(engine, sender: str, when: datetime) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(events).values(
                sender_id=sender,
                type_name="user",
                timestamp=when.timestamp(),
                data=json.dumps({"event": "user", "text": "hi"}),
            )
        )


def _flag(url: str, sender: str, created: datetime) -> None:
    with session_scope(url) as session:
        session.add(
            SafetyFlag(conversation_id=sender, category="x", detected_by="rule", created_at=created)
        )


def _senders(engine) -> set[str]:
    with engine.connect() as connection:
        return set(connection.execute(select(events.c.sender_id).distinct()).scalars())


def test_a_conversation_expires_after_its_last_message(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    engine = engine_for(url)
    rasa_metadata.create_all(engine)
    # Started long ago but active recently: kept whole.
    _event(engine, "active", NOW - timedelta(days=400))
    _event(engine, "active", NOW - timedelta(days=3))
    _event(engine, "expired", NOW - timedelta(days=200))
    _event(engine, "expired", NOW - timedelta(days=181))
    _flag(url, "expired", NOW - timedelta(days=1))  # tied to the expired conversation
    _flag(url, "active", NOW - timedelta(days=190))  # itself older than the period
    _flag(url, "active", NOW - timedelta(days=2))

    report = purge_expired(engine, 180, now=NOW)

    assert report.conversations == 1 and report.events == 2
    assert report.records["safety_flags"] == 2
    assert _senders(engine) == {"active"}
    with session_scope(url) as session:
        left = session.execute(select(func.count()).select_from(SafetyFlag)).scalar_one()
        assert left == 1
        assert session.execute(select(func.count()).select_from(PrecheckResult)).scalar_one() == 0


def test_purge_works_before_rasa_created_its_table(tmp_path) -> None:
    engine = engine_for(f"sqlite:///{tmp_path / 'fresh.db'}")
    report = purge_expired(engine, 30, now=NOW)
    assert report.conversations == 0 and report.events == 0


def test_the_command_prints_what_it_removed(tmp_path, monkeypatch, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = engine_for(url)
    rasa_metadata.create_all(engine)
    _event(engine, "old", datetime.now(timezone.utc) - timedelta(days=40))
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("RETENTION_DAYS", "30")
    assert main([]) == 0
    assert "retention (30 days): 1 conversations, 1 events" in capsys.readouterr().out
    assert _senders(engine) == set()
