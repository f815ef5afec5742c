"""Questions about the clinic are answered from clinic.yml, and honestly when a fact is unset."""

from __future__ import annotations

import pytest

from bot.clinic.answers import (
    CLINIC_INTENTS,
    AdvisorHours,
    answer_clinic_question,
    asked_contact_ways,
)
from bot.clinic.facts import ClinicFacts
from bot.content import Utterance, render, responses

HOURS = AdvisorHours("Mon-Fri 09:00-17:00", "Europe/Zurich")
CONTACT = "the contact form on the clinic's website"
FULL = ClinicFacts(
    name="Seeblick Klinik",
    address="Seestrasse 1, 8000 Zürich, Switzerland",
    phone="+41 44 123 45 67",
    email="info@seeblick.example",
    website="https://seeblick.example",
    opening_hours="Monday to Friday 08:00-18:00",
    languages=("English", "German"),
    payment_options=("bank transfer", "credit card"),
    travel_help=True,
)


def _said(intent: str, text: str, facts: ClinicFacts) -> list[str]:
    return [render(u) for u in answer_clinic_question(intent, text, facts, HOURS, CONTACT)]


@pytest.mark.parametrize(
    ("intent", "question", "fact"),
    [
        ("clinic_name", "what's the clinic called", "Seeblick Klinik"),
        ("clinic_location", "which country is the clinic in", "8000 Zürich, Switzerland"),
        ("clinic_hours", "are you open on saturdays", "Monday to Friday 08:00-18:00"),
        ("clinic_languages", "do you speak German", "English, German"),
        ("clinic_payment", "can I pay by card", "bank transfer, credit card"),
        ("clinic_contact", "what's your phone number", "+41 44 123 45 67"),
    ],
)
def test_a_configured_fact_is_said_as_written(intent: str, question: str, fact: str) -> None:
    said = " ".join(_said(intent, question, FULL))
    assert fact in said
    assert "don't have" not in said


@pytest.mark.parametrize("intent", sorted(CLINIC_INTENTS))
def test_an_unset_fact_is_honestly_unknown_with_the_advisor_button(intent: str) -> None:
    utterances = answer_clinic_question(intent, "tell me", ClinicFacts(), HOURS, CONTACT)
    assert len(utterances) == 1
    said = render(utterances[0])
    assert "I don't have" in said and "the clinic's advisor can tell you" in said
    buttons = responses()[utterances[0].response][0]["buttons"]
    assert "/request_human" in [b["payload"] for b in buttons]


def test_unknown_opening_hours_say_when_the_advisors_answer_in_the_chat() -> None:
    (said,) = _said("clinic_hours", "when are you open", ClinicFacts())
    assert "Mon-Fri 09:00-17:00 (Europe/Zurich)" in said


def test_no_contact_details_at_all_point_to_the_configured_clinic_contact() -> None:
    (said,) = _said("clinic_contact", "how do I contact you", ClinicFacts())
    assert CONTACT in said


def test_a_general_contact_question_gets_every_configured_way() -> None:
    facts = ClinicFacts(phone="+41 44 123 45 67", website="https://seeblick.example")
    said = _said("clinic_contact", "how do I get in touch with you", facts)
    assert said == [
        "You can call the clinic on +41 44 123 45 67.",
        "The clinic's website: https://seeblick.example.",
    ]


def test_a_question_for_an_unset_way_says_so_and_offers_the_ways_there_are() -> None:
    facts = ClinicFacts(email="info@seeblick.example")
    said = _said("clinic_contact", "what's your phone number", facts)
    assert "don't have the clinic's phone number" in said[0]
    assert said[1] == "The clinic's email address: info@seeblick.example."


def test_a_question_for_a_set_way_gets_just_that_way() -> None:
    assert _said("clinic_contact", "give me your email", FULL) == [
        "The clinic's email address: info@seeblick.example."
    ]


@pytest.mark.parametrize(
    ("question", "ways"),
    [
        ("what's your phone number", ("phone",)),
        ("can I call you", ("phone",)),
        ("email address of the clinic?", ("email",)),
        ("do you have a website", ("website",)),
        ("phone or email?", ("phone", "email")),
        ("how do I contact the clinic", ("phone", "email", "website")),
    ],
)
def test_which_ways_of_contact_a_question_names(question: str, ways: tuple[str, ...]) -> None:
    assert asked_contact_ways(question) == ways


def test_travel_help_yes_no_and_details() -> None:
    assert "offers help" in _said("clinic_travel", "hotel?", ClinicFacts(travel_help=True))[0]
    assert "does not arrange" in _said("clinic_travel", "hotel?", ClinicFacts(travel_help=False))[0]
    detailed = ClinicFacts(travel_help=True, travel_help_details="a partner hotel nearby")
    assert "a partner hotel nearby" in _said("clinic_travel", "hotel?", detailed)[0]


def test_any_other_intent_gets_the_ways_of_reaching_the_clinic() -> None:
    assert answer_clinic_question("greet", "hi", ClinicFacts(), HOURS, CONTACT) == [
        Utterance("utter_clinic_contact_unknown", {"clinic_contact": CONTACT})
    ]
