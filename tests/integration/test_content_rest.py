"""Issue 14 over the REST channel: what real visitors ask next (booking, the clinic's
practical facts, honest answers where the article is silent, medical questions outside
RA, follow-ups). The phrasings are the issue's own, paraphrased there."""

from __future__ import annotations

import uuid

import pytest

from bot.content import text
from bot.safety.flags import flags_of


def new_sender() -> str:
    return f"content-{uuid.uuid4().hex[:12]}"


@pytest.mark.parametrize(
    "message",
    [
        "I'd like to register",
        "can I book an appointment?",
        "how do I arrange the free consultation?",
        "sign me up please",
        "could you have someone call me back?",
    ],
)
def test_asking_to_book_register_or_be_called_back_starts_the_consented_lead_form(
    assistant, message: str
) -> None:
    said = assistant.texts(new_sender(), message)
    assert text("utter_ask_lead_consent") in said
    assert text("utter_out_of_scope") not in said
    assert text("utter_faq/consultation") not in said


def test_the_next_step_is_a_choice_between_the_advisor_and_the_pre_check(assistant) -> None:
    (reply,) = assistant.say(new_sender(), "ok, what's the next step?")
    assert reply["text"] == text("utter_next_step")
    assert {b["payload"] for b in reply["buttons"]} == {"/request_human", "/start_precheck"}


@pytest.mark.parametrize("message", ["where is the clinic?", "which country is the clinic in?"])
def test_where_the_clinic_is_comes_from_clinic_yml_never_a_guess(assistant, message: str) -> None:
    # The demo clinic configures no address: the honest answer, with the advisor button.
    (reply,) = assistant.say(new_sender(), message)
    assert reply["text"] == text("utter_clinic_address_unknown")
    assert "/request_human" in {b["payload"] for b in reply["buttons"]}


def test_the_demo_clinic_names_itself(assistant) -> None:
    assert "Lakeside Joint Clinic (demo)" in assistant.texts(new_sender(), "what's the clinic called?")


@pytest.mark.parametrize(
    ("message", "answer"),
    [
        ("is this a rip-off?", "utter_faq/legitimacy"),
        ("do you have patient reviews?", "utter_faq/reviews"),
        ("does my health plan pay for it?", "utter_faq/insurance"),
        ("which kind of doctor treats autoimmune diseases?", "utter_faq/which_doctor"),
    ],
)
def test_honest_answers_where_the_article_is_silent(assistant, message: str, answer: str) -> None:
    assert text(answer) in assistant.texts(new_sender(), message)


def test_the_autoimmune_doctor_is_a_rheumatologist(assistant) -> None:
    said = assistant.texts(new_sender(), "which kind of doctor treats autoimmune diseases?")
    assert "rheumatologist" in said


def test_a_heart_rhythm_test_result_goes_to_the_own_doctor_not_the_efficacy_answer(
    assistant,
) -> None:
    said = assistant.texts(
        new_sender(), "my heart rhythm test showed atrial fibrillation, what does that mean?"
    )
    assert "your own doctor" in said
    assert text("utter_faq/effectiveness") not in said


@pytest.mark.parametrize(
    "message",
    ["what is a normal resting heart rate?", "what counts as a paracetamol overdose in general?"],
)
def test_an_alarming_word_in_a_question_for_information_is_no_emergency(
    assistant, message: str
) -> None:
    sender = new_sender()
    said = assistant.texts(sender, message)
    assert "112" not in said and "911" not in said
    assert flags_of(assistant.database_url, sender) == []


def test_follow_ups_stay_on_the_topic_of_the_treatment_answer(assistant) -> None:
    sender = new_sender()
    assistant.texts(sender, "Does the therapy work?")
    assert text("utter_faq/duration") in assistant.texts(
        sender, "and how long does the effect last?"
    )
    said = assistant.texts(sender, "what about for my wife?")
    assert said.startswith(text("utter_follow_up_someone_else"))
    assert text("utter_faq/duration") in said
    assert text("utter_faq/cost") in assistant.texts(sender, "how much is that?")
