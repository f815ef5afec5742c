"""The pre-check actions on tracker fixtures: thin adapters, but the storage rules matter."""

from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.precheck_form import ValidatePrecheckForm
from actions.precheck_restart import ActionRestartPrecheck
from actions.precheck_summary import ActionPrecheckSummary
from bot.precheck.rules import QUESTIONS
from bot.precheck.store import prechecks_of
from tests.helpers import make_tracker, project_domain, rendered, user_event

DOMAIN = project_domain()


@pytest.fixture
def database_url(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'actions.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def answers(**overrides: str) -> dict[str, str]:
    return {q: overrides.get(q, "no") for q in QUESTIONS}


async def summarise(slots: dict, sender: str = "patient-1"):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker([user_event("no", "deny")], slots=slots, sender_id=sender)
    events = await ActionPrecheckSummary().run(dispatcher, tracker, DOMAIN)
    return rendered(dispatcher.messages), events


async def test_with_consent_the_result_is_stored(database_url: str) -> None:
    messages, events = await summarise(
        {**answers(active_infection="yes"), "precheck_consent": "given"}
    )
    assert SlotSet("precheck_outcome", "contraindicated") in events
    assert SlotSet("precheck_reasons", ["active_infection"]) in events
    rows = prechecks_of(database_url, "patient-1")
    assert [(r.outcome, r.reasons, r.answers["active_infection"]) for r in rows] == [
        ("contraindicated", ["active_infection"], "yes")
    ]
    assert "are stored" in messages[0]["text"]


async def test_without_consent_nothing_is_stored(database_url: str) -> None:
    messages, events = await summarise({**answers(), "precheck_consent": "declined"})
    assert SlotSet("precheck_outcome", "clear") in events
    assert prechecks_of(database_url, "patient-1") == []
    assert "were not stored" in messages[0]["text"]


async def test_a_database_that_is_down_gets_an_honest_message(monkeypatch, tmp_path) -> None:
    # A directory that does not exist: SQLite cannot open the file.
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'missing' / 'x.db'}")
    monkeypatch.setattr("bot.store.db.RETRY_DELAY_SECONDS", 0)
    messages, events = await summarise({**answers(), "precheck_consent": "given"})
    assert SlotSet("precheck_outcome", "clear") in events
    assert "couldn't save" in messages[0]["text"]


async def test_an_incomplete_form_is_not_summarised(database_url: str) -> None:
    slots = {**answers(), "precheck_consent": "given", "severe_immunodeficiency": None}
    messages, events = await summarise(slots)
    assert events == []
    assert "missing" in messages[0]["text"]
    assert prechecks_of(database_url, "patient-1") == []


async def test_restart_clears_answers_and_results_but_keeps_consent() -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionRestartPrecheck().run(dispatcher, make_tracker([]), DOMAIN)
    cleared = {e["name"] for e in events if e["value"] is None}
    assert set(QUESTIONS) | {"precheck_outcome", "precheck_reasons", "requested_slot"} <= cleared
    assert "precheck_consent" not in cleared


async def test_the_form_reads_free_text_into_slots() -> None:
    tracker = make_tracker(
        [user_event("chemo finished 3 years ago", "faq")],
        slots={
            "requested_slot": "cancer_last_5_years",
            "precheck_consent": "given",
            "active_infection": "no",
        },
    )
    events = await ValidatePrecheckForm().run(CollectingDispatcher(), tracker, DOMAIN)
    assert SlotSet("cancer_last_5_years", "yes") in events


async def test_the_form_leaves_a_question_to_the_faq_rule() -> None:
    tracker = make_tracker(
        [user_event("how much does it cost?", "faq")],
        slots={"requested_slot": "active_infection", "precheck_consent": "given"},
    )
    events = await ValidatePrecheckForm().run(CollectingDispatcher(), tracker, DOMAIN)
    assert events == []


async def test_an_unclear_answer_keeps_the_clarifying_marker() -> None:
    # The marker is no form slot; validate_<slot> must return it, or the re-ask is lost.
    tracker = make_tracker(
        [user_event("I had cancer", "faq")],
        slots={
            "requested_slot": "cancer_last_5_years",
            "precheck_consent": "given",
            "active_infection": "no",
        },
    )
    events = await ValidatePrecheckForm().run(CollectingDispatcher(), tracker, DOMAIN)
    assert events == [
        SlotSet("cancer_last_5_years", None),
        SlotSet("precheck_clarifying", "cancer_last_5_years:cancer_when"),
    ]


async def test_a_hot_lead_is_offered_an_advisor_after_the_summary(database_url: str) -> None:
    from bot.content import text
    from bot.precheck.summary import HOT_LEAD_OFFER

    def faq(key: str) -> dict:
        event = user_event("question", "faq")
        event["parse_data"]["response_selector"] = {
            "faq": {"response": {"intent_response_key": key}}
        }
        return event

    dispatcher = CollectingDispatcher()
    slots = {**answers(), "precheck_consent": "declined"}
    interested = make_tracker(
        [faq("faq/cost"), faq("faq/consultation"), user_event("no", "deny")], slots=slots
    )
    await ActionPrecheckSummary().run(dispatcher, interested, DOMAIN)
    assert rendered(dispatcher.messages)[-1]["text"] == text(HOT_LEAD_OFFER.response)

    quiet = CollectingDispatcher()
    await ActionPrecheckSummary().run(
        quiet, make_tracker([user_event("no", "deny")], slots=slots), DOMAIN
    )
    assert all(m["text"] != text(HOT_LEAD_OFFER.response) for m in rendered(quiet.messages))
