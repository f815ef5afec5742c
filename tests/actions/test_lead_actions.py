"""The lead form's validation and submission on tracker fixtures."""

from __future__ import annotations

import pytest
from rasa_sdk.events import ConversationPaused, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.lead_form import ValidateLeadForm
from actions.submit_lead import ActionSubmitLead
from bot.leads.form import PROBLEM_RESPONSES
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


async def validate(text: str, intent: str, asked: str, sender_id: str = "test-user", **slots):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        [user_event(text, intent)], slots={"requested_slot": asked, **slots}, sender_id=sender_id
    )
    events = await ValidateLeadForm().run(dispatcher, tracker, DOMAIN)
    return rendered(dispatcher.messages), events


async def test_a_declined_consent_ends_the_form_before_anything_personal_is_asked() -> None:
    _, events = await validate("no thanks", "deny", "lead_consent")
    assert SlotSet("lead_consent", "declined") in events
    assert SlotSet("requested_slot", None) in events


async def test_no_dont_store_anything_at_the_consent_question_is_a_no() -> None:
    _, events = await validate("no, don't store anything", "withdraw_consent", "lead_consent")
    assert SlotSet("lead_consent", "declined") in events


async def test_an_unusable_answer_is_told_what_was_wrong_and_asked_in_other_words() -> None:
    messages, events = await validate("anna@", "out_of_scope", "lead_contact")
    # What was wrong first; the form then asks its question's "again" variation.
    assert [m["response"] for m in messages] == [PROBLEM_RESPONSES["email_incomplete"]]
    assert "after the @" in messages[0]["text"]
    assert events == [
        SlotSet("lead_contact", None),
        SlotSet("form_attempts", {"lead_contact": 1}),
        SlotSet("lead_reask", "again"),
    ]
    messages, events = await validate(
        "079 123 45", "out_of_scope", "lead_contact", form_attempts={"lead_contact": 1}
    )
    assert [m["response"] for m in messages] == [PROBLEM_RESPONSES["phone_too_short"]]
    # The second time the question explains itself: never the same question twice running.
    assert SlotSet("lead_reask", "explain") in events


async def test_a_wrong_contact_is_corrected_whatever_intent_the_model_gave_it() -> None:
    for text, intent in (("anna@", "faq"), ("079 123 45", "medical_advice")):
        messages, events = await validate(text, intent, "lead_contact")
        assert SlotSet("lead_reask", "again") in events, text
        assert messages[0]["response"].startswith("utter_lead_problem_"), text


async def test_a_usable_answer_brings_the_next_question_in_its_own_words() -> None:
    _, events = await validate(
        "Anna Meier", "out_of_scope", "lead_name", form_attempts={"lead_name": 1}, lead_reask="again"
    )
    assert SlotSet("lead_name", "Anna Meier") in events
    assert SlotSet("lead_reask", None) in events and SlotSet("form_attempts", None) in events


async def test_a_national_number_is_confirmed_as_swiss_before_it_is_stored() -> None:
    messages, events = await validate(
        "079 123 45 67", "out_of_scope", "lead_contact", lead_consent="given", lead_name="Anna"
    )
    assert messages == []
    assert SlotSet("lead_phone_candidate", "+41 79 123 45 67") in events
    assert SlotSet("lead_contact", None) in events
    # The form asks "Is that a Swiss number (+41 79 123 45 67)?" next.
    assert events[-1] == SlotSet("requested_slot", "lead_phone_confirm")
    asked = rendered(
        [{"response": "utter_ask_lead_phone_confirm", "lead_phone_candidate": "+41 79 123 45 67"}]
    )
    assert asked[0]["text"] == "Is that a Swiss number (+41 79 123 45 67)?"
    assert [b["payload"] for b in asked[0]["buttons"]] == ["yes", "no"]


async def test_yes_it_is_swiss_stores_the_number_in_e164() -> None:
    pending = {"lead_phone_candidate": "+41 79 123 45 67", "lead_name": "A", "lead_consent": "given"}
    _, events = await validate("yes", "affirm", "lead_phone_confirm", **pending)
    assert SlotSet("lead_phone", "+41791234567") in events
    assert SlotSet("lead_contact", "given") in events
    assert SlotSet("lead_phone_candidate", None) in events


async def test_no_it_is_not_swiss_asks_for_the_number_with_its_country_code() -> None:
    pending = {"lead_phone_candidate": "+41 79 123 45 67", "lead_name": "A", "lead_consent": "given"}
    messages, events = await validate("no", "deny", "lead_phone_confirm", **pending)
    assert messages == []
    assert SlotSet("lead_phone_candidate", None) in events
    assert SlotSet("lead_reask", "country_code") in events
    assert SlotSet("lead_phone", "+41791234567") not in events
    # The Swiss question is off the list: the form asks its first empty slot, the contact,
    # in its "with the country code" variation.
    assert not any(e.get("name") == "requested_slot" for e in events)


async def test_an_unclear_answer_to_the_swiss_question_says_so() -> None:
    pending = {"lead_phone_candidate": "+41 79 123 45 67", "lead_name": "A", "lead_consent": "given"}
    messages, events = await validate("hmm", "out_of_scope", "lead_phone_confirm", **pending)
    assert [m["response"] for m in messages] == [PROBLEM_RESPONSES["not_yes_or_no"]]
    assert SlotSet("lead_reask", "again") in events


