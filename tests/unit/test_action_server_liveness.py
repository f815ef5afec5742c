"""Rasa's calls of custom actions count as the action server answering."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Awaitable, Iterator

import pytest
from aiohttp import web
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig

from bot import action_server_health as action_server
from components import action_server_liveness
from tests.fakes.loopback import serving


@pytest.fixture(autouse=True)
def installed(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(RemoteAction, "run", action_server_liveness.run_noting_answers)
    action_server.health_check.cache_clear()
    yield
    action_server.health_check.cache_clear()


@pytest.fixture
async def webhook() -> AsyncIterator[str]:
    """An action server that answers one action and rejects another, as rasa-sdk does."""

    async def answer(request: web.Request) -> web.Response:
        body = await request.json()
        if body["next_action"] == "validate_precheck_form":
            return web.json_response(
                {"action_name": body["next_action"], "error": "not this slot"}, status=400
            )
        return web.json_response({"events": [], "responses": []})

    app = web.Application()
    app.router.add_post("/webhook", answer)
    async with serving(app) as base_url:
        yield f"{base_url}/webhook"


async def _run(name: str, url: str) -> list:
    action = RemoteAction(name, EndpointConfig(url))
    return await action.run(
        CollectingOutputChannel(),
        TemplatedNaturalLanguageGenerator({}),
        DialogueStateTracker("liveness-test", []),
        Domain.empty(),
    )


@pytest.fixture
def silent_health(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A health endpoint that accepts and never replies, as a busy server's may."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    monkeypatch.setenv("ACTION_ENDPOINT_URL", f"http://127.0.0.1:{silent.getsockname()[1]}/webhook")
    monkeypatch.setenv("ACTION_TIMEOUT_SECONDS", "1")
    action_server.health_check.cache_clear()
    yield
    silent.close()


async def _settles_a_check(action: Awaitable[list]) -> bool:
    """Whether running ``action`` settles a health check that is waiting meanwhile."""
    check = asyncio.ensure_future(action_server.action_server_answers())
    await asyncio.sleep(0.05)
    with contextlib.suppress(ActionExecutionRejection, RasaException):
        await action
    return await check


async def test_an_answered_action_is_noted(webhook: str, silent_health) -> None:
    assert await _run("action_answer_faq", webhook) == []
    assert await _settles_a_check(_run("action_answer_faq", webhook)) is True


async def test_a_rejection_is_an_answer_too(webhook: str, silent_health) -> None:
    with pytest.raises(ActionExecutionRejection):
        await _run("validate_precheck_form", webhook)
    assert await _settles_a_check(_run("validate_precheck_form", webhook)) is True


async def test_no_answer_is_not_noted(silent_health) -> None:
    with pytest.raises(RasaException):
        await _run("action_answer_faq", "http://127.0.0.1:1/webhook")
    assert await _settles_a_check(_run("action_answer_faq", "http://127.0.0.1:1/webhook")) is False


def test_install_replaces_the_method(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RemoteAction, "run", action_server_liveness._ORIGINAL_RUN)
    assert not action_server_liveness.installed()
    action_server_liveness.install()
    assert action_server_liveness.installed()
