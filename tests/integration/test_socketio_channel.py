"""The web widget's channel: socket.io with session persistence.

The client uses HTTP long-polling: the async websocket client of python-engineio needs
a newer aiohttp than Rasa 3.6 pins.
"""

from __future__ import annotations

import threading
import time
import uuid

import socketio


def _converse(base_url: str, session_id: str, messages: list[str]) -> list[dict]:
    """Connect, claim ``session_id``, send ``messages``; return what the bot uttered."""
    client = socketio.Client(reconnection=False)
    received: list[dict] = []
    got_reply = threading.Event()
    confirmed = threading.Event()

    @client.on("bot_uttered")
    def on_bot_uttered(data: dict) -> None:
        received.append(data)
        got_reply.set()

    @client.on("session_confirm")
    def on_session_confirm(_data: object) -> None:
        confirmed.set()

    client.connect(base_url, socketio_path="/socket.io", transports=["polling"])
    try:
        client.emit("session_request", {"session_id": session_id})
        assert confirmed.wait(20), "no session_confirm"
        for message in messages:
            got_reply.clear()
            client.emit("user_uttered", {"message": message, "session_id": session_id})
            assert got_reply.wait(30), f"no reply to {message!r}"
            time.sleep(1.0)  # a reply may come in several parts
    finally:
        client.disconnect()
    return received


def test_a_question_over_socketio_gets_the_answer(assistant) -> None:
    replies = _converse(assistant.base_url, uuid.uuid4().hex, ["What does it cost?"])
    assert any("7,000" in r.get("text", "") for r in replies)
    assert any(r.get("quick_replies") or r.get("buttons") for r in replies)


def test_reconnecting_with_the_same_session_id_continues_the_conversation(assistant) -> None:
    session_id = uuid.uuid4().hex
    _converse(assistant.base_url, session_id, ["hello"])
    _converse(assistant.base_url, session_id, ["What are MSCs?"])
    status, tracker = assistant.request(
        "GET", f"/conversations/{session_id}/tracker", token=assistant.token
    )
    assert status == 200
    user_texts = [e["text"] for e in tracker["events"] if e["event"] == "user"]
    assert user_texts == ["hello", "What are MSCs?"]


def test_malformed_socketio_events_get_a_short_error_and_the_session_goes_on(assistant) -> None:
    from bot.channels.socketio import UNREADABLE
    from bot.content import text as response_text

    client = socketio.Client(reconnection=False)
    received: list[dict] = []
    confirmed: list[object] = []
    got = threading.Event()

    @client.on("bot_uttered")
    def on_bot_uttered(data: dict) -> None:
        received.append(data)
        got.set()

    @client.on("session_confirm")
    def on_session_confirm(data: object) -> None:
        confirmed.append(data)
        got.set()

    client.connect(assistant.base_url, socketio_path="/socket.io", transports=["polling"])
    try:
        # A broken session request still gets a fresh, usable session id.
        client.emit("session_request", {"session_id": ["not", "a", "string"]})
        assert got.wait(20)
        session_id = confirmed[-1]
        assert isinstance(session_id, str) and session_id
        bad_events = [
            "just a string",
            {"message": 123, "session_id": session_id},
            {"message": "hi", "session_id": {"$ne": None}},
            {"message": "hi"},
            {"message": "hi", "session_id": session_id, "customData": "{not json"},
            {"message": "x" * 25_000, "session_id": session_id},
        ]
        for data in bad_events:
            got.clear()
            client.emit("user_uttered", data)
            assert got.wait(20), data
            assert received[-1]["text"] == response_text(UNREADABLE), data
        got.clear()
        client.emit("user_uttered", {"message": "What does it cost?", "session_id": session_id})
        assert got.wait(30)
        time.sleep(1.0)
        assert "7,000" in received[-1].get("text", "") or any(
            "7,000" in r.get("text", "") for r in received
        )
    finally:
        client.disconnect()
