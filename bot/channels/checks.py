"""Checks of what a client sends, shared by the channels: a clear error, never a crash."""

from __future__ import annotations

import json
from typing import Any

from bot.safety.red_flags import red_flag_excerpt

MAX_SENDER_CHARS = 128
# Long enough for a patient's whole story (the assistant then asks for the main
# question); anything bigger is not a chat message.
MAX_MESSAGE_CHARS = 20_000


class BadInput(ValueError):
    """The client sent something the channel cannot take; the text says what."""

    def __init__(self, text: str, *, too_large: bool = False) -> None:
        super().__init__(text)
        self.too_large = too_large


def checked_sender(value: Any, field: str = "sender") -> str:
    """The conversation id: a non-empty string of reasonable length."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_SENDER_CHARS:
        raise BadInput(
            f"'{field}' must be a non-empty string of at most {MAX_SENDER_CHARS} characters"
        )
    return value


def checked_message(value: Any) -> str:
    """The message text: a string, at most ``MAX_MESSAGE_CHARS`` long.

    A longer message is refused, unless it holds an emergency: then the part around
    the red flag goes on, so that the emergency is answered all the same.
    """
    if not isinstance(value, str):
        raise BadInput("'message' must be a string")
    if len(value) > MAX_MESSAGE_CHARS:
        excerpt = red_flag_excerpt(value)
        if excerpt is None:
            raise BadInput(
                f"'message' is longer than {MAX_MESSAGE_CHARS} characters", too_large=True
            )
        return excerpt
    return value


def checked_metadata(value: Any, field: str = "metadata") -> dict[str, Any] | None:
    """Optional metadata: a JSON object, or a string holding one (socket.io clients)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise BadInput(f"'{field}' must be a JSON object") from exc
    if value is not None and not isinstance(value, dict):
        raise BadInput(f"'{field}' must be a JSON object")
    return value
