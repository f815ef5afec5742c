"""The web widget's channel: socket.io with session persistence."""

from __future__ import annotations

import asyncio
import uuid

import socketio


async def _converse(base_url: str, session_id: str, messages: list[str]) -> list[dict]:
    """Connect, claim ``session_id``, send ``messages``; return what the bot uttered."""
    client = socketio.AsyncClient(reconnection=False)
    received: list[dict] = []
    got_reply = asyncio.Event()
    confirmed = asyncio.Event()

    @client.on("bot_uttered")
    async def on_bot_uttered(data: dict) -> None:
        received.append(data)
        got_reply.set()

    @client.on("session_confirm")
    async def on_session_confirm(_data: object) -> None:
        confirmed.set()

    await client.connect(base_url, socketio_path="/socket.io", transports=["websocket"])
    try:
        await client.emit("session_request", {"session_id": session_id})
        await asyncio.wait_for(confirmed.wait(), 20)
        for message in messages:
            got_reply.clear()
            await client.emit("user_uttered", {"message": message, "session_id": session_id})
            await asyncio.wait_for(got_reply.wait(), 30)
            await asyncio.sleep(0.5)  # a reply may come in several parts
    finally:
        await client.disconnect()
    return received


async def test_a_question_over_socketio_gets_the_answer(assistant) -> None:
    replies = await _converse(assistant.base_url, uuid.uuid4().hex, ["What does it cost?"])
    assert any("7,000" in r.get("text", "") for r in replies)
    assert any(r.get("quick_replies") or r.get("buttons") for r in replies)


async def test_reconnecting_with_the_same_session_id_continues_the_conversation(assistant) -> None:
    session_id = uuid.uuid4().hex
    await _converse(assistant.base_url, session_id, ["hello"])
    await _converse(assistant.base_url, session_id, ["What are MSCs?"])
    status, tracker = assistant.request(
        "GET", f"/conversations/{session_id}/tracker", token=assistant.token
    )
    assert status == 200
    user_texts = [e["text"] for e in tracker["events"] if e["event"] == "user"]
    assert user_texts == ["hello", "What are MSCs?"]
