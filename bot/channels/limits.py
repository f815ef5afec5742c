"""Applies the per-sender rate limit to a channel's messages, with a polite reply."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import lru_cache
from typing import Any

from rasa.core.channels.channel import UserMessage

from bot.content import text
from bot.safety.rate_limit import RATE_LIMITED, RateLimiter
from bot.settings import load_settings

logger = logging.getLogger(__name__)


OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


@lru_cache(maxsize=1)
def shared_limiter() -> RateLimiter:
    """One limiter per server process, shared by all channels."""
    settings = load_settings()
    return RateLimiter(settings.rate_limit_burst, settings.rate_limit_per_minute)


def limit_per_sender(
    on_new_message: OnNewMessage, limiter: RateLimiter | None = None
) -> OnNewMessage:
    """``on_new_message`` for senders within their limit; a polite reply for the others."""

    async def handle(message: UserMessage) -> Any:
        active = limiter or shared_limiter()
        if active.allow(message.sender_id):
            return await on_new_message(message)
        # The message is not processed; the sender is told to send it again.
        logger.info("rate limit: a message was turned away (%s)", message.input_channel)
        await message.output_channel.send_text_message(message.sender_id, text(RATE_LIMITED))
        return None

    return handle
