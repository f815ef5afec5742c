"""The web widget's channel: socket.io with session persistence.

The client uses HTTP long-polling: the async websocket client of python-engineio needs
a newer aiohttp than Rasa 3.6 pins.
"""

from __future__ import annotations

import threading
import time
import uuid

import socketio


def _converse(
    base_url: str, token: str | None, messages: list[str]
) -> tuple[str, list[dict], list[dict]]:
    """Connect, ask for the session ``token`` proves, send ``messages``; the token the
    server confirmed, what the bot uttered and the history it sent."""
    client = socketio.Client(reconnection=False)
    received: list[dict] = []
    history: list[dict] = []
    got_reply = threading.Event()
    confirmed: list[str] = []
    got_confirm = threading.Event()

    @client.on("bot_uttered")
    def on_bot_uttered(data: dict) -> None:
        received.append(data)
        got_reply.set()

    @client.on("session_confirm")
    def on_session_confirm(data: str) -> None:
        confirmed.append(data)
        got_confirm.set()

    client.on("history", lambda data: history.extend(data["messages"]))
    client.connect(base_url, socketio_path="/socket.io", transports=["polling"])
    try:
        client.emit("session_request", {"session_id": token})
        assert got_confirm.wait(20), "no session_confirm"
        time.sleep(0.5)  # the history follows the confirmation
        for message in messages:
            got_reply.clear()
            client.emit("user_uttered", {"message": message, "session_id": confirmed[0]})
            assert got_reply.wait(30), f"no reply to {message!r}"
            time.sleep(1.0)  # a reply may come in several parts
    finally:
        client.disconnect()
    return confirmed[0], received, history


def _conversation(token: str) -> str:
    return token.rpartition(".")[0]


def _user_texts(assistant, conversation_id: str) -> list[str]:
    status, tracker = assistant.request(
        "GET", f"/conversations/{conversation_id}/tracker", token=assistant.token
    )
    assert status == 200
    return [e["text"] for e in tracker["events"] if e["event"] == "user"]


def test_a_question_over_socketio_gets_the_answer(assistant) -> None:
    _token, replies, _ = _converse(assistant.base_url, None, ["What does it cost?"])
    assert any("7,000" in r.get("text", "") for r in replies)
    assert any(r.get("quick_replies") or r.get("buttons") for r in replies)


def test_the_servers_token_continues_the_conversation_with_its_history(assistant) -> None:
    token, _, history = _converse(assistant.base_url, None, ["hello"])
    assert history == []  # a new conversation has none
    again, replies, history = _converse(assistant.base_url, token, ["What are MSCs?"])
    assert again == token
    assert _user_texts(assistant, _conversation(token)) == ["hello", "What are MSCs?"]
    # A reload shows the conversation so far, before the new message.
    assert history[0] == {"sender": "user", "text": "hello"}
    assert any(m["sender"] == "bot" and m["text"] for m in history[1:])
    assert replies


def test_an_invented_or_altered_session_id_gets_a_fresh_conversation(assistant) -> None:
    victim, _, _ = _converse(assistant.base_url, None, ["hello, my name is Vera"])
    conversation = _conversation(victim)
    signature = victim.rpartition(".")[2]
    forged = [
        uuid.uuid4().hex,  # invented, as Rasa's own widget would
        conversation,  # the id without its signature
        f"{conversation}.{signature[:-2]}AA",  # altered signature
        f"web-someone-else.{signature}",  # a signature copied onto another id
    ]
    for token in forged:
        issued, _, history = _converse(assistant.base_url, token, ["what did I say before?"])
        assert _conversation(issued) != conversation and issued != token
        assert history == []
    # Nothing reached the patient's conversation.
    assert _user_texts(assistant, conversation) == ["hello, my name is Vera"]


def test_a_message_goes_to_the_connections_own_conversation_whatever_it_claims(
    assistant,
) -> None:
    victim, _, _ = _converse(assistant.base_url, None, ["hello"])
    client = socketio.Client(reconnection=False)
    confirmed: list[str] = []
    replied = threading.Event()
    client.on("session_confirm", confirmed.append)
    client.on("bot_uttered", lambda _data: replied.set())
    client.connect(assistant.base_url, socketio_path="/socket.io", transports=["polling"])
    try:
        client.emit("session_request", {"session_id": None})
        deadline = time.monotonic() + 20
        while not confirmed and time.monotonic() < deadline:
            time.sleep(0.05)
        # The victim's own token, copied: the message still goes to this connection's.
        client.emit("user_uttered", {"message": "What are MSCs?", "session_id": victim})
        assert replied.wait(30)
        time.sleep(1.0)
    finally:
        client.disconnect()
    assert _user_texts(assistant, _conversation(victim)) == ["hello"]
    assert _user_texts(assistant, _conversation(confirmed[0])) == ["What are MSCs?"]


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
        # A broken session request still gets a fresh, usable session token.
        client.emit("session_request", {"session_id": ["not", "a", "string"]})
        assert got.wait(20)
        session_id = confirmed[-1]
        assert isinstance(session_id, str) and session_id
        bad_events = [
            "just a string",
            {"message": 123, "session_id": session_id},
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
