"""The channels' health check of the action server."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from bot import action_server_health as action_server
from bot.action_server_health import action_server_answers, health_check
from tests.fakes.loopback import serving


@pytest.fixture(autouse=True)
def fresh_check():
    # Each test configures its own action server; the process caches the first one.
    health_check.cache_clear()
    yield
    health_check.cache_clear()


class HealthServer:
    """A loopback action server's /health that counts its requests; ``delay`` slows it,
    ``hung`` makes it never answer."""

    def __init__(self) -> None:
        self.requests = 0
        self.delay = 0.0
        self.hung = False
        self.url = ""

    async def health(self, request: web.Request) -> web.Response:
        self.requests += 1
        if self.hung:
            await asyncio.sleep(3600)
        await asyncio.sleep(self.delay)
        return web.json_response({"status": "ok"})


@pytest.fixture
async def server(monkeypatch) -> AsyncIterator[HealthServer]:
    health = HealthServer()
    app = web.Application()
    app.router.add_get("/health", health.health)
    async with serving(app) as base_url:
        monkeypatch.setenv("ACTION_ENDPOINT_URL", f"{base_url}/webhook")
        monkeypatch.setenv("ACTION_TIMEOUT_SECONDS", "1")
        yield health


def test_the_health_endpoint_sits_beside_the_webhook(monkeypatch) -> None:
    monkeypatch.setenv("ACTION_ENDPOINT_URL", "http://127.0.0.1:5055/webhook")
    assert health_check()[0] == "http://127.0.0.1:5055/health"


async def test_a_server_that_accepts_but_never_answers_counts_as_down(monkeypatch) -> None:
    # Like a stopped (SIGSTOP) action server: the kernel accepts, nobody replies.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    monkeypatch.setenv("ACTION_ENDPOINT_URL", f"http://127.0.0.1:{silent.getsockname()[1]}/webhook")
    monkeypatch.setenv("ACTION_TIMEOUT_SECONDS", "1")
    try:
        assert await action_server_answers() is False
    finally:
        silent.close()


async def test_nothing_listening_counts_as_down(monkeypatch) -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    monkeypatch.setenv("ACTION_ENDPOINT_URL", f"http://127.0.0.1:{port}/webhook")
    assert await action_server_answers() is False


async def test_messages_arriving_together_share_one_health_request(server) -> None:
    server.delay = 0.3
    answers = await asyncio.gather(*(action_server_answers() for _ in range(50)))
    assert answers == [True] * 50
    assert server.requests == 1


async def test_every_message_asks_again(server) -> None:
    # No cached "yes": a server that hung since the last message must be found.
    assert await action_server_answers() is True
    assert await action_server_answers() is True
    assert server.requests == 2


async def test_an_action_answered_meanwhile_settles_the_check(server) -> None:
    # A busy server answers Rasa's action calls but its health request waits in line.
    server.hung = True
    check = asyncio.ensure_future(action_server_answers())
    await asyncio.sleep(0.1)
    action_server.note_answer()
    assert await asyncio.wait_for(check, timeout=0.5) is True


async def test_a_server_that_hangs_is_found_at_the_next_message(server) -> None:
    assert await action_server_answers() is True
    server.hung = True
    assert await action_server_answers() is False


async def test_an_answer_before_the_check_does_not_count(server) -> None:
    action_server.note_answer()
    server.hung = True
    assert await action_server_answers() is False


async def test_a_waiter_that_gives_up_does_not_cancel_the_others_check(server) -> None:
    server.delay = 0.3
    impatient = asyncio.ensure_future(action_server_answers())
    patient = asyncio.ensure_future(action_server_answers())
    await asyncio.sleep(0.05)
    impatient.cancel()
    assert await patient is True
    assert server.requests == 1
