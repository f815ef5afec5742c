"""Long conversations: a turn reads the checkpoint's state and the events after it, and
gets the same conversation state as a full replay; every event stays stored."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.privacy.erasure import erase_conversation
from bot.store.db import session_scope
from bot.store.models import TrackerCheckpoint
from components.erasing_tracker_store import ErasingSQLTrackerStore
from components.tracker_window import CHECKPOINT_AFTER, KEEP_EVENTS, window_of

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
intents: [greet, faq, affirm]
slots:
  precheck_consent:
    type: text
    mappings: [{type: custom}]
  turn:
    type: float
    mappings: [{type: custom}]
  requested_slot:
    type: text
    mappings: [{type: custom}]
forms:
  precheck_form:
    required_slots: [precheck_consent]
"""
)


@pytest.fixture
def url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'tracker.db'}"


@pytest.fixture
def store(url: str) -> ErasingSQLTrackerStore:
    return ErasingSQLTrackerStore(domain=DOMAIN, dialect="sqlite", host=url)


def turn(number: int) -> list:
    return [
        UserUttered(f"question {number}", {"name": "faq"}),
        SlotSet("turn", float(number)),
        BotUttered(f"answer {number}"),
        ActionExecuted("action_listen"),
    ]


async def converse(store: ErasingSQLTrackerStore, sender: str, turns: range, extra=None) -> None:
    """One retrieve and save per turn, as Rasa's processor does."""
    for number in turns:
        tracker = await store.retrieve(sender)
        if tracker is None:
            tracker = DialogueStateTracker(sender, DOMAIN.slots)
            for event in (ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")):
                tracker.update(event)
        for event in turn(number) + (extra(number) if extra else []):
            tracker.update(event)
        await store.save(tracker)


def stored_events(url: str, sender: str) -> list[dict]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender}
        )
        return [json.loads(data) for (data,) in rows]


async def test_a_long_conversation_reads_a_bounded_window(store, url) -> None:
    await converse(store, "long", range(200))
    tracker = await store.retrieve("long")
    assert tracker is not None
    # 200 turns are 803 events; a turn reads the checkpoint's few and the ones after it.
    assert len(tracker.events) <= CHECKPOINT_AFTER + 10
    assert window_of(tracker).prefix > 0
    assert tracker.latest_message.text == "question 199"
    # Nothing is lost in the table: every turn, in order, once.
    texts = [e["text"] for e in stored_events(url, "long") if e["event"] == "user"]
    assert texts == [f"question {n}" for n in range(200)]


async def test_the_window_has_the_state_of_a_full_replay(store) -> None:
    def form_and_pause(number: int) -> list:
        if number == 10:
            return [ActiveLoop("precheck_form"), SlotSet("requested_slot", "precheck_consent")]
        if number == 20:
            return [SlotSet("precheck_consent", "given"), ConversationPaused()]
        if number == 150:
            return [ConversationResumed()]
        return []

    await converse(store, "s", range(120), extra=form_and_pause)
    windowed = await store.retrieve("s")
    full = await store.retrieve_full_tracker("s")
    assert window_of(windowed).prefix > 0
    assert len(windowed.events) < len(full.events)
    assert windowed.current_slot_values() == full.current_slot_values()
    assert windowed.current_slot_values()["precheck_consent"] == "given"
    assert windowed.active_loop_name == full.active_loop_name == "precheck_form"
    assert windowed.is_paused() and full.is_paused()
    assert windowed.latest_action_name == full.latest_action_name == "action_listen"

    await converse(store, "s", range(120, 160), extra=form_and_pause)
    windowed = await store.retrieve("s")
    assert not windowed.is_paused()
    assert windowed.get_slot("turn") == 159.0


async def test_a_new_session_after_the_checkpoint_starts_from_the_new_session(store) -> None:
    await converse(store, "returning", range(100))
    tracker = await store.retrieve("returning")
    for event in (ActionExecuted("action_session_start"), SessionStarted(), SlotSet("precheck_consent", "given"), ActionExecuted("action_listen")):
        tracker.update(event)
    tracker.update(UserUttered("hello again", {"name": "greet"}))
    await store.save(tracker)
    again = await store.retrieve("returning")
    assert [e.text for e in again.events if isinstance(e, UserUttered)] == ["hello again"]
    assert again.get_slot("precheck_consent") == "given"


async def test_a_checkpoint_whose_events_are_erased_is_never_used(store, url) -> None:
    await converse(store, "erased", range(100))
    with session_scope(url) as session:
        assert session.get(TrackerCheckpoint, "erased") is not None
        erase_conversation(session, "erased")
    with session_scope(url) as session:
        # "delete my data" removes the checkpoint with the rest (it holds slot values).
        assert session.get(TrackerCheckpoint, "erased") is None


async def test_an_orphaned_checkpoint_is_ignored(store, url) -> None:
    await converse(store, "orphan", range(100))
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM events WHERE sender_id = 'orphan'"))
    assert await store.retrieve("orphan") is None


async def test_short_conversations_have_no_checkpoint(store, url) -> None:
    await converse(store, "short", range((CHECKPOINT_AFTER - KEEP_EVENTS) // 4))
    with session_scope(url) as session:
        assert session.get(TrackerCheckpoint, "short") is None
    tracker = await store.retrieve("short")
    assert window_of(tracker).prefix == 0
