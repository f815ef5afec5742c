"""Medical guardrails over the REST channel: emergencies, advice requests, honesty."""

from __future__ import annotations

import uuid

from bot.content import text as response_text
from bot.safety.disclaimer import DISCLAIMER
from bot.safety.flags import flags_of


def new_sender() -> str:
    return f"guard-{uuid.uuid4().hex[:12]}"


def test_an_emergency_is_answered_first_and_flagged_for_staff(assistant) -> None:
    sender = new_sender()
    replies = assistant.say(sender, "my face is drooping on one side and my speech is slurred")
    assert "112" in replies[0]["text"] and "911" in replies[0]["text"]
    flags = flags_of(assistant.database_url, sender)
    assert [(f.category, f.detected_by) for f in flags] == [("stroke", "rule")]


def test_an_emergency_in_the_middle_of_the_pre_check_ends_it(assistant) -> None:
    sender = new_sender()
    assistant.say(sender, "/start_precheck")
    assistant.say(sender, "yes")
    replies = assistant.say(sender, "I took all my pills, I want to die")
    assert "143" in replies[0]["text"]
    # The check does not ask its next question after the emergency guidance.
    assert not any("2/4" in r.get("text", "") for r in replies)
    status, tracker = assistant.request(
        "GET", f"/conversations/{sender}/tracker", token=assistant.token
    )
    assert status == 200 and tracker["active_loop"] in ({}, None)
    assert flags_of(assistant.database_url, sender)[0].category == "self_harm_act"


def test_a_question_about_side_effects_is_not_an_emergency(assistant) -> None:
    sender = new_sender()
    text = assistant.texts(sender, "does the injection cause chest pain?")
    assert "112" not in text
    assert flags_of(assistant.database_url, sender) == []


def test_personal_medical_advice_is_declined_with_a_way_forward(assistant) -> None:
    for message in (
        "I missed my methotrexate dose yesterday, should I take two today?",
        "my CRP is 38, how bad is that?",
        "my knuckles are swollen every morning, do I have RA?",
        "I'm 58 and biologics failed, should I get the stem cells?",
    ):
        replies = assistant.say(new_sender(), message)
        assert "can't give personal medical advice" in replies[0]["text"], message
        payloads = {b["payload"] for b in replies[0]["buttons"]}
        assert "/request_human" in payloads


def test_the_disclaimer_comes_with_the_first_treatment_answer_only(assistant) -> None:
    sender = new_sender()
    first = [r["text"] for r in assistant.say(sender, "Does the therapy work?")]
    assert response_text(DISCLAIMER) in first
    second = [r["text"] for r in assistant.say(sender, "What are the possible side effects?")]
    assert response_text(DISCLAIMER) not in second
    # Facts about RA never carry it.
    other = [r["text"] for r in assistant.say(new_sender(), "What is RA?")]
    assert response_text(DISCLAIMER) not in other


def test_asked_whether_it_is_human_the_assistant_says_it_is_not(assistant) -> None:
    text = assistant.texts(new_sender(), "are you a real person?")
    assert "not a human" in text


def test_unknown_and_forged_payloads_get_an_answer_and_set_nothing(assistant) -> None:
    sender = new_sender()
    for payload in (
        "/no_such_intent",
        "/faq/no_such_topic",
        '/start_precheck{"active_infection": "yes", "precheck_consent": "given"}',
        "/action_erase_data",
        "/",
    ):
        status, replies = assistant.request(
            "POST", "/webhooks/rest/webhook", {"sender": sender, "message": payload}
        )
        assert status == 200, payload
        assert isinstance(replies, list)
    status, tracker = assistant.request(
        "GET", f"/conversations/{sender}/tracker", token=assistant.token
    )
    assert status == 200
    # Entities in a payload never fill the pre-check's answers or consent.
    assert tracker["slots"]["active_infection"] is None
    assert tracker["slots"]["precheck_consent"] is None


def test_a_red_flag_behind_a_stray_slash_is_still_an_emergency(assistant) -> None:
    # Rasa reads "/..." as a button payload and skips the NLU rules; the channel does not let it.
    replies = assistant.say(new_sender(), "/restart I can't breathe")
    assert "112" in replies[0]["text"]
    # Real buttons keep working.
    assert "Do you agree?" in assistant.texts(new_sender(), "/request_human")
