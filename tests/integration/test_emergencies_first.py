"""Nothing in the message path gets in front of an emergency (issue: hardening).

Through both channels: a sender who was rate-limited, a red flag dressed as a button
payload, and an emergency inside a message too long for the channel all get the
emergency guidance, and each is flagged for staff.
"""

from __future__ import annotations

import uuid

import pytest

from bot.content import text as response_text
from bot.safety.flags import flags_of
from bot.safety.rate_limit import RATE_LIMITED
from tests.integration.chat_client import ChatClient
from tests.integration.conftest import running_assistant

EMERGENCY = "I can't breathe and my chest hurts"
GUIDANCE = "call emergency services now"
STORY = "my knees have been stiff and swollen every morning for years, " * 400  # ~25,000


@pytest.fixture(scope="module")
def strict(tmp_path_factory):
    """An assistant whose rate limit turns a sender away after three quick messages."""
    with running_assistant(
        tmp_path_factory,
        f"emergencies-{uuid.uuid4().hex[:6]}",
        rate_limit_burst=3,
        rate_limit_per_minute=1,
    ) as running:
        yield running


def _sender() -> str:
    return f"first-{uuid.uuid4().hex[:10]}"


def _flagged(strict, sender: str) -> list[str]:
    return [flag.category for flag in flags_of(strict.database_url, sender)]


def test_rest_a_rate_limited_sender_still_gets_the_emergency_guidance(strict) -> None:
    sender = _sender()
    texts = [strict.texts(sender, "What does it cost?") for _ in range(5)]
    assert response_text(RATE_LIMITED) in texts
    assert GUIDANCE in strict.texts(sender, EMERGENCY)
    assert _flagged(strict, sender) == ["chest_pain"]


def test_socketio_a_rate_limited_sender_still_gets_the_emergency_guidance(strict) -> None:
    chat = ChatClient(strict.base_url)
    sender = chat.session_id
    try:
        replies = [chat.say("What does it cost?") for _ in range(5)]
        assert response_text(RATE_LIMITED) in replies
        assert GUIDANCE in chat.say(EMERGENCY)
    finally:
        chat.close()
    assert _flagged(strict, sender) == ["chest_pain"]


@pytest.mark.parametrize(
    "disguised", ["/greet{I can't breathe}", '/greet{"lead_name": "I can\'t breathe"}']
)
def test_rest_a_red_flag_dressed_as_a_payload_is_read_as_an_emergency(strict, disguised) -> None:
    sender = _sender()
    reply = strict.texts(sender, disguised)
    assert GUIDANCE in reply and "Hello" not in reply
    assert _flagged(strict, sender) == ["breathing"]


def test_socketio_a_red_flag_dressed_as_a_payload_is_read_as_an_emergency(strict) -> None:
    chat = ChatClient(strict.base_url)
    sender = chat.session_id
    try:
        reply = chat.say("/greet{I can't breathe}")
    finally:
        chat.close()
    assert GUIDANCE in reply and "Hello" not in reply
    assert _flagged(strict, sender) == ["breathing"]


def test_rest_an_emergency_in_a_message_too_long_for_the_channel_is_answered(strict) -> None:
    sender = _sender()
    status, replies = strict.request(
        "POST",
        "/webhooks/rest/webhook",
        {"sender": sender, "message": f"{STORY} and now {EMERGENCY}. {STORY}"},
    )
    assert status == 200, status
    assert GUIDANCE in " ".join(r.get("text", "") for r in replies)
    assert _flagged(strict, sender) == ["chest_pain"]
    # Without an emergency, the same length is still refused.
    status, _ = strict.request(
        "POST", "/webhooks/rest/webhook", {"sender": _sender(), "message": STORY + STORY}
    )
    assert status == 413


def test_socketio_an_emergency_in_a_message_too_long_for_the_channel_is_answered(strict) -> None:
    chat = ChatClient(strict.base_url)
    sender = chat.session_id
    try:
        reply = chat.say(f"{STORY} and now {EMERGENCY}. {STORY}")
    finally:
        chat.close()
    assert GUIDANCE in reply
    assert _flagged(strict, sender) == ["chest_pain"]
