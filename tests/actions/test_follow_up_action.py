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
        {
            "event": "bot",
            "text": text(f"utter_faq/{topic}"),
            "metadata": {"utter_action": f"utter_faq/{topic}"},
        },
    ]


async def test_what_about_for_my_wife_repeats_the_topic_for_her() -> None:
    events = [*_faq_answered("Does the therapy work?", "effectiveness")]
    events.append(user_event("what about for my wife?", "follow_up"))
    messages, _ = await run(ActionFollowUp(), make_tracker(events))
    assert messages[0]["text"] == text("utter_follow_up_someone_else")
    assert messages[1]["text"] == text("utter_faq/effectiveness")


async def test_how_common_is_that_repeats_the_answer_and_says_that_is_all() -> None:
    events = [
        *_faq_answered("What are the side effects?", "safety"),
        user_event("and how common is that?", "follow_up"),
    ]
    messages, _ = await run(ActionFollowUp(), make_tracker(events))
    assert [m["text"] for m in messages] == [
        text("utter_faq/safety"),
        text("utter_follow_up_more"),
    ]


async def test_a_follow_up_without_a_topic_asks_back() -> None:
    tracker = make_tracker([user_event("what about my wife?", "follow_up")])
    (message,), _ = await run(ActionFollowUp(), tracker)
    assert message["text"] == text("utter_follow_up_no_topic")
