"""The fallback reply matches what went wrong."""

from bot.safety.fallback import (
    NOT_UNDERSTOOD,
    OFFER_HUMAN_AFTER,
    PROBLEM_REPLIES,
    STILL_NOT_UNDERSTOOD,
    fallback_reply,
)
from bot.safety.message_checks import MessageProblem


def test_every_input_problem_has_its_own_reply() -> None:
    assert set(PROBLEM_REPLIES) == set(MessageProblem) - {MessageProblem.UNKNOWN_WORDS}
    assert len({r.text for r in PROBLEM_REPLIES.values()}) == len(PROBLEM_REPLIES)


def test_unknown_words_count_as_an_ordinary_misunderstanding() -> None:
    assert fallback_reply(MessageProblem.UNKNOWN_WORDS, 1) is NOT_UNDERSTOOD
    assert fallback_reply(MessageProblem.UNKNOWN_WORDS, 2) is STILL_NOT_UNDERSTOOD


def test_a_problem_wins_over_the_count() -> None:
    assert fallback_reply(MessageProblem.EMPTY, 5) is PROBLEM_REPLIES[MessageProblem.EMPTY]


def test_first_misunderstanding_asks_to_rephrase_and_says_what_it_can_do() -> None:
    reply = fallback_reply(None, 1)
    assert reply is NOT_UNDERSTOOD
    assert "rephrase" in reply.text and "rheumatoid arthritis" in reply.text


def test_repeated_misunderstanding_offers_a_person() -> None:
    reply = fallback_reply(None, OFFER_HUMAN_AFTER)
    assert reply is STILL_NOT_UNDERSTOOD
    assert reply.buttons[0]["payload"] == "/request_human"


def test_not_english_reply_is_polite_in_several_languages() -> None:
    text = PROBLEM_REPLIES[MessageProblem.NOT_ENGLISH].text
    assert "English" in text and "Englisch" in text and "anglais" in text
