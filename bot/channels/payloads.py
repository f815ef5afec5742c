"""Only real button payloads skip the NLU pipeline; anything else after a "/" is text.

Rasa treats every message starting with "/" as a payload and skips the NLU pipeline,
red-flag rules included ("/restart I can't breathe" or "/greet{I can't breathe}" would
never be seen as an emergency). A payload is ``/intent`` or ``/intent{"slot": "value"}``
with an intent and slots the domain knows; everything else loses the slash and is read
as text.
"""

from __future__ import annotations

import json
import re

from bot.domain_schema import known_intents, known_slots

_PAYLOAD = re.compile(r"^/(?P<intent>[A-Za-z_]\w*)(?:/\w+)?(?P<values>\{.*\})?\s*$", re.DOTALL)


def is_payload(text: str) -> bool:
    """Whether ``text`` is a well-formed payload of a known intent and known slots."""
    match = _PAYLOAD.match(text)
    if not match or match["intent"] not in known_intents():
        return False
    if match["values"] is None:
        return True
    try:
        values = json.loads(match["values"])
    except ValueError:
        return False
    return isinstance(values, dict) and set(values) <= known_slots()


def as_text_unless_payload(text: str) -> str:
    """``text`` unchanged if it is a payload or starts with no slash; else without it."""
    if not text.startswith("/") or is_payload(text):
        return text
    return text.lstrip("/").lstrip()
