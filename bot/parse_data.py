"""Reading a message's NLU result (Rasa's ``parse_data``) as actions receive it."""

from __future__ import annotations

from typing import Any


def faq_key(parse_data: dict[str, Any]) -> str | None:
    """The FAQ the response selector chose (``faq/<topic>``), if any."""
    selector = (parse_data.get("response_selector") or {}).get("faq") or {}
    return (selector.get("response") or {}).get("intent_response_key")
