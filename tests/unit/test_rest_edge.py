"""The REST channel beyond loopback: a bearer token, or no REST channel at all.

A real Sanic server on a free loopback port serves the channel's blueprint, configured
by the environment as the Rasa server would be; ``RASA_INTERFACE`` only tells the
channel where the real server would listen.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from rasa.core.channels.channel import UserMessage
from sanic import Sanic

from bot.channels.rest import ValidatedRestInput
from bot.processes.stack import free_port

TOKEN = "t0ken-" + "x" * 40
Post = Callable[..., Awaitable[tuple[int, Any, dict[str, str]]]]


async def _always() -> bool:
    return True


@pytest.fixture
async def rest_channel(monkeypatch) -> AsyncIterator[tuple[Post, list[UserMessage]]]:
    """Start the channel once the test has set its environment (call ``start()``)."""
    # No action server runs here; its health check is not what these tests are about.
    monkeypatch.setattr("bot.channels.guards.action_server_answers", _always)
    received: list[UserMessage] = []
    servers: list[Any] = []

    async def on_new_message(message: UserMessage) -> None:
        received.append(message)
        await message.output_channel.send_text_message(message.sender_id, "hello back")

    async def post(body: Any, headers: dict[str, str] | None = None) -> tuple[int, Any, dict]:
        if not servers:
            app = Sanic(f"rest_edge_{uuid.uuid4().hex}")
            app.blueprint(
                ValidatedRestInput().blueprint(on_new_message), url_prefix="/webhooks/rest"
            )
            port = free_port()
            server = await app.create_server(
                host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
            )
            await server.startup()
            servers.append((server, port))
        _server, port = servers[0]
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/webhooks/rest/webhook",
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        def call() -> tuple[int, Any, dict[str, str]]:
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    return response.status, json.loads(response.read()), dict(response.headers)
            except urllib.error.HTTPError as error:
                return error.code, error.read().decode(errors="replace"), dict(error.headers)

        return await asyncio.get_running_loop().run_in_executor(None, call)

    # Sanic 21.12 rewrites its request handling at each start; test mode keeps the
    # original, so that more than one app can start in this process.
    monkeypatch.setattr(Sanic, "test_mode", True)
    monkeypatch.delenv("REST_CHANNEL_TOKEN", raising=False)
    yield post, received
    for server, _port in servers:
        server.close()
        await server.wait_closed()


MESSAGE = {"sender": "anna", "message": "What is RA?"}


async def test_on_loopback_the_channel_stays_open(rest_channel, monkeypatch) -> None:
    post, received = rest_channel
    monkeypatch.setenv("RASA_INTERFACE", "127.0.0.1")
    status, replies, _headers = await post(MESSAGE)
    assert status == 200
    assert replies == [{"recipient_id": "anna", "text": "hello back"}]
    assert [m.text for m in received] == ["What is RA?"]


async def test_beyond_loopback_without_a_token_the_channel_is_off(
    rest_channel, monkeypatch
) -> None:
    post, received = rest_channel
    monkeypatch.setenv("RASA_INTERFACE", "0.0.0.0")
    status, text, _headers = await post(MESSAGE)
    assert status == 403
    assert "REST channel is off" in text
    assert received == []


@pytest.mark.parametrize(
    "authorization",
    [None, "", f"Basic {TOKEN}", "Bearer", "Bearer wrong-token", f"Bearer {TOKEN[:-1]}"],
)
async def test_beyond_loopback_a_missing_or_wrong_token_is_refused(
    rest_channel, monkeypatch, authorization: str | None
) -> None:
    post, received = rest_channel
    monkeypatch.setenv("RASA_INTERFACE", "0.0.0.0")
    monkeypatch.setenv("REST_CHANNEL_TOKEN", TOKEN)
    headers = {} if authorization is None else {"Authorization": authorization}
    status, _text, response_headers = await post(MESSAGE, headers)
    assert status == 401
    assert response_headers.get("WWW-Authenticate", "").startswith("Bearer")
    assert received == []


async def test_beyond_loopback_the_right_token_is_let_through(rest_channel, monkeypatch) -> None:
    post, received = rest_channel
    monkeypatch.setenv("RASA_INTERFACE", "0.0.0.0")
    monkeypatch.setenv("REST_CHANNEL_TOKEN", TOKEN)
    status, replies, _headers = await post(MESSAGE, {"Authorization": f"Bearer {TOKEN}"})
    assert status == 200
    assert replies == [{"recipient_id": "anna", "text": "hello back"}]
    assert [(m.sender_id, m.text, m.input_channel) for m in received] == [
        ("anna", "What is RA?", "rest")
    ]
