"""Which answer a message gets when the assistant could not interpret it.

The texts are the domain's ``utter_fallback_*`` responses (data/responses/safety.yml);
this picks one from what went wrong and how often in a row.
"""

from __future__ import annotations

from bot.safety.message_checks import MessageProblem

# After this many misunderstandings in a row, a person is likely the better help.
OFFER_HUMAN_AFTER = 2

NOT_UNDERSTOOD = "utter_fallback_not_understood"
STILL_NOT_UNDERSTOOD = "utter_fallback_still_not_understood"
PROBLEM_RESPONSES = {
    MessageProblem.EMPTY: "utter_fallback_empty",
    MessageProblem.NO_WORDS: "utter_fallback_no_words",
    MessageProblem.TOO_LONG: "utter_fallback_too_long",
    MessageProblem.CODE: "utter_fallback_code",
    MessageProblem.NOT_ENGLISH: "utter_fallback_not_english",
}


def fallback_response(problem: MessageProblem | None, misunderstood_in_a_row: int) -> str:
    """The response to a message the assistant could not answer.

    ``misunderstood_in_a_row`` counts the user's latest messages, this one included,
    that ended in the fallback. Unknown words get the ordinary not-understood answer.
    """
    if problem in PROBLEM_RESPONSES:
        return PROBLEM_RESPONSES[problem]
    if misunderstood_in_a_row >= OFFER_HUMAN_AFTER:
        return STILL_NOT_UNDERSTOOD
    return NOT_UNDERSTOOD
