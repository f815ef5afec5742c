"""A patient who stops waiting for an advisor: what counts, and what is recorded."""

from __future__ import annotations

import pytest

from bot.handoff.leaving import LEFT_NOTE, leave_handoff, wants_to_leave
from bot.handoff.queue import current_handoff, open_handoff, take_handoff
from bot.settings import load_settings
from bot.store.db import conversation_rows
from bot.store.models import Handoff, OutboxMessage


@pytest.mark.parametrize(
    "said",
    [
        "stop waiting",
        "Please cancel my request for an advisor",
        "I'd rather talk to the bot",
        "i would rather just chat with you",
        "take me back to the assistant",
        "I don't need an advisor anymore",
        "never mind the advisor, thanks",
        "I no longer want a call",
    ],
)
def test_ways_of_leaving_the_queue(said: str) -> None:
    assert wants_to_leave(said)


@pytest.mark.parametrize(
    "said",
    [
        "I want to talk to an advisor",
        "how long do I have to wait?",
        "can the advisor call me in the morning?",
        "what does the bot know about costs?",
        "stop",
    ],
)
def test_other_messages_are_no_leaving(said: str) -> None:
    assert not wants_to_leave(said)


@pytest.fixture
def settings(tmp_path):
    return load_settings(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'leave.db'}",
            "NOTIFY_WEBHOOK_URL": "http://127.0.0.1:9/leads",
            "NOTIFY_WEBHOOK_SECRET": "s" * 32,
        }
    )


def test_leaving_closes_a_live_handoff_and_tells_the_advisors(settings) -> None:
    url = settings.database_url
    open_handoff(url, "conv-1", "socketio", "lead")
    take_handoff(url, "conv-1", "Dr. Weber")
    assert leave_handoff(settings, "conv-1") is True
    assert current_handoff(url, "conv-1") is None
    [handoff] = conversation_rows(url, Handoff, "conv-1")
    assert (handoff.status, handoff.note) == ("left", LEFT_NOTE)
    [notice] = conversation_rows(url, OutboxMessage, "conv-1")
    assert notice.payload["event"] == "handoff.left"
    assert notice.payload["handoff_status"] == "active"


def test_without_an_open_handoff_nothing_happens(settings) -> None:
    assert leave_handoff(settings, "conv-2") is False
    assert conversation_rows(settings.database_url, OutboxMessage, "conv-2") == []


def test_the_advisors_email_says_the_patient_left() -> None:
    from bot.notify.transports import email_text

    subject, body = email_text(
        {
            "event": "handoff.left",
            "conversation_id": "abc123",
            "conversation_url": "http://console.test/conversations/abc123",
            "handoff_status": "waiting",
            "lead": None,
        }
    )
    assert subject == "Patient left the advisor queue (abc123)"
    assert "no longer waits" in body and "http://console.test/conversations/abc123" in body
