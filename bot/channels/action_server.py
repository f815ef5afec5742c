"""Whether the action server answers, asked before a message is handed to Rasa.

Rasa waits for a hung action server until its own request timeout (about a minute) and
then answers nothing, and a form loses the answer it was given. The channels ask first,
with a short timeout: when the action server does not answer, the patient hears at
once that the assistant is unavailable (with the emergency numbers), the message is not
processed, so no form answer is lost, and an emergency is answered without Rasa.
"""

from __future__ import annotations

import asyncio
import os
from functools import lru_cache

import aiohttp

from bot.settings import load_settings


@lru_cache(maxsize=1)
def health_check() -> tuple[str, aiohttp.ClientTimeout]:
    """The action server's health endpoint (beside the webhook Rasa calls) and how long
    to wait for it; read once per process, like the rate limits, not per message."""
    settings = load_settings()
    webhook = os.environ.get("ACTION_ENDPOINT_URL") or settings.action_endpoint_url
    url = webhook.rsplit("/webhook", 1)[0] + "/health"
    return url, aiohttp.ClientTimeout(total=settings.action_timeout_seconds)


async def action_server_answers() -> bool:
    """True when the action server answered its health check within the timeout.

    Asked for every message (a loopback request of about a millisecond): a cached "yes"
    would let the next message wait for a server that has just hung.
    """
    url, timeout = health_check()
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url) as response:
            return response.status == 200
    # asyncio.TimeoutError is not the builtin TimeoutError before Python 3.11.
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
        return False
