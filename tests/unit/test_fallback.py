"""The fallback reply matches what went wrong."""

from bot.content import responses, text
from bot.safety.fallback import (
    NOT_UNDERSTOOD,
    OFFER_HUMAN_AFTER,
    PROBLEM_RESPONSES,
    STILL_NOT_UNDERSTOOD,
    fallback_response,
)
from bot.safety.message_checks import MessageProblem


def test_every_input_problem_has_its_own_reply() -> None:
    assert set(PROBLEM_RESPONSES) == set(MessageProblem) - {MessageProblem.UNKNOWN_WORDS}
    assert len({text(r) for r in PROBLEM_RESPONSES.values()}) == len(PROBLEM_RESPONSES)


def test_unknown_words_count_as_an_ordinary_misunderstanding() -> None:
    assert fallback_response(MessageProblem.UNKNOWN_WORDS, 1) == NOT_UNDERSTOOD
    assert fallback_response(MessageProblem.UNKNOWN_WORDS, 2) == STILL_NOT_UNDERSTOOD


def test_a_problem_wins_over_the_count() -> None:
    assert fallback_response(MessageProblem.EMPTY, 5) == PROBLEM_RESPONSES[MessageProblem.EMPTY]


def test_first_misunderstanding_asks_to_rephrase_and_says_what_it_can_do() -> None:
    reply = fallback_response(None, 1)
    assert reply == NOT_UNDERSTOOD
    assert "rephrase" in text(reply) and "rheumatoid arthritis" in text(reply)


def test_repeated_misunderstanding_offers_a_person() -> None:
    reply = fallback_response(None, OFFER_HUMAN_AFTER)
    assert reply == STILL_NOT_UNDERSTOOD
    assert responses()[reply][0]["buttons"][0]["payload"] == "/request_human"


def test_not_english_reply_is_polite_in_several_languages() -> None:
    said = text(PROBLEM_RESPONSES[MessageProblem.NOT_ENGLISH])
    assert "English" in said and "Englisch" in said and "anglais" in said
