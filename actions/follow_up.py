"""action_follow_up: "what about for my wife?", "tell me more", about the last FAQ answered."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.utter import utter
from bot.follow_up import follow_up_answer, last_faq_topic


class ActionFollowUp(Action):
    """Answers a follow-up on the topic of the FAQ answered just before."""

    def name(self) -> str:
        return "action_follow_up"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[EventType]:
        topic = last_faq_topic(tracker.events)
        utter(dispatcher, *follow_up_answer(topic, tracker.latest_message.get("text") or ""))
        return []
