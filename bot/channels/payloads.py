"""Typed text that merely starts with "/" is read as text, not as a button payload.

Rasa treats every message starting with "/" as a payload and skips the NLU pipeline,
red-flag rules included ("/restart I can't breathe" would never be seen as an
emergency). Buttons send short, well-formed payloads (``/intent`` or
``/intent{"entity": ...}``); anything else loses the slash before Rasa sees it.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.core.channels.channel import UserMessage

from bot.channels.limits import OnNewMessage

_PAYLOAD = re.compile(r"^/[A-Za-z_][\w]*(?:/[\w]+)?(?:\{.*\})?\s*$", re.DOTALL)


def as_text_unless_payload(text: str) -> str:
    """``text`` unchanged if it is a well-formed payload or no payload at all."""
    if not text.startswith("/") or _PAYLOAD.match(text):
        return text
    return text.lstrip("/").lstrip()


def read_stray_payloads_as_text(on_new_message: OnNewMessage) -> OnNewMessage:
    """``on_new_message`` with stray slashes removed."""

    async def handle(message: UserMessage) -> Any:
        if message.text:
            message.text = as_text_unless_payload(message.text)
        return await on_new_message(message)

    return handle
