"""A private assistant logging at DEBUG with a tight rate limit: what reaches the logs,
and what a flooding sender gets."""

from __future__ import annotations

import time
import uuid

import pytest

from bot.content import text as response_text
from bot.safety.rate_limit import RATE_LIMITED
from tests.integration.conftest import running_assistant

EMAIL = "lea.muster@example.ch"
PHONE = "+41 79 555 12 34"


@pytest.fixture(scope="module")
def debug_assistant(tmp_path_factory):
    with running_assistant(
        tmp_path_factory,
        f"debug-{uuid.uuid4().hex[:6]}",
        log_level="DEBUG",
        rate_limit_burst=3,
        rate_limit_per_minute=60,
    ) as running:
        yield running


def test_contact_details_never_reach_the_logs(debug_assistant) -> None:
    sender = f"logs-{uuid.uuid4().hex[:8]}"
    debug_assistant.say(sender, f"please call me on {PHONE} or write to {EMAIL}")
    # The lead form takes them for real; one message a second stays within the limit.
    for message in ("I want to talk to a person", "yes", "Lea Muster", f"{EMAIL} {PHONE}"):
        time.sleep(1.1)
        debug_assistant.say(sender, message)
    time.sleep(1.0)  # let the servers flush their logs
    logs = {p.name: p.read_text(errors="replace") for p in debug_assistant.log_dir.glob("*.log")}
    assert set(logs) == {"rasa.log", "actions.log", "notify.log", "web.log", "console.log"}
    everything = "\n".join(logs.values())
    # DEBUG does log the message: masked.
    assert "[email]" in logs["rasa.log"] and "[phone]" in logs["rasa.log"]
    for secret in (EMAIL, "lea.muster", PHONE, "79 555 12 34", "795551234", "+41795551234"):
        assert secret not in everything, secret


def test_a_flooding_sender_is_slowed_down_politely_and_others_are_not(debug_assistant) -> None:
    flooder = f"flood-{uuid.uuid4().hex[:8]}"
    texts = [debug_assistant.texts(flooder, "What does it cost?") for _ in range(6)]
    limited = [t for t in texts if t == response_text(RATE_LIMITED)]
    assert texts[0] != response_text(RATE_LIMITED) and "7,000" in texts[0]
    assert len(limited) >= 2, texts
    # Someone else is served meanwhile.
    assert "7,000" in debug_assistant.texts(f"other-{uuid.uuid4().hex[:8]}", "What does it cost?")
    # After a pause (one message per second here) the flooder is answered again.
    time.sleep(2.5)
    assert "7,000" in debug_assistant.texts(flooder, "What does it cost?")


def test_turned_away_messages_do_not_enter_the_conversation(debug_assistant) -> None:
    sender = f"flood-{uuid.uuid4().hex[:8]}"
    for i in range(8):
        debug_assistant.say(sender, f"message number {i}")
    status, tracker = debug_assistant.request(
        "GET", f"/conversations/{sender}/tracker", token=debug_assistant.token
    )
    assert status == 200
    stored = [e["text"] for e in tracker["events"] if e["event"] == "user"]
    # Only the messages that were let through are in the conversation, in order.
    assert 3 <= len(stored) < 8
    assert stored == sorted(stored, key=lambda t: int(t.rsplit(" ", 1)[1]))
