"""Whether the action server answers, asked before a message is handed to Rasa.

Rasa waits for a hung action server until its own request timeout (about a minute) and
then answers nothing, and a form loses the answer it was given. The channels ask first,
with a short timeout: when the action server does not answer, the patient hears at
once that the assistant is unavailable (with the emergency numbers), the message is not
processed, so no form answer is lost, and an emergency is answered without Rasa.

Under load the question itself used to fail (issue 15's benchmark: at 50 users one
health request per message queued behind the action server's own work, timed out and
turned patients away from a server that was answering). Now the messages of a process
share one health request at a time, and an answer to any action Rasa calls meanwhile
(noted by ``components.action_server_liveness``) settles it at once: a busy server keeps
answering actions, a hung one answers nothing. No "yes" is cached beyond the check it
answered, so a server that has just hung is still found before the next message.
"""

from __future__ import annotations

import asyncio
import os
import weakref
from functools import lru_cache

import aiohttp

from bot.settings import load_settings

_in_flight: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task[bool]] = (
    weakref.WeakKeyDictionary()
)
_awaiting_answer: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Future[bool]] = (
    weakref.WeakKeyDictionary()
)


@lru_cache(maxsize=1)
def health_check() -> tuple[str, aiohttp.ClientTimeout]:
    """The action server's health endpoint (beside the webhook Rasa calls) and how long
    to wait for it; read once per process, like the rate limits, not per message."""
    settings = load_settings()
    webhook = os.environ.get("ACTION_ENDPOINT_URL") or settings.action_endpoint_url
    url = webhook.rsplit("/webhook", 1)[0] + "/health"
    return url, aiohttp.ClientTimeout(total=settings.action_timeout_seconds)


def note_answer() -> None:
    """Record that the action server has just answered an action: the check in flight
    on this event loop, if any, is settled as "answering"."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return
    waiting = _awaiting_answer.pop(loop, None)
    if waiting is not None and not waiting.done():
        waiting.set_result(True)


async def action_server_answers() -> bool:
    """True when the action server answers its health check within the timeout, or
    answers one of Rasa's action calls before that."""
    loop = asyncio.get_running_loop()
    check = _in_flight.get(loop)
    if check is None or check.done():
        check = loop.create_task(_check(loop))
        _in_flight[loop] = check
    # Shielded: a patient who gives up waiting must not cancel the others' check.
    return await asyncio.shield(check)


async def _check(loop: asyncio.AbstractEventLoop) -> bool:
    answered: asyncio.Future[bool] = loop.create_future()
    _awaiting_answer[loop] = answered
    health = loop.create_task(_ask_health())
    try:
        await asyncio.wait({answered, health}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        if _awaiting_answer.get(loop) is answered:
            del _awaiting_answer[loop]
        health.cancel()
        answered.cancel()
    return (answered.done() and not answered.cancelled()) or (
        health.done() and not health.cancelled() and health.result()
    )


async def _ask_health() -> bool:
    url, timeout = health_check()
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url) as response:
            return response.status == 200
    # asyncio.TimeoutError is not the builtin TimeoutError before Python 3.11.
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
        return False
