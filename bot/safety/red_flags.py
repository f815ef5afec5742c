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
_CHEST = r"(?:chest|chst|chets|chesr)"
_BREATHE = r"(?:breathe|breathing|breath|breth|brethe|breeth|breathe properly)"
_NEG = r"(?:can'?t|cannot|can not|could not|couldn'?t|unable to|struggling to|hard to|trouble|difficulty)"

_PATTERNS: dict[str, list[str]] = {
    "chest_pain": [
        rf"\b(crushing|severe|sharp|bad|strong|intense|terrible)\b[^.?!]{{0,20}}\b{_CHEST}\b",
        rf"\b{_CHEST}\b[^.?!]{{0,25}}\b(pain|pian|pressure|tight|tightness|hurts?|hurting|aching|crushing|squeez)",
        rf"\b(elephant|weight|something heavy|a brick|a band|vice|vise)\b[^.?!]{{0,30}}\b(on|around|across|crushing) my {_CHEST}\b",
        rf"\b{_CHEST}\b[^?!]{{0,60}}\b(sweat|sweating|clammy|jaw|left arm|nause)",
        r"\b(having|think i'?m having|think this is|it'?s) (a )?heart attack\b",
        r"\bpain\b[^.?!]{0,30}\b(left arm|jaw)\b",
    ],
    "breathing": [
        rf"\b{_NEG}\b[^.?!]{{0,12}}\b({_BREATHE}|get (my )?breath|catch my breath|get (any )?air)\b",
        r"\b(lips|face|fingers) (are |is |went |turning |going )*(blue|grey|gray)\b",
        r"\b(short(ness)? of breath|out of breath|gasping|choking|suffocat)",
        r"\bbreathing (is )?(hard|difficult|very bad|problems?)\b",
    ],
    "stroke": [
        r"\b(face|mouth|smile)\b[^.?!]{0,20}\b(droop|drooping|droops|numb|lopsided|crooked)\b",
        r"\bslurr(ed|ing)\b|\bspeech\b[^.?!]{0,15}\b(garbled|jumbled|slurred|strange|gone)\b",
        r"\bwords\b[^.?!]{0,15}\b(coming|come|came) out (wrong|jumbled|garbled)\b",
        r"\bface\b[^.?!]{0,10}\b(isn'?t|is not|not|stopped) moving\b",
        r"\b(arm|leg|hand|foot)\b (feels |went |is |has gone )+(dead|limp|heavy and numb)\b",
        r"\b(can'?t|cannot|unable to) (speak|talk|move (my|one|the) (arm|leg|side))\b",
        r"\b(one side|left side|right side|arm|leg)\b[^.?!]{0,25}\b(went |gone |is |feels |suddenly )*(numb|weak|paralys|paralyz)",
        r"\bhaving a stroke\b|\bi think (it'?s|i'?m having|this is) a stroke\b",
    ],
    "anaphylaxis": [
        r"\banaphyla",
        r"\b(throat|tongue|lips?|face)\b[^.?!]{0,20}\b(swell|swelling|swollen|closing|tight)",
        r"\btongue\b (feels |is |looks )?(huge|thick|enormous|too big)\b",
        r"\b(severe|bad|serious|strong)\b[^.?!]{0,15}\ballergic reaction\b",
        r"\bhives all over\b",
    ],
    "bleeding": [
        r"\bbleeding\b[^.?!]{0,40}\b(won'?t|will not|doesn'?t|does not|isn'?t|can'?t|cannot)\b[^.?!]{0,10}\bstop",
        r"\bblood\b[^.?!]{0,30}\b(soaking|soaked|pouring|gushing|spurting|dripping)\b",
        r"\b(heavy|heavily|severe|lots of|a lot of|massive|uncontrolled)\b[^.?!]{0,12}\b(bleed|bleeding|blood)\b",
        r"\bbleeding (heavily|a lot|badly|non-?stop)\b",
        r"\b(vomiting|coughing|throwing up) (up )?blood\b",
    ],
    # Fever with a hot, swollen joint: the words may come in any order (see below).
    "post_injection_infection": [],
    "unconscious": [
        r"\b(unconscious|passed out|fainted|collapsed|not responding|unresponsive|won'?t wake up|"
        r"can'?t wake (him|her|them) up)\b",
        r"\bseizures?\b|\bfitting\b|\bhaving a fit\b|\bconvuls|\beyes (have )?rolled back\b",
        r"\b(jerking|shaking|twitching) (all over |uncontrollably )?on the (floor|ground)\b",
        r"\b(he|she|they|my \w+) (is|are|isn'?t|is not|stopped) (not )?breathing\b",
    ],
    "self_harm": [
        r"\bsuicid",
        r"\b(kill|hurt|harm|cut|hang) (myself|my self)\b",
        r"\bself[- ]?harm",
        r"\bend (my life|it all|everything)\b|\bend it (for good|tonight|today|now|soon)\b",
        r"\b(won'?t|will not|not going to|don'?t plan on|do not plan on|not planning on) (be |being )"
        r"(around|here)\b",
        r"\b(no|what'?s the|whats the|what is the) point (of|in) (carrying on|going on|living|"
        r"being alive|life|waking up)\b",
        r"\b(goodbye|farewell|suicide) (letters?|notes?)\b|\bwritten (letters|notes) to my\b",
        r"\b(want|wanna|going) to die\b|\bwish i (was|were) dead\b",
        r"\b(sleep|go to sleep) (forever|and never wake)",
        r"\b(don'?t|do not|never) want to wake up\b|\bto (not|never) wake up\b",
        r"\b(close|shut) my eyes\b[^.?!]{0,30}\b(never|not) (open|wake)",
        r"\bhow many\b[^.?!]{0,40}\b(to die|to kill|lethal|fatal|to not wake|to never wake)\b",
        r"\bbetter off without me\b",
        r"\bno (reason|point) (to|in) (live|living|go on|going on)\b",
        r"\b(take|swallow) all (of )?my (pills|tablets|medication)\b|\boverdose\b|\boverdosed\b",
        r"\b(swallowed|took|have taken|i'?ve taken|downed)\b[^.?!]{0,15}\b(the whole|a whole|"
        r"the entire|all (of )?(my|the)|a handful of|handfuls of)\b[^.?!]{0,25}"
        r"\b(pills|tablets|bottle|pack|packet|box|medication|meds)\b",
        r"\b(saving|stockpiling|hoarding) (up )?(my )?(pills|tablets|meds)\b",
        r"\bcan'?t go on\b|\bdon'?t want to live\b|\bdon'?t want to be here anymore\b",
    ],
}

