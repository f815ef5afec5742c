"""Detects red-flag (emergency) messages before the NLU model's guess.

Pure and dependency-free so it can run inside the NLU pipeline, in actions and in
tests. It errs towards safety: a false alarm costs a patient one extra sentence, a
missed emergency can cost much more. General questions about side effects ("does the
injection cause chest pain?") are not emergencies and are left to the FAQ.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Each category is a list of patterns matched against the lower-cased message.
_NEG = r"(?:can'?t|cannot|can not|could not|couldn'?t|unable to|struggling to|hard to|trouble|difficulty)"

_PATTERNS: dict[str, list[str]] = {
    "chest_pain": [
        r"\b(crushing|severe|sharp|bad|strong|intense|terrible)\b[^.?!]{0,20}\bchest\b",
        r"\bchest\b[^.?!]{0,25}\b(pain|pressure|tight|tightness|hurts?|hurting|aching|crushing|squeez)",
        r"\b(having|think i'?m having|think this is|it'?s) (a )?heart attack\b",
        r"\bpain\b[^.?!]{0,30}\b(left arm|jaw)\b",
    ],
    "breathing": [
        rf"\b{_NEG}\b[^.?!]{{0,12}}\b(breathe|breathing|get (my )?breath|catch my breath)\b",
        r"\b(short(ness)? of breath|out of breath|gasping|choking|suffocat)",
        r"\bbreathing (is )?(hard|difficult|very bad|problems?)\b",
    ],
    "stroke": [
        r"\b(face|mouth|smile)\b[^.?!]{0,20}\b(droop|drooping|droops|numb|lopsided|crooked)\b",
        r"\bslurr(ed|ing)\b",
        r"\b(can'?t|cannot|unable to) (speak|talk|move (my|one|the) (arm|leg|side))\b",
        r"\b(one side|left side|right side|arm|leg)\b[^.?!]{0,25}\b(went |gone |is |feels |suddenly )*(numb|weak|paralys|paralyz)",
        r"\bhaving a stroke\b|\bi think (it'?s|i'?m having|this is) a stroke\b",
    ],
    "anaphylaxis": [
        r"\banaphyla",
        r"\b(throat|tongue|lips?|face)\b[^.?!]{0,20}\b(swell|swelling|swollen|closing|tight)",
        r"\b(severe|bad|serious|strong)\b[^.?!]{0,15}\ballergic reaction\b",
        r"\bhives all over\b",
    ],
    "bleeding": [
        r"\bbleeding\b[^.?!]{0,25}\b(won'?t|will not|doesn'?t|does not|isn'?t|can'?t|cannot)\b[^.?!]{0,10}\bstop",
        r"\b(heavy|heavily|severe|lots of|a lot of|massive|uncontrolled)\b[^.?!]{0,12}\b(bleed|bleeding|blood)\b",
        r"\bbleeding (heavily|a lot|badly|non-?stop)\b",
        r"\b(vomiting|coughing|throwing up) (up )?blood\b",
    ],
    "post_injection_infection": [
        r"\bfever\b[^.?!]{0,60}\b(hot|swollen|red)\b[^.?!]{0,30}\b(joint|knee|hip|injection|shoulder|hand)",
        r"\b(hot|swollen|red)\b[^.?!]{0,30}\b(joint|knee|injection site)\b[^.?!]{0,60}\b(fever|temperature|chills)\b",
    ],
    "unconscious": [
        r"\b(unconscious|passed out|fainted|collapsed|not responding|unresponsive)\b",
        r"\bseizure\b|\bfitting\b",
    ],
    "self_harm": [
        r"\bsuicid",
        r"\b(kill|hurt|harm|cut|hang) (myself|my self)\b",
        r"\bself[- ]?harm",
        r"\bend (my life|it all|everything)\b",
        r"\b(want|wanna|going) to die\b|\bwish i (was|were) dead\b",
        r"\b(sleep|go to sleep) (forever|and never wake)",
        r"\b(don'?t|do not|never) want to wake up\b",
        r"\bbetter off without me\b",
        r"\bno (reason|point) (to|in) (live|living|go on|going on)\b",
        r"\b(take|swallow) all (of )?my (pills|tablets|medication)\b|\boverdose\b",
        r"\bcan'?t go on\b|\bdon'?t want to live\b|\bdon'?t want to be here anymore\b",
    ],
}

_COMPILED = {cat: [re.compile(p) for p in pats] for cat, pats in _PATTERNS.items()}

# A general question about what the treatment may cause is a FAQ, not an emergency.
_GENERAL_QUESTION = re.compile(
    r"^\s*(does|do|can|could|will|would|is|are|what|which|how|might|may)\b[^.!]*"
    r"\b(cause|causes|side effects?|risks?|lead to|happen|result in|possible|common|"
    r"treatment|therapy|injections?|stem cells?)\b"
)
_HAPPENING_NOW = re.compile(
    r"\b(i have|i've got|i'm having|i am having|i have got|i feel|i'm feeling|my|right now|"
    r"at the moment|currently|since|just now|suddenly|help me)\b"
)


@dataclass(frozen=True)
class RedFlag:
    """A detected emergency: its category and the text that triggered it."""

    category: str
    matched: str


def detect_red_flag(text: str) -> RedFlag | None:
    """Return the first red flag found in ``text``, or ``None``."""
    lowered = " ".join(text.lower().replace("’", "'").split())
    if not lowered:
        return None
    general = bool(_GENERAL_QUESTION.search(lowered)) and not _HAPPENING_NOW.search(lowered)
    for category, patterns in _COMPILED.items():
        for pattern in patterns:
            match = pattern.search(lowered)
            if not match:
                continue
            # Self-harm is never explained away: a crisis line is never the wrong answer.
            if general and category != "self_harm":
                continue
            return RedFlag(category=category, matched=match.group(0))
    return None
