"""What every channel does with a user message before and after Rasa handles it.

One composition for all connectors (REST, socket.io, and later Telegram and WhatsApp),
so none of them can forget a step, in this order:

1. Emergencies first. A red flag is never rate-limited, never read as a button payload
   (it goes through the NLU rules, which answer it with the guidance and flag it), and
   still answered while the conversation is with an advisor (Rasa answers nothing then).
2. The per-sender rate limit, with a polite reply.
3. Typed text after a "/" is read as text unless it is a real payload.
4. "Stop waiting" during a handoff hands the conversation back to the assistant, even
   while it is paused (``bot.channels.leaving``).
5. When the action server does not answer, the patient hears so at once, with the
   emergency numbers; the message is not processed (a form keeps its question), and an
   emergency is answered and flagged without Rasa, which would wait for the actions.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.core.channels.channel import UserMessage

from bot.action_server_health import action_server_answers
from bot.channels.leaving import leave_handoffs_on_request
from bot.channels.limits import OnNewMessage, limit_per_sender
from bot.channels.payloads import as_text_unless_payload
from bot.content import text as response_text
from bot.handoff.emergencies import guidance_while_handed_off
from bot.safety.flags import flag_emergency
from bot.safety.red_flags import RedFlag, detect_red_flag
from bot.settings import load_settings

logger = logging.getLogger(__name__)

UNAVAILABLE = "utter_service_unavailable"


def _read_payloads(on_new_message: OnNewMessage) -> OnNewMessage:
    async def handle(message: UserMessage) -> Any:
        if message.text:
            message.text = as_text_unless_payload(message.text)
        return await on_new_message(message)

    return handle


def _when_actions_answer(on_new_message: OnNewMessage) -> OnNewMessage:
    async def handle(message: UserMessage) -> Any:
        if await action_server_answers():
            return await on_new_message(message)
        logger.error("the action server does not answer; a message was turned away")
        unavailable = response_text(
            UNAVAILABLE, clinic_contact=load_settings().handoff.clinic_contact
        )
        await message.output_channel.send_text_message(message.sender_id, unavailable)
        return None

    return handle


async def _answer_emergency_without_rasa(message: UserMessage, flag: RedFlag) -> None:
    await message.output_channel.send_text_message(message.sender_id, response_text(flag.response))
    try:
        flag_emergency(load_settings().database_url, message.sender_id, flag.category, "rule")
    except Exception as exc:  # noqa: BLE001 - the guidance has gone out; log for staff
        logger.error("flagging an emergency failed: %s", type(exc).__name__)


def guarded(on_new_message: OnNewMessage) -> OnNewMessage:
    """``on_new_message`` with emergencies first, then the rate limit, the payload check
    and the action server's health."""
    routine = limit_per_sender(
        _read_payloads(leave_handoffs_on_request(_when_actions_answer(on_new_message)))
    )

    async def handle(message: UserMessage) -> Any:
        text = message.text or ""
        flag = detect_red_flag(text)
        if flag is None:
            return await routine(message)
        if not await action_server_answers():
            await _answer_emergency_without_rasa(message, flag)
            return None
        # A slash must not make Rasa skip the NLU rules that answer the emergency.
        message.text = text.lstrip("/").lstrip()
        result = await on_new_message(message)
        guidance = guidance_while_handed_off(load_settings().database_url, message.sender_id, text)
        if guidance is not None:
            await message.output_channel.send_text_message(message.sender_id, guidance)
        return result

    return handle