_COMPILED = {cat: [re.compile(p) for p in pats] for cat, pats in _PATTERNS.items()}

# A general question about what the treatment may cause is a FAQ, not an emergency.
_GENERAL_QUESTION = re.compile(
    r"(?:^|[.:;!?]\s*)(does|do|can|could|will|would|is|are|what|which|how|might|may)\b[^.!]*"
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


_FEVER = re.compile(
    r"\b(fever|feverish|high temperature|temperature of|chills|shivering|rigors|"
    r"(3[89]|4[01])([.,]\d)? ?(°|degrees|c\b)|(3[89]|4[01])[.,]\d\b|10[1-5]([.,]\d)? ?(°|f\b|degrees))"
)
_HOT_JOINT = re.compile(r"\b(hot|swollen|red|burning|inflamed|puffy)\b")
_JOINT_OR_INJECTION = re.compile(
    r"\b(joints?|knees?|hips?|shoulders?|hands?|wrists?|ankles?|elbows?|injection|injected|"
    r"jab|shot|needle)\b"
)


def _post_injection_infection(text: str) -> str | None:
    # A possibly infected joint (septic arthritis): fever plus a hot, swollen joint.
    fever = _FEVER.search(text)
    if fever and _HOT_JOINT.search(text) and _JOINT_OR_INJECTION.search(text):
        return fever.group(0)
    return None


def detect_red_flag(text: str) -> RedFlag | None:
    """Return the first red flag found in ``text``, or ``None``."""
    lowered = " ".join(text.lower().replace("’", "'").split())
    if not lowered:
        return None
    general = bool(_GENERAL_QUESTION.search(lowered)) and not _HAPPENING_NOW.search(lowered)
    infection = _post_injection_infection(lowered)
    if infection and not general:
        return RedFlag(category="post_injection_infection", matched=infection)
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
    lowered = " ".join(text.lower().replace("’", "'").split())
    at = lowered.find(flag.matched)
    start = max(0, at - EXCERPT_CONTEXT_CHARS)
    excerpt = lowered[start : at + len(flag.matched) + EXCERPT_CONTEXT_CHARS]
    # Context can change the reading (a general question in the window); the bare
    # words that matched are then the safer excerpt.
    return excerpt if detect_red_flag(excerpt) is not None else flag.matched
