"""action_follow_up on tracker fixtures: follow-ups on the FAQ answered just before."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.follow_up import ActionFollowUp
from bot.content import text
from tests.helpers import make_tracker, rendered, user_event


async def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    return rendered(dispatcher.messages), events


def _faq_answered(question: str, topic: str) -> list[dict]:
    return [
        user_event(question, "faq"),
        {"event": "bot", "text": text(f"utter_faq/{topic}"), "metadata": {"utter_action": f"utter_faq/{topic}"}},
    ]


async def test_what_about_for_my_wife_repeats_the_topic_for_her() -> None:
    events = [*_faq_answered("Does the therapy work?", "effectiveness")]
    events.append(user_event("what about for my wife?", "follow_up"))
    messages, _ = await run(ActionFollowUp(), make_tracker(events))
    assert messages[0]["text"] == text("utter_follow_up_someone_else")
    assert messages[1]["text"] == text("utter_faq/effectiveness")


async def test_tell_me_more_offers_the_related_questions() -> None:
    events = [*_faq_answered("What does it cost?", "cost"), user_event("tell me more", "follow_up")]
    dispatcher = CollectingDispatcher()
    await ActionFollowUp().run(dispatcher, make_tracker(events), {})
    (message,) = dispatcher.messages
    assert message["response"] == "utter_follow_up_more"
    # Rasa appends these to the response's own button (the advisor).
    payloads = [b["payload"] for b in message["buttons"]]
    assert payloads == ["What affects the price?", "Does health insurance pay for it?"]


async def test_a_follow_up_without_a_topic_asks_back() -> None:
    tracker = make_tracker([user_event("what about my wife?", "follow_up")])
    (message,), _ = await run(ActionFollowUp(), tracker)
    assert message["text"] == text("utter_follow_up_no_topic")
