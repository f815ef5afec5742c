"""A small client of Telegram's Bot API: JSON POSTs to ``{api_base}/bot{token}/{method}``.

Rasa 3.6's own connector is built on aiogram 2.15, which predates the webhook's
``secret_token`` and cannot point at another API base (a local Bot API server, or the
tests' fake). The few methods the channel needs are plain HTTP calls; aiohttp comes
with Rasa.

The token is part of every URL, so nothing here logs a URL or an exception's text:
failures are logged with the method, the HTTP status and the error's type name only
(``masked`` is there for anything that must show a URL). A failure never raises: the
patient's conversation goes on, and the log tells the operator.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp

logger = logging.getLogger(__name__)

# Long enough for Telegram on a slow day, short enough that a stuck call does not hold
# up the webhook's answer (Telegram redelivers an update it gets no answer to).
TIMEOUT_SECONDS = 10.0
MASK = "<bot-token>"


def masked(text: str, token: str) -> str:
    """``text`` (a URL, usually) with the bot token replaced."""
    return text.replace(token, MASK) if token else text


class TelegramApi:
    """Calls Bot API methods for one bot."""

    def __init__(self, token: str, api_base: str, timeout: float = TIMEOUT_SECONDS) -> None:
        self.token = token
        self.api_base = api_base.rstrip("/")
        self.timeout = timeout

    def method_url(self, method: str) -> str:
        """The URL of ``method`` (it holds the token: never log it unmasked)."""
        return f"{self.api_base}/bot{self.token}/{method}"

    async def call(self, method: str, payload: dict[str, Any]) -> Any:
        """The method's ``result``, or None when the call failed (logged)."""
        # One session per call: output channels are created per update and by Rasa's
        # HTTP API, with nothing that would close a longer-lived session; the calls
        # are few (one per message), so a fresh connection costs little.
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.post(self.method_url(method), json=payload) as response,
            ):
                status = response.status
                try:
                    body = await response.json(content_type=None)
                except ValueError:
                    body = None
        except Exception as exc:  # noqa: BLE001 - network, timeout, TLS: log, go on
            logger.error("Telegram %s failed: %s", method, type(exc).__name__)
            return None
        if not (200 <= status < 300) or not isinstance(body, dict) or body.get("ok") is not True:
            # The description may quote what was sent; the status and code say enough.
            code = body.get("error_code") if isinstance(body, dict) else None
            logger.error("Telegram %s failed: HTTP %s (error_code %s)", method, status, code)
            return None
        logger.debug("Telegram %s: ok", method)
        return body.get("result")
