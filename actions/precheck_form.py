"""validate_precheck_form: reads free-text answers to the pre-check questions."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from bot.precheck.dialogue import CLARIFYING, interpret_turn
from bot.precheck.rules import QUESTIONS


class ValidatePrecheckForm(FormValidationAction):
    """Fills the pre-check slots from one message at a time (see bot.precheck.dialogue)."""

    def name(self) -> str:
        return "validate_precheck_form"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[EventType]:
        # The reading already validates; the SDK's per-slot validation step would drop
        # `precheck_clarifying`, which is not a required slot, and so lose the re-ask.
        return await self.get_extraction_events(dispatcher, tracker, domain)

    async def get_extraction_events(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[EventType]:
        # One reading per message: an answer may speak to several questions at once.
        turn = interpret_turn(
            asked=tracker.get_slot("requested_slot"),
            text=tracker.latest_message.get("text") or "",
            intent=(tracker.latest_message.get("intent") or {}).get("name"),
            clarifying=tracker.get_slot(CLARIFYING),
            current={q: tracker.get_slot(q) for q in QUESTIONS},
        )
        for note in turn.notes:
            dispatcher.utter_message(text=note)
        return [SlotSet(slot, value) for slot, value in turn.slots.items()]
