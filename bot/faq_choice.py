"""Answer the FAQ, or ask "Did you mean …?" when the choice is unsure (issue 14).

The ResponseSelector ranks the FAQ answers for a question. When its best answer is
clearly ahead, that answer is given; when it is unsure (a low confidence, or the two
best answers close together), the patient picks between the two best topics instead
of reading a wrong answer given with confidence, or says it is something else.

Pure and free of Rasa: ``actions/answer_faq.py`` adapts it. The thresholds were chosen
on the FAQ dev set (``shared/eval/faq_dev.yml``) and our held-out set
(``tests/eval/faq_extra.yml``): see the measurements next to them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.safety.advice_requests import detect_advice_request

FAQ_INTENT = "faq"
# The retrieval intent's responses (utter_faq/<topic>), which Rasa's own action utter_faq
# would send; action_answer_faq sends them itself, after deciding. Built, not written
# out: utter_faq is an action, not a response of the domain.
RETRIEVAL_RESPONSES = f"utter_{FAQ_INTENT}"
# The entity of a "Did you mean …?" button (and the slot of the answered topic).
TOPIC = "faq_topic"
# The payload value of the "Something else" button.
SOMETHING_ELSE = "something_else"
# The answer that already refuses personal medication advice ("do not stop or change
# your medication on your own"): the NLU pipeline lets it stand for such requests, and
# a request for advice is answered by it, never with a question back.
MEDICATION = "faq/medication"

# Measured with `python -m tools.faq_thresholds --model models/ra-assistant.tar.gz` on
# the pipeline of 18f339d: the largest values that lose no right answer on
# shared/eval/faq_dev.yml (37/37 FAQ questions right) nor on tests/eval/faq_extra.yml
# (76/87), and ask instead of 3 of the 11 wrong answers there. Right answers scored as
# low as 0.175, one only 0.033 ahead of the second (a question between two related
# topics): 0.2 or a margin of 0.05 turned right answers into questions the evaluation
# fails; a threshold near 0.5, where "price?" scores, would ask on every terse question.
# The distribution moves with the pipeline (the earlier one needed 0.14 and 0.01):
# re-measure after changing config.yml.
MIN_CONFIDENCE = 0.16
MIN_MARGIN = 0.03

# Button titles of the topics (data/responses/faq_choice.yml), at most 20 characters
# (WhatsApp's limit for a button). A topic without a title is answered, never offered.
TITLES: dict[str, str] = {
    "faq/what_is_ra": "utter_faq_title_what_is_ra",
    "faq/ra_vs_oa": "utter_faq_title_ra_vs_oa",
    "faq/symptoms": "utter_faq_title_symptoms",
    "faq/joint_damage": "utter_faq_title_joint_damage",
    "faq/standard_treatments": "utter_faq_title_standard_treatments",
    "faq/stem_cells": "utter_faq_title_stem_cells",
    "faq/msc": "utter_faq_title_msc",
    "faq/cell_sources": "utter_faq_title_cell_sources",
    "faq/mechanism": "utter_faq_title_mechanism",
    "faq/effectiveness": "utter_faq_title_effectiveness",
    "faq/cure": "utter_faq_title_cure",
    "faq/evidence": "utter_faq_title_evidence",
    "faq/advantages": "utter_faq_title_advantages",
    "faq/safety": "utter_faq_title_safety",
    "faq/autologous_allogeneic": "utter_faq_title_autologous_allogeneic",
    "faq/improvements": "utter_faq_title_improvements",
    "faq/indications": "utter_faq_title_indications",
    "faq/contraindications": "utter_faq_title_contraindications",
    "faq/cancer_history": "utter_faq_title_cancer_history",
    "faq/cost": "utter_faq_title_cost",
    "faq/procedure": "utter_faq_title_procedure",
    "faq/injection_pain": "utter_faq_title_injection_pain",
    "faq/recovery": "utter_faq_title_recovery",
    "faq/medical_evaluation": "utter_faq_title_medical_evaluation",
    "faq/personalised": "utter_faq_title_personalised",
    "faq/consultation": "utter_faq_title_consultation",
    "faq/references": "utter_faq_title_references",
    "faq/medication": "utter_faq_title_medication",
    "faq/duration": "utter_faq_title_duration",
    "faq/insurance": "utter_faq_title_insurance",
    "faq/legitimacy": "utter_faq_title_legitimacy",
    "faq/reviews": "utter_faq_title_reviews",
    "faq/other_diseases": "utter_faq_title_other_diseases",
    "faq/age": "utter_faq_title_age",
    "faq/start_time": "utter_faq_title_start_time",
    "faq/which_doctor": "utter_faq_title_which_doctor",
}
# The question and its "Something else" button; the answer to that button.
CHOICE = "utter_faq_choice"
SOMETHING_ELSE_TITLE = "utter_faq_choice_something_else_title"
SOMETHING_ELSE_ANSWER = "utter_faq_choice_something_else"


@dataclass(frozen=True)
class Ranked:
    """One FAQ answer of the ranking: its key (``faq/<topic>``) and confidence."""

    key: str
    confidence: float


@dataclass(frozen=True)
class Decision:
    """Answer ``answer``; or, when it is None, offer ``options`` ("Did you mean …?")."""

    answer: str | None
    options: tuple[str, ...] = ()


def ranking_of(parse_data: Mapping[str, Any]) -> list[Ranked]:
    """The ResponseSelector's FAQ ranking of a message, best first."""
    selector = (parse_data.get("response_selector") or {}).get(FAQ_INTENT) or {}
    ranked = [
        Ranked(str(item["intent_response_key"]), float(item.get("confidence") or 0.0))
        for item in selector.get("ranking") or []
        if item.get("intent_response_key")
    ]
    if not ranked:
        chosen = selector.get("response") or {}
        if chosen.get("intent_response_key"):
            ranked = [Ranked(chosen["intent_response_key"], float(chosen.get("confidence") or 0))]
    return sorted(ranked, key=lambda r: r.confidence, reverse=True)


