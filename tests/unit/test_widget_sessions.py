"""The widget's session tokens: issued by the server, forged ones refused."""

from __future__ import annotations

import stat

import pytest

from bot.channels.sessions import SessionSigner, session_key
from bot.channels.widget_history import MAX_HISTORY_MESSAGES, history_messages

KEY = b"k" * 32


def test_an_issued_token_proves_its_conversation() -> None:
    signer = SessionSigner(KEY)
    conversation_id, token = signer.issue()
    assert conversation_id.startswith("web-") and token.startswith(conversation_id + ".")
    assert signer.verify(token) == conversation_id
    assert signer.issue()[0] != conversation_id


@pytest.mark.parametrize(
    "forge",
    [
        lambda cid, sig: cid,
        lambda cid, sig: f"{cid}.",
        lambda cid, sig: f"{cid}.{sig[:-1]}",
        lambda cid, sig: f"{cid}x.{sig}",
        lambda cid, sig: f"web-other.{sig}",
        lambda cid, sig: f"{cid}.{sig}".upper(),
        lambda cid, sig: "0123456789abcdef0123456789abcdef",
        lambda cid, sig: None,
        lambda cid, sig: ["web-a", sig],
        lambda cid, sig: f"{cid}.{sig}" + "a" * 300,
    ],
)
def test_a_forged_or_altered_token_proves_nothing(forge) -> None:
    signer = SessionSigner(KEY)
    conversation_id, token = signer.issue()
    assert signer.verify(forge(conversation_id, token.rpartition(".")[2])) is None


def test_a_token_signed_with_another_key_proves_nothing() -> None:
    _, token = SessionSigner(b"a" * 32).issue()
    assert SessionSigner(KEY).verify(token) is None


def test_a_short_key_is_refused() -> None:
    with pytest.raises(ValueError):
        SessionSigner(b"short")


def test_without_a_configured_secret_a_private_key_is_made_once_and_kept(tmp_path) -> None:
    key_file = tmp_path / "secrets" / "widget.key"
    first = session_key("", key_file)
    assert len(first) == 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # A restart keeps the visitors' conversations: the same key.
    assert session_key("", key_file) == first
    assert session_key("x" * 40, key_file) == b"x" * 40


def _bot(text: str, **extra) -> dict:
    return {"event": "bot", "text": text, **extra}


def test_history_is_the_current_sessions_user_and_bot_messages() -> None:
    events = [
        {"event": "user", "text": "old session"},
        {"event": "session_started"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "hello"},
        {"event": "user", "text": "/help", "metadata": {"shown": "Get help", "lang": "en"}},
        _bot("Hi! Shall we start?", data={"buttons": [{"title": "Yes", "payload": "yes"}]}),
        {"event": "slot", "name": "x", "value": 1},
        _bot("Anna has joined", metadata={"handoff": "joined", "advisor": "Anna"}),
        _bot("Hello, Anna here", metadata={"advisor": "Anna", "utter_action": "x"}),
        _bot(""),
    ]
    assert history_messages(events) == [
        {"sender": "user", "text": "hello"},
        {"sender": "user", "text": "Get help"},
        {
            "sender": "bot",
            "text": "Hi! Shall we start?",
            "quick_replies": [{"content_type": "text", "title": "Yes", "payload": "yes"}],
        },
        {"sender": "bot", "text": "Anna has joined", "advisor": "Anna", "handoff": "joined"},
        {"sender": "bot", "text": "Hello, Anna here", "advisor": "Anna"},
    ]


def test_history_after_a_restart_starts_again_and_is_bounded() -> None:
    events = [{"event": "user", "text": "before"}, {"event": "action", "name": "action_restart"}]
    events += [{"event": "user", "text": str(i)} for i in range(MAX_HISTORY_MESSAGES + 5)]
    history = history_messages(events)
    assert len(history) == MAX_HISTORY_MESSAGES
    assert history[-1]["text"] == str(MAX_HISTORY_MESSAGES + 4)
    assert all(m["text"] != "before" for m in history)
