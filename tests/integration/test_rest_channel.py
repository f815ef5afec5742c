"""The assistant over its REST channel: answers, hard input, persistence."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from bot.content import text as response_text
from bot.safety.fallback import NOT_UNDERSTOOD, PROBLEM_RESPONSES, STILL_NOT_UNDERSTOOD
from bot.safety.message_checks import MessageProblem


def new_sender() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def test_greeting_discloses_the_bot_and_offers_a_menu(assistant) -> None:
    replies = assistant.say(new_sender(), "hello")
    assert "automated assistant" in replies[0]["text"]
    assert "not medical advice" in replies[0]["text"]
    titles = [b["title"] for b in replies[0]["buttons"]]
    assert "What is RA?" in titles and "Talk to an advisor" in titles


def test_a_faq_question_gets_its_answer_and_next_steps(assistant) -> None:
    replies = assistant.say(new_sender(), "how much would the stem cell treatment cost me?")
    assert "7,000" in replies[0]["text"] and "25,000" in replies[0]["text"]
    assert replies[0]["buttons"], "FAQ answers end with a next step"


def test_a_menu_button_lands_on_its_topic(assistant) -> None:
    replies = assistant.say(new_sender(), "What does it cost?")
    assert "€7,000" in replies[0]["text"]


def test_an_empty_message_gets_a_polite_answer(assistant) -> None:
    text = assistant.texts(new_sender(), "")
    assert text == response_text(PROBLEM_RESPONSES[MessageProblem.EMPTY])


def test_whitespace_only_is_treated_as_empty(assistant) -> None:
    assert assistant.texts(new_sender(), "   \n\t") == response_text(PROBLEM_RESPONSES[MessageProblem.EMPTY])


def test_a_5000_character_message_is_answered_sensibly(assistant) -> None:
    story = (
        "I have had rheumatoid arthritis for many years and my hands hurt every morning. " * 70
    )[:5000]
    assert len(story) == 5000
    text = assistant.texts(new_sender(), story)
    assert text == response_text(PROBLEM_RESPONSES[MessageProblem.TOO_LONG])


def test_an_emergency_inside_a_long_message_is_still_caught(assistant) -> None:
    story = (
        "I have RA and I wanted to ask about the therapy. " * 60
        + "Right now I have crushing chest pain."
    )
    assert "112" in assistant.texts(new_sender(), story)


def test_emoji_only_gets_a_polite_answer(assistant) -> None:
    assert assistant.texts(new_sender(), "🙂👍") == response_text(PROBLEM_RESPONSES[MessageProblem.NO_WORDS])


def test_a_non_english_question_gets_a_polite_answer(assistant) -> None:
    text = assistant.texts(
        new_sender(), "Was kostet die Stammzelltherapie bei rheumatoider Arthritis?"
    )
    assert text == response_text(PROBLEM_RESPONSES[MessageProblem.NOT_ENGLISH])


def test_an_emergency_gets_emergency_numbers_first(assistant) -> None:
    replies = assistant.say(new_sender(), "my dad's face is drooping and he can't speak properly")
    assert "112" in replies[0]["text"] and "911" in replies[0]["text"]


def test_a_question_about_chest_pain_as_a_side_effect_is_not_an_emergency(assistant) -> None:
    text = assistant.texts(new_sender(), "does the injection cause chest pain?")
    assert "112" not in text


def test_the_bot_says_it_is_a_bot(assistant) -> None:
    assert "not a human" in assistant.texts(new_sender(), "are you a real human being?")


def test_out_of_scope_says_what_it_can_help_with(assistant) -> None:
    text = assistant.texts(new_sender(), "who won the football world cup in 2014?")
    assert "only answer questions about rheumatoid arthritis" in text


def test_repeated_misunderstanding_offers_a_person(assistant) -> None:
    sender = new_sender()
    first = assistant.texts(sender, "xq zvv plorkt")
    second = assistant.texts(sender, "blemf quozzle frip")
    assert first == response_text(NOT_UNDERSTOOD)
    assert second == response_text(STILL_NOT_UNDERSTOOD)


def test_conversations_are_stored_in_the_sql_tracker_store(assistant) -> None:
    sender = new_sender()
    assistant.say(sender, "what are mesenchymal stem cells")
    engine = sa.create_engine(assistant.database_url, future=True)
    with engine.connect() as conn:
        types = (
            conn.execute(
                sa.text("SELECT type_name FROM events WHERE sender_id = :s ORDER BY id"),
                {"s": sender},
            )
            .scalars()
            .all()
        )
    assert "user" in types and "bot" in types


def test_the_http_api_requires_the_token(assistant) -> None:
    sender = new_sender()
    assistant.say(sender, "hi")
    status, _ = assistant.request("GET", f"/conversations/{sender}/tracker")
    assert status == 401
    status, tracker = assistant.request(
        "GET", f"/conversations/{sender}/tracker", token=assistant.token
    )
    assert status == 200
    assert tracker["latest_message"]["intent"]["name"] == "greet"


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"null",
        b"[]",
        b'"hello"',
        b"{not json",
        b'{"message": "hi"}',
        b'{"sender": "", "message": "hi"}',
        b'{"sender": 5, "message": "hi"}',
        b'{"sender": "a", "message": {"x": 1}}',
        b'{"sender": "a"}',
        b'{"sender": "a", "message": "hi", "metadata": [1]}',
    ],
)
def test_malformed_webhook_bodies_get_a_4xx_not_a_server_error(assistant, raw: bytes) -> None:
    status, body = assistant.request("POST", "/webhooks/rest/webhook", raw=raw)
    assert status == 400, (raw, status, body)


def test_an_oversized_message_is_refused_and_a_long_one_answered(assistant) -> None:
    status, _ = assistant.request(
        "POST", "/webhooks/rest/webhook", {"sender": new_sender(), "message": "x " * 15_000}
    )
    assert status == 413
    text = assistant.texts(new_sender(), "my story " * 1_100)  # ~10,000 characters
    assert text == response_text(PROBLEM_RESPONSES[MessageProblem.TOO_LONG])


def test_control_characters_do_not_break_the_conversation(assistant) -> None:
    sender = new_sender()
    assert "automated assistant" in assistant.texts(sender, "\u0000\u0007hello\u001b")
    assert "7,000" in assistant.texts(sender, "What does it cost?")