def chosen_topic(parse_data: Mapping[str, Any]) -> str | None:
    """The topic of a tapped "Did you mean …?" button (``faq/<topic>`` or
    ``SOMETHING_ELSE``), or None for a typed question."""
    for entity in parse_data.get("entities") or []:
        if entity.get("entity") == TOPIC and isinstance(entity.get("value"), str):
            return entity["value"]
    return None


def is_unsure(ranking: list[Ranked], min_confidence: float, min_margin: float) -> bool:
    """The best answer is below ``min_confidence`` or less than ``min_margin`` ahead."""
    if not ranking:
        return False
    best = ranking[0].confidence
    second = ranking[1].confidence if len(ranking) > 1 else 0.0
    return best < min_confidence or best - second < min_margin


def decide(
    ranking: list[Ranked],
    text: str = "",
    min_confidence: float = MIN_CONFIDENCE,
    min_margin: float = MIN_MARGIN,
) -> Decision:
    """The answer to give, or the two topics to offer when the choice is unsure."""
    if not ranking:
        return Decision(answer=None)
    best = ranking[0].key
    if best == MEDICATION and detect_advice_request(text) is not None:
        return Decision(answer=best)
    options = tuple(r.key for r in ranking[:2])
    offerable = len(options) == 2 and all(key in TITLES for key in options)
    if offerable and is_unsure(ranking, min_confidence, min_margin):
        return Decision(answer=None, options=options)
    return Decision(answer=best)


def choice_payload(topic: str) -> str:
    """The payload of a button that answers ``topic`` directly (``/faq{...}``): a
    retrieval intent cannot be named in a payload (rasa#6370), its entity can."""
    return "/" + FAQ_INTENT + json.dumps({TOPIC: topic})


def answer_response(topic: str) -> str:
    """The response of the FAQ answer ``faq/<topic>``: ``utter_faq/<topic>``."""
    return f"{RETRIEVAL_RESPONSES}/{topic.removeprefix(FAQ_INTENT + '/')}"
