"""action_session_start: a new session keeps the conversation, not the session's state.

Rasa's default carries every slot over (``carry_over_slots_to_new_session``) and lifts a
pause: a new session and ``/restart`` reset the tracker (rasa/shared/core/trackers.py).
Here slots that describe the session itself (whether the treatment disclaimer was
shown) start empty, and the handoff is read again from the ``handoffs`` table, the
truth: a conversation an advisor has taken stays paused until the hand-back.
"""

from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ConversationPaused, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from bot.handoff.queue import ACTIVE, HANDOFF_OPEN_SLOT, current_handoff
from bot.safety.disclaimer import SHOWN_SLOT
from bot.settings import load_settings

logger = logging.getLogger(__name__)

# Slots that belong to one session (see the domain).
SESSION_SLOTS = frozenset({SHOWN_SLOT})


class ActionSessionStart(Action):
    """Starts a session: slots carried over, the handoff's pause re-applied."""

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        slots = {
            slot: value
            for slot, value in tracker.slots.items()
            if value is not None and slot not in SESSION_SLOTS
        }
        paused: list[EventType] = []
        try:
            handoff = current_handoff(load_settings().database_url, tracker.sender_id)
        except SQLAlchemyError as exc:
            # The slots carried over are the best guess; the next session tries again.
            logger.error("reading the handoff at session start failed: %s", type(exc).__name__)
        else:
            slots.pop(HANDOFF_OPEN_SLOT, None)
            if handoff is not None:
                slots[HANDOFF_OPEN_SLOT] = True
                if handoff.status == ACTIVE:
                    paused = [ConversationPaused()]
        # The session starts first, the carried slots follow, then the bot listens.
        return [
            SessionStarted(),
            *paused,
            *(SlotSet(slot, value) for slot, value in slots.items()),
            ActionExecuted("action_listen"),
        ]
