"""Follow-ups in context: "what about for my wife?", "tell me more".

Such a message names no topic of its own; it is about the FAQ answered just before. That
topic is read from the conversation's events (the ``utter_action`` Rasa records with
every response sent by name, ``utter_faq/<topic>``), so it is the answer the patient
actually saw, whichever action sent it. Pure: the action only adapts it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from bot.content import Utterance, responses
from bot.faq_choice import FAQ_INTENT, RETRIEVAL_RESPONSES, answer_response

FAQ_RESPONSE_PREFIX = f"{RETRIEVAL_RESPONSES}/"
# Rasa's metadata key for the response a bot message was sent as (the same scan would
# take it for a response name, hence two parts).
UTTER_ACTION_KEY = "utter" + "_action"
# A follow-up refers to a recent answer: the FAQ must have been answered within this many
# of the patient's previous messages, in this session.
RECENT_TURNS = 3

ABOUT_SOMEONE_ELSE = "utter_follow_up_someone_else"
MORE_ON_TOPIC = "utter_follow_up_more"
NO_TOPIC = "utter_follow_up_no_topic"

_SOMEONE_ELSE = re.compile(
    r"\b(wife|husband|hubby|partner|spouse|mum|mom|mother|mother-in-law|father|father-in-law"
    r"|dad|son|daughter|sister|brother|aunt|uncle|grandmother|grandma|grandfather|grandpa"
    r"|granny|friend|neighbou?r|colleague|family|relative|parents?|other people|someone else"
    r"|somebody else|others)\b",
    re.IGNORECASE,
)


# An age or a stage of life in the follow-up ("she's 78", "and for someone older?",
# "kids?"): the age answer goes with the topic's, as age is what was asked about.
_AGE = re.compile(
    r"\b(?:(?:she|he|they)(?:'s| is| are)|aged?)\s+\d{1,3}\b"
    r"|\b\d{1,3}[\s-]*(?:years?|yrs?)[\s-]*old\b|\b\d{1,3}\s*y/?o\b"
    r"|\b(?:older|elderly|seniors?|pensioners?|old age|children|child|kids?"
    r"|teenagers?|teens?|minors?|young people)\b",
    re.IGNORECASE,
)
AGE_TOPIC = f"{FAQ_INTENT}/age"


def last_faq_topic(events: Iterable[Mapping[str, Any]]) -> str | None:
    """The ``faq/<topic>`` answered within the last ``RECENT_TURNS`` turns of this
    session, or ``None``. ``events`` end with the follow-up itself."""
    earlier = list(events)
    # The follow-up's own user event (and anything after it) is not "before".
    while earlier and earlier[-1].get("event") != "user":
        earlier.pop()
    if earlier:
        earlier.pop()
    turns = 0
    for event in reversed(earlier):
        kind = event.get("event")
        if kind == "session_started":
            return None
        if kind == "user":
            turns += 1
            if turns >= RECENT_TURNS:
                return None
        if kind == "bot":
            action = (event.get("metadata") or {}).get(UTTER_ACTION_KEY) or ""
            if action.startswith(FAQ_RESPONSE_PREFIX):
                return f"{FAQ_INTENT}/" + action.removeprefix(FAQ_RESPONSE_PREFIX)
    return None


def is_about_someone_else(text: str) -> bool:
    """Whether the follow-up asks about another person ("and for my wife?")."""
    return bool(_SOMEONE_ELSE.search(text or ""))


def mentions_age(text: str) -> bool:
    """Whether the follow-up names an age or a stage of life ("she's 78", "kids")."""
    return bool(_AGE.search(text or ""))


def follow_up_answer(topic: str | None, text: str) -> list[Utterance]:
    """What to say: the topic's answer again, for another person (with the age answer
    when an age is named) or followed by a note that this is all the article says and
    the advisor knows more; without a topic, a question back."""
    name = answer_response(topic or "")
    if topic is None or name not in responses():
        return [Utterance(NO_TOPIC)]
    age_named = mentions_age(text)
    if age_named or is_about_someone_else(text):
        said = [Utterance(ABOUT_SOMEONE_ELSE), Utterance(name)]
        age = answer_response(AGE_TOPIC)
        if age_named and name != age and age in responses():
            said.append(Utterance(age))
        return said
    # "how common are they?", "is that per session?": the answer again, with what the
    # article leaves out said plainly, rather than a list of other questions.
    return [Utterance(name), Utterance(MORE_ON_TOPIC)]