async def test_questions_and_commands_are_left_to_the_rules() -> None:
    for text, intent in (
        ("What does it cost?", "faq"),
        ("stop", "stop"),
        ("delete my data", "delete_data"),
        # A "Did you mean …?" topic tapped mid-form is no name.
        ('/faq{"faq_topic": "faq/cost"}', "faq"),
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


async def test_with_consent_the_lead_is_stored_and_queued_and_the_bot_keeps_answering(
    database_url: str,
) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        [user_event("talk to a person", "request_human"), user_event("Switzerland", "faq")],
        slots={**DETAILS, "precheck_outcome": "clear", "precheck_reasons": []},
        sender_id="p2",
    )
    events = await ActionSubmitLead().run(dispatcher, tracker, {})
    # Waiting is not live: no pause until an advisor takes the conversation.
    assert ConversationPaused() not in events
    assert SlotSet("handoff_open", True) in events and SlotSet("handoff_channel", "email") in events
    # The details are stored; the form's slots are cleared for a later request.
    assert all(SlotSet(slot, None) in events for slot in DETAILS)
    said = rendered(dispatcher.messages)[0]["text"]
    assert "advisor has been notified" in said and "keep asking me" in said
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


async def test_when_the_handoff_cannot_be_queued_the_patient_hears_the_truth(
    database_url: str, monkeypatch
) -> None:
    from sqlalchemy.exc import OperationalError

    import actions.submit_lead
    import bot.store.db

    def unavailable(*_args, **_kwargs):
        raise OperationalError("INSERT INTO handoffs", {}, Exception("database is locked"))

    monkeypatch.setattr(actions.submit_lead, "open_handoff", unavailable)
    monkeypatch.setattr(bot.store.db, "RETRY_DELAY_SECONDS", 0)
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        [user_event("talk to a person", "request_human")], slots=DETAILS, sender_id="p3"
    )
    events = await ActionSubmitLead().run(dispatcher, tracker, {})
    said = rendered(dispatcher.messages)[0]["text"]
    assert "by email" in said and "stay quiet" not in said
    assert ConversationPaused() not in events and SlotSet("handoff_open", True) not in events
    assert len(conversation_rows(database_url, Lead, "p3")) == 1
    assert len(conversation_rows(database_url, OutboxMessage, "p3")) == 1


async def test_a_second_request_while_one_waits_is_not_queued_again(database_url: str) -> None:
    tracker = make_tracker(
        [user_event("talk to a person", "request_human")], slots=DETAILS, sender_id="p4"
    )
    await ActionSubmitLead().run(CollectingDispatcher(), tracker, {})
    dispatcher = CollectingDispatcher()
    events = await ActionSubmitLead().run(dispatcher, tracker, {})
    assert "already with the clinic's medical advisors" in rendered(dispatcher.messages)[0]["text"]
    assert SlotSet("handoff_open", True) in events
    assert len(conversation_rows(database_url, Handoff, "p4")) == 1
    assert len(conversation_rows(database_url, OutboxMessage, "p4")) == 1


async def test_a_request_after_the_hand_back_queues_and_notifies_again(database_url: str) -> None:
    from bot.handoff.queue import close_handoff

    tracker = make_tracker(
        [user_event("talk to a person", "request_human")], slots=DETAILS, sender_id="p5"
    )
    await ActionSubmitLead().run(CollectingDispatcher(), tracker, {})
    close_handoff(database_url, "p5", "called back")
    await ActionSubmitLead().run(CollectingDispatcher(), tracker, {})
    assert [h.status for h in conversation_rows(database_url, Handoff, "p5")] == [
        "closed",
        "waiting",
    ]
    events = [row.payload["event"] for row in conversation_rows(database_url, OutboxMessage, "p5")]
    assert events == ["lead.created", "lead.returned"]


async def test_a_returning_patient_is_asked_to_confirm_the_stored_details(
    database_url: str,
) -> None:
    from actions.lead_reuse import ActionAskLeadReuse

    tracker = make_tracker(
        [user_event("talk to a person", "request_human")], slots=DETAILS, sender_id="p6"
    )
    await ActionSubmitLead().run(CollectingDispatcher(), tracker, {})
    from bot.handoff.queue import close_handoff

    close_handoff(database_url, "p6", "called back")

    # The form starts with the confirmation, which names the stored details.
    asking = make_tracker([user_event("talk to a person again", "request_human")], sender_id="p6")
    events = await ValidateLeadForm().run(CollectingDispatcher(), asking, DOMAIN)
    assert SlotSet("requested_slot", "lead_reuse") in events
    dispatcher = CollectingDispatcher()
    await ActionAskLeadReuse().run(dispatcher, asking, DOMAIN)
    question = rendered(dispatcher.messages)[0]["text"]
    assert "Anna Meier" in question and "by email at anna@example.com" in question

    # Yes: the stored details fill the form.
    _, events = await validate("yes", "affirm", "lead_reuse", sender_id="p6")
    assert SlotSet("lead_name", "Anna Meier") in events
    assert SlotSet("lead_consent", "given") in events
    assert SlotSet("requested_slot", None) in events
    # No: the form asks for new details, consent first.
    _, events = await validate("no", "deny", "lead_reuse", sender_id="p6")
    assert SlotSet("lead_reuse", "no") in events
    assert SlotSet("requested_slot", "lead_consent") in events


async def test_on_whatsapp_yes_takes_the_number_the_patient_writes_from() -> None:
    dispatcher = CollectingDispatcher()
    event = {**user_event("yes", "affirm"), "input_channel": "whatsapp"}
    tracker = make_tracker(
        [event], slots={"requested_slot": "lead_contact"}, sender_id="+41791234567"
    )
    events = await ValidateLeadForm().run(dispatcher, tracker, DOMAIN)
    assert SlotSet("lead_phone", "+41791234567") in events
    assert SlotSet("lead_contact", "given") in events


async def test_elsewhere_yes_is_not_a_contact() -> None:
    _, events = await validate("yes", "affirm", "lead_contact", sender_id="+41791234567")
    assert SlotSet("lead_phone", "+41791234567") not in events
