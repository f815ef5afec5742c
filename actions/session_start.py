"""action_session_start: a new session keeps the conversation's slots, not its session state.

Rasa's default carries every slot over (``carry_over_slots_to_new_session``); slots that
describe the session itself, such as whether the treatment disclaimer was shown, must
start empty, or a returning patient would never see the disclaimer again.
"""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.safety.disclaimer import SHOWN_SLOT

# Slots that belong to one session (see the domain).
SESSION_SLOTS = frozenset({SHOWN_SLOT})


class ActionSessionStart(Action):
    """Starts a session, carrying over every slot but the session's own."""

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        carried: list[EventType] = [
            SlotSet(slot, value)
            for slot, value in tracker.slots.items()
            if value is not None and slot not in SESSION_SLOTS
        ]
        # The session starts first, the carried slots follow, then the bot listens.
        return [SessionStarted(), *carried, ActionExecuted("action_listen")]


