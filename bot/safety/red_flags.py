"""Red flags: any message the safety net does not triage as routine.

Pure and free of Rasa, so the NLU pipeline, the actions, the channels and the handoff
all ask the same question the same way (``bot.safety.triage`` holds the rules). It errs
towards safety: a false alarm costs a patient one extra message, a missed emergency
can cost much more.
"""

from __future__ import annotations

from bot.safety.triage.engine import Finding, triage
from bot.safety.triage.normalise import fold

# Guidance when only the NLU model heard an emergency (no rule, so no level or language).
DEFAULT_GUIDANCE = "utter_emergency"


# A red flag is the safety net's finding for a message that is not routine.
RedFlag = Finding


def detect_red_flag(text: str) -> RedFlag | None:
    """The most serious red flag in ``text``, or ``None`` when it is routine."""
    return triage(text)


def guidance_for(metadata: dict | None) -> str:
    """The response to send for a message's red-flag metadata (see ``as_metadata``)."""
    return (metadata or {}).get("response") or DEFAULT_GUIDANCE


# Context kept around a red flag found in an over-long message.
EXCERPT_CONTEXT_CHARS = 1000


def red_flag_excerpt(text: str) -> str | None:
    """The part of a long ``text`` around its red flag, or ``None`` without one.

    A message too long for the channels must not lose an emergency written in it: the
    excerpt still reads as the same red flag, so the guidance and the flag follow.
    """
    flag = detect_red_flag(text)
    if flag is None:
        return None
    folded = fold(text)
    first = flag.matched.split(" + ")[0]
    at = max(0, folded.find(first))
    start = max(0, at - EXCERPT_CONTEXT_CHARS)
    excerpt = folded[start : at + len(first) + EXCERPT_CONTEXT_CHARS]
    # Context can change the reading (a general question in the window); the bare
    # words that matched are then the safer excerpt.
    return excerpt if detect_red_flag(excerpt) is not None else flag.matched
