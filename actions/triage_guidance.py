"""action_triage_guidance: the safety net's guidance for a red flag, at its level and in
the language it was written in."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.utter import utter
from bot.safety.red_flags import guidance_for


class ActionTriageGuidance(Action):
    """Sends the response the NLU pipeline's triage chose (emergency when only the
    model heard one)."""

    def name(self) -> str:
        return "action_triage_guidance"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[EventType]:
        utter(dispatcher, guidance_for(tracker.latest_message.get("red_flag")))
        return []
