"""action_treatment_disclaimer: the disclaimer after the session's first treatment answer."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.utter import utter
from bot.faq_choice import TOPIC
from bot.safety.disclaimer import DISCLAIMER, SHOWN_SLOT, disclaimer_due


class ActionTreatmentDisclaimer(Action):
    """Runs after every FAQ answer; speaks only when the disclaimer is due.

    The topic is the one action_answer_faq answered (its slot): none after "Did you
    mean …?", the tapped one after a button.
    """

    def name(self) -> str:
        return "action_treatment_disclaimer"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[EventType]:
        if not disclaimer_due(tracker.get_slot(TOPIC), bool(tracker.get_slot(SHOWN_SLOT))):
            return []
        utter(dispatcher, DISCLAIMER)
        return [SlotSet(SHOWN_SLOT, True)]
