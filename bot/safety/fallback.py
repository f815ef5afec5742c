"""How the assistant answers a message it could not interpret.

The texts live here rather than in the domain: Rasa's validator flags any domain
response that no rule or story uses, and these are only ever sent by the fallback
action, which picks one from what went wrong.
"""

from __future__ import annotations

from bot.reply import ADVISOR, TOPICS, Reply
from bot.safety.message_checks import MessageProblem

# After this many misunderstandings in a row, a person is likely the better help.
OFFER_HUMAN_AFTER = 2

NOT_UNDERSTOOD = Reply(
    "Sorry, I'm not sure I understood. Could you rephrase it? I can answer questions "
    "about rheumatoid arthritis and the clinic's stem cell therapy: how it works, "
    "research, safety, suitability, procedure and cost.",
    [TOPICS, ADVISOR],
)
STILL_NOT_UNDERSTOOD = Reply(
    "Sorry, I still didn't understand. A medical advisor may be able to help you "
    "better than I can.",
    [ADVISOR, TOPICS],
)
PROBLEM_REPLIES = {
    MessageProblem.EMPTY: Reply(
        "It looks like your message was empty. What would you like to know about RA "
        "or stem cell therapy?",
        [TOPICS],
    ),
    MessageProblem.NO_WORDS: Reply(
        "I can only read words, not emoji or symbols on their own. Please type your "
        'question, for example: "What does the treatment cost?"',
        [TOPICS],
    ),
    MessageProblem.TOO_LONG: Reply(
        "Thank you for the detail. That message is too long for me to answer well. "
        "Could you ask your main question in a sentence or two? For a detailed look "
        "at your situation, a medical advisor can help.",
        [ADVISOR, TOPICS],
    ),
    MessageProblem.CODE: Reply(
        "I can only read questions in plain words, not code or web markup. Please type "
        'your question, for example: "What does the treatment cost?"',
        [TOPICS],
    ),
    MessageProblem.NOT_ENGLISH: Reply(
        "Sorry, I can only answer in English for now. (Leider nur auf Englisch. "
        "Désolé, seulement en anglais. Mi dispiace, solo in inglese. Lo siento, solo "
        "en inglés.) For anything I can't answer, you can ask for the clinic's "
        "medical advisor.",
        [ADVISOR],
    ),
}


def fallback_reply(problem: MessageProblem | None, misunderstood_in_a_row: int) -> Reply:
    """The reply to a message the assistant could not answer.

    ``misunderstood_in_a_row`` counts the user's latest messages, this one included,
    that ended in the fallback. Unknown words get the ordinary not-understood reply.
    """
    if problem in PROBLEM_REPLIES:
        return PROBLEM_REPLIES[problem]
    if misunderstood_in_a_row >= OFFER_HUMAN_AFTER:
        return STILL_NOT_UNDERSTOOD
    return NOT_UNDERSTOOD
