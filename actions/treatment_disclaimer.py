"""action_treatment_disclaimer: the disclaimer after the session's first treatment answer."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.utter import utter
from bot.parse_data import faq_key
from bot.safety.disclaimer import DISCLAIMER, SHOWN_SLOT, disclaimer_due


class ActionTreatmentDisclaimer(Action):
    """Runs after every FAQ answer; speaks only when the disclaimer is due."""

    def name(self) -> str:
        return "action_treatment_disclaimer"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[EventType]:
        if not disclaimer_due(faq_key(tracker.latest_message), bool(tracker.get_slot(SHOWN_SLOT))):
            return []
        utter(dispatcher, DISCLAIMER)
        return [SlotSet(SHOWN_SLOT, True)]
