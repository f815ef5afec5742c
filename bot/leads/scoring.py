"""How warm a lead is, from what the conversation shows. Pure; the reasons are stored.

- ``cold``: a contraindication was reported, or little interest is visible;
- ``warm``: some interest (a clear or unsure pre-check, practical questions);
- ``hot``: a clear pre-check together with a wish to talk or to book, or strong
  practical interest and a request for a person.

The advisor sees the reasons, so the rule stays explainable: points, not a model.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from bot.parse_data import faq_key


class Warmth(str, Enum):
    """The advisor's queue order."""

    HOT = "hot"
    WARM = "warm"
    COLD = "cold"


# FAQ topics that show practical intent (money, time, booking).
PRACTICAL_TOPICS = frozenset(
    {"faq/cost", "faq/consultation", "faq/procedure", "faq/duration"}
)
HOT_FROM = 4
WARM_FROM = 2


@dataclass(frozen=True)
class LeadSignals:
    """What the conversation showed about the patient's interest."""

    precheck_outcome: str | None = None  # clear / review / contraindicated / None
    asked_topics: frozenset[str] = frozenset()  # faq/<topic> keys asked
    asked_for_human: bool = False
    indications: frozenset[str] = frozenset()  # e.g. "inadequate_response"


@dataclass(frozen=True)
class LeadScore:
    """The warmth and why."""

    warmth: Warmth
    reasons: tuple[str, ...]


def score_lead(signals: LeadSignals) -> LeadScore:
    """Warmth and reasons for one conversation."""
    if signals.precheck_outcome == "contraindicated":
        return LeadScore(Warmth.COLD, ("the pre-check reported a contraindication",))
    points = 0
    reasons: list[str] = []
    if signals.precheck_outcome == "clear":
        points += 2
        reasons.append("pre-check clear")
    elif signals.precheck_outcome == "review":
        points += 1
        reasons.append("pre-check needs the advisor's review")
    practical = sorted(signals.asked_topics & PRACTICAL_TOPICS)
    if practical:
        points += min(2, len(practical))
        reasons.append("asked about " + ", ".join(t.split("/", 1)[1] for t in practical))
    if signals.asked_for_human:
        points += 2
        reasons.append("asked for a person")
    if signals.indications:
        points += 1
        reasons.append("reported " + ", ".join(sorted(signals.indications)))
    if points >= HOT_FROM:
        warmth = Warmth.HOT
    elif points >= WARM_FROM:
        warmth = Warmth.WARM
    else:
        warmth = Warmth.COLD
        if not reasons:
            reasons.append("no pre-check and no practical questions yet")
    return LeadScore(warmth, tuple(reasons))


def topics_asked(retrieval_keys: Iterable[str | None]) -> frozenset[str]:
    """The FAQ topics among the conversation's retrieval keys."""
    return frozenset(k for k in retrieval_keys if k and k.startswith("faq/"))


HUMAN_INTENT = "request_human"
# The FAQ topic action_answer_faq answered (bot/faq_choice.py: TOPIC).
TOPIC_SLOT = "faq_topic"


def signals_from_events(events: Iterable[dict], precheck_outcome: str | None) -> LeadSignals:
    """Signals from a conversation's events (as Rasa serialises them)."""
    events = list(events)
    parses = [e.get("parse_data") or {} for e in events if e.get("event") == "user"]
    intents = [(p.get("intent") or {}).get("name") for p in parses]
    # Only questions answered as FAQs count: form answers also get a (meaningless)
    # response-selector guess.
    keys = [faq_key(p) for p, intent in zip(parses, intents, strict=True) if intent == "faq"]
    # Topics answered by action_answer_faq, a tapped "Did you mean …?" button included.
    keys += [e.get("value") for e in events if e.get("event") == "slot" and e.get("name") == TOPIC_SLOT]
    return LeadSignals(
        precheck_outcome=precheck_outcome,
        asked_topics=topics_asked(keys),
        asked_for_human=HUMAN_INTENT in intents,
    )
