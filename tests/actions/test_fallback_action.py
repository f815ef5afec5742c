"""action_fallback explains what went wrong and offers a person after repeated misses."""

from rasa_sdk.events import UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionFallback, misunderstood_in_a_row
from bot.content import text
from bot.safety.fallback import NOT_UNDERSTOOD, PROBLEM_RESPONSES, STILL_NOT_UNDERSTOOD
from bot.safety.message_checks import MessageProblem
from tests.helpers import make_tracker, user_event


async def _run(events):
    dispatcher = CollectingDispatcher()
    result = await ActionFallback().run(dispatcher, make_tracker(events), {})
    return dispatcher.messages, result


async def test_first_miss_asks_to_rephrase_and_forgets_the_turn() -> None:
    messages, events = await _run([user_event("blorp zing", "nlu_fallback")])
    assert [m["response"] for m in messages] == [NOT_UNDERSTOOD]
    assert events == [UserUtteranceReverted()]


async def test_second_miss_in_a_row_offers_the_advisor() -> None:
    history = [
        user_event("blorp", "nlu_fallback"),
        {"event": "bot", "text": text(NOT_UNDERSTOOD)},
        {"event": "rewind"},
        user_event("zing zang", "nlu_fallback"),
    ]
    messages, _ = await _run(history)
    assert messages[0]["response"] == STILL_NOT_UNDERSTOOD


async def test_an_understood_message_resets_the_count() -> None:
    history = [
        user_event("blorp", "nlu_fallback"),
        user_event("what is RA", "faq"),
        user_event("zing", "nlu_fallback"),
    ]
    assert misunderstood_in_a_row(make_tracker(history)) == 1


async def test_emoji_only_gets_its_own_explanation() -> None:
    messages, _ = await _run([user_event("👍👍", "nlu_fallback")])
    assert messages[0]["response"] == PROBLEM_RESPONSES[MessageProblem.NO_WORDS]


async def test_core_fallback_after_an_understood_intent_counts_as_one_miss() -> None:
    messages, _ = await _run([user_event("yes", "affirm")])
    assert messages[0]["response"] == NOT_UNDERSTOOD
