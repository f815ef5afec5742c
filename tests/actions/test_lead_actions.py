"""The lead form's validation and submission on tracker fixtures."""

from __future__ import annotations

import pytest
from rasa_sdk.events import ConversationPaused, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.lead_form import ValidateLeadForm
from actions.submit_lead import ActionSubmitLead
from bot.leads.form import EXPLANATIONS
from bot.precheck.summary import advisor_summary
from bot.store.db import conversation_rows
from bot.store.models import Consent, Handoff, Lead, OutboxMessage
from tests.helpers import make_tracker, project_domain, rendered, user_event

DOMAIN = project_domain()
DETAILS = {
    "lead_consent": "given",
    "lead_name": "Anna Meier",
    "lead_contact": "given",
    "lead_email": "anna@example.com",
    "lead_phone": None,
    "lead_channel": "email",
    "lead_contact_window": "morning",
    "lead_country": "Switzerland",
}


@pytest.fixture
def database_url(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'leads.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("NOTIFY_WEBHOOK_URL", "http://127.0.0.1:9/leads")
    monkeypatch.setenv("NOTIFY_WEBHOOK_SECRET", "x" * 32)
    monkeypatch.setenv("BUSINESS_HOURS", "Mon-Sun 00:00-23:59")
    monkeypatch.setenv("CLINIC_CONTACT", "+41 00 000 00 00")
    return url


async def validate(text: str, intent: str, asked: str, **slots):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker([user_event(text, intent)], slots={"requested_slot": asked, **slots})
    events = await ValidateLeadForm().run(dispatcher, tracker, DOMAIN)
    return rendered(dispatcher.messages), events


async def test_a_declined_consent_ends_the_form_before_anything_personal_is_asked() -> None:
    _, events = await validate("no thanks", "deny", "lead_consent")
    assert SlotSet("lead_consent", "declined") in events
    assert SlotSet("requested_slot", None) in events


async def test_no_dont_store_anything_at_the_consent_question_is_a_no() -> None:
    _, events = await validate("no, don't store anything", "withdraw_consent", "lead_consent")
    assert SlotSet("lead_consent", "declined") in events


async def test_an_unusable_answer_is_asked_again_and_explained_the_second_time() -> None:
    messages, events = await validate("whatever", "out_of_scope", "lead_contact")
    assert messages == []
    assert events == [SlotSet("lead_contact", None), SlotSet("form_attempts", {"lead_contact": 1})]
    messages, events = await validate(
        "still no idea", "out_of_scope", "lead_contact", form_attempts={"lead_contact": 1}
    )
    assert messages[0]["response"] == EXPLANATIONS["lead_contact"]


async def test_questions_and_commands_are_left_to_the_rules() -> None:
    for text, intent in (
        ("What does it cost?", "faq"),
        ("stop", "stop"),
        ("delete my data", "delete_data"),
    ):
        _, events = await validate(text, intent, "lead_name")
        assert events == [], text


async def test_contact_details_fill_email_and_phone() -> None:
    _, events = await validate(
        "anna@example.com / +41 79 123 45 67", "nlu_fallback", "lead_contact"
    )
    assert SlotSet("lead_email", "anna@example.com") in events
    assert SlotSet("lead_phone", "+41791234567") in events


async def test_without_consent_nothing_is_stored_and_the_clinic_contact_is_given(
    database_url: str,
) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        [user_event("no", "deny")], slots={"lead_consent": "declined"}, sender_id="p1"
    )
    events = await ActionSubmitLead().run(dispatcher, tracker, {})
    assert "+41 00 000 00 00" in rendered(dispatcher.messages)[0]["text"]
    assert not any(isinstance(e, dict) and e.get("event") == "pause" for e in events)
    for model in (Lead, Consent, OutboxMessage, Handoff):
        assert conversation_rows(database_url, model, "p1") == []


async def test_with_consent_the_lead_is_stored_queued_and_the_bot_pauses(database_url: str) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        [user_event("talk to a person", "request_human"), user_event("Switzerland", "faq")],
        slots={**DETAILS, "precheck_outcome": "clear", "precheck_reasons": []},
        sender_id="p2",
    )
    events = await ActionSubmitLead().run(dispatcher, tracker, {})
    assert events == [ConversationPaused()]
    assert "advisor has been notified" in rendered(dispatcher.messages)[0]["text"]
    [lead] = conversation_rows(database_url, Lead, "p2")
    assert (lead.name, lead.warmth, lead.precheck_outcome) == ("Anna Meier", "hot", "clear")
    [outbox] = conversation_rows(database_url, OutboxMessage, "p2")
    assert outbox.payload["precheck_summary"] == "nothing reported"
    assert conversation_rows(database_url, Handoff, "p2")[0].status == "waiting"


def test_the_advisor_summary_names_what_was_reported() -> None:
    assert advisor_summary(None, None) is None
    assert advisor_summary("clear", []) == "nothing reported"
    assert advisor_summary("contraindicated", ["active_infection"]) == (
        "contraindication reported: an active infection"
    )
    assert advisor_summary("review", ["cancer_last_5_years"]).startswith("to review")
