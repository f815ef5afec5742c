"""What every channel does with a user message before and after Rasa handles it.

One composition for all connectors (REST, socket.io, and later Telegram and WhatsApp),
so none of them can forget a step, in this order:

1. Emergencies first. A red flag is never rate-limited, never read as a button payload
   (it goes through the NLU rules, which answer it with the guidance and flag it), and
   still answered while the conversation is with an advisor (Rasa answers nothing then).
2. The per-sender rate limit, with a polite reply.
3. Typed text after a "/" is read as text unless it is a real payload.
"""

from __future__ import annotations

from typing import Any

from rasa.core.channels.channel import UserMessage

from bot.channels.limits import OnNewMessage, limit_per_sender
from bot.channels.payloads import as_text_unless_payload
from bot.handoff.emergencies import guidance_while_handed_off
from bot.safety.red_flags import detect_red_flag
from bot.settings import load_settings


def _read_payloads(on_new_message: OnNewMessage) -> OnNewMessage:
    async def handle(message: UserMessage) -> Any:
        if message.text:
            message.text = as_text_unless_payload(message.text)
        return await on_new_message(message)

    return handle


def guarded(on_new_message: OnNewMessage) -> OnNewMessage:
    """``on_new_message`` with emergencies first, then the rate limit and payload check."""
    routine = limit_per_sender(_read_payloads(on_new_message))

    async def handle(message: UserMessage) -> Any:
        text = message.text or ""
        if detect_red_flag(text) is None:
            return await routine(message)
        # A slash must not make Rasa skip the NLU rules that answer the emergency.
        message.text = text.lstrip("/").lstrip()
        result = await on_new_message(message)
        guidance = guidance_while_handed_off(load_settings().database_url, message.sender_id, text)
        if guidance is not None:
            await message.output_channel.send_text_message(message.sender_id, guidance)
        return result

    return handle
