"""action_treatment_disclaimer: the disclaimer after the session's first treatment answer."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot.parse_data import faq_key
from bot.safety.disclaimer import DISCLAIMER, disclaimer_due


def bot_texts_this_session(tracker: Tracker) -> list[str]:
    """What the assistant said since the current session started."""
    texts = []
    for event in reversed(tracker.events):
        if event.get("event") == "session_started":
            break
        if event.get("event") == "bot" and event.get("text"):
            texts.append(event["text"])
    return texts


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
        if disclaimer_due(faq_key(tracker.latest_message), bot_texts_this_session(tracker)):
            dispatcher.utter_message(text=DISCLAIMER.text)
        return []
