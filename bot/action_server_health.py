"""Whether the action server answers, asked before a message is handed to Rasa.

Rasa waits for a hung action server until its own request timeout (about a minute) and
then answers nothing, and a form loses the answer it was given. The channels ask first,
with a short timeout: when the action server does not answer, the patient hears at
once that the assistant is unavailable (with the emergency numbers), the message is not
processed, so no form answer is lost, and an emergency is answered without Rasa.

Under load the question itself became the failure (issue 15's benchmark: at 50 users
one health request per message queued behind the action server's own work, timed out
and turned patients away from a server that was answering). So the evidence is shared:
an answer of the action server (a health check, or an action call Rasa made, noted by
``components.action_server_liveness``) counts for ``FRESH_SECONDS``, and while one
health request is on its way every other message waits for that one instead of
sending its own.
"""

from __future__ import annotations

import asyncio
import math
import os
import time
import weakref
from functools import lru_cache

import aiohttp

from bot.settings import load_settings

# Short enough that a server which has just hung is found before most patients' next
# message; long enough that a busy server's steady answers keep it "answering".
FRESH_SECONDS = 2.0

_last_answer = -math.inf
_in_flight: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task[bool]] = (
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
    """Record that the action server has just answered (a health check or an action)."""
    global _last_answer
    _last_answer = time.monotonic()


def forget_answers() -> None:
    """Forget every earlier answer, so the next question asks the server (for tests and
    for a process whose action server was just restarted)."""
    global _last_answer
    _last_answer = -math.inf


async def action_server_answers() -> bool:
    """True when the action server answered within the last ``FRESH_SECONDS`` or
    answers its health check now, within the timeout."""
    if time.monotonic() - _last_answer < FRESH_SECONDS:
        return True
    loop = asyncio.get_running_loop()
    check = _in_flight.get(loop)
    if check is None or check.done():
        check = loop.create_task(_ask_health())
        _in_flight[loop] = check
    # Shielded: a patient who gives up waiting must not cancel the others' check.
    return await asyncio.shield(check)


async def _ask_health() -> bool:
    url, timeout = health_check()
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url) as response:
            answered = response.status == 200
    # asyncio.TimeoutError is not the builtin TimeoutError before Python 3.11.
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
        return False
    if answered:
        note_answer()
    return answered
