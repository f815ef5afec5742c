"""action_triage_guidance and action_answer_concern on tracker fixtures."""

from __future__ import annotations

from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answer_concern import ActionAnswerConcern
from actions.triage_guidance import ActionTriageGuidance
from bot.content import text
from bot.safety.red_flags import detect_red_flag
from tests.helpers import make_tracker, rendered, user_event


async def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    return rendered(dispatcher.messages), events


def _with(metadata_key: str, metadata: dict, message: str, **tracker_args):
    event = user_event(message, "emergency" if metadata_key == "red_flag" else "safeguarding")
    event["parse_data"][metadata_key] = metadata
    return make_tracker([event], **tracker_args)


async def test_the_guidance_is_the_level_and_language_the_rules_found() -> None:
    message = "mon fils a avale mes comprimes de methotrexate"
    flag = detect_red_flag(message)
    assert flag is not None and flag.level.value == "poison"
    messages, events = await run(ActionTriageGuidance(), _with("red_flag", flag.as_metadata(), message))
    assert [m["text"] for m in messages] == [text("utter_poison_fr")]
    assert events == []


async def test_an_emergency_only_the_model_heard_gets_the_emergency_guidance() -> None:
    tracker = make_tracker([user_event("something odd", "emergency")])
    messages, _ = await run(ActionTriageGuidance(), tracker)
    assert [m["text"] for m in messages] == [text("utter_emergency")]


async def test_a_concern_gets_its_own_answer() -> None:
    concern = {"kind": "financial_distress", "response": "utter_financial_distress", "minor": False}
    messages, events = await run(
        ActionAnswerConcern(), _with("concern", concern, "selling my flat for this")
    )
    assert [m["text"] for m in messages] == [text("utter_financial_distress")]
    assert events == []


async def test_a_minor_is_remembered() -> None:
    concern = {"kind": "minor", "response": "utter_minor", "minor": True}
    messages, events = await run(ActionAnswerConcern(), _with("concern", concern, "im 14"))
    assert [m["text"] for m in messages] == [text("utter_minor")]
    assert events == [SlotSet("minor", True)]


async def test_a_minor_inside_a_data_form_ends_it_without_storing_anything() -> None:
    concern = {"kind": "minor", "response": "utter_minor", "minor": True}
    tracker = _with("concern", concern, "im only 16", active_loop="lead_form")
    messages, events = await run(ActionAnswerConcern(), tracker)
    assert [m["text"] for m in messages] == [text("utter_minor_no_data")]
    assert events == [SlotSet("minor", True), ActiveLoop(None), SlotSet("requested_slot", None)]
