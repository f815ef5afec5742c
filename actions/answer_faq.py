"""action_answer_faq: the FAQ answer, or "Did you mean …?" when the choice is unsure."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.utter import utter
from bot.content import responses, text
from bot.faq_choice import (
    CHOICE,
    SOMETHING_ELSE,
    SOMETHING_ELSE_ANSWER,
    SOMETHING_ELSE_TITLE,
    TITLES,
    TOPIC,
    answer_response,
    choice_payload,
    chosen_topic,
    decide,
    ranking_of,
)


class ActionAnswerFaq(Action):
    """Answers the FAQ the ResponseSelector chose, or the one tapped in "Did you mean";
    the ``faq_topic`` slot holds the topic answered (None when none was), for the
    disclaimer, the lead's context and the conversation summary."""

    def name(self) -> str:
        return "action_answer_faq"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[EventType]:
        message = tracker.latest_message
        tapped = chosen_topic(message)
        if tapped == SOMETHING_ELSE:
            utter(dispatcher, SOMETHING_ELSE_ANSWER)
            return [SlotSet(TOPIC, None)]
        if tapped and answer_response(tapped) in responses():
            utter(dispatcher, answer_response(tapped))
            return [SlotSet(TOPIC, tapped)]
        decision = decide(ranking_of(message), message.get("text") or "")
        if decision.answer:
            utter(dispatcher, answer_response(decision.answer))
            return [SlotSet(TOPIC, decision.answer)]
        if decision.options:
            buttons = [
                {"title": text(TITLES[topic]), "payload": choice_payload(topic)}
                for topic in decision.options
            ]
            buttons.append({"title": text(SOMETHING_ELSE_TITLE), "payload": choice_payload(SOMETHING_ELSE)})
            dispatcher.utter_message(response=CHOICE, buttons=buttons)
        return [SlotSet(TOPIC, None)]
