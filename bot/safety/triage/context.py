"""What surrounds a matched phrase: negation, and questions that are not happening now.

"No fever, no chills" and "what if I got a fever?" mention a red flag without having
one; "no, I'm not joking, I can't breathe" has one. A cue negates only the phrase right
after it (with filler words such as "any" or "real" between), or, in languages that
put it there, right before it ("Fieber hab ich keins"); never across a comma or a "but".
"""

from __future__ import annotations

import re

from bot.safety.triage.ruleset import Cues, Language

# Where one clause ends: punctuation, or "but" in the region's languages.
_CLAUSE_END = re.compile(r"[,;:!?()\n]|\.(?!\d)|\b(?:but|aber|doch|mais|ma|pero|sino|however|though)\b")
_TOKEN = re.compile(r"[\w']+")
_SENTENCE_END = re.compile(r"(?:[.?!\n](?!\d))+")
# How far back a cue may stand from the phrase it negates.
MAX_FILLERS = 3


def _cue_within_reach(words: list[str], cue_words: frozenset[str], fillers: frozenset[str]) -> bool:
    for skipped, word in enumerate(words):
        if word in cue_words:
            return True
        if word not in fillers or skipped >= MAX_FILLERS:
            return False
    return False


def negated(text: str, start: int, end: int, cues: Cues) -> bool:
    """True when the phrase at ``start:end`` in ``text`` is negated by a cue right before
    it or, for the cues that follow what they negate, right after it."""
    prefix = text[:start]
    ends = list(_CLAUSE_END.finditer(prefix))
    before = _TOKEN.findall(prefix[ends[-1].end() :] if ends else prefix)
    if _cue_within_reach(before[::-1], cues.negations, cues.fillers):
        return True
    suffix = text[end:]
    stop = _CLAUSE_END.search(suffix)
    after = _TOKEN.findall(suffix[: stop.start()] if stop else suffix)
    return _cue_within_reach(after, cues.post_negations, cues.fillers)


def sentence_around(text: str, start: int) -> str:
    """The sentence of ``text`` that holds position ``start``."""
    before = [m.end() for m in _SENTENCE_END.finditer(text, 0, start)]
    after = _SENTENCE_END.search(text, start)
    begin = before[-1] if before else 0
    # A question mark ends the sentence it belongs to, so it stays in.
    end = after.end() if after else len(text)
    return text[begin:end]


def is_hypothetical(sentence: str, languages: tuple[Language, ...]) -> bool:
    """True when ``sentence`` asks in general or "what if" (unless ``happening_now``
    says otherwise for the whole message)."""
    return any(p.search(sentence) for lang in languages for p in lang.hypotheticals)


def happening_now(whole: str, languages: tuple[Language, ...]) -> bool:
    """True when something in ``whole`` says it is happening now ("I'm bleeding",
    "right now"): a question in it is then no hypothetical."""
    return any(p.search(whole) for lang in languages for p in lang.happening_now)
