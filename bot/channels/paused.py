"""Sends the emergency guidance to a user whose conversation is handed off.

Rasa answers nothing while a conversation is paused; this wrapper runs after Rasa has
recorded the message and asks the handoff domain whether the guidance is due
(``bot.handoff.emergencies``).
"""

from __future__ import annotations

from typing import Any

from rasa.core.channels.channel import UserMessage

from bot.channels.limits import OnNewMessage
from bot.handoff.emergencies import guidance_while_handed_off
from bot.settings import load_settings


def answer_emergencies_while_paused(on_new_message: OnNewMessage) -> OnNewMessage:
    """``on_new_message``, then the emergency guidance if a handed-off user needs it."""

    async def handle(message: UserMessage) -> Any:
        result = await on_new_message(message)
        guidance = guidance_while_handed_off(
            load_settings().database_url, message.sender_id, message.text or ""
        )
        if guidance is not None:
            await message.output_channel.send_text_message(message.sender_id, guidance)
        return result

    return handle
