"""The guardrail and privacy actions on tracker fixtures."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from rasa_sdk.events import ActionExecuted, AllSlotsReset, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.emergency_flag import ActionFlagEmergency
from actions.erase_data import ActionEraseData
from actions.privacy_notice import ActionPrivacyNotice
from actions.session_start import ActionSessionStart
from actions.treatment_disclaimer import ActionTreatmentDisclaimer
from actions.withdraw_consent import ActionWithdrawConsent
from bot.content import text
from bot.precheck.rules import evaluate
from bot.precheck.store import prechecks_of, save_precheck
from bot.privacy.erasure import pending_event_erasure
from bot.safety.disclaimer import DISCLAIMER, SHOWN_SLOT
from bot.safety.flags import flags_of
from bot.store.db import session_scope
from tests.helpers import make_tracker, rendered, user_event

ANSWERS = {
    "active_infection": "no",
    "cancer_last_5_years": "no",
    "uncontrolled_condition": "no",
    "severe_immunodeficiency": "no",
}


@pytest.fixture
def database_url(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'actions.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("RETENTION_DAYS", "90")
    return url


def _store_precheck(url: str, sender: str) -> None:
    save_precheck(url, sender, ANSWERS, evaluate(ANSWERS), datetime.now(timezone.utc))


async def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    return rendered(dispatcher.messages), events


async def test_erasure_removes_the_stored_answers_and_says_so(database_url: str) -> None:
    _store_precheck(database_url, "alice")
    _store_precheck(database_url, "bob")
    tracker = make_tracker([user_event("yes", "affirm")], sender_id="alice")
    messages, events = await run(ActionEraseData(), tracker)
    assert "deleted this conversation" in messages[0]["text"]
    assert "pre-check answers" in messages[0]["text"]
    assert events == [AllSlotsReset()]
    assert prechecks_of(database_url, "alice") == []
    assert len(prechecks_of(database_url, "bob")) == 1
    with session_scope(database_url) as session:
        assert pending_event_erasure(session, "alice") is not None


async def test_a_database_that_is_down_gets_an_honest_answer(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'missing' / 'x.db'}")
    monkeypatch.setattr("bot.store.db.RETRY_DELAY_SECONDS", 0)
    tracker = make_tracker([user_event("yes", "affirm")], sender_id="alice")
    for action in (ActionEraseData(), ActionWithdrawConsent()):
        messages, events = await run(action, tracker)
        assert "nothing was deleted" in messages[0]["text"]
        assert events == []


async def test_withdrawing_consent_deletes_the_answers_and_resets_the_consent(
    database_url: str,
) -> None:
    _store_precheck(database_url, "alice")
    tracker = make_tracker(
        [user_event("I withdraw my consent", "withdraw_consent")], sender_id="alice"
    )
    messages, events = await run(ActionWithdrawConsent(), tracker)
    assert (
        "consent is withdrawn and your stored pre-check answers are deleted" in messages[0]["text"]
    )
    assert "90 days" in messages[0]["text"]
    cleared = {e["name"] for e in events if e["value"] is None}
    assert {"precheck_consent", "lead_consent", "lead_email", "lead_phone"} <= cleared
    assert prechecks_of(database_url, "alice") == []


async def test_withdrawing_without_stored_data_says_nothing_was_stored(database_url: str) -> None:
    tracker = make_tracker([user_event("revoke consent", "withdraw_consent")], sender_id="carol")
    messages, _ = await run(ActionWithdrawConsent(), tracker)
    assert "nothing had been stored" in messages[0]["text"]


async def test_the_privacy_notice_quotes_the_configured_retention(database_url: str) -> None:
    messages, _ = await run(ActionPrivacyNotice(), make_tracker([user_event("privacy", "privacy")]))
    assert "90 days after your last message" in messages[0]["text"]
    assert {"title": "Delete my data", "payload": "/delete_data"} in messages[0]["buttons"]


def _emergency_event(text: str, red_flag: dict | None) -> dict:
    event = user_event(text, "emergency", 1.0)
    if red_flag:
        event["parse_data"]["red_flag"] = red_flag
    return event


async def test_an_emergency_is_flagged_silently_with_how_it_was_detected(database_url: str) -> None:
    rule = make_tracker(
        [_emergency_event("crushing chest pain", {"category": "chest_pain"})], sender_id="dave"
    )
    model = make_tracker([_emergency_event("i cant take it anymore", None)], sender_id="dave")
    for tracker in (rule, model):
        messages, events = await run(ActionFlagEmergency(), tracker)
        assert messages == [] and events == []
    flags = flags_of(database_url, "dave")
    assert [(f.category, f.detected_by) for f in flags] == [
        ("chest_pain", "rule"),
        ("model", "model"),
    ]


def _faq_event(text: str, topic: str) -> dict:
    event = user_event(text, "faq")
    event["parse_data"]["response_selector"] = {"faq": {"response": {"intent_response_key": topic}}}
    return event


async def test_the_disclaimer_follows_the_first_treatment_answer_of_a_session_only() -> None:
    # action_answer_faq has set the topic it answered.
    first = make_tracker(
        [_faq_event("does it work?", "faq/effectiveness")], slots={"faq_topic": "faq/effectiveness"}
    )
    messages, events = await run(ActionTreatmentDisclaimer(), first)
    assert [m["text"] for m in messages] == [text(DISCLAIMER)]
    assert events == [SlotSet(SHOWN_SLOT, True)]

    already = make_tracker(
        [_faq_event("is it safe?", "faq/safety")],
        slots={SHOWN_SLOT: True, "faq_topic": "faq/safety"},
    )
    messages, events = await run(ActionTreatmentDisclaimer(), already)
    assert messages == [] and events == []


async def test_no_disclaimer_after_did_you_mean() -> None:
    # The model's best guess was a treatment topic, but no answer was given.
    unsure = make_tracker([_faq_event("does it?", "faq/effectiveness")], slots={"faq_topic": None})
    messages, events = await run(ActionTreatmentDisclaimer(), unsure)
    assert messages == [] and events == []


async def test_a_new_session_forgets_the_disclaimer_but_keeps_the_other_slots(
    database_url: str,
) -> None:
    tracker = make_tracker(
        [_faq_event("is it safe?", "faq/safety")],
        slots={SHOWN_SLOT: True, "precheck_consent": "given", "lead_name": None},
    )
    _, events = await run(ActionSessionStart(), tracker)
    assert events == [
        SessionStarted(),
        SlotSet("precheck_consent", "given"),
        ActionExecuted("action_listen"),
    ]


async def test_no_disclaimer_after_facts_about_ra_or_costs() -> None:
    for topic in ("faq/what_is_ra", "faq/cost", "faq/references"):
        messages, _ = await run(ActionTreatmentDisclaimer(), make_tracker([_faq_event("q", topic)]))
        assert messages == [], topic


async def test_a_new_session_keeps_a_live_handoff_paused(database_url: str) -> None:
    from rasa_sdk.events import ConversationPaused

    from bot.handoff.queue import open_handoff, take_handoff

    open_handoff(database_url, "live-1", "socketio", "lead")
    waiting = make_tracker([], slots={"handoff_open": True}, sender_id="live-1")
    _, events = await run(ActionSessionStart(), waiting)
    # Waiting: the assistant answers; the slot follows the table.
    assert ConversationPaused() not in events and SlotSet("handoff_open", True) in events

    take_handoff(database_url, "live-1", "Dr. Weber")
    _, events = await run(ActionSessionStart(), waiting)
    assert events[:2] == [SessionStarted(), ConversationPaused()]

    # A stale slot without a handoff in the table is dropped.
    _, events = await run(
        ActionSessionStart(), make_tracker([], slots={"handoff_open": True}, sender_id="none-1")
    )
    assert SlotSet("handoff_open", True) not in events and ConversationPaused() not in events
