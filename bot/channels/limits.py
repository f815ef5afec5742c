"""Applies the rate limits to a channel's messages, with a polite reply.

Two allowances: per sender (the conversation id, which the client chooses) and, larger,
per client address, so that a client cannot escape the limit by rotating conversation
ids. The channel finds the address (``bot.client_address``) and hands it over
in memory only: ``remember_client_address`` for the current request or event, copied
by ``with_client_address`` onto the ``UserMessage`` object as an attribute. It is never
put into the message's metadata, which Rasa stores with the conversation.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

from rasa.core.channels.channel import UserMessage

from bot.client_address import limit_key
from bot.content import text
from bot.safety.rate_limit import RATE_LIMITED, RateLimiter
from bot.settings import load_settings

logger = logging.getLogger(__name__)


OnNewMessage = Callable[[UserMessage], Awaitable[Any]]

# The attribute of a UserMessage that holds the client's address (in memory only).
CLIENT_ADDRESS = "client_address"

# The address of the request or socket.io event being handled (asyncio tasks copy it).
_current_address: ContextVar[str | None] = ContextVar("client_address", default=None)


def set_client_address(address: str | None) -> None:
    """The client address of the request being handled (its whole task)."""
    _current_address.set(address)


@contextmanager
def remember_client_address(address: str | None) -> Iterator[None]:
    """The client address while the block handles one event."""
    token = _current_address.set(address)
    try:
        yield
    finally:
        _current_address.reset(token)


def with_client_address(on_new_message: OnNewMessage) -> OnNewMessage:
    """``on_new_message`` for messages that carry the remembered client address."""

    async def handle(message: UserMessage) -> Any:
        setattr(message, CLIENT_ADDRESS, _current_address.get())
        return await on_new_message(message)

    return handle


def client_address_of(message: UserMessage) -> str | None:
    address = getattr(message, CLIENT_ADDRESS, None)
    return address if isinstance(address, str) and address else None


@lru_cache(maxsize=1)
def shared_limiter() -> RateLimiter:
    """One per-sender limiter per server process, shared by all channels."""
    settings = load_settings()
    return RateLimiter(settings.rate_limit_burst, settings.rate_limit_per_minute)


@lru_cache(maxsize=1)
def shared_address_limiter() -> RateLimiter:
    """One per-address limiter per server process, shared by all channels."""
    settings = load_settings()
    return RateLimiter(settings.rate_limit_address_burst, settings.rate_limit_address_per_minute)


def limit_per_sender(
    on_new_message: OnNewMessage,
    limiter: RateLimiter | None = None,
    address_limiter: RateLimiter | None = None,
) -> OnNewMessage:
    """``on_new_message`` for senders (and client addresses) within their limits; a
    polite reply for the others."""

    async def handle(message: UserMessage) -> Any:
        # `is None`, not `or`: a limiter that tracks nobody yet has len() 0, so is falsy.
        senders = shared_limiter() if limiter is None else limiter
        addresses = shared_address_limiter() if address_limiter is None else address_limiter
        address = client_address_of(message)
        bucket = limit_key(address) if address is not None else None
        over = None
        if not senders.allow(message.sender_id):
            over = "sender"
        elif bucket is not None and not addresses.allow(bucket):
            over = "address"
        if over is None:
            return await on_new_message(message)
        # The message is not processed; the sender is told to send it again. The log
        # names the limit, never the address (personal data).
        logger.info("rate limit (%s): a message was turned away (%s)", over, message.input_channel)
        await message.output_channel.send_text_message(message.sender_id, text(RATE_LIMITED))
        return None

    return handle
