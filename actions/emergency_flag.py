"""action_flag_emergency: records an emergency for staff, after the guidance was sent."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot.safety.flags import flag_emergency
from bot.settings import load_settings
from bot.store.db import with_retries

# When the NLU model alone predicted the emergency, no rule category is known.
MODEL_CATEGORY = "model"


class ActionFlagEmergency(Action):
    """Stores a safety flag; the rules send the emergency guidance before this runs."""

    def name(self) -> str:
        return "action_flag_emergency"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[EventType]:
        red_flag = tracker.latest_message.get("red_flag") or {}
        category = red_flag.get("category") or MODEL_CATEGORY
        detected_by = "rule" if red_flag else "model"
        database_url = load_settings().database_url
        # Nothing to tell the user if this fails: the guidance has gone out already,
        # and the error is logged for the team.
        await with_retries(
            lambda: flag_emergency(database_url, tracker.sender_id, category, detected_by),
            "flagging an emergency",
        )
        return []
