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

import aiohttp

from bot.settings import load_settings


def health_url() -> str:
    """The action server's health endpoint, beside the webhook Rasa calls."""
    webhook = os.environ.get("ACTION_ENDPOINT_URL") or load_settings().action_endpoint_url
    return webhook.rsplit("/webhook", 1)[0] + "/health"


async def action_server_answers() -> bool:
    """True when the action server answered its health check within the timeout.

    Asked for every message (a loopback request of about a millisecond): a cached "yes"
    would let the next message wait for a server that has just hung.
    """
    timeout = aiohttp.ClientTimeout(total=load_settings().action_timeout_seconds)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session, session.get(
            health_url()
        ) as response:
            return response.status == 200
    # asyncio.TimeoutError is not the builtin TimeoutError before Python 3.11.
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
        return False
