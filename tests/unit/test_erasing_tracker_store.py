"""The tracker store carries out a recorded erasure when it saves the turn."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import (
    POSTGRESQL_DEFAULT_POOL_SIZE,
    POSTGRESQL_POOL_SIZE,
    SQLTrackerStore,
    create_engine_kwargs,
)
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.pool import QueuePool

from bot.privacy.erasure import erase_conversation, pending_event_erasure
from bot.store.db import session_scope
from components.erasing_tracker_store import ErasingSQLTrackerStore

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
intents: [greet, affirm]
slots:
  precheck_consent:
    type: text
    mappings: [{type: custom}]
"""
)


@pytest.fixture
def url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'tracker.db'}"


@pytest.fixture
def store(url: str) -> ErasingSQLTrackerStore:
    return ErasingSQLTrackerStore(domain=DOMAIN, dialect="sqlite", host=url)


def history(sender: str) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(
        sender,
        [
            ActionExecuted("action_session_start"),
            SessionStarted(),
            ActionExecuted("action_listen"),
            UserUttered("my email is anna@example.com", {"name": "greet"}),
            SlotSet("precheck_consent", "given"),
            BotUttered("Hello!"),
            ActionExecuted("action_listen"),
        ],
        DOMAIN.slots,
    )


def erasure_turn(tracker: DialogueStateTracker) -> None:
    for event in (
        UserUttered("yes", {"name": "affirm"}),
        ActionExecuted("action_erase_data"),
        BotUttered("Done: I've deleted this conversation."),
        ActionExecuted("action_listen"),
    ):
        tracker.update(event)


async def test_without_an_erasure_it_saves_like_rasa(store: ErasingSQLTrackerStore) -> None:
    await store.save(history("alice"))
    again = await store.retrieve_full_tracker("alice")
    assert again is not None
    assert list(again.events) == list(history("alice").events)
    assert again.get_slot("precheck_consent") == "given"


async def test_a_recorded_erasure_removes_all_events_of_that_conversation(
    store: ErasingSQLTrackerStore, url: str
) -> None:
    await store.save(history("alice"))
    await store.save(history("bob"))
    tracker = await store.retrieve("alice")
    # What action_erase_data does in the action server, during the turn:
    with session_scope(url) as session:
        erase_conversation(session, "alice")
    erasure_turn(tracker)
    await store.save(tracker)

    left = await store.retrieve_full_tracker("alice")
    assert left is not None
    # Only the confirmation and the listen that followed it remain.
    assert [type(e).__name__ for e in left.events] == ["BotUttered", "ActionExecuted"]
    assert left.get_slot("precheck_consent") is None
    assert "anna@example.com" not in str([e.as_dict() for e in left.events])
    bob = await store.retrieve_full_tracker("bob")
    assert bob is not None and len(bob.events) == len(history("bob").events)
    with session_scope(url) as session:
        assert pending_event_erasure(session, "alice") is None


async def test_the_conversation_goes_on_normally_after_an_erasure(
    store: ErasingSQLTrackerStore, url: str
) -> None:
    await store.save(history("alice"))
    tracker = await store.retrieve("alice")
    with session_scope(url) as session:
        erase_conversation(session, "alice")
    erasure_turn(tracker)
    await store.save(tracker)

    tracker = await store.retrieve("alice")
    tracker.update(UserUttered("hello again", {"name": "greet"}))
    tracker.update(BotUttered("Hello!"))
    await store.save(tracker)
    again = await store.retrieve("alice")
    texts = [getattr(e, "text", None) for e in again.events]
    assert texts.count("hello again") == 1
    assert "my email is anna@example.com" not in texts


def test_a_sqlite_engine_pools_its_connections_without_pinging(
    store: ErasingSQLTrackerStore,
) -> None:
    # A file cannot drop a connection; opening one per turn cost a fifth of the server.
    assert not store.engine.pool._pre_ping
    assert isinstance(store.engine.pool, QueuePool)
    assert store.sessionmaker.kw["bind"] is store.engine


def test_a_postgresql_engine_pre_pings_and_keeps_rasas_pool_settings(monkeypatch) -> None:
    def rasa_init(self: SQLTrackerStore, domain: Domain, host: str, **kwargs: object) -> None:
        # Rasa's constructor without its table creation (which waits for a server).
        self.engine = sa.create_engine(host, **create_engine_kwargs(host))

    monkeypatch.delenv(POSTGRESQL_POOL_SIZE, raising=False)
    monkeypatch.setattr(SQLTrackerStore, "__init__", rasa_init)
    monkeypatch.setattr("components.erasing_tracker_store.engine_for", lambda url: None)
    url = "postgresql://u:secret@db.invalid:5432/rasa"
    store = ErasingSQLTrackerStore(domain=DOMAIN, dialect="sqlite", host=url)
    assert store.engine.url.render_as_string(hide_password=False) == url
    assert store.engine.pool._pre_ping
    assert store.engine.pool.size() == POSTGRESQL_DEFAULT_POOL_SIZE
    assert store.sessionmaker.kw["bind"] is store.engine
