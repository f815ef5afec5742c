"""Rasa's calls of custom actions count as the action server answering."""

from __future__ import annotations

from collections.abc import AsyncIterator

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


@pytest.fixture(autouse=True)
def installed(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(RemoteAction, "run", action_server_liveness.run_noting_answers)
    monkeypatch.setenv("ACTION_ENDPOINT_URL", "http://127.0.0.1:1/webhook")
    action_server.health_check.cache_clear()
    action_server.forget_answers()
    yield
    action_server.health_check.cache_clear()
    action_server.forget_answers()


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
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/webhook"  # type: ignore[union-attr]
    await runner.cleanup()


async def _run(name: str, url: str) -> list:
    action = RemoteAction(name, EndpointConfig(url))
    return await action.run(
        CollectingOutputChannel(),
        TemplatedNaturalLanguageGenerator({}),
        DialogueStateTracker("liveness-test", []),
        Domain.empty(),
    )


async def _counts_as_answering() -> bool:
    # Nothing listens on port 1: only a noted answer can make the check say yes.
    return await action_server.action_server_answers()


async def test_an_answered_action_is_noted(webhook: str) -> None:
    assert await _run("action_answer_faq", webhook) == []
    assert await _counts_as_answering()


async def test_a_rejection_is_an_answer_too(webhook: str) -> None:
    with pytest.raises(ActionExecutionRejection):
        await _run("validate_precheck_form", webhook)
    assert await _counts_as_answering()


async def test_no_answer_is_not_noted() -> None:
    with pytest.raises(RasaException):
        await _run("action_answer_faq", "http://127.0.0.1:1/webhook")
    assert not await _counts_as_answering()


def test_install_replaces_the_method(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RemoteAction, "run", action_server_liveness._ORIGINAL_RUN)
    assert not action_server_liveness.installed()
    action_server_liveness.install()
    assert action_server_liveness.installed()
