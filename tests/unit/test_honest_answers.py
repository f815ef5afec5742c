"""The answers where the article is silent (issue 14) say what is and is not known, and
every way of asking to book leads to the lead form, not to a text about it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.content import responses

ROOT = Path(__file__).resolve().parents[2]
RESPONSES = responses()


def _text(name: str) -> str:
    return RESPONSES[name][0]["text"]


@pytest.mark.parametrize(
    ("topic", "facts"),
    [
        # Not usually covered while experimental; check with your insurer; a quote.
        ("insurance", ("usually don't pay", "experimental", "your own health insurer", "quote")),
        # What is known and not; how to judge a clinic.
        (
            "legitimacy",
            ("not approved", "small", "358", "evidence", "where the cells come from", "regulator"),
        ),
        ("reviews", ("don't have patient reviews or testimonials", "358", "vary")),
        (
            "other_diseases",
            ("only about rheumatoid arthritis", "psoriatic arthritis", "lupus", "juvenile"),
        ),
        ("other_diseases", ("osteoarthritis", "own doctor", "advisor")),
        ("age", ("no age limit", "overall health", "medical evaluation")),
        ("start_time", ("no waiting times", "consultation", "medical evaluation", "advisor")),
        ("which_doctor", ("rheumatologist", "autoimmune")),
        ("duration", ("how many days you would stay", "before you book travel")),
        ("recovery", ("when you can work", "your job")),
    ],
)
def test_honest_answers_state_what_is_known(topic: str, facts: tuple[str, ...]) -> None:
    text = _text(f"utter_faq/{topic}")
    for fact in facts:
        assert fact in text, (topic, fact)


def test_the_cost_answer_is_honest_about_insurance_and_offers_the_booking() -> None:
    variant = RESPONSES["utter_faq/cost"][0]
    assert "insurers usually don't pay" in variant["text"]
    assert "/request_human" in [b["payload"] for b in variant["buttons"]]


def test_no_button_sends_a_booking_request_as_a_question_for_the_faq() -> None:
    # Asking to book is request_human (the lead form); a button that sent one of its
    # phrasings as text would depend on the model reading it as such.
    nlu = yaml.safe_load((ROOT / "data" / "nlu" / "booking.yml").read_text())
    booking = {
        line[2:].strip()
        for item in nlu["nlu"]
        if item["intent"] == "request_human"
        for line in item["examples"].splitlines()
        if line.startswith("- ")
    }
    for name, variants in RESPONSES.items():
        for variant in variants:
            for button in variant.get("buttons") or []:
                assert button["payload"] not in booking, (name, button)


def test_the_consultation_answer_books_it_with_one_tap() -> None:
    variant = RESPONSES["utter_faq/consultation"][0]
    assert variant["buttons"][0] == {
        "title": "Book the free consultation",
        "payload": "/request_human",
    }


def test_the_next_step_is_the_advisor_or_the_pre_check() -> None:
    payloads = [b["payload"] for b in RESPONSES["utter_next_step"][0]["buttons"]]
    assert payloads == ["/request_human", "/start_precheck"]


def test_medical_questions_outside_ra_go_to_the_own_doctor_or_pharmacist() -> None:
    text = _text("utter_medical_other")
    assert "your own doctor" in text and "pharmacist" in text
    assert "112" not in text  # information, not an emergency answer
