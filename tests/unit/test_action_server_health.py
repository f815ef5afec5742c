"""The channels' health check of the action server."""

from __future__ import annotations

import socket

import pytest

from bot.channels.action_server import action_server_answers, health_check


@pytest.fixture(autouse=True)
def fresh_check():
    # Each test configures its own action server; the process caches the first one.
    health_check.cache_clear()
    yield
    health_check.cache_clear()


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
