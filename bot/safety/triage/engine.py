"""Triage of one message: the most serious finding of every language's rules.

Runs before the NLU model's guess and in every dialogue state. It errs towards safety:
a false alarm costs a patient one extra message, a missed emergency can cost much
more. A general question about a symptom ("can the injection cause chest pain?") and a
negated one ("no fever") are not red flags; a crisis statement is one even as a
question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.safety.triage.context import happening_now, is_hypothetical, negated, sentence_around
from bot.safety.triage.information import asks_for_information, urgent_now
from bot.safety.triage.levels import Level
from bot.safety.triage.measurements import facts_in, measures_in
from bot.safety.triage.normalise import fold
from bot.safety.triage.ruleset import Category, Language, Rule, cues, languages

ENGLISH = "en"
# Sentences end at . ? ! or a line break, but not at the point of "38.4" or "27.5".
_SENTENCE = re.compile(r"(?:[^.?!\n]|\.(?=\d))+[.?!\n]*")


@dataclass(frozen=True)
class Finding:
    """What the safety net found in a message."""

    category: str
    level: Level
    language: str
    rule: str
    matched: str
    guidance: str

    @property
    def response(self) -> str:
        """The response to send: the category's guidance in the message's language."""
        return guidance_response(self.guidance, self.language)

    def as_metadata(self) -> dict[str, str]:
        """What the NLU pipeline passes on to the actions with the message."""
        return {
            "category": self.category,
            "level": self.level.value,
            "language": self.language,
            "rule": self.rule,
            "response": self.response,
        }


def guidance_response(guidance: str, language: str) -> str:
    """The name of ``guidance`` in ``language`` (utter_poison, utter_poison_fr ...)."""
    return guidance if language == ENGLISH else f"{guidance}_{language}"


def _with_facts(folded: str) -> str:
    # Each measurement's fact goes into the sentence it came from (see measurements).
    parts = []
    for match in _SENTENCE.finditer(folded):
        sentence = match.group(0)
        facts = facts_in(sentence)
        if facts:
            body = sentence.rstrip(".?!\n ")
            tail = sentence[len(body) :]
            sentence = body + "".join(f" fact:{f}" for f in sorted(facts)) + tail
        parts.append(sentence)
    return " ".join(p.strip() for p in parts)


def _prepared(folded: str, language: Language) -> str:
    """``folded`` as ``language``'s rules read it: typos mended, measurements as facts."""
    return _with_facts(language.mender.mend(folded))


def _current_match(
    pattern: re.Pattern[str], text: str, category: Category, now: bool
) -> re.Match[str] | None:
    # ``now``: something in the whole text says it is happening now (asked once per text).
    for match in pattern.finditer(text):
        if negated(text, match.start(), match.end(), cues()):
            continue
        if not (category.always_current or now) and is_hypothetical(
            sentence_around(text, match.start()), languages()
        ):
            continue
        return match
    return None


def _rule_match(rule: Rule, text: str, now: bool) -> str | None:
    for pattern in rule.any:
        match = _current_match(pattern, text, rule.category, now)
        if match is not None:
            return match.group(0)
    if rule.all:
        parts = [_current_match(p, text, rule.category, now) for p in rule.all]
        if all(parts):
            return " + ".join(m.group(0) for m in parts if m is not None)
    return None


def _marker_count(text: str, language: Language) -> int:
    return sum(1 for word in re.findall(r"[\w']+", text) if word in language.markers)


# One turn asks about the same text several times (channel, NLU pipeline, form); a
# few recent texts are enough, and few are kept in memory.
@lru_cache(maxsize=32)
def triage(text: str) -> Finding | None:
    """The most serious finding in ``text``, or ``None`` when it is routine.

    Ties between languages go to the language the message is most likely written in,
    so the guidance is in that language.
    """
    folded = fold(text or "")
    if not folded:
        return None
    best: tuple[int, int, Finding] | None = None
    for language in languages():
        prepared = _prepared(folded, language)
        now = happening_now(prepared, languages())
        for rule in language.rules:
            matched = _rule_match(rule, prepared, now)
            if matched is None:
                continue
            finding = Finding(
                category=rule.category.name,
                level=rule.category.level,
                language=language.code,
                rule=rule.id,
                matched=matched,
                guidance=rule.category.guidance,
            )
            key = (finding.level.rank, _marker_count(folded, language))
            if best is None or key > best[:2]:
                best = (*key, finding)
    return best[2] if best else None


def explained_away(text: str) -> bool:
    """True when ``text`` names a danger the rules read as no red flag: negated ("no
    chest pain"), asked about in general ("can it cause a fever?"), in the past, a
    combination's single part ("a fever"), a normal measurement ("36.8 this morning"),
    or a question for information ("what heart rate is normal?", "the maximum dose before
    it counts as an overdose?", see ``information``).

    The NLU model's own ``emergency`` guess is a second opinion; here the rules have
    read the words it reacted to, and their reading stands.
    """
    if triage(text) is not None:
        return False
    folded = fold(text or "")
    if asks_for_information(folded):
        return True
    if urgent_now(folded):
        # "Right now", "help me", a pulse of 190: a single part of a combination (a
        # racing heart without the faintness) does not overrule the model's emergency.
        return False
    if any(measures_in(match.group(0)) for match in _SENTENCE.finditer(folded)):
        return True
    for language in languages():
        prepared = _prepared(folded, language)
        for rule in language.rules:
            if any(pattern.search(prepared) for pattern in (*rule.any, *rule.all)):
                return True
    return False
