"""action_restart_precheck: clears the answers so the pre-check starts over."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.utter import utter
from bot.precheck.dialogue import CLARIFYING
from bot.precheck.rules import QUESTIONS

RESTARTED = "utter_precheck_restarted"
RESULT_SLOTS = ("precheck_outcome", "precheck_reasons", CLARIFYING)


class ActionRestartPrecheck(Action):
    """Forgets the answers (not the consent: it was asked once and stands)."""

    def name(self) -> str:
        return "action_restart_precheck"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[EventType]:
        utter(dispatcher, RESTARTED)
        return [SlotSet(slot, None) for slot in (*QUESTIONS, *RESULT_SLOTS)] + [
            SlotSet("requested_slot", None)
        ]
