"""Follow-ups ("what about for my wife?", "tell me more") are about the FAQ answered last."""

from __future__ import annotations

from typing import Any

import pytest

from bot.content import Utterance
from bot.follow_up import (
    MORE_ON_TOPIC,
    NO_TOPIC,
    RECENT_TURNS,
    follow_up_answer,
    is_about_someone_else,
    last_faq_topic,
)


def _user(text: str) -> dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {"text": text}}


def _bot(response: str) -> dict[str, Any]:
    return {"event": "bot", "text": "...", "metadata": {"utter_action": response}}


FOLLOW_UP = _user("what about for my wife?")


def test_the_topic_is_the_faq_answered_just_before() -> None:
    events = [
        _user("What does it cost?"),
        _bot("utter_faq/cost"),
        _bot("utter_treatment_disclaimer"),
        FOLLOW_UP,
    ]
    assert last_faq_topic(events) == "faq/cost"


def test_the_latest_faq_wins() -> None:
    events = [_user("q"), _bot("utter_faq/cost"), _user("q"), _bot("utter_faq/safety"), FOLLOW_UP]
    assert last_faq_topic(events) == "faq/safety"


def test_a_follow_up_after_the_followup_answer_keeps_the_topic() -> None:
    events = [_user("q"), _bot("utter_faq/cost"), FOLLOW_UP, _bot("utter_follow_up_someone_else")]
    events += [_bot("utter_faq/cost"), _user("and for my dad?")]
    assert last_faq_topic(events) == "faq/cost"


def test_no_topic_from_an_earlier_session_or_long_ago() -> None:
    earlier_session = [
        _user("q"),
        _bot("utter_faq/cost"),
        {"event": "session_started"},
        FOLLOW_UP,
    ]
    assert last_faq_topic(earlier_session) is None
    long_ago = [_user("q"), _bot("utter_faq/cost")]
    for _ in range(RECENT_TURNS):
        long_ago += [_user("hi"), _bot("utter_greet")]
    assert last_faq_topic([*long_ago, FOLLOW_UP]) is None
    assert last_faq_topic([FOLLOW_UP]) is None


def test_answers_that_were_not_faqs_do_not_count() -> None:
    events = [_user("where are you"), _bot("utter_clinic_address_unknown"), FOLLOW_UP]
    assert last_faq_topic(events) is None


def test_about_someone_else_the_topic_is_answered_again_for_them() -> None:
    assert follow_up_answer("faq/cost", "what about for my wife?") == [
        Utterance("utter_follow_up_someone_else"),
        Utterance("utter_faq/cost"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "and for my father? he's 81",
        "what about someone older?",
        "is it the same for kids?",
        "and my aunt, she is 74",
        "for a 70 year old?",
    ],
)
def test_an_age_brings_the_age_answer_after_the_topic(text: str) -> None:
    assert follow_up_answer("faq/safety", text) == [
        Utterance("utter_follow_up_someone_else"),
        Utterance("utter_faq/safety"),
        Utterance("utter_faq/age"),
    ]


def test_a_duration_is_not_an_age() -> None:
    said = follow_up_answer("faq/safety", "tell me more, I've had RA for 10 years")
    assert said == [Utterance("utter_faq/safety"), Utterance(MORE_ON_TOPIC)]


def test_the_age_answer_is_not_given_twice() -> None:
    assert follow_up_answer("faq/age", "and for my dad, he's 80?") == [
        Utterance("utter_follow_up_someone_else"),
        Utterance("utter_faq/age"),
    ]


def test_asking_for_more_gives_the_answer_again_and_says_that_is_all() -> None:
    assert follow_up_answer("faq/cost", "is that per session?") == [
        Utterance("utter_faq/cost"),
        Utterance(MORE_ON_TOPIC),
    ]


def test_without_a_topic_the_assistant_asks_what_is_meant() -> None:
    assert follow_up_answer(None, "what about my wife") == [Utterance(NO_TOPIC)]
    assert follow_up_answer("faq/no_such_topic", "tell me more") == [Utterance(NO_TOPIC)]


def test_who_counts_as_someone_else() -> None:
    for text in ("and for my husband?", "same for my mum?", "n for my hubby?", "my mother-in-law"):
        assert is_about_someone_else(text), text
    for text in ("tell me more", "can you explain that more simply", "go on"):
        assert not is_about_someone_else(text), text
