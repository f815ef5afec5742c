"""The fallback action, run when NLU or dialogue confidence is too low."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from actions.utter import utter
from bot.safety.fallback import fallback_response
from bot.safety.message_checks import find_problem

FALLBACK_INTENT = "nlu_fallback"


def misunderstood_in_a_row(tracker: Tracker) -> int:
    """How many of the user's latest messages in a row were not understood."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        intent = (event.get("parse_data") or {}).get("intent") or {}
        if intent.get("name") != FALLBACK_INTENT:
            break
        count += 1
    return count


class ActionFallback(Action):
    """Explains what went wrong and what the assistant can help with."""

    def name(self) -> str:
        return "action_fallback"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[EventType]:
        text = tracker.latest_message.get("text")
        # A core fallback (unexpected dialogue turn) still counts as one misunderstanding.
        in_a_row = max(1, misunderstood_in_a_row(tracker))
        utter(dispatcher, fallback_response(find_problem(text), in_a_row))
        # Forget the misunderstood turn so it does not steer the next prediction.
        return [UserUtteranceReverted()]
