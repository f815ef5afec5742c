"""action_answer_concern: the careful answer to a minor, a buyer in financial distress,
a request for someone else, a false claim or a question about a special group."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT

from actions.utter import utter
from bot.safety.concerns import MINOR_NO_DATA_RESPONSE

MINOR_SLOT = "minor"
# When the metadata is missing (a hand-typed /safeguarding), the honest general answer.
DEFAULT_RESPONSE = "utter_medical_advice"
# Forms that collect contact or health data: a minor's answers must not be stored.
DATA_FORMS = frozenset({"lead_form", "precheck_form"})


class ActionAnswerConcern(Action):
    """Answers the concern the NLU pipeline found; a minor ends any form collecting data."""

    def name(self) -> str:
        return "action_answer_concern"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[EventType]:
        concern = tracker.latest_message.get("concern") or {}
        if not concern.get("minor"):
            utter(dispatcher, concern.get("response") or DEFAULT_RESPONSE)
            return []
        events: list[EventType] = [SlotSet(MINOR_SLOT, True)]
        if (tracker.active_loop or {}).get("name") in DATA_FORMS:
            utter(dispatcher, MINOR_NO_DATA_RESPONSE)
            return [*events, ActiveLoop(None), SlotSet(REQUESTED_SLOT, None)]
        utter(dispatcher, concern.get("response") or DEFAULT_RESPONSE)
        return events
