"""Hands the conversation back to the assistant when a patient stops waiting.

A live handoff pauses Rasa, which then answers nothing and would not hear "stop
waiting" either. So the channels catch it: the handoff domain closes the handoff and
tells the advisors (``bot.handoff.leaving``); here the conversation's tracker is
resumed, its handoff slots cleared, and the message and the reply recorded.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    ConversationResumed,
    SlotSet,
    UserUttered,
)
from sanic import Sanic
from sanic.exceptions import SanicException
from sqlalchemy.exc import SQLAlchemyError

from bot.channels.limits import OnNewMessage
from bot.content import text as response_text
from bot.handoff.leaving import leave_handoff, wants_to_leave
from bot.handoff.queue import HANDOFF_CHANNEL_SLOT, HANDOFF_OPEN_SLOT
from bot.settings import load_settings

logger = logging.getLogger(__name__)

LEFT = "utter_handoff_left"
# The Rasa server's Sanic app, with and without its HTTP API (rasa/core/run.py).
RASA_APPS = ("rasa_server", "rasa_core_no_api")


def _agent() -> Agent | None:
    for name in RASA_APPS:
        try:
            return Sanic.get_app(name).ctx.agent
        except (SanicException, AttributeError):
            continue
    return None


async def _resume(sender_id: str, said: str, reply: str) -> None:
    agent = _agent()
    if agent is None or agent.tracker_store is None:
        logger.error("no agent to resume a conversation with")
        return
    async with agent.lock_store.lock(sender_id):
        tracker = await agent.tracker_store.retrieve(sender_id)
        if tracker is None:
            return
        for event in (
            ConversationResumed(),
            SlotSet(HANDOFF_OPEN_SLOT, None),
            SlotSet(HANDOFF_CHANNEL_SLOT, None),
            UserUttered(said),
            BotUttered(reply),
            ActionExecuted("action_listen"),
        ):
            tracker.update(event)
        await agent.tracker_store.save(tracker)


def leave_handoffs_on_request(on_new_message: OnNewMessage) -> OnNewMessage:
    """``on_new_message``, unless the message asks to leave an open handoff."""

    async def handle(message: UserMessage) -> Any:
        said = message.text or ""
        if not wants_to_leave(said):
            return await on_new_message(message)
        try:
            left = leave_handoff(load_settings(), message.sender_id)
        except SQLAlchemyError as exc:
            logger.error("leaving a handoff failed: %s", type(exc).__name__)
            left = False
        if not left:  # no handoff was open: an ordinary message
            return await on_new_message(message)
        reply = response_text(LEFT)
        await _resume(message.sender_id, said, reply)
        await message.output_channel.send_text_message(message.sender_id, reply)
        return None

    return handle
