"""Emergencies still get an answer while an advisor has the conversation.

A paused Rasa conversation records messages but answers none (rasa#8119), so during a
live handoff the NLU pipeline's red-flag rule has no effect. The channels ask here,
after Rasa has recorded the message, whether to send the guidance themselves. (While a
handoff only waits, the assistant answers as usual, emergencies included.)
"""

from __future__ import annotations

import logging

from bot.content import text
from bot.handoff.queue import is_live
from bot.safety.flags import flag_emergency
from bot.safety.red_flags import detect_red_flag

logger = logging.getLogger(__name__)


def guidance_while_handed_off(database_url: str, conversation_id: str, message: str) -> str | None:
    """The guidance to send if ``message`` is a red flag during a live handoff.

    The message is flagged for staff. If the database cannot tell whether the
    conversation is handed off, the guidance goes out anyway: better a repeated
    warning than none.
    """
    flag = detect_red_flag(message)
    if flag is None:
        return None
    try:
        if not is_live(database_url, conversation_id):
            return None
        flag_emergency(database_url, conversation_id, flag.category, "rule")
    except Exception as exc:  # noqa: BLE001 - guidance must go out even if the DB fails
        logger.error("checking a handoff failed: %s", type(exc).__name__)
    return text(flag.response)
