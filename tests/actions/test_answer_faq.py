"""action_answer_faq on tracker fixtures: the answer, or "Did you mean …?" (issue 14)."""

from __future__ import annotations

from typing import Any

from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answer_faq import ActionAnswerFaq
from bot.content import text
from tests.helpers import make_tracker, user_event


def _question(said: str, *ranking: tuple[str, float]) -> dict[str, Any]:
    event = user_event(said, "faq")
    items = [{"intent_response_key": key, "confidence": c} for key, c in ranking]
    event["parse_data"]["response_selector"] = {
        "faq": {"ranking": items, "response": items[0] if items else {}}
    }
    return event


def _tapped(topic: str) -> dict[str, Any]:
    event = user_event(f'/faq{{"faq_topic": "{topic}"}}', "faq", 1.0)
    event["parse_data"]["entities"] = [{"entity": "faq_topic", "value": topic}]
    return event


async def _run(event: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerFaq().run(dispatcher, make_tracker([event]), {})
    return dispatcher.messages, events


async def test_a_sure_choice_is_answered_and_its_topic_recorded() -> None:
    messages, events = await _run(
        _question("what does it cost?", ("faq/cost", 0.93), ("faq/insurance", 0.03))
    )
    assert [m["response"] for m in messages] == ["utter_faq/cost"]
    assert events == [SlotSet("faq_topic", "faq/cost")]


async def test_an_unsure_choice_asks_did_you_mean_with_the_two_best_topics() -> None:
    messages, events = await _run(
        _question("and the money side?", ("faq/cost", 0.12), ("faq/insurance", 0.11), ("faq/age", 0.1))
    )
    [message] = messages
    assert message["response"] == "utter_faq_choice"
    assert text("utter_faq_choice").endswith("Did you mean one of these?")
    assert [b["title"] for b in message["buttons"]] == ["What it costs", "Insurance", "Something else"]
    assert [b["payload"] for b in message["buttons"]] == [
        '/faq{"faq_topic": "faq/cost"}',
        '/faq{"faq_topic": "faq/insurance"}',
        '/faq{"faq_topic": "something_else"}',
    ]
    # Nothing was answered: no disclaimer, no topic for the lead's context.
    assert events == [SlotSet("faq_topic", None)]


async def test_a_tapped_topic_is_answered_directly() -> None:
    messages, events = await _run(_tapped("faq/insurance"))
    assert [m["response"] for m in messages] == ["utter_faq/insurance"]
    assert events == [SlotSet("faq_topic", "faq/insurance")]


async def test_something_else_offers_rephrasing_or_the_advisor() -> None:
    messages, events = await _run(_tapped("something_else"))
    assert [m["response"] for m in messages] == ["utter_faq_choice_something_else"]
    assert "other words" in text("utter_faq_choice_something_else")
    assert events == [SlotSet("faq_topic", None)]


async def test_an_unknown_tapped_topic_falls_back_to_the_models_choice() -> None:
    event = _tapped("faq/does_not_exist")
    event["parse_data"]["response_selector"] = {
        "faq": {"ranking": [{"intent_response_key": "faq/cost", "confidence": 0.9}]}
    }
    messages, _ = await _run(event)
    assert [m["response"] for m in messages] == ["utter_faq/cost"]
