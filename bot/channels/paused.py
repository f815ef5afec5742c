"""Emergencies still get an answer while a conversation waits for an advisor.

A paused Rasa conversation records messages but answers none (rasa#8119), so during a
handoff the NLU pipeline's red-flag rule would have no effect. This wrapper runs after
Rasa and, when the message is a red flag and the conversation is handed off, sends the
emergency guidance itself and flags the message for staff.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

import yaml
from rasa.core.channels.channel import UserMessage

from bot.channels.limits import OnNewMessage
from bot.handoff.queue import current_handoff
from bot.safety.flags import flag_emergency
from bot.safety.red_flags import detect_red_flag
from bot.settings import PROJECT_ROOT, load_settings

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def emergency_text() -> str:
    """The domain's emergency guidance (one text for every state)."""
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    return domain["responses"]["utter_emergency"][0]["text"]


def answer_emergencies_while_paused(on_new_message: OnNewMessage) -> OnNewMessage:
    """``on_new_message``, then the emergency guidance if a handed-off user needs it."""

    async def handle(message: UserMessage) -> Any:
        result = await on_new_message(message)
        flag = detect_red_flag(message.text or "")
        if flag is None:
            return result
        database_url = load_settings().database_url
        try:
            handed_off = current_handoff(database_url, message.sender_id) is not None
            if handed_off:
                flag_emergency(database_url, message.sender_id, flag.category, "rule")
        except Exception as exc:  # noqa: BLE001 - guidance must go out even if the DB fails
            logger.error("checking a handoff failed: %s", type(exc).__name__)
            handed_off = True  # better a repeated warning than none
        if handed_off:
            await message.output_channel.send_text_message(message.sender_id, emergency_text())
        return result

    return handle
